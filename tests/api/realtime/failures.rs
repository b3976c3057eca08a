//! Redis failing mid-stream: the pub/sub connection killed, then Redis restarted. The
//! server reconnects by itself; a subscriber that resumes with `afterMessageId` ends
//! with every message exactly once, in order. Runs on a private Redis.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::json;

use super::{open, subscribe, MESSAGES};
use crate::{
    chats::{group, SEND},
    helpers::{gql, quick_user, spawn_app_with},
    subscriptions::next_json,
};

struct PrivateRedis {
    port: u16,
    child: Child,
}

impl PrivateRedis {
    #[allow(clippy::zombie_processes)] // reaped in stop() and Drop
    fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server");
        Self { port, child }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    async fn ready(&self) {
        for _ in 0..100 {
            if let Ok(client) = redis::Client::open(self.url()) {
                if client.get_multiplexed_async_connection().await.is_ok() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("private redis did not start");
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn killed_pubsub_links_and_a_redis_restart_lose_no_message() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let mut redis = PrivateRedis::start(port);
    redis.ready().await;
    let url = redis.url();
    let app = spawn_app_with(|env| {
        env.insert("REDIS_URL".into(), url);
    })
    .await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let chat = group(&app, &alice, "Storm", &[]).await;
    let mut socket = open(&app, &alice).await;
    subscribe(&mut socket, "m", MESSAGES, json!({ "c": chat })).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut sent = Vec::new();
    let mut received: Vec<i64> = Vec::new();
    let mut last_seen = String::from("0");
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
                        tokio::time::sleep(Duration::from_millis(300)).await;
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
    while let Ok(frame) =
        tokio::time::timeout(Duration::from_millis(1500), next_json(&mut resumed)).await
    {
        if frame["type"] == "next" {
            received.push(
                frame["payload"]["data"]["messageEvents"]["messageId"]
                    .as_str()
                    .expect("id")
                    .parse()
                    .expect("id"),
            );
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
