//! §5 over REST: registration through a real SMTP sink, verification, logins,
//! refresh rotation, sessions, two-factor, password reset, rate limits.

use std::process::Command;

use serde_json::json;

use super::{assert_seed_timestamp, assert_shape, seed, Client};
use crate::helpers::{js_dir, smtp::SmtpSink, spawn_app_with, TestApp};

fn email() -> String {
    format!("benya.{}@example.com", uuid::Uuid::new_v4().simple())
}

fn username() -> String {
    format!("benya_{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// A TOTP code from the independent `otpauth` package.
fn totp(secret: &str, offset_seconds: i64) -> String {
    let output = Command::new("node")
        .arg(js_dir().join("totp.mjs"))
        .arg(secret)
        .arg(offset_seconds.to_string())
        .output()
        .expect("node runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).expect("utf-8")
}

async fn app_with_mail(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(|env| {
        env.insert("SMTP_URL".into(), url);
    })
    .await
}

/// Registers (the seed's `RegisterRequest`) and verifies; returns the address and the
/// username.
async fn verified_account(
    client: &Client<'_>,
    sink: &SmtpSink,
    password: &str,
) -> (String, String) {
    let email = email();
    let name = username();
    let body = json!({ "email": email, "name": "Benya", "username": name, "password": password });
    let reply = client.post("/auth/register", body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(super::keys(&reply.body), ["message".to_owned()].into());
    let token = sink.token_for(&email, 1).await;
    let verified = Client::expect(
        client
            .post("/auth/verify-email", json!({ "token": token }))
            .await,
        200,
    );
    assert!(verified["message"].is_string(), "{verified}");
    (email, name)
}

/// `POST /auth/login` with the seed's `LoginRequest`; returns (access, refresh).
async fn login(client: &Client<'_>, email: &str, password: &str, otp: &str) -> (String, String) {
    let body = json!({ "email": email, "password": password, "otp_code": otp });
    let tokens = Client::expect(client.post("/auth/login", body).await, 200);
    assert_shape(&tokens, seed::TOKEN_RESPONSE);
    assert_eq!(tokens["token_type"], "bearer");
    (
        tokens["access_token"].as_str().expect("access").to_owned(),
        tokens["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_owned(),
    )
}

/// A verified account with the password "strongpassword": its address.
async fn account(app: &TestApp, sink: &SmtpSink) -> String {
    verified_account(&Client::anonymous(app), sink, "strongpassword")
        .await
        .0
}

/// The seed's `RegisterRequest` for a new address: (address, body).
fn registration() -> (String, serde_json::Value) {
    let email = email();
    let body = json!({ "email": email, "name": "Benya", "username": username(),
                       "password": "strongpassword" });
    (email, body)
}

#[tokio::test]
async fn registering_an_address_twice_is_a_conflict() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let anonymous = Client::anonymous(&app);
    let (_, register) = registration();
    let reply = anonymous.post("/auth/register", register.clone()).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let again = anonymous.post("/auth/register", register).await;
    assert_eq!(again.status, 409, "{}", again.text);
    assert_eq!(again.detail(), "Email is already registered");
}

#[tokio::test]
async fn an_unverified_address_cannot_log_in() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let anonymous = Client::anonymous(&app);
    let (email, register) = registration();
    Client::expect(anonymous.post("/auth/register", register).await, 201);
    // The seed's LoginRequest carries an otp_code; without 2FA it is ignored.
    let early = json!({ "email": email, "password": "strongpassword", "otp_code": "123456" });
    let reply = anonymous.post("/auth/login", early).await;
    assert_eq!(reply.status, 403, "{}", reply.text);
    assert_eq!(reply.detail(), "Email is not verified");
}

#[tokio::test]
async fn a_verification_token_verifies_once() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let anonymous = Client::anonymous(&app);
    let (email, register) = registration();
    Client::expect(anonymous.post("/auth/register", register).await, 201);
    let token = sink.token_for(&email, 1).await;
    let verify = json!({ "token": token });
    let body = Client::expect(
        anonymous.post("/auth/verify-email", verify.clone()).await,
        200,
    );
    assert_eq!(super::keys(&body), ["message".to_owned()].into());
    let reused = anonymous.post("/auth/verify-email", verify).await;
    assert_eq!(reused.status, 422, "{}", reused.text);
    assert!(reused.detail().starts_with("token: "), "{}", reused.text);
}

#[tokio::test]
async fn a_verified_user_logs_in_and_reads_their_account_in_the_seed_shapes() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let anonymous = Client::anonymous(&app);
    let (email, name) = verified_account(&anonymous, &sink, "strongpassword").await;
    let (access_a, _) = login(&anonymous, &email, "strongpassword", "123456").await;
    let device_a = Client::with_token(&app, &access_a);
    let me = Client::expect(device_a.get("/auth/me").await, 200);
    assert_shape(&me, seed::AUTH_USER_RESPONSE);
    assert_eq!(me["email"], email.as_str());
    assert_eq!(me["name"], "Benya");
    assert_eq!(me["username"], name.as_str());
    assert_eq!(
        (me["email_verified"].clone(), me["twofa_enabled"].clone()),
        (json!(true), json!(false))
    );
    assert_seed_timestamp(&me["created_at"]);
    let user = Client::expect(device_a.get("/users/me").await, 200);
    assert_shape(&user, seed::USER_READ);
    assert_eq!(user["email"], email.as_str());
}

#[tokio::test]
async fn each_login_is_a_session_and_revoking_one_ends_its_access_token() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let anonymous = Client::anonymous(&app);
    let email = account(&app, &sink).await;
    let (access_a, _) = login(&anonymous, &email, "strongpassword", "123456").await;
    let device_a = Client::with_token(&app, &access_a);
    let (access_b, _) = login(&anonymous, &email, "strongpassword", "").await;
    let device_b = Client::with_token(&app, &access_b);
    let sessions = Client::expect(device_b.get("/auth/sessions").await, 200);
    let sessions = sessions.as_array().expect("a list").clone();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    for session in &sessions {
        let expected = [
            "jti",
            "user_agent",
            "ip",
            "created_at",
            "last_used_at",
            "expires_at",
            "current",
        ];
        assert_eq!(super::keys(session), expected.map(str::to_owned).into());
    }
    let other = sessions
        .iter()
        .find(|s| s["current"] == false)
        .expect("device A");
    let jti = other["jti"].as_str().expect("jti");
    device_b
        .delete(&format!("/auth/sessions/{jti}"))
        .await
        .assert_no_content();
    let revoked = device_a.get("/auth/me").await;
    assert_eq!(revoked.status, 401, "{}", revoked.text);
    assert_eq!(revoked.detail(), "Access token has been revoked");
}

#[tokio::test]
async fn revoking_an_unknown_session_is_not_found() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let email = account(&app, &sink).await;
    let (access, _) = login(&Client::anonymous(&app), &email, "strongpassword", "").await;
    let device_b = Client::with_token(&app, &access);
    let unknown = device_b
        .delete(&format!("/auth/sessions/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(
        (unknown.status, unknown.detail()),
        (404, "Session not found")
    );
}

#[tokio::test]
async fn a_refresh_token_rotates_once_and_its_replay_is_refused() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let anonymous = Client::anonymous(&app);
    let email = account(&app, &sink).await;
    let (_, refresh_b) = login(&anonymous, &email, "strongpassword", "").await;
    let rotated = Client::expect(
        anonymous
            .post("/auth/refresh", json!({ "refresh_token": refresh_b }))
            .await,
        200,
    );
    assert_shape(&rotated, seed::TOKEN_RESPONSE);
    let replay = anonymous
        .post("/auth/refresh", json!({ "refresh_token": refresh_b }))
        .await;
    assert_eq!(replay.status, 401, "{}", replay.text);
    assert!(replay.detail().contains("already used"), "{}", replay.text);
}

#[tokio::test]
async fn revoking_every_session_ends_the_callers_own_access_token() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let email = account(&app, &sink).await;
    let (access_c, _) = login(&Client::anonymous(&app), &email, "strongpassword", "").await;
    let device_c = Client::with_token(&app, &access_c);
    device_c.delete("/auth/sessions").await.assert_no_content();
    let after = device_c.get("/auth/me").await;
    assert_eq!(after.status, 401, "{}", after.text);
    after.detail();
}

#[tokio::test]
async fn two_factor_setup_gives_an_otpauth_secret_that_a_wrong_code_does_not_enable() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let email = account(&app, &sink).await;
    let (access, _) = login(&Client::anonymous(&app), &email, "strongpassword", "").await;
    let me = Client::with_token(&app, &access);

    let setup = Client::expect(me.post_empty("/auth/2fa/setup").await, 200);
    assert_shape(&setup, seed::TWO_FACTOR_SETUP);
    assert!(setup["otpauth_url"]
        .as_str()
        .is_some_and(|u| u.starts_with("otpauth://")));
    let wrong = me
        .post("/auth/2fa/enable", json!({ "code": "000000" }))
        .await;
    assert_eq!(
        (wrong.status, wrong.detail()),
        (401, "Invalid two-factor code")
    );
}

#[tokio::test]
async fn with_two_factor_on_a_login_needs_a_code_and_a_current_code_turns_it_off() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let anonymous = Client::anonymous(&app);
    let email = account(&app, &sink).await;
    let (access, _) = login(&anonymous, &email, "strongpassword", "").await;
    let me = Client::with_token(&app, &access);
    let setup = Client::expect(me.post_empty("/auth/2fa/setup").await, 200);
    let secret = setup["secret"].as_str().expect("secret").to_owned();
    let enabled = Client::expect(
        me.post("/auth/2fa/enable", json!({ "code": totp(&secret, -30) }))
            .await,
        200,
    );
    assert!(enabled["message"].is_string());

    let no_code = json!({ "email": email, "password": "strongpassword" });
    let reply = anonymous.post("/auth/login", no_code).await;
    assert_eq!(
        (reply.status, reply.detail()),
        (401, "Two-factor code required")
    );
    let (access, _) = login(&anonymous, &email, "strongpassword", &totp(&secret, 0)).await;
    let me = Client::with_token(&app, &access);
    let profile = Client::expect(me.get("/auth/me").await, 200);
    assert_eq!(profile["twofa_enabled"], true);
    let disabled = Client::expect(
        me.post("/auth/2fa/disable", json!({ "code": totp(&secret, 30) }))
            .await,
        200,
    );
    assert!(disabled["message"].is_string());
}

#[tokio::test]
async fn resending_the_verification_answers_with_a_message() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let email = account(&app, &sink).await;
    let resend = Client::expect(
        Client::anonymous(&app)
            .post("/auth/resend-verification", json!({ "email": email }))
            .await,
        200,
    );
    assert_eq!(super::keys(&resend), ["message".to_owned()].into());
}

#[tokio::test]
async fn a_password_reset_request_answers_alike_for_an_unknown_address() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let anonymous = Client::anonymous(&app);
    let email = account(&app, &sink).await;
    let known = Client::expect(
        anonymous
            .post("/auth/request-password-reset", json!({ "email": email }))
            .await,
        200,
    );
    let unknown = Client::expect(
        anonymous
            .post(
                "/auth/request-password-reset",
                json!({ "email": "nobody@example.com" }),
            )
            .await,
        200,
    );
    assert_eq!(known, unknown, "the same answer either way");
}

#[tokio::test]
async fn a_reset_token_sets_a_strong_new_password_and_ends_every_session() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let anonymous = Client::anonymous(&app);
    let email = account(&app, &sink).await;
    let (access, _) = login(&anonymous, &email, "strongpassword", "").await;
    let me = Client::with_token(&app, &access);
    Client::expect(
        anonymous
            .post("/auth/request-password-reset", json!({ "email": email }))
            .await,
        200,
    );
    let token = sink.token_for(&email, 2).await;
    let short = anonymous
        .post(
            "/auth/reset-password",
            json!({ "token": token, "new_password": "short" }),
        )
        .await;
    assert_eq!(short.status, 422, "{}", short.text);
    assert!(
        short.detail().starts_with("new_password: "),
        "{}",
        short.text
    );
    let body = json!({ "token": token, "new_password": "newStrongPassword" });
    Client::expect(anonymous.post("/auth/reset-password", body).await, 200);
    let old = me.get("/auth/me").await;
    assert_eq!(old.status, 401, "a reset ends every session: {}", old.text);
    login(&anonymous, &email, "newStrongPassword", "").await;
}

#[tokio::test]
async fn auth_rate_limits_answer_429_with_the_seed_message() {
    let app = spawn_app_with(|env| {
        env.insert("LOGIN_RATE_LIMIT_PER_MINUTE".into(), "2".into());
    })
    .await;
    let anonymous = Client::anonymous(&app);
    let body = json!({ "email": "nobody@example.com", "password": "whatever-it-is" });
    let first = anonymous.post("/auth/login", body.clone()).await;
    assert_eq!(
        (first.status, first.detail()),
        (401, "Invalid email or password")
    );
    // A minute boundary resets the window, so a few more tries may be needed.
    for _ in 0..5 {
        let reply = anonymous.post("/auth/login", body.clone()).await;
        if reply.status == 401 {
            continue;
        }
        assert_eq!(reply.status, 429, "{}", reply.text);
        let retry_after: u64 = reply.headers["retry-after"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("seconds");
        assert!((1..=60).contains(&retry_after));
        assert_eq!(
            reply.detail(),
            format!("Rate limit exceeded. Retry in {retry_after} seconds.")
        );
        return;
    }
    panic!("no 429 after 6 logins with a limit of 2 per minute");
}
