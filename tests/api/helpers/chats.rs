//! Chats that tests set up through `createChat` before the part they test.

use serde_json::json;

use super::{gql, TestApp};

pub const CREATE: &str = "mutation($i: CreateChatInput!) { createChat(input: $i) { id type title displayTitle myRole membersCount isPublic handle counterpart { id } } }";
pub const SEND: &str =
    "mutation($c: ID!, $t: String!) { sendMessage(input: { chatId: $c, text: $t }) { id } }";

/// A group titled `title` created by `token` with `members`; returns its id.
pub async fn group(app: &TestApp, token: &str, title: &str, members: &[&str]) -> String {
    let data = gql(
        app,
        token,
        CREATE,
        json!({ "i": { "type": "GROUP", "title": title, "memberIds": members } }),
    )
    .await;
    data["createChat"]["id"].as_str().expect("id").to_owned()
}

/// The private chat of `token` and `other`; returns its id.
pub async fn private(app: &TestApp, token: &str, other: &str) -> String {
    let data = gql(
        app,
        token,
        CREATE,
        json!({ "i": { "type": "PRIVATE", "memberIds": [other] } }),
    )
    .await;
    data["createChat"]["id"].as_str().expect("id").to_owned()
}
