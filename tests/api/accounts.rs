//! E-mail accounts, two-factor logins and sessions, through a real SMTP server
//! (aiosmtpd) and an independent TOTP implementation (npm `otpauth`).

use std::{process::Command, time::Duration};

use serde_json::{json, Value};

use crate::helpers::{
    error_code, js_dir, process::free_port, quick_init_data, quick_user, smtp::SmtpSink,
    spawn_app_with, unique_telegram_id, TestApp,
};

fn totp_code(secret: &str, offset_seconds: i64) -> String {
    let output = Command::new("node")
        .arg(js_dir().join("totp.mjs"))
        .arg(secret)
        .arg(offset_seconds.to_string())
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

async fn op(app: &TestApp, query: &str, variables: Value, token: Option<&str>) -> Value {
    let auth = token.map(|t| format!("Bearer {t}"));
    app.graphql(query, variables, auth.as_deref()).await.1
}

const REGISTER: &str = "mutation($e: String!, $p: String!) { register(input: { email: $e, password: $p, name: \"Ada\" }) { message } }";
const LOGIN: &str = "mutation($e: String!, $p: String!, $o: String) { login(email: $e, password: $p, otpCode: $o) { accessToken refreshToken tokenType user { id email emailVerified twoFactorEnabled } } }";

fn email() -> String {
    format!("ada.{}@example.com", uuid::Uuid::new_v4().simple())
}

/// Registers `email`, verifies it with the mailed token and logs in: (access token, id).
async fn verified_user(
    app: &TestApp,
    sink: &SmtpSink,
    email: &str,
    password: &str,
) -> (String, String) {
    op(app, REGISTER, json!({ "e": email, "p": password }), None).await;
    let token = sink.token_for(email, 1).await;
    op(
        app,
        "mutation($t: String!) { verifyEmail(token: $t) { message } }",
        json!({ "t": token }),
        None,
    )
    .await;
    let body = op(app, LOGIN, json!({ "e": email, "p": password }), None).await;
    let login = &body["data"]["login"];
    (
        login["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned(),
        login["user"]["id"].as_str().expect("id").to_owned(),
    )
}

async fn app_with_mail(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(|env| {
        env.insert("SMTP_URL".into(), url);
    })
    .await
}

const VERIFY: &str = "mutation($t: String!) { verifyEmail(token: $t) { message } }";
const PASSWORD: &str = "correct horse battery";

/// A new address registered with [`PASSWORD`] (not verified yet): its login variables.
async fn registered(app: &TestApp) -> (String, Value) {
    let email = email();
    let vars = json!({ "e": email, "p": PASSWORD });
    let body = op(app, REGISTER, vars.clone(), None).await;
    assert!(body["data"]["register"]["message"].is_string(), "{body}");
    (email, vars)
}

/// A verified user with two-factor on: (address, TOTP secret).
async fn two_factor_user(app: &TestApp, sink: &SmtpSink) -> (String, String) {
    let email = email();
    let (access, _) = verified_user(app, sink, &email, PASSWORD).await;
    let setup = op(
        app,
        "mutation { setupTwoFactor { secret otpauthUrl } }",
        json!({}),
        Some(&access),
    )
    .await;
    let secret = setup["data"]["setupTwoFactor"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let enable = "mutation($c: String!) { enableTwoFactor(code: $c) { message } }";
    let body = op(
        app,
        enable,
        json!({ "c": totp_code(&secret, 0) }),
        Some(&access),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    (email, secret)
}

#[tokio::test]
async fn registering_an_address_twice_is_a_conflict() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let (_, vars) = registered(&app).await;
    assert_eq!(
        error_code(&op(&app, REGISTER, vars.clone(), None).await),
        Some("CONFLICT")
    );
}

#[tokio::test]
async fn an_unverified_address_cannot_log_in() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let (_, vars) = registered(&app).await;
    assert_eq!(
        error_code(&op(&app, LOGIN, vars.clone(), None).await),
        Some("FORBIDDEN"),
        "unverified"
    );
}

#[tokio::test]
async fn a_verification_token_works_once() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let (email, _) = registered(&app).await;
    let token = sink.token_for(&email, 1).await;
    let body = op(&app, VERIFY, json!({ "t": token }), None).await;
    assert!(body["errors"].is_null(), "{body}");
    let body = op(&app, VERIFY, json!({ "t": token }), None).await;
    assert_eq!(
        error_code(&body),
        Some("BAD_USER_INPUT"),
        "a token works once"
    );
}

#[tokio::test]
async fn a_verified_address_logs_in_with_a_bearer_token() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let (email, vars) = registered(&app).await;
    let token = sink.token_for(&email, 1).await;
    op(&app, VERIFY, json!({ "t": token }), None).await;
    let body = op(&app, LOGIN, vars.clone(), None).await;
    assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");
    assert_eq!(body["data"]["login"]["tokenType"], "bearer");
    assert_eq!(body["data"]["login"]["user"]["email"], email.as_str());
}

#[tokio::test]
async fn two_factor_setup_gives_an_otpauth_url_that_a_wrong_code_does_not_enable() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let (access, _) = verified_user(&app, &sink, &email(), PASSWORD).await;
    let setup = op(
        &app,
        "mutation { setupTwoFactor { secret otpauthUrl } }",
        json!({}),
        Some(&access),
    )
    .await;
    assert!(setup["data"]["setupTwoFactor"]["otpauthUrl"]
        .as_str()
        .is_some_and(|u| u.starts_with("otpauth://totp/")));
    let enable = "mutation($c: String!) { enableTwoFactor(code: $c) { message } }";
    assert_eq!(
        error_code(&op(&app, enable, json!({ "c": "000000" }), Some(&access)).await),
        Some("UNAUTHENTICATED")
    );
}

#[tokio::test]
async fn with_two_factor_on_a_login_without_a_valid_code_is_refused() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let (email, _) = two_factor_user(&app, &sink).await;
    let vars = json!({ "e": email, "p": PASSWORD });
    let body = op(&app, LOGIN, vars.clone(), None).await;
    assert_eq!(body["errors"][0]["message"], "Two-factor code required");
    let wrong = json!({ "e": email, "p": "correct horse battery", "o": "123456" });
    assert_eq!(
        error_code(&op(&app, LOGIN, wrong, None).await),
        Some("UNAUTHENTICATED")
    );
}

#[tokio::test]
async fn a_two_factor_code_logs_in_once_and_its_replay_is_refused() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let (email, secret) = two_factor_user(&app, &sink).await;
    // The next step's code (accepted within the ±1 step window) logs in once…
    let code = totp_code(&secret, 30);
    let with_code = json!({ "e": email, "p": "correct horse battery", "o": code });
    let body = op(&app, LOGIN, with_code.clone(), None).await;
    assert_eq!(
        body["data"]["login"]["user"]["twoFactorEnabled"], true,
        "{body}"
    );
    // …and a replay of the same code is refused.
    assert_eq!(
        error_code(&op(&app, LOGIN, with_code, None).await),
        Some("UNAUTHENTICATED")
    );
}

const RESET: &str = "mutation($e: String!) { requestPasswordReset(email: $e) { message } }";

#[tokio::test]
async fn a_password_reset_answers_alike_for_an_unknown_address_and_mails_only_the_known_one() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let email = email();
    verified_user(&app, &sink, &email, "first password").await;

    let known = op(&app, RESET, json!({ "e": email }), None).await;
    let unknown = op(&app, RESET, json!({ "e": "nobody@example.com" }), None).await;
    assert_eq!(known, unknown, "same answer either way");
    sink.token_for(&email, 2).await;
    assert!(sink
        .messages()
        .iter()
        .all(|m| m["to"][0] != "nobody@example.com"));
}

#[tokio::test]
async fn a_reset_token_sets_a_new_password_once_and_ends_the_old_sessions() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let email = email();
    let (access, _) = verified_user(&app, &sink, &email, "first password").await;
    op(&app, RESET, json!({ "e": email }), None).await;
    let token = sink.token_for(&email, 2).await;

    let set = "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) { message } }";
    assert_eq!(
        error_code(&op(&app, set, json!({ "t": token, "p": "short" }), None).await),
        Some("BAD_USER_INPUT")
    );
    let body = op(
        &app,
        set,
        json!({ "t": token, "p": "second password" }),
        None,
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        error_code(
            &op(
                &app,
                set,
                json!({ "t": token, "p": "third password" }),
                None
            )
            .await
        ),
        Some("BAD_USER_INPUT")
    );
    assert_eq!(
        error_code(
            &op(
                &app,
                LOGIN,
                json!({ "e": email, "p": "first password" }),
                None
            )
            .await
        ),
        Some("UNAUTHENTICATED")
    );
    assert!(op(
        &app,
        LOGIN,
        json!({ "e": email, "p": "second password" }),
        None
    )
    .await["errors"]
        .is_null());
    let me = op(&app, "{ me { id } }", json!({}), Some(&access)).await;
    assert_eq!(
        error_code(&me),
        Some("UNAUTHENTICATED"),
        "old sessions end with a reset"
    );
}

#[tokio::test]
async fn with_the_mail_server_down_sign_up_fails_cleanly_with_503() {
    let port = free_port();
    let app = spawn_app_with(|env| {
        env.insert("SMTP_URL".into(), format!("smtp://127.0.0.1:{port}"));
    })
    .await;
    let email = email();
    let vars = json!({ "e": email, "p": "correct horse battery" });
    let body = op(&app, REGISTER, vars.clone(), None).await;
    assert_eq!(error_code(&body), Some("SERVICE_UNAVAILABLE"), "{body}");
    assert_eq!(
        error_code(&op(&app, LOGIN, vars.clone(), None).await),
        Some("UNAUTHENTICATED"),
        "no account was left behind"
    );
    let reset = "mutation($e: String!) { requestPasswordReset(email: $e) { message } }";
    assert_eq!(
        error_code(&op(&app, reset, json!({ "e": "x@example.com" }), None).await),
        Some("SERVICE_UNAVAILABLE")
    );
}

const REFRESH: &str = "mutation($r: String!) { refreshToken(refreshToken: $r) { accessToken refreshToken user { id } } }";

async fn telegram_sign_in(app: &TestApp, telegram_id: i64) -> (String, String) {
    let body = op(
        app,
        "mutation($d: String!) { authenticateTelegram(initData: $d) { accessToken refreshToken } }",
        json!({ "d": quick_init_data(telegram_id, "Dev") }),
        None,
    )
    .await;
    let payload = &body["data"]["authenticateTelegram"];
    (
        payload["accessToken"].as_str().expect("access").to_owned(),
        payload["refreshToken"]
            .as_str()
            .expect("refresh")
            .to_owned(),
    )
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_session() {
    let app = spawn_app_with(|_| {}).await;
    let (access, refresh) = telegram_sign_in(&app, unique_telegram_id()).await;
    let body = op(&app, REFRESH, json!({ "r": refresh }), None).await;
    let new_access = body["data"]["refreshToken"]["accessToken"]
        .as_str()
        .expect("access")
        .to_owned();
    let new_refresh = body["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .expect("refresh")
        .to_owned();
    assert!(
        op(&app, "{ me { id } }", json!({}), Some(&access)).await["errors"].is_null(),
        "rotation keeps the session"
    );

    let reuse = op(&app, REFRESH, json!({ "r": refresh }), None).await;
    assert_eq!(error_code(&reuse), Some("UNAUTHENTICATED"));
    assert_eq!(
        error_code(&op(&app, REFRESH, json!({ "r": new_refresh }), None).await),
        Some("UNAUTHENTICATED"),
        "the family is revoked"
    );
    assert_eq!(
        error_code(&op(&app, "{ me { id } }", json!({}), Some(&new_access)).await),
        Some("UNAUTHENTICATED")
    );
    assert_eq!(
        error_code(&op(&app, REFRESH, json!({ "r": new_access }), None).await),
        Some("UNAUTHENTICATED"),
        "an access token is no refresh token"
    );
}

#[tokio::test]
async fn sessions_are_listed_and_revoked_one_by_one_or_all_at_once() {
    let app = spawn_app_with(|_| {}).await;
    let telegram_id = unique_telegram_id();
    let (phone, _) = telegram_sign_in(&app, telegram_id).await;
    let (laptop, _) = telegram_sign_in(&app, telegram_id).await;
    let (tablet, _) = telegram_sign_in(&app, telegram_id).await;
    let list = op(
        &app,
        "{ authSessions { jti current userAgent } }",
        json!({}),
        Some(&phone),
    )
    .await;
    let sessions = list["data"]["authSessions"]
        .as_array()
        .expect("list")
        .clone();
    assert_eq!(sessions.len(), 3, "{list}");
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);

    let other = sessions
        .iter()
        .find(|s| s["current"] == false)
        .expect("another session");
    let body = op(
        &app,
        "mutation($j: String!) { revokeSession(jti: $j) }",
        json!({ "j": other["jti"] }),
        Some(&phone),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let alive: Vec<bool> = futures_util::future::join_all([&laptop, &tablet].map(|t| async {
        op(&app, "{ me { id } }", json!({}), Some(t)).await["errors"].is_null()
    }))
    .await;
    assert_eq!(
        alive.iter().filter(|a| **a).count(),
        1,
        "exactly the revoked one stopped"
    );

    op(
        &app,
        "mutation { revokeAllSessions }",
        json!({}),
        Some(&phone),
    )
    .await;
    for token in [&phone, &laptop, &tablet] {
        assert_eq!(
            error_code(&op(&app, "{ me { id } }", json!({}), Some(token)).await),
            Some("UNAUTHENTICATED")
        );
    }
}

#[tokio::test]
async fn auth_endpoints_are_rate_limited_with_a_retry_time() {
    let (app, clock) = crate::helpers::spawn_app_with_clock(|env| {
        env.insert("LOGIN_RATE_LIMIT_PER_MINUTE".into(), "2".into());
    })
    .await;
    // The limit counts per fixed minute of the app's clock: held still, the three logins
    // share one window however slowly they run.
    clock.freeze();
    let vars = json!({ "e": "nobody@example.com", "p": "whatever12" });
    for _ in 0..2 {
        assert_eq!(
            error_code(&op(&app, LOGIN, vars.clone(), None).await),
            Some("UNAUTHENTICATED")
        );
    }
    let body = op(&app, LOGIN, vars, None).await;
    assert_eq!(error_code(&body), Some("RATE_LIMITED"));
    let retry = body["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .expect("retryAfter");
    assert!((1..=60).contains(&retry));
    assert_eq!(
        body["errors"][0]["message"],
        format!("Rate limit exceeded. Retry in {retry} seconds.")
    );
}

#[tokio::test]
async fn telegram_and_email_identities_meet_in_one_account() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    // A Telegram user adds an e-mail login.
    let telegram_id = unique_telegram_id();
    let (access, _) = telegram_sign_in(&app, telegram_id).await;
    let me = op(&app, "{ me { id } }", json!({}), Some(&access)).await["data"]["me"]["id"].clone();
    let email = email();
    let add =
        "mutation($e: String!, $p: String!) { addEmailLogin(email: $e, password: $p) { message } }";
    assert!(op(
        &app,
        add,
        json!({ "e": email, "p": "telegram+mail" }),
        Some(&access)
    )
    .await["errors"]
        .is_null());
    let token = sink.token_for(&email, 1).await;
    op(
        &app,
        "mutation($t: String!) { verifyEmail(token: $t) { message } }",
        json!({ "t": token }),
        None,
    )
    .await;
    let body = op(
        &app,
        LOGIN,
        json!({ "e": email, "p": "telegram+mail" }),
        None,
    )
    .await;
    assert_eq!(
        body["data"]["login"]["user"]["id"], me,
        "the same account by e-mail"
    );

    // An e-mail user links Telegram; Telegram sign-in then finds that account.
    let other = self::email();
    let (mail_access, mail_id) = verified_user(&app, &sink, &other, "mail first").await;
    let new_tg = unique_telegram_id();
    let link = "mutation($d: String!) { linkTelegram(initData: $d) { id telegramId } }";
    let body = op(
        &app,
        link,
        json!({ "d": quick_init_data(new_tg, "Linked") }),
        Some(&mail_access),
    )
    .await;
    assert_eq!(body["data"]["linkTelegram"]["telegramId"], new_tg, "{body}");
    let (tg_access, _) = telegram_sign_in(&app, new_tg).await;
    let body = op(&app, "{ me { id } }", json!({}), Some(&tg_access)).await;
    assert_eq!(body["data"]["me"]["id"], mail_id, "no second account");

    // A Telegram account that already has its own user cannot be linked elsewhere.
    let (third, _) = quick_user(&app, "Third").await;
    let body = op(
        &app,
        link,
        json!({ "d": quick_init_data(telegram_id, "Dev") }),
        Some(&third),
    )
    .await;
    assert_eq!(error_code(&body), Some("CONFLICT"), "{body}");
}

#[tokio::test]
async fn an_expired_access_token_is_refused_as_expired() {
    let (app, clock) = crate::helpers::spawn_app_with_clock(|env| {
        env.insert("ACCESS_TOKEN_TTL_SECONDS".into(), "60".into());
    })
    .await;
    let (access, _) = telegram_sign_in(&app, unique_telegram_id()).await;
    let exp = jwt_exp(&access);
    assert!(
        exp <= crate::helpers::now_unix() + 65,
        "exp {exp} is far off"
    );
    let body = op(&app, "{ me { id } }", json!({}), Some(&access)).await;
    assert!(body["errors"].is_null(), "valid until its exp: {body}");
    // Expiry is decided by the service's clock: move it past `exp`.
    clock.advance(Duration::from_secs(62));
    let body = op(&app, "{ me { id } }", json!({}), Some(&access)).await;
    assert_eq!(body["errors"][0]["message"], "Access token has expired");
}

/// The `exp` claim of a JWT (read without verifying it).
fn jwt_exp(token: &str) -> i64 {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    let claims: Value = serde_json::from_slice(&bytes).expect("JSON claims");
    claims["exp"].as_i64().expect("exp")
}

/// A scripted conversation between an e-mail user and a Telegram user, through GraphQL
/// only: a private chat, messages both ways, a reply, a reaction, read receipts.
#[tokio::test]
async fn an_email_user_and_a_telegram_user_talk() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let email = email();
    let (mail, mail_id) = verified_user(&app, &sink, &email, "mail user pw").await;
    let (tg, tg_id) = quick_user(&app, "Telegram").await;

    let chat = crate::helpers::chats::private(&app, &mail, &tg_id).await;
    let send = "mutation($c: ID!, $t: String!, $r: ID) { sendMessage(input: { chatId: $c, text: $t, replyToMessageId: $r }) { id } }";
    let first = op(
        &app,
        send,
        json!({ "c": chat, "t": "hello from mail" }),
        Some(&mail),
    )
    .await;
    let first_id = first["data"]["sendMessage"]["id"].clone();
    op(
        &app,
        send,
        json!({ "c": chat, "t": "hi from telegram", "r": first_id }),
        Some(&tg),
    )
    .await;
    op(
        &app,
        "mutation($m: ID!) { toggleReaction(messageId: $m, emoji: \"❤️\") { count } }",
        json!({ "m": first_id }),
        Some(&tg),
    )
    .await;

    let page = "query($c: ID!) { chat(id: $c) { displayTitle unreadCount } messages(chatId: $c) { edges { node { text sender { id } replyTo { id } reactions { emoji count } deliveryStatus } } } }";
    let seen = op(&app, page, json!({ "c": chat }), Some(&mail)).await;
    assert_eq!(seen["data"]["chat"]["displayTitle"], "Telegram");
    assert_eq!(seen["data"]["chat"]["unreadCount"], 1);
    let edges = seen["data"]["messages"]["edges"].as_array().expect("edges");
    assert_eq!(edges[0]["node"]["sender"]["id"], mail_id.as_str());
    assert_eq!(
        edges[0]["node"]["reactions"],
        json!([{ "emoji": "❤️", "count": 1 }])
    );
    assert_eq!(edges[1]["node"]["replyTo"]["id"], first_id);
    assert_eq!(edges[1]["node"]["sender"]["id"], tg_id.as_str());

    let mark = "mutation($c: ID!, $m: ID!) { markMessages(chatId: $c, messageId: $m, status: READ) { lastReadMessageId } }";
    let newest = op(
        &app,
        "query($c: ID!) { messages(chatId: $c, last: 1) { edges { node { id } } } }",
        json!({ "c": chat }),
        Some(&mail),
    )
    .await;
    let newest_id = newest["data"]["messages"]["edges"][0]["node"]["id"].clone();
    op(
        &app,
        mark,
        json!({ "c": chat, "m": newest_id }),
        Some(&mail),
    )
    .await;
    let after = op(&app, page, json!({ "c": chat }), Some(&tg)).await;
    assert_eq!(
        after["data"]["chat"]["displayTitle"], "Ada",
        "the e-mail user's name"
    );
    assert_eq!(
        after["data"]["messages"]["edges"][1]["node"]["deliveryStatus"],
        "READ"
    );
}

/// Repeated wrong passwords lock the account out, from any IP and even for the right
/// password, for a back-off; unknown addresses behave alike; a good login clears it.
#[tokio::test]
async fn repeated_failures_lock_the_account_out_whatever_the_ip() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = spawn_app_with(|env| {
        env.insert("SMTP_URL".into(), url);
        env.insert("LOGIN_RATE_LIMIT_PER_MINUTE".into(), "0".into());
        env.insert("LOGIN_LOCKOUT_AFTER_FAILURES".into(), "3".into());
    })
    .await;
    let address = email();
    verified_user(&app, &sink, &address, "correct horse battery").await;
    let wrong = json!({ "e": address, "p": "wrong password 1" });
    for _ in 0..3 {
        assert_eq!(
            error_code(&op(&app, LOGIN, wrong.clone(), None).await),
            Some("UNAUTHENTICATED")
        );
    }
    let right = json!({ "e": address.to_uppercase(), "p": "correct horse battery" });
    let body = op(&app, LOGIN, right, None).await;
    assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["retryAfter"], 30);

    // An unknown address locks out the same way; another address is not affected.
    let nobody = json!({ "e": "nobody.locked@example.com", "p": "whatever12" });
    for _ in 0..3 {
        op(&app, LOGIN, nobody.clone(), None).await;
    }
    assert_eq!(
        error_code(&op(&app, LOGIN, nobody, None).await),
        Some("RATE_LIMITED")
    );
    let other = json!({ "e": "someone.else@example.com", "p": "whatever12" });
    assert_eq!(
        error_code(&op(&app, LOGIN, other, None).await),
        Some("UNAUTHENTICATED")
    );
}

/// `GRAPHQL_RATE_LIMIT_PER_MINUTE` counts operations per user (per IP when anonymous)
/// and refuses with 429, `RATE_LIMITED` and the seconds to wait.
#[tokio::test]
async fn graphql_operations_are_rate_limited_per_caller() {
    let app = spawn_app_with(|env| {
        env.insert("GRAPHQL_RATE_LIMIT_PER_MINUTE".into(), "3".into());
    })
    .await;
    // 7 requests span at most two one-minute windows: at least one is refused.
    let mut refused = None;
    for _ in 0..7 {
        let response = app
            .http
            .post(app.url("/graphql"))
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .expect("sent");
        if response.status() == 429 {
            let retry_after: u64 = response.headers()["retry-after"]
                .to_str()
                .expect("ascii")
                .parse()
                .expect("seconds");
            let body: Value = response.json().await.expect("json");
            refused = Some((retry_after, body));
            break;
        }
        assert_eq!(response.status(), 200);
    }
    let (retry_after, body) = refused.expect("the fourth operation in a minute is refused");
    assert!((1..=60).contains(&retry_after));
    assert_eq!(error_code(&body), Some("RATE_LIMITED"));
    assert_eq!(body["errors"][0]["extensions"]["retryAfter"], retry_after);
    // A signed-in user has a budget of their own (here signed in with raw initData).
    let init_data = quick_init_data(unique_telegram_id(), "Budget");
    let (status, body) = app
        .graphql(
            "{ me { id } }",
            json!({}),
            Some(&format!("tma {init_data}")),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["me"]["id"].is_string(), "{body}");
}
