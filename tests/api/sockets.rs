//! WebSockets at scale (issue 11), counted rather than timed: the caps refuse with the
//! protocol's codes, and a burst of abrupt disconnects, with Redis stalled meanwhile,
//! leaves no topic, no Redis channel and no one online, with every `last_seen_at` set.

use std::time::Duration;

use serde_json::json;
use tokio_tungstenite::{
    connect_async,
    tungstenite::{client::IntoClientRequest, http::HeaderValue},
};

use crate::helpers::{
    chats::group,
    process::{free_port, Binary},
    quick_user,
    redis_server::PrivateRedis,
    spawn_app_with,
    wait::{eventually, wait_until},
    ws::{close_code, next_json, open, send, Socket},
    TestApp,
};

/// A graphql-transport-ws socket whose client address (through a trusted proxy) is `ip`.
async fn socket_from(app: &TestApp, ip: &str) -> Socket {
    let mut request = app.ws_url().into_client_request().expect("request");
    let headers = request.headers_mut();
    headers.insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    headers.insert("x-forwarded-for", HeaderValue::from_str(ip).expect("ip"));
    connect_async(request).await.expect("upgrade").0
}

/// Whether the server keeps `socket` open: it answers `connection_init`.
async fn admitted(socket: &mut Socket) -> bool {
    send(socket, json!({ "type": "connection_init" })).await;
    matches!(
        tokio::time::timeout(Duration::from_secs(5), futures_util::StreamExt::next(socket)).await,
        Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text)))) if text.contains("connection_ack")
    )
}

#[tokio::test]
async fn socket_caps_refuse_per_address_with_4429_and_per_instance_with_1013() {
    let app = spawn_app_with(|env| {
        env.insert("TRUSTED_PROXIES".into(), "127.0.0.1/32".into());
        env.insert("WS_MAX_SOCKETS_PER_IP".into(), "3".into());
        env.insert("WS_MAX_SOCKETS".into(), "5".into());
    })
    .await;
    let mut from_a = Vec::new();
    for _ in 0..3 {
        let mut socket = socket_from(&app, "10.1.0.1").await;
        assert!(admitted(&mut socket).await);
        from_a.push(socket);
    }
    let mut fourth = socket_from(&app, "10.1.0.1").await;
    assert_eq!(
        close_code(&mut fourth, Duration::from_secs(5)).await,
        Some(4429)
    );
    let mut from_b = Vec::new();
    for _ in 0..2 {
        let mut socket = socket_from(&app, "10.1.0.2").await;
        assert!(admitted(&mut socket).await);
        from_b.push(socket);
    }
    let mut sixth = socket_from(&app, "10.1.0.3").await;
    assert_eq!(
        close_code(&mut sixth, Duration::from_secs(5)).await,
        Some(1013),
        "the instance is full"
    );
    // A socket that closes gives its place back (bounded wait for the server to notice).
    drop(from_a.pop());
    wait_until(
        Duration::from_secs(5),
        "a freed place is given to the next socket",
        async || admitted(&mut socket_from(&app, "10.1.0.3").await).await,
    )
    .await;
}

/// Redis keys of this app's presence still counting someone online, and its channels.
async fn redis_state(redis: &PrivateRedis) -> (i64, usize) {
    let client = redis::Client::open(redis.url()).expect("url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*presence:*")
        .query_async(&mut conn)
        .await
        .expect("keys");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let mut online = 0;
    for key in keys {
        let live: i64 = redis::cmd("ZCOUNT")
            .arg(&key)
            .arg(now)
            .arg("+inf")
            .query_async(&mut conn)
            .await
            .expect("zcount");
        online += live;
    }
    let channels: Vec<String> = redis::cmd("PUBSUB")
        .arg("CHANNELS")
        .arg("*events:*")
        .query_async(&mut conn)
        .await
        .expect("pubsub");
    // Clients' channels: not the process's standing one (session revocations).
    let clients = channels
        .iter()
        .filter(|c| !c.ends_with("events:revocations"))
        .count();
    (online, clients)
}

#[tokio::test]
async fn a_burst_of_abrupt_disconnects_with_redis_stalled_leaves_a_clean_state() {
    const USERS: usize = 40;
    let redis = PrivateRedis::start_ready().await;
    let url = redis.url();
    let app = spawn_app_with(|env| {
        env.insert("REDIS_URL".into(), url);
    })
    .await;
    // The process's own standing topic (session revocations).
    let standing_topics = app.bus.live_topics();
    let mut sockets = Vec::new();
    let mut ids = Vec::new();
    for i in 0..USERS {
        let (token, id) = quick_user(&app, &format!("Burst{i}")).await;
        let mut socket = open(&app, &token).await;
        send(&mut socket, json!({ "id": "m", "type": "subscribe", "payload": { "query": "subscription { messageEvents { kind } }" } })).await;
        sockets.push(socket);
        ids.push(id.parse::<i64>().expect("id"));
    }
    // Everyone online and subscribed (bounded wait).
    eventually(Duration::from_secs(5), "all sockets online", async || {
        let (online, channels) = redis_state(&redis).await;
        let topics = app.bus.live_topics();
        let all = online as usize == USERS && channels >= USERS && topics >= USERS;
        if all {
            Ok(())
        } else {
            Err((online, channels, topics))
        }
    })
    .await;

    // Stall Redis for 2 s (longer than the command timeout), and drop every socket at
    // once without a close frame.
    let client = redis::Client::open(redis.url()).expect("url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let stall = tokio::spawn(async move {
        let _: redis::RedisResult<()> = redis::cmd("DEBUG")
            .arg("SLEEP")
            .arg("2")
            .query_async(&mut conn)
            .await;
    });
    for socket in sockets.drain(..) {
        // A reset, not a close: no WebSocket close frame, no TCP FIN.
        if let tokio_tungstenite::MaybeTlsStream::Plain(tcp) = socket.get_ref() {
            let _ = tcp.set_zero_linger();
        }
        drop(socket);
    }
    stall.await.expect("stall ends");

    // Clean within a bounded time: no topic, no channel, no one online, every
    // last_seen_at recorded.
    let mut db = {
        use sqlx::Connection as _;
        sqlx::PgConnection::connect(&app.env["DATABASE_URL"])
            .await
            .expect("db")
    };
    eventually(
        Duration::from_secs(15),
        "clean after the burst (online, channels, users without last_seen_at, topics)",
        async || {
            let (online, channels) = redis_state(&redis).await;
            let unseen: i64 = sqlx::query_scalar(
                "select count(*) from users where id = any($1) and last_seen_at is null",
            )
            .bind(&ids)
            .fetch_one(&mut db)
            .await
            .expect("count");
            let topics = app.bus.live_topics();
            if online == 0 && channels == 0 && unseen == 0 && topics == standing_topics {
                Ok(())
            } else {
                Err((online, channels, unseen, topics))
            }
        },
    )
    .await;
}

#[tokio::test]
async fn an_unauthenticated_socket_may_watch_a_bot_login_only() {
    let app = spawn_app_with(|_| {}).await;
    let mut socket = crate::helpers::ws::connect(&app, "graphql-transport-ws").await;
    send(&mut socket, json!({ "type": "connection_init" })).await;
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { chatEvents { kind } }" } })).await;
    let reply = next_json(&mut socket).await;
    assert_eq!(
        reply["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{reply}"
    );
    assert_eq!(next_json(&mut socket).await["type"], "complete");
    // botAuthSession is allowed (an unknown session answers with its own error).
    send(&mut socket, json!({ "id": "2", "type": "subscribe", "payload": { "query": "subscription { botAuthSession(id: \"nope\") { __typename } }" } })).await;
    let reply = next_json(&mut socket).await;
    assert_ne!(
        reply["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{reply}"
    );
}

/// A subscription whose fields are the same for every viewer.
const SHARED: &str = "subscription($c: ID) { messageEvents(chatId: $c) { kind chatId messageId \
     message { id text } sender { id displayName } } }";
/// The same, plus a per-viewer field (the sender's online status, under privacy rules).
const PER_VIEWER: &str =
    "subscription($c: ID) { messageEvents(chatId: $c) { kind chatId messageId \
     message { id text } sender { id displayName isOnline } } }";

/// An event is resolved and encoded once per subscription shape, however many sockets
/// (of different users) receive it; a per-viewer shape is resolved per socket, with the
/// same values for the fields they share.
#[tokio::test]
async fn fan_out_encodes_each_event_once_per_shape() {
    let app = spawn_app_with(|env| {
        env.insert("GRAPHQL_RATE_LIMIT_PER_MINUTE".into(), "100000".into());
    })
    .await;
    let (owner, _) = quick_user(&app, "Owner").await;
    let mut members = Vec::new();
    for n in 0..8 {
        members.push(quick_user(&app, &format!("Member {n}")).await);
    }
    let ids: Vec<&str> = members.iter().map(|(_, id)| id.as_str()).collect();
    let chat = group(&app, &owner, "Fan-out", &ids).await;

    // Shape 1: 6 members on `chatId`; shape 2: 2 members on all their chats; plus one
    // per-viewer socket.
    let mut sockets = Vec::new();
    for (n, (token, _)) in members.iter().enumerate() {
        let mut socket = open(&app, token).await;
        let (query, variables) = match n {
            0..=5 => (SHARED, json!({ "c": chat })),
            6 => (SHARED, json!({})),
            _ => (PER_VIEWER, json!({})),
        };
        crate::helpers::ws::subscribe(&mut socket, "m", query, variables).await;
        sockets.push((socket, "m".to_owned()));
    }
    // Member 6's second socket of shape 2, so both shared shapes have several sockets.
    let mut extra = open(&app, &members[6].0).await;
    crate::helpers::ws::subscribe(&mut extra, "m", SHARED, json!({})).await;
    sockets.push((extra, "m".to_owned()));
    crate::helpers::ws::wait_until_all_live(&app, &owner, &chat, &mut sockets).await;

    let before = app.fanout.encodes();
    const EVENTS: usize = 5;
    let mut sent = Vec::new();
    for n in 0..EVENTS {
        sent.push(crate::helpers::ws::send_probe(&app, &owner, &chat, &format!("fan {n}")).await);
    }
    let mut payloads = Vec::new();
    for (socket, op) in sockets.iter_mut() {
        let events = crate::helpers::ws::take(socket, op, EVENTS).await;
        let got: Vec<&str> = events
            .iter()
            .map(|e| {
                e["data"]["messageEvents"]["messageId"]
                    .as_str()
                    .expect("id")
            })
            .collect();
        assert_eq!(got, sent, "every socket gets every event once, in order");
        payloads.push(events);
    }
    // Two shared shapes × 5 events; the per-viewer socket renders its own.
    assert_eq!(app.fanout.encodes() - before, 2 * EVENTS as u64);
    let shared = &payloads[0][0]["data"]["messageEvents"];
    let own = &payloads[7][0]["data"]["messageEvents"];
    assert_eq!(shared["message"], own["message"]);
    assert_eq!(
        shared["sender"]["displayName"],
        own["sender"]["displayName"]
    );
    assert_eq!(shared["sender"]["displayName"], "Owner");
    assert!(own["sender"].get("isOnline").is_some());
}

/// [`SHARED`], replaying from `afterMessageId`.
const REPLAYED: &str =
    "subscription($c: ID, $a: ID) { messageEvents(chatId: $c, afterMessageId: $a) { \
     kind chatId messageId message { id text } sender { id displayName } } }";

/// Resident memory of a process, in KiB (`VmRSS`).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS")
}

/// `count` sockets on `url`, each signed in as `token` with one `messageEvents`
/// subscription to `chat` (opened 100 at a time).
async fn subscribed_sockets(url: &str, token: &str, chat: &str, count: usize) -> Vec<Socket> {
    let mut sockets = Vec::with_capacity(count);
    while sockets.len() < count {
        let batch = (count - sockets.len()).min(100);
        let opened = futures_util::future::join_all((0..batch).map(|_| async {
            let mut request = url.into_client_request().expect("request");
            request.headers_mut().insert(
                "sec-websocket-protocol",
                HeaderValue::from_static("graphql-transport-ws"),
            );
            let mut socket = connect_async(request).await.expect("upgrade").0;
            let init = json!({ "type": "connection_init",
                "payload": { "Authorization": format!("Bearer {token}") } });
            send(&mut socket, init).await;
            assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
            // Replayed from the chat's start: each socket gets every probe, however late
            // its subscription went live.
            let variables = json!({ "c": chat, "a": "0" });
            crate::helpers::ws::subscribe(&mut socket, "m", REPLAYED, variables).await;
            socket
        }))
        .await;
        sockets.extend(opened);
    }
    sockets
}

/// Sends a message to `chat` and reads every socket up to it (all subscriptions live,
/// every socket's buffers used once); each frame is awaited at most 5 s.
async fn all_deliver(app: &TestApp, token: &str, chat: &str, sockets: &mut [Socket]) {
    let probe = crate::helpers::ws::send_probe(app, token, chat, "memory probe").await;
    for socket in sockets.iter_mut() {
        loop {
            let frame = next_json(socket).await;
            if frame["payload"]["data"]["messageEvents"]["messageId"].as_str() == Some(&probe) {
                break;
            }
        }
    }
}

/// Memory per idle subscribed socket (graphql-transport-ws, one `messageEvents`) stays
/// within 40 KiB, measured on the binary (a second instance of the app's deployment)
/// with 2,000 sockets after 200 warm-up ones.
#[tokio::test]
async fn an_idle_subscribed_socket_costs_at_most_40_kib() {
    const WARM_UP: usize = 200;
    const SOCKETS: usize = 2_000;
    let app = spawn_app_with(|env| {
        env.insert("GRAPHQL_RATE_LIMIT_PER_MINUTE".into(), "0".into());
        env.insert("WS_MAX_SOCKETS_PER_IP".into(), "5000".into());
    })
    .await;
    let (token, _) = quick_user(&app, "Memory").await;
    let chat = group(&app, &token, "Memory", &[]).await;
    let port = free_port();
    let mut env = app.env.clone();
    env.insert("BIND_ADDR".into(), format!("127.0.0.1:{port}"));
    env.insert("RUST_LOG".into(), "warn".into());
    let instance = Binary::start(&env).await;
    let pid = instance.pid();
    let url = format!("ws://127.0.0.1:{port}/graphql");

    let mut sockets = subscribed_sockets(&url, &token, &chat, WARM_UP).await;
    all_deliver(&app, &token, &chat, &mut sockets).await;
    let before = rss_kib(pid);
    sockets.extend(subscribed_sockets(&url, &token, &chat, SOCKETS).await);
    all_deliver(&app, &token, &chat, &mut sockets).await;
    let after = rss_kib(pid);
    let per_socket = (after.saturating_sub(before)) as f64 / SOCKETS as f64;
    eprintln!("RSS {before} KiB -> {after} KiB: {per_socket:.1} KiB per socket");
    drop(sockets);
    drop(instance);
    assert!(
        per_socket <= 40.0,
        "{per_socket:.1} KiB per idle subscribed socket (at most 40)"
    );
}
