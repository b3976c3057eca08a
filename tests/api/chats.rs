//! Chats over GraphQL (messenger-rest-api.md §3.3, §7): a scripted conversation.

use serde_json::{json, Value};

use crate::helpers::{
    chats::{group, CREATE, SEND},
    gql, gql_error, quick_user, spawn_app,
};

const LIST: &str =
    "query($a: Boolean) { chats(archived: $a) { edges { node { id pinned archived muted } } } }";

fn ids(list: &Value) -> Vec<String> {
    list["chats"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn a_private_chat_is_one_per_pair_and_shows_the_counterpart() {
    let app = spawn_app().await;
    let (alice, alice_id) = quick_user(&app, "Alice").await;
    let (bob, bob_id) = quick_user(&app, "Bob").await;
    let first = gql(
        &app,
        &alice,
        CREATE,
        json!({ "i": { "type": "PRIVATE", "memberIds": [bob_id] } }),
    )
    .await;
    let chat = &first["createChat"];
    assert_eq!(chat["type"], "PRIVATE");
    assert_eq!(chat["displayTitle"], "Bob");
    assert_eq!(chat["counterpart"]["id"], bob_id.as_str());
    assert_eq!(chat["membersCount"], 2);
    assert_eq!(chat["myRole"], "MEMBER");
    let again = gql(
        &app,
        &bob,
        CREATE,
        json!({ "i": { "type": "PRIVATE", "memberIds": [alice_id] } }),
    )
    .await;
    assert_eq!(
        again["createChat"]["id"], chat["id"],
        "same chat from the other side"
    );
    assert_eq!(again["createChat"]["displayTitle"], "Alice");

    let bad = json!({ "i": { "type": "PRIVATE", "memberIds": [bob_id, alice_id, "1"] } });
    assert_eq!(gql_error(&app, &alice, CREATE, bad).await, "BAD_USER_INPUT");
    let public = json!({ "i": { "type": "PRIVATE", "memberIds": [bob_id], "isPublic": true } });
    assert_eq!(
        gql_error(&app, &alice, CREATE, public).await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn private_chats_respect_blocks_and_allow_private_messages() {
    let app = spawn_app().await;
    let (alice, alice_id) = quick_user(&app, "Alice").await;
    let (bob, bob_id) = quick_user(&app, "Bob").await;
    let (carol, _) = quick_user(&app, "Carol").await;
    gql(
        &app,
        &bob,
        "mutation($u: ID!) { blockUser(userId: $u) { id } }",
        json!({ "u": alice_id }),
    )
    .await;
    let input = json!({ "i": { "type": "PRIVATE", "memberIds": [bob_id] } });
    assert_eq!(
        gql_error(&app, &alice, CREATE, input.clone()).await,
        "FORBIDDEN"
    );

    gql(
        &app,
        &bob,
        "mutation { updateProfile(input: { allowPrivateMessages: false }) { id } }",
        json!({}),
    )
    .await;
    assert_eq!(
        gql_error(&app, &carol, CREATE, input.clone()).await,
        "FORBIDDEN"
    );
    gql(
        &app,
        &bob,
        "mutation($u: ID!) { unblockUser(userId: $u) addContact(userId: $u) { id } }",
        json!({ "u": alice_id }),
    )
    .await;
    gql(&app, &alice, CREATE, input).await; // a contact of Bob may write
}

const PROMOTE: &str = "mutation($c: ID!, $u: ID!) { setChatMemberRole(chatId: $c, userId: $u, role: ADMIN) { role } }";

#[tokio::test]
async fn a_group_needs_a_title_and_a_public_group_a_handle() {
    let app = spawn_app().await;
    let (owner, _) = quick_user(&app, "Owner").await;
    let no_title = json!({ "i": { "type": "GROUP" } });
    assert_eq!(
        gql_error(&app, &owner, CREATE, no_title).await,
        "BAD_USER_INPUT"
    );
    let public_no_handle = json!({ "i": { "type": "GROUP", "title": "G", "isPublic": true } });
    assert_eq!(
        gql_error(&app, &owner, CREATE, public_no_handle).await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn a_taken_public_handle_is_a_conflict() {
    let app = spawn_app().await;
    let (owner, _) = quick_user(&app, "Owner").await;
    let (member, _) = quick_user(&app, "Member").await;
    let handle = format!("h{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let public =
        json!({ "i": { "type": "GROUP", "title": "Pub", "isPublic": true, "handle": handle } });
    gql(&app, &owner, CREATE, public.clone()).await;
    assert_eq!(gql_error(&app, &member, CREATE, public).await, "CONFLICT");
}

#[tokio::test]
async fn a_plain_member_cannot_rename_a_group_but_its_owner_can() {
    let app = spawn_app().await;
    let (owner, _) = quick_user(&app, "Owner").await;
    let (member, member_id) = quick_user(&app, "Member").await;
    let chat = group(&app, &owner, "Team", &[&member_id]).await;
    let rename =
        "mutation($c: ID!) { updateChat(chatId: $c, input: { title: \"Renamed\" }) { title } }";
    assert_eq!(
        gql_error(&app, &member, rename, json!({ "c": chat })).await,
        "FORBIDDEN"
    );
    let data = gql(&app, &owner, rename, json!({ "c": chat })).await;
    assert_eq!(data["updateChat"]["title"], "Renamed");
}

#[tokio::test]
async fn a_plain_member_cannot_add_members_but_an_admin_can_remove_them() {
    let app = spawn_app().await;
    let (owner, _) = quick_user(&app, "Owner").await;
    let (member, member_id) = quick_user(&app, "Member").await;
    let (other, other_id) = quick_user(&app, "Other").await;
    let chat = group(&app, &owner, "Team", &[&member_id]).await;

    let add =
        "mutation($c: ID!, $u: ID!) { addChatMember(chatId: $c, userId: $u) { userId role } }";
    assert_eq!(
        gql_error(&app, &member, add, json!({ "c": chat, "u": other_id })).await,
        "FORBIDDEN"
    );
    gql(&app, &owner, add, json!({ "c": chat, "u": other_id })).await;
    let data = gql(&app, &owner, PROMOTE, json!({ "c": chat, "u": member_id })).await;
    assert_eq!(data["setChatMemberRole"]["role"], "ADMIN");
    let remove = "mutation($c: ID!, $u: ID!) { removeChatMember(chatId: $c, userId: $u) }";
    gql(&app, &member, remove, json!({ "c": chat, "u": other_id })).await;
    assert_eq!(
        gql_error(
            &app,
            &other,
            "query($c: ID!) { chat(id: $c) { id } }",
            json!({ "c": chat })
        )
        .await,
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn when_the_owner_leaves_the_admin_inherits_the_group_and_may_delete_it() {
    let app = spawn_app().await;
    let (owner, _) = quick_user(&app, "Owner").await;
    let (member, member_id) = quick_user(&app, "Member").await;
    let chat = group(&app, &owner, "Team", &[&member_id]).await;
    gql(&app, &owner, PROMOTE, json!({ "c": chat, "u": member_id })).await;

    gql(
        &app,
        &owner,
        "mutation($c: ID!) { leaveChat(chatId: $c) }",
        json!({ "c": chat }),
    )
    .await;
    let data = gql(
        &app,
        &member,
        "query($c: ID!) { chat(id: $c) { myRole membersCount } }",
        json!({ "c": chat }),
    )
    .await;
    assert_eq!(data["chat"]["myRole"], "OWNER");
    assert_eq!(data["chat"]["membersCount"], 1);
    gql(
        &app,
        &member,
        "mutation($c: ID!) { deleteChat(chatId: $c, forAll: true) }",
        json!({ "c": chat }),
    )
    .await;
    assert_eq!(
        gql_error(
            &app,
            &member,
            "query($c: ID!) { chat(id: $c) { id } }",
            json!({ "c": chat })
        )
        .await,
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn only_the_owner_and_admins_post_in_a_channel() {
    let app = spawn_app().await;
    let (owner, _) = quick_user(&app, "Owner").await;
    let (reader, reader_id) = quick_user(&app, "Reader").await;
    let data = gql(
        &app,
        &owner,
        CREATE,
        json!({ "i": { "type": "CHANNEL", "title": "News", "memberIds": [reader_id] } }),
    )
    .await;
    let channel = data["createChat"]["id"].as_str().expect("id").to_owned();
    gql(
        &app,
        &owner,
        SEND,
        json!({ "c": channel, "t": "hello subscribers" }),
    )
    .await;
    assert_eq!(
        gql_error(&app, &reader, SEND, json!({ "c": channel, "t": "hi" })).await,
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn saved_messages_is_one_chat_of_ones_own() {
    let app = spawn_app().await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let saved = "{ savedMessages { id isSaved displayTitle myRole } }";
    let first = gql(&app, &alice, saved, json!({})).await;
    let second = gql(&app, &alice, saved, json!({})).await;
    assert_eq!(first["savedMessages"]["id"], second["savedMessages"]["id"]);
    assert_eq!(first["savedMessages"]["displayTitle"], "Saved Messages");
}

#[tokio::test]
async fn a_public_group_is_discovered_by_handle_and_joined_by_anyone() {
    let app = spawn_app().await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let (bob, _) = quick_user(&app, "Bob").await;
    let handle = format!("club{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let data = gql(&app, &alice, CREATE, json!({ "i": { "type": "GROUP", "title": "Rust Club", "isPublic": true, "handle": handle } })).await;
    let public = data["createChat"]["id"].as_str().expect("id").to_owned();
    let found = gql(
        &app,
        &bob,
        "query($q: String!) { discoverChats(query: $q) { id handle } }",
        json!({ "q": format!("@{handle}") }),
    )
    .await;
    assert_eq!(found["discoverChats"][0]["id"], public.as_str());
    let data = gql(
        &app,
        &bob,
        "mutation($c: ID!) { joinChat(chatId: $c) { myRole membersCount } }",
        json!({ "c": public }),
    )
    .await;
    assert_eq!(data["joinChat"]["membersCount"], 2);
}

#[tokio::test]
async fn a_closed_group_is_joined_only_through_its_invite_link() {
    let app = spawn_app().await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let (bob, _) = quick_user(&app, "Bob").await;
    let closed = group(&app, &alice, "Closed", &[]).await;
    let join = "mutation($c: ID!) { joinChat(chatId: $c) { id } }";
    assert_eq!(
        gql_error(&app, &bob, join, json!({ "c": closed })).await,
        "FORBIDDEN"
    );
    let link = gql(
        &app,
        &alice,
        "mutation($c: ID!) { createInviteLink(chatId: $c) { token inviteUrl } }",
        json!({ "c": closed }),
    )
    .await;
    let token = link["createInviteLink"]["token"].as_str().expect("token");
    assert!(link["createInviteLink"]["inviteUrl"]
        .as_str()
        .is_some_and(|u| u.ends_with(token)));
    let data = gql(
        &app,
        &bob,
        "mutation($t: String!) { joinByInvite(token: $t) { id } }",
        json!({ "t": token }),
    )
    .await;
    assert_eq!(data["joinByInvite"]["id"], closed.as_str());
}

#[tokio::test]
async fn an_unknown_invite_token_is_not_found() {
    let app = spawn_app().await;
    let (bob, _) = quick_user(&app, "Bob").await;
    let bogus = json!({ "t": "x".repeat(32) });
    assert_eq!(
        gql_error(
            &app,
            &bob,
            "mutation($t: String!) { joinByInvite(token: $t) { id } }",
            bogus
        )
        .await,
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn archive_pin_and_mute_are_per_member_and_order_the_list() {
    let app = spawn_app().await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let (_, bob_id) = quick_user(&app, "Bob").await;
    let older = group(&app, &alice, "Older", &[&bob_id]).await;
    let newer = group(&app, &alice, "Newer", &[&bob_id]).await;
    let archived = group(&app, &alice, "Archived", &[]).await;
    gql(&app, &alice, SEND, json!({ "c": newer, "t": "latest" })).await;
    let data = gql(&app, &alice, LIST, json!({})).await;
    assert_eq!(ids(&data), [newer.clone(), archived.clone(), older.clone()]);

    gql(
        &app,
        &alice,
        "mutation($c: ID!) { setChatArchived(chatId: $c, archived: true) { archived } }",
        json!({ "c": archived }),
    )
    .await;
    gql(&app, &alice, "mutation($c: ID!) { setChatPinned(chatId: $c, pinned: true) { pinned } setChatMuted(chatId: $c, muted: true) { muted } }", json!({ "c": older })).await;
    let data = gql(&app, &alice, LIST, json!({})).await;
    assert_eq!(
        ids(&data),
        [older.clone(), newer],
        "pinned first, archived gone"
    );
    assert_eq!(data["chats"]["edges"][0]["node"]["muted"], true);
    let data = gql(&app, &alice, LIST, json!({ "a": true })).await;
    assert_eq!(ids(&data), [archived]);
}

#[tokio::test]
async fn the_chat_list_pages_with_cursors_and_filters_by_query() {
    let app = spawn_app().await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(group(&app, &alice, &format!("Room {i}"), &[]).await);
    }
    created.reverse();
    let page = "query($a: String) { chats(first: 2, after: $a) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    for _ in 0..5 {
        let data = gql(&app, &alice, page, json!({ "a": after })).await;
        seen.extend(ids(&data));
        if data["chats"]["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = data["chats"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, created);
    // Backward from the end with last/before gives the same list, page by page.
    let back = "query($b: String) { chats(last: 2, before: $b) { edges { cursor node { id } } pageInfo { hasPreviousPage hasNextPage startCursor } } }";
    let mut pages: Vec<Vec<String>> = Vec::new();
    let mut before = Value::Null;
    for _ in 0..5 {
        let data = gql(&app, &alice, back, json!({ "b": before })).await;
        assert_eq!(
            data["chats"]["pageInfo"]["hasNextPage"],
            !before.is_null(),
            "{data}"
        );
        pages.push(ids(&data));
        if data["chats"]["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = data["chats"]["pageInfo"]["startCursor"].clone();
    }
    pages.reverse();
    assert_eq!(pages.concat(), created);
    assert_eq!(
        pages[0].len(),
        1,
        "the first page holds what is left: {pages:?}"
    );
    let data = gql(
        &app,
        &alice,
        "{ chats(query: \"room 3\") { edges { node { title } } } }",
        json!({}),
    )
    .await;
    assert_eq!(data["chats"]["edges"][0]["node"]["title"], "Room 3");
    let bad = "{ chats(after: \"garbage\") { edges { cursor } } }";
    assert_eq!(
        gql_error(&app, &alice, bad, json!({})).await,
        "BAD_USER_INPUT"
    );
}

/// A search matches private chats by their counterpart's name as well as titles, and
/// pages like the list (forward with `after`, backward with `last`); its chats' members
/// come oldest first, with their roles.
#[tokio::test]
async fn a_chat_search_matches_counterparts_and_pages_like_the_list() {
    let app = spawn_app().await;
    let (alice, alice_id) = quick_user(&app, "Alice").await;
    let (_, bob_id) = quick_user(&app, "Bobby").await;
    let (_, cid_id) = quick_user(&app, "Cid").await;
    let private = json!({ "i": { "type": "PRIVATE", "memberIds": [bob_id] } });
    let private = gql(&app, &alice, CREATE, private).await["createChat"]["id"].clone();
    let cats = group(&app, &alice, "Bobcats", &[&cid_id, &bob_id]).await;
    // Bob is a member, but a search matches titles and counterparts, not members.
    group(&app, &alice, "Other", &[&bob_id]).await;
    let room = group(&app, &alice, "Bob's room", &[]).await;
    let search =
        "query($a: String, $l: Int) { chats(query: \"bob\", first: 2, after: $a, last: $l) {
        edges { node { id members { userId role } } }
        pageInfo { hasNextPage hasPreviousPage endCursor } } }";
    let first = gql(&app, &alice, search, json!({})).await;
    assert_eq!(ids(&first), [room.clone(), cats.clone()]);
    assert_eq!(first["chats"]["pageInfo"]["hasNextPage"], true);
    let members = &first["chats"]["edges"][1]["node"]["members"];
    assert_eq!(
        members[0]["userId"],
        alice_id.as_str(),
        "oldest first: {members}"
    );
    assert_eq!(members[0]["role"], "OWNER");
    assert_eq!(members.as_array().map(Vec::len), Some(3));
    let after = first["chats"]["pageInfo"]["endCursor"].clone();
    let rest = gql(&app, &alice, search, json!({ "a": after })).await;
    assert_eq!(ids(&rest), [private.as_str().expect("id")]);
    assert_eq!(rest["chats"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(rest["chats"]["pageInfo"]["hasPreviousPage"], true);
    let last = gql(&app, &alice, search, json!({ "l": 2 })).await;
    assert_eq!(ids(&last), [cats, private.as_str().expect("id").to_owned()]);
    let none = "{ chats(query: \"nobody here\") { edges { node { id } } } }";
    assert_eq!(
        ids(&gql(&app, &alice, none, json!({})).await),
        Vec::<String>::new()
    );
}

/// Group-invite privacy (§3.7) and blocks decide who may be added to a group: `NOBODY`
/// refuses everyone, `CONTACTS` only people in the invitee's contacts, and a block
/// either way refuses (the whole `createChat` fails).
#[tokio::test]
async fn group_invites_follow_the_invitees_privacy_and_blocks() {
    let app = crate::helpers::spawn_app().await;
    let (ann, ann_id) = crate::helpers::quick_user(&app, "Ann").await;
    let (bob, bob_id) = crate::helpers::quick_user(&app, "Bob").await;
    let (_cid, cid_id) = crate::helpers::quick_user(&app, "Cid").await;
    let set_invites = |level: &'static str| {
        let app = &app;
        let bob = bob.clone();
        async move {
            gql(
                app,
                &bob,
                "mutation($l: PrivacyLevel!) { updateProfile(input: { privacyGroupInvites: $l }) { id } }",
                json!({ "l": level }),
            )
            .await;
        }
    };
    let create = |members: Vec<String>| {
        let app = &app;
        let ann = ann.clone();
        async move {
            let (_, body) = app
                .graphql(
                    CREATE,
                    json!({ "i": { "type": "GROUP", "title": "Invites", "memberIds": members } }),
                    Some(&format!("Bearer {ann}")),
                )
                .await;
            crate::helpers::error_code(&body).map(str::to_owned)
        }
    };
    set_invites("NOBODY").await;
    assert_eq!(
        create(vec![cid_id.clone(), bob_id.clone()])
            .await
            .as_deref(),
        Some("FORBIDDEN")
    );
    set_invites("CONTACTS").await;
    assert_eq!(
        create(vec![bob_id.clone()]).await.as_deref(),
        Some("FORBIDDEN")
    );
    gql(
        &app,
        &bob,
        "mutation($u: ID) { addContact(userId: $u) { id } }",
        json!({ "u": ann_id }),
    )
    .await;
    assert_eq!(create(vec![bob_id.clone(), cid_id.clone()]).await, None);
    gql(
        &app,
        &bob,
        "mutation($u: ID!) { blockUser(userId: $u) { id } }",
        json!({ "u": ann_id }),
    )
    .await;
    assert_eq!(
        create(vec![cid_id.clone(), bob_id.clone()])
            .await
            .as_deref(),
        Some("FORBIDDEN")
    );
    set_invites("EVERYONE").await;
    assert_eq!(
        create(vec![bob_id.clone()]).await.as_deref(),
        Some("FORBIDDEN"),
        "a block refuses whatever the privacy"
    );
}
