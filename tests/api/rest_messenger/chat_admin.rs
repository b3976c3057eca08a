//! §7 over REST: a chat's profile, members and roles, the caller's settings, pinned
//! messages, invite links, clearing, leaving and deleting.

use serde_json::{json, Value};

use super::{assert_shape, rest_group, rest_send, seed, user, Client, User};
use crate::helpers::{spawn_app, TestApp};

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect()
}

/// Ada's group "Team" with Bob as a member: (Ada, Bob, chat id).
async fn team(app: &TestApp) -> (User<'_>, User<'_>, i64) {
    let ada = user(app, "Ada").await;
    let bob = user(app, "Bob").await;
    let chat = rest_group(&ada.client, "Team", &[bob.id]).await;
    (ada, bob, chat)
}

/// `/chats/{chat}{tail}`.
fn chat_path(chat: i64, tail: &str) -> String {
    format!("/chats/{chat}{tail}")
}

#[tokio::test]
async fn the_owner_renames_the_chat_and_edits_its_profile() {
    let app = spawn_app().await;
    let (ada, _, chat) = team(&app).await;
    let path = |tail: &str| chat_path(chat, tail);

    let renamed = Client::expect(
        ada.client
            .patch(&path("/title"), json!({ "title": "New title" }))
            .await,
        200,
    );
    assert_shape(&renamed, seed::CHAT_READ);
    assert_eq!(renamed["title"], "New title");
    let profile = json!({ "title": "Team B", "description": "optional description",
                          "avatar_url": "https://cdn.example.com/team.png" });
    let updated = Client::expect(ada.client.patch(&path("/profile"), profile).await, 200);
    assert_eq!(
        (
            updated["description"].clone(),
            updated["avatar_url"].clone()
        ),
        (
            json!("optional description"),
            json!("https://cdn.example.com/team.png")
        )
    );
}

#[tokio::test]
async fn a_plain_member_cannot_rename_the_chat() {
    let app = spawn_app().await;
    let (_, bob, chat) = team(&app).await;
    let forbidden = bob
        .client
        .patch(&chat_path(chat, "/title"), json!({ "title": "Mine" }))
        .await;
    assert_eq!(
        (forbidden.status, forbidden.detail()),
        (403, "Only the owner or an admin can do this")
    );
}

#[tokio::test]
async fn members_are_added_listed_promoted_and_removed_in_the_seed_shape() {
    let app = spawn_app().await;
    let (ada, bob, chat) = team(&app).await;
    let carol = user(&app, "Carol").await;
    let path = |tail: &str| chat_path(chat, tail);

    let added = ada
        .client
        .post(&path("/members"), json!({ "user_id": carol.id }))
        .await;
    assert_eq!(added.status, 201, "{}", added.text);
    assert_shape(&added.body, seed::CHAT_MEMBER);
    assert_eq!(
        (added.body["user_id"].as_i64(), added.body["role"].as_str()),
        (Some(carol.id), Some("member"))
    );
    let members = Client::expect(ada.client.get(&path("/members")).await, 200);
    assert_eq!(members.as_array().map(Vec::len), Some(3));
    assert_shape(&members[0], seed::CHAT_MEMBER);
    let role = Client::expect(
        ada.client
            .patch(
                &path(&format!("/members/{}/role", bob.id)),
                json!({ "role": "admin" }),
            )
            .await,
        200,
    );
    assert_shape(&role, seed::CHAT_MEMBER);
    assert_eq!(role["role"], "admin");
    ada.client
        .delete(&path(&format!("/members/{}", carol.id)))
        .await
        .assert_no_content();
}

#[tokio::test]
async fn an_unknown_role_is_a_422_with_a_detail() {
    let app = spawn_app().await;
    let (ada, bob, chat) = team(&app).await;
    let bad_role = ada
        .client
        .patch(
            &chat_path(chat, &format!("/members/{}/role", bob.id)),
            json!({ "role": "king" }),
        )
        .await;
    assert_eq!(bad_role.status, 422, "{}", bad_role.text);
    bad_role.detail();
}

#[tokio::test]
async fn a_message_is_pinned_and_unpinned() {
    let app = spawn_app().await;
    let (ada, _, chat) = team(&app).await;
    let path = chat_path(chat, "/pin");
    let message = rest_send(&ada.client, chat, "pin me").await;
    let pinned = Client::expect(
        ada.client
            .post(&path, json!({ "message_id": message }))
            .await,
        200,
    );
    assert_eq!(pinned["pinned_message_id"], message);
    let unpinned = Client::expect(
        ada.client.post(&path, json!({ "message_id": null })).await,
        200,
    );
    assert_eq!(unpinned["pinned_message_id"], json!(null));
}

#[tokio::test]
async fn a_member_mutes_the_chat_for_themselves() {
    let app = spawn_app().await;
    let (_, bob, chat) = team(&app).await;
    let path = chat_path(chat, "/notifications");
    let settings = Client::expect(bob.client.get(&path).await, 200);
    assert_shape(&settings, seed::NOTIFICATION_SETTINGS);
    assert_eq!(
        settings,
        json!({ "chat_id": chat, "user_id": bob.id, "muted": false })
    );
    let muted = Client::expect(bob.client.put(&path, json!({ "muted": true })).await, 200);
    assert_eq!(muted["muted"], true);
}

#[tokio::test]
async fn an_archived_chat_is_listed_only_with_archived_true_until_unarchived() {
    let app = spawn_app().await;
    let (_, bob, chat) = team(&app).await;
    let path = |tail: &str| chat_path(chat, tail);
    let archived = Client::expect(bob.client.post_empty(&path("/archive")).await, 200);
    assert_eq!(archived["archived"], true);
    assert_eq!(
        ids(&Client::expect(
            bob.client.get("/chats?archived=True").await,
            200
        )),
        [chat]
    );
    assert_eq!(
        ids(&Client::expect(bob.client.get("/chats").await, 200)),
        Vec::<i64>::new()
    );
    let back = Client::expect(bob.client.post_empty(&path("/unarchive")).await, 200);
    assert_eq!(back["archived"], false);
}

#[tokio::test]
async fn a_member_pins_and_unpins_the_chat_in_their_list() {
    let app = spawn_app().await;
    let (_, bob, chat) = team(&app).await;
    let path = |tail: &str| chat_path(chat, tail);
    let on_top = Client::expect(bob.client.post_empty(&path("/pin-chat")).await, 200);
    assert_eq!(on_top["pinned"], true);
    let off = Client::expect(bob.client.post_empty(&path("/unpin-chat")).await, 200);
    assert_eq!(off["pinned"], false);
}

#[tokio::test]
async fn an_invite_link_lets_a_user_join_as_a_member() {
    let app = spawn_app().await;
    let (ada, _, chat) = team(&app).await;
    let dave = user(&app, "Dave").await;
    let link = Client::expect(
        ada.client
            .post_empty(&chat_path(chat, "/invite-link"))
            .await,
        200,
    );
    assert_shape(&link, seed::INVITE_LINK);
    assert_eq!(link["chat_id"], chat);
    let token = link["token"].as_str().expect("token");
    assert!(link["invite_url"]
        .as_str()
        .is_some_and(|u| u.ends_with(&format!("/join?token={token}"))));
    let joined = Client::expect(
        dave.client
            .post("/chats/join-by-invite", json!({ "token": token }))
            .await,
        200,
    );
    assert_eq!(
        (joined["id"].as_i64(), joined["my_role"].as_str()),
        (Some(chat), Some("member"))
    );
}

#[tokio::test]
async fn an_unknown_invite_token_is_not_found() {
    let app = spawn_app().await;
    let dave = user(&app, "Dave").await;
    let bad_token = dave
        .client
        .post("/chats/join-by-invite", json!({ "token": "nope" }))
        .await;
    assert_eq!(
        (bad_token.status, bad_token.detail()),
        (404, "Invite link is invalid or expired")
    );
}

#[tokio::test]
async fn a_member_who_cleared_and_left_can_no_longer_read_the_chat() {
    let app = spawn_app().await;
    let (ada, _, chat) = team(&app).await;
    let dave = user(&app, "Dave").await;
    let path = |tail: &str| chat_path(chat, tail);
    let added = ada
        .client
        .post(&path("/members"), json!({ "user_id": dave.id }))
        .await;
    assert_eq!(added.status, 201, "{}", added.text);

    dave.client
        .post_empty(&path("/clear"))
        .await
        .assert_no_content();
    dave.client
        .post_empty(&path("/leave"))
        .await
        .assert_no_content();
    let gone = dave.client.get(&path("")).await;
    assert_eq!(gone.status, 403, "{}", gone.text);
}

#[tokio::test]
async fn only_the_owner_deletes_the_chat_for_everyone_not_an_admin() {
    let app = spawn_app().await;
    let (ada, bob, chat) = team(&app).await;
    let path = |tail: &str| chat_path(chat, tail);
    let promoted = ada
        .client
        .patch(
            &path(&format!("/members/{}/role", bob.id)),
            json!({ "role": "admin" }),
        )
        .await;
    assert_eq!(promoted.status, 200, "{}", promoted.text);

    let not_owner = bob.client.delete(&path("?for_all=true")).await;
    assert_eq!(
        (not_owner.status, not_owner.detail()),
        (403, "Only the owner can delete this chat for everyone")
    );
    ada.client
        .delete(&path("?for_all=true"))
        .await
        .assert_no_content();
    let deleted = ada.client.get(&path("")).await;
    assert_eq!((deleted.status, deleted.detail()), (404, "Chat not found"));
}
