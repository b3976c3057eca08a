//! Telegram initData and JWT authentication end to end, with initData signed by the
//! independent `@telegram-apps/init-data-node` package.

use serde_json::json;

use crate::helpers::{
    error_code, now_unix, sign_in, sign_init_data, spawn_app, telegram_user_init_data,
    unique_telegram_id, BOT_TOKEN,
};

const ME: &str =
    "{ me { id telegramId firstName lastName username languageCode isPremium displayName } }";

#[tokio::test]
async fn validate_init_data_returns_the_parsed_fields() {
    let app = spawn_app().await;
    let init_data = telegram_user_init_data(279058397, "Vladislav");
    let (status, body) = app
        .graphql(
            "mutation($d: String!) { validateInitData(initData: $d) {
                queryId chatType chatInstance startParam authDate
                user { id firstName lastName username languageCode isPremium }
             } }",
            json!({ "d": init_data }),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let data = &body["data"]["validateInitData"];
    assert_eq!(data["queryId"], "AAHdF6IQAAAAAN0XohDhrOrc");
    assert_eq!(data["chatType"], "private");
    assert_eq!(data["chatInstance"], "-8134722200314281151");
    assert_eq!(data["startParam"], "ref42");
    assert!(data["authDate"]
        .as_i64()
        .is_some_and(|d| (now_unix() - d).abs() < 60));
    assert_eq!(data["user"]["id"], 279058397);
    assert_eq!(data["user"]["username"], "tg279058397");
    assert_eq!(data["user"]["isPremium"], true);
}

#[tokio::test]
async fn authenticate_telegram_creates_the_user_once_and_me_answers_for_jwt_and_init_data() {
    let app = spawn_app().await;
    let telegram_id = unique_telegram_id();
    let (token, user_id) = sign_in(&app, telegram_id, "Ada").await;

    let (status, body) = app
        .graphql(ME, json!({}), Some(&format!("Bearer {token}")))
        .await;
    assert_eq!(status, 200, "{body}");
    let me = &body["data"]["me"];
    assert_eq!(me["id"], user_id.as_str());
    assert_eq!(
        me["telegramId"], telegram_id,
        "64-bit id survives as a JSON number"
    );
    assert_eq!(me["firstName"], "Ada");
    assert_eq!(me["displayName"], "Ada Tester");

    let raw = telegram_user_init_data(telegram_id, "Ada");
    for header in [format!("tma {raw}"), format!("Bearer {raw}")] {
        let (status, body) = app.graphql(ME, json!({}), Some(&header)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["data"]["me"]["id"],
            user_id.as_str(),
            "same account, not a second one"
        );
    }

    let (_, again) = sign_in(&app, telegram_id, "Ada").await;
    assert_eq!(again, user_id);
}

#[tokio::test]
async fn a_changed_telegram_name_updates_the_profile() {
    let app = spawn_app().await;
    let telegram_id = unique_telegram_id();
    let (_, user_id) = sign_in(&app, telegram_id, "Old").await;
    let (token, same_id) = sign_in(&app, telegram_id, "New").await;
    assert_eq!(same_id, user_id);
    let (_, body) = app
        .graphql(ME, json!({}), Some(&format!("Bearer {token}")))
        .await;
    assert_eq!(body["data"]["me"]["firstName"], "New");
}

#[tokio::test]
async fn bad_init_data_is_unauthenticated_with_a_clear_message() {
    let app = spawn_app().await;
    let user = json!({ "user": { "id": 42, "first_name": "Eve" } });
    let wrong_bot = sign_init_data("7000000002:AAother-bot", now_unix(), user.clone());
    let expired = sign_init_data(BOT_TOKEN, now_unix() - 7200, user.clone());
    let future = sign_init_data(BOT_TOKEN, now_unix() + 7200, user.clone());
    let valid = sign_init_data(BOT_TOKEN, now_unix(), user);
    let tampered = valid.replace("Eve", "Mallory");
    let cases = [
        (wrong_bot, "initData signature is invalid"),
        (expired, "initData has expired"),
        (future, "initData auth_date is in the future"),
        (tampered, "initData signature is invalid"),
        ("".to_owned(), "initData is empty"),
        (
            "test&foo=bar=baz".to_owned(),
            "initData is not a valid query string",
        ),
    ];
    for (init_data, message) in cases {
        let (status, body) = app
            .graphql(
                "mutation($d: String!) { authenticateTelegram(initData: $d) { accessToken } }",
                json!({ "d": init_data }),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
        assert_eq!(body["errors"][0]["message"], message);
        assert_eq!(body["data"], serde_json::Value::Null);
    }
}

#[tokio::test]
async fn me_without_or_with_a_bad_credential_is_unauthenticated() {
    let app = spawn_app().await;
    let cases = [
        (None, "Authentication required"),
        (Some("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.bad"), "Access token is invalid"),
        (Some("Basic dXNlcjpwYXNz"), "Authorization header must be 'Bearer <token>', 'Bearer <initData>' or 'tma <initData>'"),
        (Some("tma auth_date=1&hash=00"), "initData signature is invalid"),
    ];
    for (auth, message) in cases {
        let (status, body) = app.graphql(ME, json!({}), auth).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{auth:?}");
        assert_eq!(body["errors"][0]["message"], message);
    }
}

#[tokio::test]
async fn a_token_signed_with_another_secret_is_refused() {
    let app = spawn_app().await;
    let other = crate::helpers::spawn_app().await;
    let (foreign_token, _) = sign_in(&other, unique_telegram_id(), "Ext").await;
    let (_, body) = app
        .graphql(ME, json!({}), Some(&format!("Bearer {foreign_token}")))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn email_is_visible_to_its_owner_only_and_user_lookups_work() {
    let app = spawn_app().await;
    let alice_tg = unique_telegram_id();
    let (alice, alice_id) = sign_in(&app, alice_tg, "Alice").await;
    let (bob, _) = sign_in(&app, unique_telegram_id(), "Bob").await;
    let query = "query($id: ID!, $tg: BigInt!) { user(id: $id) { id email } userByTelegramId(telegramId: $tg) { id } }";
    let vars = json!({ "id": alice_id, "tg": alice_tg.to_string() });
    let (_, body) = app
        .graphql(query, vars.clone(), Some(&format!("Bearer {bob}")))
        .await;
    assert_eq!(body["data"]["user"]["id"], alice_id.as_str());
    assert_eq!(body["data"]["user"]["email"], serde_json::Value::Null);
    assert_eq!(body["data"]["userByTelegramId"]["id"], alice_id.as_str());
    let (_, body) = app
        .graphql(query, vars, Some(&format!("Bearer {alice}")))
        .await;
    assert!(body["errors"].is_null(), "{body}");

    let (_, body) = app
        .graphql(
            "{ user(id: \"abc\") { id } }",
            json!({}),
            Some(&format!("Bearer {bob}")),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(
        body["errors"][0]["extensions"]["fields"]["id"],
        "must be a positive integer id"
    );
}

/// With `AUTH_STATE_CACHE_MS` on, a token's revocation state is read from Postgres once
/// per window (a second request runs no statement for it); a logout applies at once on
/// the instance that made it and, through Redis, on a sibling instance long before the
/// window ends.
#[tokio::test]
async fn cached_token_states_still_see_a_logout_at_once_on_every_instance() {
    let app = crate::helpers::spawn_app_with(|env| {
        env.insert("AUTH_STATE_CACHE_MS".into(), "600000".into());
    })
    .await;
    let sibling = crate::helpers::spawn_sibling(&app).await;
    let (token, id) = crate::helpers::quick_user(&app, "Cached").await;
    let token = format!("Bearer {token}");
    let me = "{ me { id } }";
    for instance in [&app, &sibling] {
        let mut costs = Vec::new();
        for _ in 0..2 {
            let before = instance.db.statements_executed();
            let (status, body) = instance.graphql(me, json!({}), Some(&token)).await;
            let got = body["data"]["me"]["id"].as_str();
            assert_eq!((status, got), (200, Some(&*id)), "{body}");
            costs.push(instance.db.statements_executed() - before);
        }
        assert_eq!(costs, [1, 0], "statements of two `me {{ id }}` requests");
    }
    let (_, body) = app
        .graphql("mutation { logout }", json!({}), Some(&token))
        .await;
    assert_eq!(body["data"]["logout"], true, "{body}");
    let (_, body) = app.graphql(me, json!({}), Some(&token)).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, body) = sibling.graphql(me, json!({}), Some(&token)).await;
        if error_code(&body) == Some("UNAUTHENTICATED") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the sibling still accepts the token: {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
