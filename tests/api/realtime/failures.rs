//! Redis failing mid-stream: the pub/sub connection killed, then Redis restarted. The
//! server reconnects by itself; a subscriber that resumes with `afterMessageId` ends
//! with every message exactly once, in order. Runs on a private Redis.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{
    chats::{group, SEND},
    gql,
    process::free_port,
    quick_user,
    redis_server::PrivateRedis,
    spawn_app_with,
    wait::wait_until,
    ws::{close_code, next_json, open, subscribe, take, wait_until_live, MESSAGES},
};

#[tokio::test]
async fn killed_pubsub_links_and_a_redis_restart_lose_no_message() {
    let mut redis = PrivateRedis::start_ready().await;
    let port = redis.port();
    let url = redis.url();
    let app = spawn_app_with(|env| {
        env.insert("REDIS_URL".into(), url);
    })
    .await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let chat = group(&app, &alice, "Storm", &[]).await;
    let mut socket = open(&app, &alice).await;
    subscribe(&mut socket, "m", MESSAGES, json!({ "c": chat })).await;
    // The probes come before everything counted below; none is left unread.
    let mut last_seen = wait_until_live(&app, &alice, &chat, &mut socket, "m").await;

    let mut sent = Vec::new();
    let mut received: Vec<i64> = Vec::new();
    for round in 0..3 {
        for i in 0..5 {
            let data = gql(
                &app,
                &alice,
                SEND,
                json!({ "c": chat, "t": format!("r{round}m{i}") }),
            )
            .await;
            sent.push(
                data["sendMessage"]["id"]
                    .as_str()
                    .expect("id")
                    .parse::<i64>()
                    .expect("id"),
            );
            if i == 2 {
                match round {
                    0 => {
                        let client = redis::Client::open(redis.url()).expect("url");
                        let mut conn = client
                            .get_multiplexed_async_connection()
                            .await
                            .expect("redis");
                        let _: redis::RedisResult<i64> = redis::cmd("CLIENT")
                            .arg("KILL")
                            .arg("TYPE")
                            .arg("pubsub")
                            .query_async(&mut conn)
                            .await;
                    }
                    1 => {
                        redis.stop();
                        // Restarted once the app has seen its link go down.
                        wait_until(Duration::from_secs(5), "the link went down", async || {
                            app.bus.redis_linked() == Some(false)
                        })
                        .await;
                        redis = PrivateRedis::start(port);
                        redis.ready().await;
                    }
                    _ => {}
                }
            }
        }
        // Drain what arrived; the socket stays open through the Redis trouble.
        while let Ok(frame) =
            tokio::time::timeout(Duration::from_millis(1500), next_json(&mut socket)).await
        {
            if frame["type"] == "next" {
                let id = frame["payload"]["data"]["messageEvents"]["messageId"]
                    .as_str()
                    .expect("id")
                    .to_owned();
                received.push(id.parse().expect("id"));
                last_seen = id;
            }
        }
    }
    // A client that (re)subscribes from its last message gets the rest.
    let mut resumed = open(&app, &alice).await;
    subscribe(
        &mut resumed,
        "r",
        MESSAGES,
        json!({ "c": chat, "a": last_seen }),
    )
    .await;
    // Read the replay until it makes up the count (bounded), then anything extra that
    // follows at once (a duplicate would).
    let missing = sent.len().saturating_sub(received.len());
    for event in take(&mut resumed, "r", missing).await {
        received.push(message_id(&event));
    }
    while let Ok(frame) =
        tokio::time::timeout(Duration::from_millis(500), next_json(&mut resumed)).await
    {
        if frame["type"] == "next" {
            received.push(message_id(&frame["payload"]));
        }
    }
    assert_eq!(received, sent, "every message exactly once, in order");
    let ready = app
        .http
        .get(app.url("/health/ready"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        ready.status(),
        200,
        "the server reconnected to Redis by itself"
    );
}

fn message_id(payload: &serde_json::Value) -> i64 {
    payload["data"]["messageEvents"]["messageId"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no message id: {payload}"))
}

/// Polls `/health/ready` until it answers `want` (bounded).
async fn wait_ready(app: &crate::helpers::TestApp, want: u16) {
    let what = format!("/health/ready answers {want}");
    wait_until(Duration::from_secs(10), &what, async || {
        let ready = app.http.get(app.url("/health/ready")).send().await;
        ready.expect("sent").status() == want
    })
    .await;
}

/// Signs the same Telegram user in again: a second session, same user.
async fn second_session(app: &crate::helpers::TestApp, telegram_id: i64) -> String {
    let (status, body) = app
        .graphql(
            "mutation($d: String!) { authenticateTelegram(initData: $d) { accessToken } }",
            json!({ "d": crate::helpers::quick_init_data(telegram_id, "Bob") }),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"]["authenticateTelegram"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// Redis down at boot: the server starts, serves requests (publishing does not block
/// them), reports not ready, and becomes ready once Redis answers.
#[tokio::test]
async fn the_server_starts_without_redis_and_becomes_ready_when_it_answers() {
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}");
    let app = spawn_app_with(|env| {
        env.insert("REDIS_URL".into(), url);
    })
    .await;
    wait_ready(&app, 503).await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let chat = group(&app, &alice, "No Redis yet", &[]).await;
    let data = gql(
        &app,
        &alice,
        SEND,
        json!({ "c": chat, "t": "stored anyway" }),
    )
    .await;
    assert!(data["sendMessage"]["id"].is_string(), "{data}");

    let redis = PrivateRedis::start(port);
    redis.ready().await;
    wait_ready(&app, 200).await;
    let mut socket = open(&app, &alice).await;
    subscribe(&mut socket, "m", MESSAGES, json!({ "c": chat, "a": "0" })).await;
    let replayed = take(&mut socket, "m", 1).await;
    assert_eq!(
        replayed[0]["data"]["messageEvents"]["message"]["text"],
        "stored anyway"
    );
}

/// What happened while Redis was away is enforced when it returns: a member removed
/// meanwhile stops receiving the chat on the all-chats stream, and a socket whose
/// session was ended meanwhile is closed with 4403.
#[tokio::test]
async fn removals_and_revocations_during_an_outage_hold_after_it() {
    let mut redis = PrivateRedis::start_ready().await;
    let port = redis.port();
    let url = redis.url();
    let app = spawn_app_with(|env| {
        env.insert("REDIS_URL".into(), url);
    })
    .await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let bob_telegram = crate::helpers::unique_telegram_id();
    let bob_first = second_session(&app, bob_telegram).await;
    let bob_second = second_session(&app, bob_telegram).await;
    let bob_id = gql(&app, &bob_second, "{ me { id } }", json!({})).await["me"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let gone = group(&app, &alice, "Bob leaves this", &[&bob_id]).await;
    let stays = group(&app, &alice, "Bob stays here", &[&bob_id]).await;

    let mut doomed = open(&app, &bob_first).await;
    let mut all_chats = open(&app, &bob_second).await;
    subscribe(&mut all_chats, "all", MESSAGES, json!({})).await;
    // Live once a probe in each chat arrives (no probe is left unread after it).
    for chat in [&gone, &stays] {
        wait_until_live(&app, &alice, chat, &mut all_chats, "all").await;
    }

    redis.stop();
    wait_ready(&app, 503).await;
    let removed = gql(
        &app,
        &alice,
        "mutation($c: ID!, $u: ID!) { removeChatMember(chatId: $c, userId: $u) }",
        json!({ "c": gone, "u": bob_id }),
    )
    .await;
    assert_eq!(removed["removeChatMember"], true);
    let out = gql(&app, &bob_first, "mutation { logout }", json!({})).await;
    assert_eq!(out["logout"], true);

    redis = PrivateRedis::start(port);
    redis.ready().await;
    wait_ready(&app, 200).await;
    assert_eq!(
        close_code(&mut doomed, Duration::from_secs(10)).await,
        Some(4403),
        "the revoked session's socket is closed"
    );
    gql(&app, &alice, SEND, json!({ "c": gone, "t": "not for bob" })).await;
    gql(&app, &alice, SEND, json!({ "c": stays, "t": "for bob" })).await;
    let mut texts = Vec::new();
    while let Ok(frame) =
        tokio::time::timeout(Duration::from_secs(5), next_json(&mut all_chats)).await
    {
        if frame["type"] == "next" {
            let text = frame["payload"]["data"]["messageEvents"]["message"]["text"].clone();
            texts.push(text.clone());
            if text == "for bob" {
                break;
            }
        }
    }
    assert!(!texts.contains(&json!("not for bob")), "{texts:?}");
    assert!(texts.contains(&json!("for bob")), "{texts:?}");
}
