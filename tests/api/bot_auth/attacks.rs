//! The attacks the issue names: webhooks without or with a wrong secret, a reused or
//! expired code, forged session ids and `state`.

use super::*;

#[tokio::test]
async fn webhooks_refuse_a_missing_or_wrong_secret_and_do_nothing() {
    let bots = spawn_bots(|_| {}).await;
    let id = bots.session("s").await;
    let tg_update = || {
        fixture(
            "telegram_start.json",
            &[("__PAYLOAD__", &format!("auths_{id}"))],
        )
    };
    let max_update = || {
        fixture(
            "max_bot_started.json",
            &[("__PAYLOAD__", &format!("auths_{id}"))],
        )
    };
    let tg = "X-Telegram-Bot-Api-Secret-Token";
    let max = "X-Max-Bot-Api-Secret";
    for (path, header, body, expected) in [
        ("/bot/telegram/webhook", None, tg_update(), 401),
        (
            "/bot/telegram/webhook",
            Some((tg, "wrong")),
            tg_update(),
            403,
        ),
        (
            "/bot/telegram/webhook",
            Some((max, TELEGRAM_SECRET)),
            tg_update(),
            401,
        ),
        (
            "/bot/telegram/webhook",
            Some((tg, MAX_SECRET)),
            tg_update(),
            403,
        ),
        ("/bot/max/webhook", None, max_update(), 401),
        ("/bot/max/webhook", Some((max, "wrong")), max_update(), 403),
        (
            "/bot/max/webhook",
            Some((max, TELEGRAM_SECRET)),
            max_update(),
            403,
        ),
    ] {
        let status = bots.webhook(path, header, body).await;
        assert_eq!(status, expected, "{path} with {header:?}");
    }
    assert!(bots.api.take().is_empty(), "the bot said nothing");
    assert_eq!(bots.poll(&id).await, json!({ "status": "pending" }));
    // Another account can still open the link: nobody claimed it.
    let calls = bots.telegram_start(&format!("auths_{id}")).await;
    assert!(only_telegram_call(&calls, "sendMessage")["reply_markup"].is_object());

    // With the right secret, updates the bot does not act on are acknowledged silently.
    for body in [
        "not json".to_owned(),
        json!({ "update_id": 1, "edited_message": { "message_id": 1 } }).to_string(),
        fixture("telegram_start.json", &[("/start __PAYLOAD__", "hello")]),
    ] {
        bots.telegram(body).await;
    }
    let status = bots
        .webhook(
            "/bot/max/webhook",
            Some((max, MAX_SECRET)),
            json!({ "update_type": "dialog_muted", "timestamp": 1, "chat_id": 1, "user": { "user_id": 1 } })
                .to_string(),
        )
        .await;
    assert_eq!(status, 200);
    assert!(bots.api.take().is_empty());
}

#[tokio::test]
async fn an_unconfigured_webhook_is_not_there() {
    let bots = spawn_bots(|env| {
        env.remove("TELEGRAM_WEBHOOK_SECRET");
    })
    .await;
    let body = fixture("telegram_start.json", &[("__PAYLOAD__", "auth_my-app")]);
    let header = Some(("X-Telegram-Bot-Api-Secret-Token", ""));
    assert_eq!(
        bots.webhook("/bot/telegram/webhook", header, body).await,
        404
    );
    assert!(bots.api.take().is_empty());
}

#[tokio::test]
async fn an_expired_code_is_neither_handed_out_nor_accepted() {
    let bots = spawn_bots(|env| {
        env.insert("BOT_AUTH_CODE_TTL_SECONDS".into(), "60".into());
    })
    .await;
    let id = bots.session("late").await;
    let code = telegram_login(&bots, &id).await;
    // Past the code's lifetime, within the session's (300 s by default).
    bots.clock.advance(Duration::from_secs(61));
    assert_eq!(bots.poll(&id).await, json!({ "status": "expired" }));
    let (status, body) = bots.post("/v1/auth/verify", json!({ "code": code })).await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (400, Some("Invalid or expired code"))
    );
    assert_eq!(
        error_code(&bots.verify(&code).await),
        Some("BAD_USER_INPUT")
    );
}

#[tokio::test]
async fn forged_session_ids_and_states_get_no_login() {
    let bots = spawn_bots(|_| {}).await;
    let invalid = "This login link is invalid or has expired. Open a new one on the website.";
    // Unknown (well-formed) and malformed session ids, a wrong static slug.
    for payload in [
        "auths_AAAAAAAAAAAAAAAA",
        "auths_../../etc",
        "auth_other-app",
        "auths_",
    ] {
        let calls = bots.telegram_start(payload).await;
        let sent = only_telegram_call(&calls, "sendMessage");
        assert_eq!(sent["text"], invalid, "{payload}");
        assert!(sent["reply_markup"].is_null(), "{payload}: no buttons");
    }
    let calls = bots.telegram_press("login:AAAAAAAAAAAAAAAA").await;
    assert!(only_telegram_call(&calls, "sendMessage")["reply_markup"].is_null());

    // A session opened by one account cannot be completed or cancelled by another.
    let id = bots.session("victim-browser").await;
    bots.telegram_start(&format!("auths_{id}")).await;
    let intruder = 6_000_000_001;
    for data in [format!("login:{id}"), format!("cancel:{id}")] {
        let update = fixture("telegram_callback_query.json", &[("__DATA__", &data)]);
        bots.telegram(as_telegram_user(update, intruder)).await;
        let calls = bots.api.take();
        let sent = only_telegram_call(&calls, "sendMessage");
        assert_eq!(
            sent["text"],
            "This login link was opened from another account."
        );
    }
    let update = fixture(
        "telegram_start.json",
        &[("__PAYLOAD__", &format!("auths_{id}"))],
    );
    bots.telegram(as_telegram_user(update, intruder)).await;
    assert!(only_telegram_call(&bots.api.take(), "sendMessage")["reply_markup"].is_null());
    assert_eq!(bots.poll(&id).await, json!({ "status": "pending" }));

    // `state` is the creator's, bounded; verify takes nothing but the code.
    let (status, body) = bots
        .post("/v1/auth/session", json!({ "state": "x".repeat(513) }))
        .await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (400, Some("must be at most 512 characters"))
    );
    let code = telegram_login(&bots, &id).await;
    let (status, body) = bots
        .post(
            "/v1/auth/verify",
            json!({ "code": code, "state": "attacker" }),
        )
        .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("victim-browser"))
    );
    let (status, body) = bots.get("/v1/auth/session/AAAAAAAAAAAAAAAA/status").await;
    assert_eq!(
        (status, body),
        (404, json!({ "detail": "Session not found" }))
    );
    let (status, _) = bots.post("/v1/auth/verify", json!({})).await;
    assert_eq!(status, 422, "a body without code");
}
