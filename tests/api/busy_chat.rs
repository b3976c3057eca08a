//! A busy chat (issue 9): many people writing into one chat at once. Every send lands,
//! ids of one chat are committed in id order (so live subscribers and resuming clients
//! see every message once, in order), and the cost of a send does not grow with the
//! chat's size. Counted, not timed.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::helpers::{
    chats::group,
    gql, quick_user, spawn_app,
    ws::{open, subscribe, take, wait_until_live, MESSAGES},
    TestApp,
};

const SEND_INPUT: &str = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id chatId } }";

/// Sends `text` and returns the whole GraphQL response (errors included).
async fn try_send(app: &TestApp, token: &str, chat: &str, text: &str) -> (u16, Value) {
    app.graphql(
        SEND_INPUT,
        json!({ "i": { "chatId": chat, "text": text } }),
        Some(&format!("Bearer {token}")),
    )
    .await
}

fn id_of(body: &Value) -> i64 {
    body["data"]["sendMessage"]["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no message id: {body}"))
}

fn message_ids(events: &[Value]) -> Vec<i64> {
    events
        .iter()
        .map(|e| {
            e["data"]["messageEvents"]["messageId"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .unwrap_or_else(|| panic!("no message id: {e}"))
        })
        .collect()
}

#[tokio::test]
async fn eight_concurrent_senders_all_land_in_order_for_live_and_resuming_subscribers() {
    const SENDERS: usize = 8;
    const EACH: usize = 12;
    let app = spawn_app().await;
    let mut people = Vec::new();
    for i in 0..SENDERS {
        people.push(quick_user(&app, &format!("Talker{i}")).await);
    }
    let member_ids: Vec<&str> = people[1..].iter().map(|(_, id)| id.as_str()).collect();
    let chat = group(&app, &people[0].0, "Everyone talks", &member_ids).await;
    let mut live = open(&app, &people[1].0).await;
    subscribe(&mut live, "live", MESSAGES, json!({ "c": chat })).await;
    wait_until_live(&app, &people[0].0, &chat, &mut live, "live").await;

    let mut tasks = Vec::new();
    for (s, (token, _)) in people.iter().enumerate() {
        let (app_http, url, token, chat) = (
            app.http.clone(),
            app.url("/graphql"),
            token.clone(),
            chat.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut results = Vec::new();
            for m in 0..EACH {
                let body: Value = app_http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({ "query": SEND_INPUT,
                                   "variables": { "i": { "chatId": chat, "text": format!("sender {s} message {m}") } } }))
                    .send()
                    .await
                    .expect("request")
                    .json()
                    .await
                    .expect("json");
                results.push(body);
            }
            results
        }));
    }
    let mut sent = Vec::new();
    for task in tasks {
        for body in task.await.expect("sender task") {
            assert!(body.get("errors").is_none(), "a send failed: {body}");
            sent.push(id_of(&body));
        }
    }
    assert_eq!(sent.len(), SENDERS * EACH);
    sent.sort_unstable();
    let distinct: HashSet<i64> = sent.iter().copied().collect();
    assert_eq!(distinct.len(), sent.len(), "duplicate ids");

    // The live subscriber: every message once, strictly increasing.
    let delivered = message_ids(&take(&mut live, "live", SENDERS * EACH).await);
    assert!(
        delivered.windows(2).all(|w| w[0] < w[1]),
        "out of order: {delivered:?}"
    );
    assert_eq!(
        delivered, sent,
        "the live stream differs from what was sent"
    );

    // A client resuming from the middle gets every later message once, in order.
    let middle = sent[sent.len() / 2 - 1];
    let mut resumed = open(&app, &people[2].0).await;
    subscribe(
        &mut resumed,
        "resume",
        MESSAGES,
        json!({ "c": chat, "a": middle.to_string() }),
    )
    .await;
    let later = message_ids(&take(&mut resumed, "resume", sent.len() / 2).await);
    assert_eq!(later, sent[sent.len() / 2..], "the replay differs");

    // And the chat's history agrees.
    let page = gql(
        &app,
        &people[3].0,
        "query($c: ID!) { messages(chatId: $c, last: 100) { edges { node { id } } } }",
        json!({ "c": chat }),
    )
    .await;
    let stored: Vec<i64> = page["messages"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["id"].as_str()?.parse().ok())
        .filter(|id| distinct.contains(id))
        .collect();
    assert_eq!(stored, sent);
}

/// Rows in the tables a send writes, counted in the app's database.
async fn rows(app: &TestApp) -> i64 {
    let mut db = sqlx_connection(app).await;
    let count: i64 = sqlx::query_scalar(
        "select (select count(*) from messages) + (select count(*) from notifications)
              + (select count(*) from message_mentions) + (select count(*) from chat_members)",
    )
    .fetch_one(&mut db)
    .await
    .expect("count rows");
    count
}

async fn sqlx_connection(app: &TestApp) -> sqlx::PgConnection {
    use sqlx::Connection as _;
    sqlx::PgConnection::connect(&app.env["DATABASE_URL"])
        .await
        .expect("connect to the app's database")
}

/// Adds `n` users straight into the database as members of `chat` (a big group without
/// a thousand sign-ins).
async fn add_silent_members(app: &TestApp, chat: &str, n: i64) {
    let mut db = sqlx_connection(app).await;
    let chat: i64 = chat.parse().expect("chat id");
    sqlx::query(
        "with made as (
             insert into users (name, first_name)
             select 'Crowd ' || g, 'Crowd' from generate_series(1, $2) g
             returning id
         )
         insert into chat_members (chat_id, user_id) select $1, id from made",
    )
    .bind(chat)
    .bind(n)
    .execute(&mut db)
    .await
    .expect("add members");
}

/// (statements, rows) one `sendMessage` costs.
async fn cost_of_a_send(app: &TestApp, token: &str, chat: &str, text: &str) -> (u64, i64) {
    let rows_before = rows(app).await;
    let before = app.db.statements_executed();
    let (status, body) = try_send(app, token, chat, text).await;
    let statements = app.db.statements_executed() - before;
    assert_eq!(status, 200, "{body}");
    id_of(&body);
    (statements, rows(app).await - rows_before)
}

#[tokio::test]
async fn a_send_costs_the_same_statements_and_rows_for_3_and_1000_members() {
    let app = spawn_app().await;
    let (owner, _) = quick_user(&app, "Owner").await;
    let (_, a) = quick_user(&app, "A").await;
    let (_, b) = quick_user(&app, "B").await;
    let small = group(&app, &owner, "Small", &[&a, &b]).await;
    let big = group(&app, &owner, "Big", &[&a, &b]).await;
    add_silent_members(&app, &big, 997).await;
    let members = gql(
        &app,
        &owner,
        "query($c: ID!) { chat(id: $c) { membersCount } }",
        json!({ "c": big }),
    )
    .await;
    assert_eq!(members["chat"]["membersCount"], 1000);

    // Warm up (first-use lookups), then measure.
    cost_of_a_send(&app, &owner, &small, "warm small").await;
    cost_of_a_send(&app, &owner, &big, "warm big").await;
    let small_cost = cost_of_a_send(&app, &owner, &small, "hello small").await;
    let big_cost = cost_of_a_send(&app, &owner, &big, "hello big").await;
    assert_eq!(
        small_cost, big_cost,
        "(statements, rows) for 3 members vs 1000"
    );
    // The message and one chat-wide notification.
    assert_eq!(small_cost.1, 2, "rows written by one send");
}

const NOTIFICATIONS: &str = "query($a: String, $n: Int) { notifications(first: $n, after: $a) {
    edges { cursor node { id eventType payload } } pageInfo { hasNextPage } } }";

/// (event type, message id in the payload) of a user's notifications, newest first.
async fn notifications_of(app: &TestApp, token: &str, after: Option<&str>) -> Vec<(String, i64)> {
    let data = gql(app, token, NOTIFICATIONS, json!({ "a": after, "n": 10 })).await;
    data["notifications"]["edges"]
        .as_array()
        .expect("list")
        .iter()
        .map(|e| &e["node"])
        .map(|n| {
            let payload: Value =
                serde_json::from_str(n["payload"].as_str().expect("payload")).expect("json");
            (
                n["eventType"].as_str().expect("type").to_owned(),
                payload["message_id"].as_i64().unwrap_or(0),
            )
        })
        .collect()
}

/// Owner's group "Derived" with Reader and Muter (who muted it); Owner wrote "first",
/// a mention of Reader and "third", then Reader wrote "my own".
struct Derived {
    owner: String,
    reader: String,
    reader_id: String,
    muter: String,
    chat: String,
    first: i64,
    mention: i64,
    third: i64,
    from_reader: i64,
}

async fn derived(app: &TestApp) -> Derived {
    let (owner, _) = quick_user(app, "Owner").await;
    let (reader, reader_id) = quick_user(app, "Reader").await;
    let (muter, muter_id) = quick_user(app, "Muter").await;
    let chat = group(app, &owner, "Derived", &[&reader_id, &muter_id]).await;
    gql(
        app,
        &muter,
        "mutation($c: ID!) { setChatMuted(chatId: $c, muted: true) { id } }",
        json!({ "c": chat }),
    )
    .await;
    let reader_name = gql(app, &reader, "{ me { username } }", json!({})).await["me"]["username"]
        .as_str()
        .expect("username")
        .to_owned();
    let first = id_of(&try_send(app, &owner, &chat, "first").await.1);
    let mention = id_of(
        &try_send(app, &owner, &chat, &format!("hey @{reader_name}"))
            .await
            .1,
    );
    let third = id_of(&try_send(app, &owner, &chat, "third").await.1);
    let from_reader = id_of(&try_send(app, &reader, &chat, "my own").await.1);
    Derived {
        owner,
        reader,
        reader_id,
        muter,
        chat,
        first,
        mention,
        third,
        from_reader,
    }
}

/// What the reader of [`derived`] is notified of, newest first.
fn reader_expects(d: &Derived) -> [(String, i64); 4] {
    [
        ("message_created".to_owned(), d.third),
        ("mention".to_owned(), d.mention),
        ("message_created".to_owned(), d.first),
        ("chat_member_added".to_owned(), 0),
    ]
}

#[tokio::test]
async fn a_member_is_notified_newest_first_with_a_mention_replacing_the_plain_notification() {
    let app = spawn_app().await;
    let d = derived(&app).await;
    // Newest first; the mention replaces the plain notification; not one's own message;
    // the personal "added" row interleaves by id.
    let reader_sees = notifications_of(&app, &d.reader, None).await;
    assert_eq!(reader_sees, reader_expects(&d));
}

#[tokio::test]
async fn the_owner_is_notified_of_others_messages_and_a_muted_member_of_none() {
    let app = spawn_app().await;
    let d = derived(&app).await;
    let (owner, muter, from_reader) = (&d.owner, &d.muter, d.from_reader);
    // The owner sees the reader's message; the muted member sees no message notification.
    assert_eq!(
        notifications_of(&app, owner, None).await,
        [("message_created".to_owned(), from_reader)]
    );
    assert_eq!(
        notifications_of(&app, muter, None).await,
        [("chat_member_added".to_owned(), 0)]
    );
}

#[tokio::test]
async fn notification_pages_continue_after_a_cursor_across_both_kinds_of_rows() {
    let app = spawn_app().await;
    let d = derived(&app).await;
    let (reader, reader_sees) = (&d.reader, reader_expects(&d));
    // Paging with `after` continues across both kinds of rows.
    let data = gql(&app, reader, NOTIFICATIONS, json!({ "n": 2 })).await;
    assert_eq!(data["notifications"]["pageInfo"]["hasNextPage"], true);
    let cursor = data["notifications"]["edges"][1]["cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    assert_eq!(
        notifications_of(&app, reader, Some(&cursor)).await,
        reader_sees[2..]
    );
}

#[tokio::test]
async fn a_member_who_joins_later_is_not_notified_of_earlier_messages() {
    let app = spawn_app().await;
    let Derived { owner, chat, .. } = derived(&app).await;
    // Someone who joins later is not notified of what came before.
    let (late, late_id) = quick_user(&app, "Late").await;
    gql(
        &app,
        &owner,
        "mutation($c: ID!, $u: ID!) { addChatMember(chatId: $c, userId: $u) { role } }",
        json!({ "c": chat, "u": late_id }),
    )
    .await;
    let after_join = id_of(&try_send(&app, &owner, &chat, "welcome").await.1);
    let late_sees = notifications_of(&app, &late, None).await;
    assert_eq!(late_sees[0], ("message_created".to_owned(), after_join));
    assert!(
        late_sees.iter().all(|(_, m)| *m == 0 || *m >= after_join),
        "{late_sees:?}"
    );
}

#[tokio::test]
async fn the_rest_shim_lists_the_same_notifications_in_the_seed_shape() {
    let app = spawn_app().await;
    let Derived {
        reader, reader_id, ..
    } = derived(&app).await;
    // The REST shim lists the same, in the seed's shape.
    let (status, rest) = rest_get(&app, &reader, "/api/v1/notifications?limit=50").await;
    assert_eq!(status, 200, "{rest}");
    let first_rest = &rest[0];
    assert_eq!(first_rest["event_type"], "message_created");
    assert_eq!(first_rest["user_id"].to_string(), reader_id);
    assert!(first_rest["payload"].is_string(), "{first_rest}");
}

async fn rest_get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let response = app
        .http
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

/// The error codes in a GraphQL or REST body (empty when it succeeded).
fn failures(body: &Value) -> Vec<String> {
    let mut codes: Vec<String> = body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["extensions"]["code"].as_str().unwrap_or("?").to_owned())
                .collect()
        })
        .unwrap_or_default();
    if let Some(detail) = body.get("detail") {
        codes.push(format!("REST {detail}"));
    }
    codes
}

/// A GraphQL query (or `""`), its variables (the body, for REST) and the REST path.
type Op = (&'static str, Value, Option<&'static str>);

/// One operation over HTTP: GraphQL when `rest` is `None`, else a REST POST.
async fn call(http: reqwest::Client, base: String, token: String, op: Op) -> (u16, Value) {
    let (query, variables, rest) = op;
    let request = match rest {
        None => http
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": query, "variables": variables })),
        Some(path) => http.post(format!("{base}{path}")).json(&variables),
    };
    let response = request.bearer_auth(token).send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

const EDIT: &str = "mutation($m: ID!, $t: String!) { editMessage(messageId: $m, text: $t) { id } }";
const DELETE: &str = "mutation($m: ID!) { deleteMessage(messageId: $m, forAll: true) }";
const REACT: &str = "mutation($m: ID!) { toggleReaction(messageId: $m, emoji: \"👍\") { count } }";
const FORWARD: &str =
    "mutation($m: ID!, $c: [ID!]!) { forwardMessage(messageId: $m, targetChatIds: $c) { id } }";

/// Sends (GraphQL and REST), forwards to many chats, edits, deletes and reactions on the
/// same chat at once: nothing fails but what the rules refuse (a deleted message is gone).
#[tokio::test]
async fn sends_forwards_edits_deletes_and_reactions_racing_in_one_chat_never_fail() {
    let app = spawn_app().await;
    let (owner, _) = quick_user(&app, "Owner").await;
    let mut others = Vec::new();
    for i in 0..3 {
        others.push(quick_user(&app, &format!("Racer{i}")).await);
    }
    let ids: Vec<&str> = others.iter().map(|(_, id)| id.as_str()).collect();
    let chat = group(&app, &owner, "Race", &ids).await;
    let mut targets = vec![chat.clone()];
    for i in 0..4 {
        targets.push(group(&app, &others[0].0, &format!("Target {i}"), &ids[1..]).await);
    }
    let mut seeded = Vec::new();
    for i in 0..20 {
        seeded
            .push(id_of(&try_send(&app, &owner, &chat, &format!("seed {i}")).await.1).to_string());
    }
    let chat_id: i64 = chat.parse().expect("id");

    let mut plans: Vec<(String, Vec<Op>)> = vec![
        // The owner edits then deletes the seeded messages, while the others react to them.
        (
            owner.clone(),
            seeded
                .iter()
                .flat_map(|m| {
                    [
                        (EDIT, json!({ "m": m, "t": format!("edited {m}") }), None),
                        (DELETE, json!({ "m": m }), None),
                    ]
                })
                .collect(),
        ),
        (
            others[1].0.clone(),
            seeded
                .iter()
                .map(|m| (REACT, json!({ "m": m }), None))
                .collect(),
        ),
        // REST sends.
        (
            others[2].0.clone(),
            (0..15)
                .map(|i| {
                    (
                        "",
                        json!({ "chat_id": chat_id, "text": format!("rest {i}") }),
                        Some("/api/v1/messages"),
                    )
                })
                .collect(),
        ),
        // Forwards of a seeded message into five chats at once.
        (
            others[0].0.clone(),
            (0..6)
                .map(|_| (FORWARD, json!({ "m": seeded[19], "c": targets }), None))
                .collect(),
        ),
    ];
    // GraphQL sends from everyone.
    for (token, _) in others.iter().take(2) {
        plans.push((
            token.clone(),
            (0..15)
                .map(|i| {
                    (
                        SEND_INPUT,
                        json!({ "i": { "chatId": chat, "text": format!("race {i}") } }),
                        None,
                    )
                })
                .collect(),
        ));
    }
    let mut tasks = Vec::new();
    for (token, ops) in plans {
        let (http, base) = (app.http.clone(), app.url(""));
        tasks.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for op in ops {
                let what = op.0;
                let (status, body) = call(http.clone(), base.clone(), token.clone(), op).await;
                outcomes.push((what, status, body));
            }
            outcomes
        }));
    }
    let mut sent = 0;
    for task in tasks {
        for (what, status, body) in task.await.expect("task") {
            let codes = failures(&body);
            let refused_because_deleted = codes.iter().all(|c| c == "NOT_FOUND")
                && (what == REACT || what == EDIT || what == DELETE || what == FORWARD);
            assert!(
                status < 500 && (codes.is_empty() || refused_because_deleted),
                "{what}: {status} {body}"
            );
            if codes.is_empty() && (what == SEND_INPUT || what.is_empty()) {
                sent += 1;
            }
        }
    }
    assert_eq!(sent, 45, "every send landed");
}
