//! Delivery: across instances, replay then live, fan-out cost, permissions, presence,
//! typing, and clean-up when clients leave.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{
    chats::{group, SEND},
    gql, gql_error, quick_user, redis_url, spawn_app, spawn_sibling,
    wait::eventually,
    ws::{
        close_code, next_json, open, subscribe, take, take_skipping, wait_until_all_live,
        wait_until_live, Socket, MESSAGES,
    },
    TestApp,
};

async fn send_text(app: &TestApp, token: &str, chat: &str, text: &str) -> String {
    let data = gql(app, token, SEND, json!({ "c": chat, "t": text })).await;
    data["sendMessage"]["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn a_message_sent_through_one_instance_reaches_a_subscriber_on_the_other() {
    let first = spawn_app().await;
    let second = spawn_sibling(&first).await;
    let (alice, _) = quick_user(&first, "Alice").await;
    let (bob, bob_id) = quick_user(&first, "Bob").await;
    let chat = group(&first, &alice, "Two instances", &[&bob_id]).await;
    let mut socket = open(&second, &bob).await;
    subscribe(&mut socket, "m", MESSAGES, json!({ "c": chat })).await;
    // Probes sent through the first instance: the cross-instance path is live.
    wait_until_live(&first, &alice, &chat, &mut socket, "m").await;
    send_text(&first, &alice, &chat, "across").await;
    let events = take(&mut socket, "m", 1).await;
    let event = &events[0]["data"]["messageEvents"];
    assert_eq!(event["kind"], "CREATED");
    assert_eq!(event["message"]["text"], "across");
    assert_eq!(event["sender"]["displayName"], "Alice");
}

#[tokio::test]
async fn after_message_id_replays_the_missed_messages_then_goes_live_without_duplicates() {
    let app = spawn_app().await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let chat = group(&app, &alice, "Replay", &[]).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(send_text(&app, &alice, &chat, &format!("m{i}")).await);
    }
    let mut socket = open(&app, &alice).await;
    subscribe(
        &mut socket,
        "r",
        MESSAGES,
        json!({ "c": chat, "a": ids[1] }),
    )
    .await;
    let replayed = take(&mut socket, "r", 3).await;
    let texts: Vec<_> = replayed
        .iter()
        .map(|e| e["data"]["messageEvents"]["message"]["text"].clone())
        .collect();
    assert_eq!(texts, [json!("m2"), json!("m3"), json!("m4")]);
    send_text(&app, &alice, &chat, "m5").await;
    let live = take(&mut socket, "r", 1).await;
    assert_eq!(live[0]["data"]["messageEvents"]["message"]["text"], "m5");
}

/// Bound: delivering one message costs the same statements for 1 and for 50 local
/// subscribers (the event carries message and sender; nothing is loaded per subscriber).
#[tokio::test]
async fn fan_out_to_50_subscribers_costs_the_same_statements_as_to_1() {
    let app = spawn_app().await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let chat = group(&app, &alice, "Fan-out", &[]).await;
    let mut costs = Vec::new();
    for n in [1usize, 50] {
        let mut sockets = Vec::new();
        for i in 0..n {
            let mut socket = open(&app, &alice).await;
            let op = format!("s{i}");
            subscribe(&mut socket, &op, MESSAGES, json!({ "c": chat })).await;
            sockets.push((socket, op));
        }
        // Every subscription set up (and no probe left unread) before counting.
        wait_until_all_live(&app, &alice, &chat, &mut sockets).await;
        let before = app.db.statements_executed();
        send_text(&app, &alice, &chat, &format!("to {n}")).await;
        for (socket, op) in &mut sockets {
            let got = take(socket, op, 1).await;
            assert_eq!(
                got[0]["data"]["messageEvents"]["message"]["text"],
                format!("to {n}")
            );
        }
        costs.push(app.db.statements_executed() - before);
    }
    assert_eq!(
        costs[0], costs[1],
        "1 subscriber: {} statements, 50: {}",
        costs[0], costs[1]
    );
}

#[tokio::test]
async fn outsiders_are_refused_and_removed_members_stop_receiving() {
    let app = spawn_app().await;
    let (owner, _) = quick_user(&app, "Owner").await;
    let (member, member_id) = quick_user(&app, "Member").await;
    let (outsider, _) = quick_user(&app, "Outsider").await;
    let chat = group(&app, &owner, "Guarded", &[&member_id]).await;

    let mut stranger = open(&app, &outsider).await;
    subscribe(&mut stranger, "x", MESSAGES, json!({ "c": chat })).await;
    let refused = next_json(&mut stranger).await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );

    let mut socket = open(&app, &member).await;
    subscribe(&mut socket, "m", MESSAGES, json!({ "c": chat })).await;
    wait_until_live(&app, &owner, &chat, &mut socket, "m").await;
    send_text(&app, &owner, &chat, "before").await;
    assert_eq!(
        take(&mut socket, "m", 1).await[0]["data"]["messageEvents"]["message"]["text"],
        "before"
    );
    gql(
        &app,
        &owner,
        "mutation($c: ID!, $u: ID!) { removeChatMember(chatId: $c, userId: $u) }",
        json!({ "c": chat, "u": member_id }),
    )
    .await;
    let ended = next_json(&mut socket).await;
    assert_eq!(
        ended,
        json!({ "id": "m", "type": "complete" }),
        "the stream ends on removal"
    );
    send_text(&app, &owner, &chat, "after").await;
    let quiet = tokio::time::timeout(Duration::from_millis(500), next_json(&mut socket)).await;
    assert!(quiet.is_err(), "nothing after removal: {quiet:?}");
}

#[tokio::test]
async fn revoked_and_expired_sessions_close_the_socket_with_4403() {
    let app = crate::helpers::spawn_app_with(|env| {
        env.insert("ACCESS_TOKEN_TTL_SECONDS".into(), "3".into());
    })
    .await;
    let (token, _) = quick_user(&app, "Short").await;
    let mut expiring = open(&app, &token).await;
    assert_eq!(
        close_code(&mut expiring, Duration::from_secs(6)).await,
        Some(4403),
        "expired token"
    );

    let (fresh, _) = quick_user(&app, "Revoked").await;
    let mut socket = open(&app, &fresh).await;
    gql(&app, &fresh, "mutation { revokeAllSessions }", json!({})).await;
    let started = std::time::Instant::now();
    assert_eq!(
        close_code(&mut socket, Duration::from_secs(2)).await,
        Some(4403)
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "closed within a second"
    );
}

/// Two instances of one deployment; Alice's group "Presence" with Bob, created on the
/// first, where Bob watches from.
struct TwoInstances {
    first: TestApp,
    second: TestApp,
    alice: String,
    alice_id: String,
    bob: String,
    chat: String,
}

async fn two_instances() -> TwoInstances {
    let first = spawn_app().await;
    let second = spawn_sibling(&first).await;
    let (alice, alice_id) = quick_user(&first, "Alice").await;
    let (bob, bob_id) = quick_user(&first, "Bob").await;
    let chat = group(&first, &alice, "Presence", &[&bob_id]).await;
    TwoInstances {
        first,
        second,
        alice,
        alice_id,
        bob,
        chat,
    }
}

/// A profile change of Alice: the probe of a live `userEvents` stream.
fn profile_probe(e: &Value) -> bool {
    e["data"]["userEvents"]["kind"] == "PROFILE_UPDATED"
}

#[tokio::test]
async fn presence_follows_a_socket_on_another_instance_online_then_offline() {
    let TwoInstances {
        first,
        second,
        alice,
        alice_id,
        bob,
        ..
    } = two_instances().await;
    let mut watcher = open(&first, &bob).await;
    subscribe(
        &mut watcher,
        "u",
        "subscription($u: [ID!]!) { userEvents(userIds: $u) { kind userId isOnline lastSeenAt } }",
        json!({ "u": [alice_id] }),
    )
    .await;
    // Live once the stream delivered a probe; later probe events are passed over.
    let (on_first, as_alice) = (&first, alice.as_str());
    wait_for_probe(&mut watcher, "u", &profile_probe, move || async move {
        gql(
            on_first,
            as_alice,
            "mutation($b: String!) { updateProfile(input: { bio: $b }) { id } }",
            json!({ "b": format!("probe {}", uuid::Uuid::new_v4()) }),
        )
        .await;
    })
    .await;
    let online = "query($u: ID!) { user(id: $u) { isOnline lastSeenAt } }";
    assert_eq!(
        gql(&first, &bob, online, json!({ "u": alice_id })).await["user"]["isOnline"],
        false
    );

    let alice_socket = open(&second, &alice).await; // Alice connects to the other instance
    let event = take_skipping(&mut watcher, "u", profile_probe).await;
    assert_eq!(event["data"]["userEvents"]["kind"], "ONLINE", "{event}");
    assert_eq!(
        gql(&first, &bob, online, json!({ "u": alice_id })).await["user"]["isOnline"],
        true
    );

    drop(alice_socket);
    let event = take_skipping(&mut watcher, "u", profile_probe).await;
    assert_eq!(event["data"]["userEvents"]["kind"], "OFFLINE", "{event}");
    assert!(event["data"]["userEvents"]["lastSeenAt"].is_string());
    let after = gql(&first, &bob, online, json!({ "u": alice_id })).await;
    assert_eq!(after["user"]["isOnline"], false);
    assert!(after["user"]["lastSeenAt"].is_string());
}

#[tokio::test]
async fn typing_on_one_instance_reaches_a_member_watching_on_another() {
    let TwoInstances {
        first,
        second,
        alice,
        alice_id,
        bob,
        chat,
    } = two_instances().await;
    let mut watcher = open(&first, &bob).await;
    subscribe(
        &mut watcher,
        "c",
        "subscription { chatEvents { kind chatId userId typing } }",
        json!({}),
    )
    .await;
    // Live once the stream delivered a probe (Alice not typing); later probe events are
    // passed over.
    let typing_probe = |e: &Value| {
        e["data"]["chatEvents"]
            == json!({ "kind": "TYPING", "chatId": chat, "userId": alice_id, "typing": false })
    };
    let (on_first, as_alice, in_chat) = (&first, alice.as_str(), chat.as_str());
    wait_for_probe(&mut watcher, "c", &typing_probe, move || async move {
        gql(
            on_first,
            as_alice,
            "mutation($c: ID!) { setTyping(chatId: $c, typing: false) }",
            json!({ "c": in_chat }),
        )
        .await;
    })
    .await;

    gql(
        &second,
        &alice,
        "mutation($c: ID!) { setTyping(chatId: $c) }",
        json!({ "c": chat }),
    )
    .await;
    let typing = take_skipping(&mut watcher, "c", typing_probe).await;
    assert_eq!(
        typing["data"]["chatEvents"],
        json!({ "kind": "TYPING", "chatId": chat, "userId": alice_id, "typing": true })
    );
}

#[tokio::test]
async fn typing_in_an_unknown_chat_is_not_found() {
    let app = spawn_app().await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let typing_outsider = gql_error(
        &app,
        &alice,
        "mutation { setTyping(chatId: \"999999999\") }",
        json!({}),
    )
    .await;
    assert_eq!(typing_outsider, "NOT_FOUND");
}

#[tokio::test]
async fn topics_and_redis_channels_are_released_when_clients_leave() {
    let app = spawn_app().await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let chat = group(&app, &alice, "Cleanup", &[]).await;
    // The process's own standing topic (session revocations for the token-state cache).
    let standing = app.bus.live_topics();
    let mut sockets = Vec::new();
    for i in 0..5 {
        let mut socket = open(&app, &alice).await;
        let op = format!("s{i}");
        subscribe(&mut socket, &op, MESSAGES, json!({ "c": chat })).await;
        sockets.push((socket, op));
    }
    wait_until_all_live(&app, &alice, &chat, &mut sockets).await;
    let channel = format!("{}events:chat:{chat}", app.env["REDIS_KEY_PREFIX"]);
    assert!(app.bus.live_topics() > standing);
    assert_eq!(
        numsub(&channel).await,
        1,
        "one Redis subscription for five sockets"
    );
    drop(sockets);
    eventually(
        Duration::from_secs(5),
        "the topic released (live topics, NUMSUB)",
        async || {
            let state = (app.bus.live_topics(), numsub(&channel).await);
            if state == (standing, 0) {
                Ok(())
            } else {
                Err(state)
            }
        },
    )
    .await;
}

/// Runs `probe` until operation `op` on `socket` delivers an event `is_probe` matches
/// (bounded: 50 probes, 400 ms each); other frames are consumed.
async fn wait_for_probe<F, Fut>(
    socket: &mut Socket,
    op: &str,
    is_probe: &impl Fn(&Value) -> bool,
    probe: F,
) where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..50 {
        probe().await;
        let deadline = tokio::time::Instant::now() + Duration::from_millis(400);
        while let Ok(frame) = tokio::time::timeout_at(deadline, next_json(socket)).await {
            if frame["id"] == op && frame["type"] == "next" && is_probe(&frame["payload"]) {
                return;
            }
        }
    }
    panic!("operation {op} never delivered a probe");
}

async fn numsub(channel: &str) -> i64 {
    let client = redis::Client::open(redis_url()).expect("url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let (_, count): (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(channel)
        .query_async(&mut conn)
        .await
        .expect("numsub");
    count
}
