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

/// A handle no other test uses.
fn unique_handle() -> String {
    format!(
        "mygroup_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// The seed's example group: public, with `handle`, created by `owner` with `members`.
async fn public_group(owner: &Client<'_>, handle: &str, members: &[i64]) -> Value {
    let create = json!({ "type": "group", "title": "My Group", "handle": handle,
                         "description": "optional", "is_public": true, "member_ids": members });
    Client::expect(owner.post("/chats", create).await, 200)
}

#[tokio::test]
async fn a_group_is_created_in_the_seed_shape_with_its_creator_as_owner() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let bob = user(&app, "Bob").await;
    let group = public_group(&ada.client, &unique_handle(), &[bob.id]).await;
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
}

#[tokio::test]
async fn a_private_chat_shows_the_counterpart_and_is_one_per_pair() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let bob = user(&app, "Bob").await;
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
}

#[tokio::test]
async fn an_invalid_private_chat_is_a_422_naming_every_bad_field() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let bob = user(&app, "Bob").await;
    let carol = user(&app, "Carol").await;
    let bad = json!({ "type": "private", "member_ids": [bob.id, carol.id], "is_public": true });
    let refused = ada.client.post("/chats", bad).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(
        refused.detail(),
        "member_ids: a private chat needs exactly one other user; is_public: a private chat cannot be public"
    );
}

#[tokio::test]
async fn a_channel_without_a_title_is_a_422() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let no_title = ada
        .client
        .post("/chats", json!({ "type": "channel" }))
        .await;
    assert_eq!(
        (no_title.status, no_title.detail()),
        (422, "title: is required for groups and channels")
    );
}

#[tokio::test]
async fn the_chat_list_shows_the_last_active_chat_first_with_its_last_message() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let bob = user(&app, "Bob").await;
    public_group(&ada.client, &unique_handle(), &[bob.id]).await;
    let private = json!({ "type": "private", "member_ids": [bob.id] });
    let chat = Client::expect(ada.client.post("/chats", private).await, 200);

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
}

#[tokio::test]
async fn saved_messages_is_one_private_chat_of_ones_own() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let saved = Client::expect(ada.client.get("/chats/saved").await, 200);
    assert_shape(&saved, seed::CHAT_READ);
    assert_eq!(
        (saved["type"].clone(), saved["is_saved"].clone()),
        (json!("private"), json!(true))
    );
    assert_eq!(saved["display_title"], "Saved Messages");
    let saved_again = Client::expect(ada.client.get("/chats/saved").await, 200);
    assert_eq!(saved_again["id"], saved["id"]);
}

#[tokio::test]
async fn a_stranger_discovers_a_public_group_by_handle_and_joins_it() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let bob = user(&app, "Bob").await;
    let carol = user(&app, "Carol").await;
    let handle = unique_handle();
    let group = public_group(&ada.client, &handle, &[bob.id]).await;
    let group_id = group["id"].as_i64().expect("id");

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
}

#[tokio::test]
async fn a_chats_detail_adds_its_members_with_the_owner_first() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let bob = user(&app, "Bob").await;
    let carol = user(&app, "Carol").await;
    let group = public_group(&ada.client, &unique_handle(), &[bob.id, carol.id]).await;
    let group_id = group["id"].as_i64().expect("id");

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
}

#[tokio::test]
async fn an_unknown_chat_is_not_found() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
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
