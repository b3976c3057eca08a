//! Presence in `ChatRead` (§3.3, §3.7): a user with an open WebSocket is online to the
//! viewers their `privacy_last_seen` allows; going offline records `last_seen_at`.

use std::time::Duration;

use serde_json::{json, Value};

use super::{rest_group, user, Client};
use crate::helpers::{
    spawn_app,
    wait::eventually,
    ws::{connect, next_json, send},
};

async fn chat(client: &Client<'_>, id: i64) -> Value {
    let list = Client::expect(client.get("/chats").await, 200);
    list.as_array()
        .expect("a list")
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("chat {id} in {list}"))
}

#[tokio::test]
async fn chats_show_who_is_online_as_their_privacy_allows() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let bob = user(&app, "Bob").await;
    let private = Client::expect(
        ada.client
            .post(
                "/chats",
                json!({ "type": "private", "member_ids": [bob.id] }),
            )
            .await,
        200,
    );
    let private_id = private["id"].as_i64().expect("id");
    assert_eq!(
        (
            private["counterpart_is_online"].clone(),
            private["online_count"].clone()
        ),
        (json!(false), json!(0))
    );
    let group = rest_group(&ada.client, "Team", &[bob.id]).await;

    let mut socket = connect(&app, "graphql-transport-ws").await;
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", bob.token) } });
    send(&mut socket, init).await;
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    let seen = chat(&ada.client, private_id).await;
    assert_eq!(
        (
            seen["counterpart_is_online"].clone(),
            seen["online_count"].clone()
        ),
        (json!(true), json!(1))
    );
    assert_eq!(chat(&ada.client, group).await["online_count"], 1);

    let hide = json!({ "privacy_last_seen": "nobody" });
    Client::expect(bob.client.put("/users/profile", hide).await, 200);
    let hidden = chat(&ada.client, private_id).await;
    assert_eq!(
        (
            hidden["counterpart_is_online"].clone(),
            hidden["online_count"].clone()
        ),
        (json!(false), json!(0))
    );
    assert_eq!(chat(&ada.client, group).await["online_count"], 0);
    let show = json!({ "privacy_last_seen": "everyone" });
    Client::expect(bob.client.put("/users/profile", show).await, 200);

    drop(socket);
    let seen = eventually(
        Duration::from_secs(5),
        "Bob is offline with a last_seen_at after closing his socket",
        async || {
            let seen = chat(&ada.client, private_id).await;
            let offline = seen["counterpart_is_online"] == false
                && !seen["counterpart_last_seen_at"].is_null();
            if offline {
                Ok(seen)
            } else {
                Err(seen)
            }
        },
    )
    .await;
    super::assert_seed_timestamp(&seen["counterpart_last_seen_at"]);
}
