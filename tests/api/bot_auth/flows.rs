//! Logins that work: Telegram and Max, with a session or the static link.

use super::*;

#[tokio::test]
async fn a_login_session_links_to_the_bot_and_starts_pending() {
    let bots = spawn_bots(|_| {}).await;
    let (status, created) = bots
        .post(
            "/v1/auth/session",
            json!({ "state": "browser_session_abc" }),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let id = created["session_id"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 16);
    assert_eq!(
        created["telegram_link"],
        format!("https://t.me/GatewayLoginBot?start=auths_{id}")
    );
    assert_eq!(created["expires_in"], 300);
    assert_eq!(bots.poll(&id).await, json!({ "status": "pending" }));
}

#[tokio::test]
async fn starting_the_bot_with_a_session_offers_login_or_cancel() {
    let bots = spawn_bots(|_| {}).await;
    let id = bots.session("browser_session_abc").await;
    let calls = bots.telegram_start(&format!("auths_{id}")).await;
    let prompt = only_telegram_call(&calls, "sendMessage");
    assert_eq!(prompt["chat_id"], TG_USER);
    assert_eq!(
        prompt["reply_markup"]["inline_keyboard"],
        json!([[
            { "text": "Login", "callback_data": format!("login:{id}") },
            { "text": "Cancel", "callback_data": format!("cancel:{id}") },
        ]])
    );
}

#[tokio::test]
async fn pressing_login_sends_a_code_link_and_announces_completion_without_the_code() {
    let bots = spawn_bots(|_| {}).await;
    let id = bots.session("browser_session_abc").await;
    bots.telegram_start(&format!("auths_{id}")).await;
    let events = bot_auth_events(&bots, &id).await;
    let calls = bots.telegram_press(&format!("login:{id}")).await;
    assert_eq!(
        only_telegram_call(&calls, "answerCallbackQuery")["callback_query_id"],
        "2200591946452893123"
    );
    let sent = only_telegram_call(&calls, "sendMessage");
    let button = &sent["reply_markup"]["inline_keyboard"][0][0];
    assert_eq!(button["text"], "Go to website");
    let code = code_in(button["url"].as_str().expect("url"));
    assert!(code.len() >= 22, "at least 128 bits: {code}");
    let event = next_event(events).await;
    assert_eq!(event["event"]["type"], "bot_auth_session_changed");
    assert_eq!(event["event"]["status"], "completed");
    assert!(
        !event.to_string().contains(&code),
        "events never carry the code"
    );
}

#[tokio::test]
async fn the_status_poll_gives_the_code_once_then_says_expired() {
    let bots = spawn_bots(|_| {}).await;
    let id = bots.session("browser_session_abc").await;
    let code = telegram_login(&bots, &id).await;
    // The QR rule: the code once, then expired.
    assert_eq!(
        bots.poll(&id).await,
        json!({ "status": "completed", "code": code })
    );
    assert_eq!(bots.poll(&id).await, json!({ "status": "expired" }));
}

#[tokio::test]
async fn the_code_verifies_into_the_telegram_user_and_tokens_with_the_state() {
    let bots = spawn_bots(|_| {}).await;
    let id = bots.session("browser_session_abc").await;
    let code = telegram_login(&bots, &id).await;
    let body = bots.verify(&code).await;
    let result = &body["data"]["verifyBotAuthCode"];
    assert_eq!(result["channel"], "TELEGRAM", "{body}");
    assert_eq!(result["firstName"], "John");
    assert_eq!(result["username"], "johndoe");
    assert_eq!(result["avatarUrl"], Value::Null);
    assert_eq!(result["lang"], "ru");
    assert_eq!(result["tags"], json!([]));
    assert_eq!(result["state"], "browser_session_abc");
    assert!(uuid::Uuid::parse_str(result["subscriberId"].as_str().expect("id")).is_ok());
    let tokens = &result["tokens"];
    assert_eq!(tokens["tokenType"], "bearer");
    assert_eq!(tokens["user"]["telegramId"], TG_USER);
    let token = tokens["accessToken"].as_str().expect("token");
    let me = gql(&bots.app, token, ME, json!({})).await;
    assert_eq!(me["me"]["id"], tokens["user"]["id"]);
    assert_eq!(me["me"]["firstName"], "John");
}

#[tokio::test]
async fn a_used_code_is_refused_over_graphql_and_rest() {
    let bots = spawn_bots(|_| {}).await;
    let id = bots.session("browser_session_abc").await;
    let code = telegram_login(&bots, &id).await;
    let first = bots.verify(&code).await;
    assert!(first["errors"].is_null(), "{first}");
    let again = bots.verify(&code).await;
    assert_eq!(error_code(&again), Some("BAD_USER_INPUT"), "{again}");
    let (status, body) = bots.post("/v1/auth/verify", json!({ "code": code })).await;
    assert_eq!(
        (status, body),
        (400, json!({ "detail": "Invalid or expired code" }))
    );
}

#[tokio::test]
async fn the_static_link_logs_in_without_state() {
    let bots = spawn_bots(|_| {}).await;
    let (status, links) = bots.get("/v1/auth/link").await;
    assert_eq!(status, 200);
    assert_eq!(
        links,
        json!({
            "telegram_link": "https://t.me/GatewayLoginBot?start=auth_my-app",
            "max_link": "https://max.ru/gateway_login_bot?start=auth_my-app",
            "configured": true,
        })
    );
    let graphql = gql_public(&bots, "{ botAuthLink { telegramLink maxLink configured } }").await;
    assert_eq!(
        graphql["botAuthLink"]["telegramLink"],
        links["telegram_link"]
    );

    let calls = bots.telegram_start("auth_my-app").await;
    let prompt = only_telegram_call(&calls, "sendMessage");
    assert_eq!(
        prompt["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "login"
    );
    let calls = bots.telegram_press("login").await;
    let sent = only_telegram_call(&calls, "sendMessage");
    let code = code_in(
        sent["reply_markup"]["inline_keyboard"][0][0]["url"]
            .as_str()
            .expect("url"),
    );

    let (status, body) = bots.post("/v1/auth/verify", json!({ "code": code })).await;
    assert_eq!(status, 200, "{body}");
    let subscriber = body["subscriber_id"]
        .as_str()
        .expect("subscriber_id")
        .to_owned();
    assert!(uuid::Uuid::parse_str(&subscriber).is_ok());
    assert_eq!(
        body,
        json!({
            "channel": "telegram",
            "first_name": "John",
            "username": "johndoe",
            "avatar_url": null,
            "subscriber_id": subscriber,
            "lang": "ru",
            "tags": [],
            "state": null,
        })
    );
}

#[tokio::test]
async fn cancel_ends_the_session_and_login_is_refused_after() {
    let bots = spawn_bots(|_| {}).await;
    let id = bots.session("s1").await;
    bots.telegram_start(&format!("auths_{id}")).await;
    let calls = bots.telegram_press(&format!("cancel:{id}")).await;
    assert_eq!(
        only_telegram_call(&calls, "sendMessage")["text"],
        "Login cancelled."
    );
    assert_eq!(bots.poll(&id).await, json!({ "status": "expired" }));

    let calls = bots.telegram_press(&format!("login:{id}")).await;
    let sent = only_telegram_call(&calls, "sendMessage");
    assert!(
        sent["reply_markup"].is_null(),
        "no code after a cancel: {sent}"
    );
    assert_eq!(bots.poll(&id).await, json!({ "status": "expired" }));
}

#[tokio::test]
async fn a_max_login_links_one_account_through_the_subscription() {
    let bots = spawn_bots(|_| {}).await;
    let mut user_ids = Vec::new();
    for state in ["first", "second"] {
        let created = gql_public(
            &bots,
            &format!(r#"mutation {{ createBotAuthSession(state: "{state}") {{ sessionId maxLink expiresIn }} }}"#),
        )
        .await;
        let id = created["createBotAuthSession"]["sessionId"]
            .as_str()
            .expect("id")
            .to_owned();
        assert_eq!(
            created["createBotAuthSession"]["maxLink"],
            format!("https://max.ru/gateway_login_bot?start=auths_{id}")
        );

        let calls = bots
            .max(fixture(
                "max_bot_started.json",
                &[("__PAYLOAD__", &format!("auths_{id}"))],
            ))
            .await;
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert_eq!(calls[0].path, "/messages");
        assert_eq!(calls[0].query, Some(format!("user_id={MAX_USER}")));
        assert_eq!(calls[0].authorization.as_deref(), Some(MAX_TOKEN));
        assert_eq!(
            calls[0].body["attachments"],
            json!([{ "type": "inline_keyboard", "payload": { "buttons": [[
                { "type": "callback", "text": "Login", "payload": format!("login:{id}") },
                { "type": "callback", "text": "Cancel", "payload": format!("cancel:{id}") },
            ]] } }])
        );

        let calls = bots
            .max(fixture(
                "max_message_callback.json",
                &[("__DATA__", &format!("login:{id}"))],
            ))
            .await;
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert_eq!(calls[0].path, "/answers");
        assert!(calls[0]
            .query
            .as_deref()
            .expect("query")
            .starts_with("callback_id=f9LHodD0"));
        let button = &calls[0].body["message"]["attachments"][0]["payload"]["buttons"][0][0];
        assert_eq!(button["type"], "link");
        assert_eq!(button["text"], "Go to website");
        let code = code_in(button["url"].as_str().expect("url"));

        let body = bots.verify(&code).await;
        let result = &body["data"]["verifyBotAuthCode"];
        assert_eq!(result["channel"], "MAX", "{body}");
        assert_eq!(result["firstName"], "Ivan");
        assert_eq!(result["username"], "ivanpetrov");
        assert_eq!(result["lang"], "ru");
        assert_eq!(result["state"], state);
        assert_eq!(result["tokens"]["user"]["telegramId"], Value::Null);
        let token = result["tokens"]["accessToken"].as_str().expect("token");
        let me = gql(&bots.app, token, ME, json!({})).await;
        assert_eq!(me["me"]["firstName"], "Ivan");
        assert_eq!(me["me"]["username"], "ivanpetrov");
        user_ids.push((me["me"]["id"].clone(), result["subscriberId"].clone()));
    }
    assert_eq!(
        user_ids[0], user_ids[1],
        "one account and one subscription per Max id"
    );
}

#[tokio::test]
async fn the_same_telegram_user_logging_in_twice_has_one_account() {
    let bots = spawn_bots(|_| {}).await;
    // The account exists already, from a Mini App login with the same Telegram id.
    let (_, body) = bots
        .app
        .graphql(
            "mutation($d: String!) { authenticateTelegram(initData: $d) { user { id } } }",
            json!({ "d": quick_init_data(TG_USER, "John") }),
            None,
        )
        .await;
    let mini_app_user = body["data"]["authenticateTelegram"]["user"]["id"].clone();
    assert!(mini_app_user.is_string(), "{body}");

    let mut seen = Vec::new();
    for state in ["a", "b"] {
        let id = bots.session(state).await;
        let code = telegram_login(&bots, &id).await;
        let body = bots.verify(&code).await;
        let result = &body["data"]["verifyBotAuthCode"];
        seen.push((
            result["tokens"]["user"]["id"].clone(),
            result["subscriberId"].clone(),
        ));
    }
    assert_eq!(seen[0], seen[1], "one account, one subscription");
    assert_eq!(seen[0].0, mini_app_user, "linked to the Mini App account");
}

#[tokio::test]
async fn pressing_login_again_resends_the_same_code() {
    let bots = spawn_bots(|_| {}).await;
    let id = bots.session("again").await;
    let first = telegram_login(&bots, &id).await;
    let calls = bots.telegram_press(&format!("login:{id}")).await;
    let sent = only_telegram_call(&calls, "sendMessage");
    let second = code_in(
        sent["reply_markup"]["inline_keyboard"][0][0]["url"]
            .as_str()
            .expect("url"),
    );
    assert_eq!(first, second);
    let (status, _) = bots.post("/v1/auth/verify", json!({ "code": first })).await;
    assert_eq!(status, 200);
    let calls = bots.telegram_press(&format!("login:{id}")).await;
    assert!(
        only_telegram_call(&calls, "sendMessage")["reply_markup"].is_null(),
        "a used code is not sent again"
    );
}

#[tokio::test]
async fn without_a_callback_url_bot_login_is_off() {
    let bots = spawn_bots(|env| {
        env.remove("BOT_AUTH_CALLBACK_URL");
    })
    .await;
    let (status, links) = bots.get("/v1/auth/link").await;
    assert_eq!(
        (status, links),
        (
            200,
            json!({ "telegram_link": null, "max_link": null, "configured": false })
        )
    );
    let (status, body) = bots.post("/v1/auth/session", json!({ "state": "s" })).await;
    assert_eq!(
        (status, body),
        (503, json!({ "detail": "Bot login is not configured" }))
    );
    let calls = bots.telegram_start("auth_my-app").await;
    assert!(calls.is_empty(), "the bot stays silent: {calls:?}");
}

/// The `botAuthSession` subscription replaces polling: `PENDING`, then `COMPLETED` with
/// the code once the user presses Login, then the stream completes; a poll after it
/// finds the code already handed out.
#[tokio::test]
async fn the_bot_auth_session_subscription_replaces_polling() {
    let bots = spawn_bots(|_| {}).await;
    let (_, created) = bots
        .post("/v1/auth/session", json!({ "state": "qr" }))
        .await;
    let id = created["session_id"].as_str().expect("id").to_owned();

    let mut socket = crate::helpers::ws::connect(&bots.app, "graphql-transport-ws").await;
    crate::helpers::ws::send(&mut socket, json!({ "type": "connection_init" })).await;
    assert_eq!(
        crate::helpers::ws::next_json(&mut socket).await["type"],
        "connection_ack"
    );
    let query = "subscription($id: ID!) { botAuthSession(id: $id) { status code } }";
    crate::helpers::ws::send(&mut socket, json!({ "id": "b", "type": "subscribe", "payload": { "query": query, "variables": { "id": id } } })).await;
    let pending = crate::helpers::ws::next_json(&mut socket).await;
    assert_eq!(
        pending["payload"]["data"]["botAuthSession"],
        json!({ "status": "PENDING", "code": null })
    );

    let code = telegram_login(&bots, &id).await;
    let completed = crate::helpers::ws::next_json(&mut socket).await;
    assert_eq!(
        completed["payload"]["data"]["botAuthSession"],
        json!({ "status": "COMPLETED", "code": code })
    );
    assert_eq!(
        crate::helpers::ws::next_json(&mut socket).await,
        json!({ "id": "b", "type": "complete" })
    );
    assert_eq!(
        bots.poll(&id).await,
        json!({ "status": "expired" }),
        "the code was handed out once"
    );
}
