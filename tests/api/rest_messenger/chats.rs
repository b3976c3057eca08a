//! §7 over REST: creation, the list and its paging, saved messages, discovery, joining,
//! details. Administration is in `chat_admin.rs`.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::{assert_seed_timestamp, assert_shape, keys, rest_send, seed, user, Client};
use crate::helpers::spawn_app;

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test]
async fn creating_and_reading_chats_follows_the_seed() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let bob = user(&app, "Bob").await;
    let carol = user(&app, "Carol").await;

    let handle = format!(
        "mygroup_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let create = json!({ "type": "group", "title": "My Group", "handle": handle,
                         "description": "optional", "is_public": true, "member_ids": [bob.id] });
    let group = Client::expect(ada.client.post("/chats", create).await, 200);
    assert_shape(&group, seed::CHAT_READ);
    assert_eq!(group["type"], "group");
    assert_eq!(
        (group["display_title"].clone(), group["my_role"].clone()),
        (json!("My Group"), json!("owner"))
    );
    assert_eq!(
        (
            group["members_count"].clone(),
            group["subscribers_count"].clone()
        ),
        (json!(2), json!(null))
    );
    assert_eq!(group["public_id"].as_str().map(str::len), Some(24));
    assert_seed_timestamp(&group["created_at"]);
    let group_id = group["id"].as_i64().expect("id");

    let private = json!({ "type": "private", "member_ids": [bob.id] });
    let chat = Client::expect(ada.client.post("/chats", private.clone()).await, 200);
    assert_shape(&chat, seed::CHAT_READ);
    assert_eq!(chat["type"], "private");
    assert_eq!(chat["display_title"], "Bob");
    assert_eq!(chat["counterpart_user_id"], bob.id);
    assert_eq!(chat["counterpart_name"], "Bob");
    assert_eq!(chat["counterpart_is_online"], false);
    let again = Client::expect(ada.client.post("/chats", private).await, 200);
    assert_eq!(again["id"], chat["id"], "one private chat per pair");
    let bad = json!({ "type": "private", "member_ids": [bob.id, carol.id], "is_public": true });
    let refused = ada.client.post("/chats", bad).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(
        refused.detail(),
        "member_ids: a private chat needs exactly one other user; is_public: a private chat cannot be public"
    );
    let no_title = ada
        .client
        .post("/chats", json!({ "type": "channel" }))
        .await;
    assert_eq!(
        (no_title.status, no_title.detail()),
        (422, "title: is required for groups and channels")
    );

    rest_send(&bob.client, chat["id"].as_i64().expect("id"), "Hello").await;
    let list = Client::expect(ada.client.get("/chats").await, 200);
    for item in list.as_array().expect("a list") {
        assert_shape(item, seed::CHAT_READ);
    }
    let first = &list[0];
    assert_eq!(first["id"], chat["id"], "last activity first");
    assert_eq!(
        (
            first["unread_count"].clone(),
            first["last_message_text"].clone()
        ),
        (json!(1), json!("Hello"))
    );
    assert_eq!(first["last_message_type"], "text");
    assert_seed_timestamp(&first["last_message_created_at"]);

    let saved = Client::expect(ada.client.get("/chats/saved").await, 200);
    assert_shape(&saved, seed::CHAT_READ);
    assert_eq!(
        (saved["type"].clone(), saved["is_saved"].clone()),
        (json!("private"), json!(true))
    );
    assert_eq!(saved["display_title"], "Saved Messages");
    let saved_again = Client::expect(ada.client.get("/chats/saved").await, 200);
    assert_eq!(saved_again["id"], saved["id"]);

    let found = Client::expect(
        carol
            .client
            .get(&format!("/chats/discover?query={handle}&limit=30"))
            .await,
        200,
    );
    let expected = [
        "id",
        "public_id",
        "type",
        "title",
        "handle",
        "description",
        "avatar_url",
        "is_public",
        "members_count",
    ];
    assert_eq!(keys(&found[0]), expected.map(str::to_owned).into());
    assert_eq!(
        (found[0]["id"].as_i64(), found[0]["members_count"].as_i64()),
        (Some(group_id), Some(2))
    );
    let stranger = carol.client.get(&format!("/chats/{group_id}")).await;
    assert_eq!(
        (stranger.status, stranger.detail()),
        (403, "You are not a member of this chat")
    );
    let joined = Client::expect(
        carol
            .client
            .post_empty(&format!("/chats/{group_id}/join"))
            .await,
        200,
    );
    assert_shape(&joined, seed::CHAT_READ);
    assert_eq!(
        (joined["my_role"].clone(), joined["members_count"].clone()),
        (json!("member"), json!(3))
    );

    let detail = Client::expect(ada.client.get(&format!("/chats/{group_id}")).await, 200);
    let mut expected: BTreeSet<String> =
        keys(&serde_json::from_str(seed::CHAT_READ).expect("seed"));
    expected.insert("members".into());
    assert_eq!(keys(&detail), expected);
    let members = detail["members"].as_array().expect("members");
    assert_eq!(members.len(), 3);
    for member in members {
        assert_shape(member, seed::CHAT_MEMBER);
    }
    assert_eq!(
        (members[0]["user_id"].as_i64(), members[0]["role"].as_str()),
        (Some(ada.id), Some("owner"))
    );
    let missing = ada.client.get("/chats/999999999").await;
    assert_eq!((missing.status, missing.detail()), (404, "Chat not found"));
}

#[tokio::test]
async fn the_chat_list_pages_with_before_id_in_list_order() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let mut chats = Vec::new();
    for i in 0..5 {
        chats.push(super::rest_group(&ada.client, &format!("Group {i}"), &[]).await);
    }
    // Activity reorders the list: the oldest group becomes the newest.
    rest_send(&ada.client, chats[0], "bump").await;
    let pinned = Client::expect(
        ada.client
            .post_empty(&format!("/chats/{}/pin-chat", chats[2]))
            .await,
        200,
    );
    assert_eq!(pinned["pinned"], true);
    let all = ids(&Client::expect(
        ada.client.get("/chats?limit=50").await,
        200,
    ));
    assert_eq!(all, [chats[2], chats[0], chats[4], chats[3], chats[1]]);

    let mut paged: Vec<i64> = Vec::new();
    let mut path = "/chats?limit=2".to_owned();
    loop {
        let page = ids(&Client::expect(ada.client.get(&path).await, 200));
        paged.extend(&page);
        match page.last() {
            Some(last) if page.len() == 2 => path = format!("/chats?limit=2&before_id={last}"),
            _ => break,
        }
    }
    assert_eq!(paged, all);
    for bad in ["limit=0", "limit=101"] {
        let reply = ada.client.get(&format!("/chats?{bad}")).await;
        assert_eq!(
            (reply.status, reply.detail()),
            (422, "limit: must be between 1 and 100")
        );
    }
    let not_a_number = ada.client.get("/chats?limit=ten").await;
    assert_eq!(not_a_number.status, 422, "{}", not_a_number.text);
    not_a_number.detail();
    let filtered = ids(&Client::expect(
        ada.client.get("/chats?query=Group%203").await,
        200,
    ));
    assert_eq!(filtered, [chats[3]]);
}
