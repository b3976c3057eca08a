//! A local stand-in for the Telegram and Max Bot APIs: records every call (HTTP method,
//! path, query, `Authorization`, JSON body) and answers like the real services —
//! Telegram `{"ok":true,"result":…}` under `/bot<token>/<method>`, Max `POST /messages`
//! (`{"message":…}`) and `POST /answers` (`{"success":true}`).

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, Uri},
    Json, Router,
};
use serde_json::{json, Value};
use tokio::task::JoinHandle;

/// One recorded request.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub authorization: Option<String>,
    pub body: Value,
}

type Calls = Arc<Mutex<Vec<Call>>>;

pub struct FakeBotApi {
    pub addr: SocketAddr,
    calls: Calls,
    server: JoinHandle<()>,
}

impl FakeBotApi {
    pub async fn start() -> Self {
        let calls = Calls::default();
        let app = Router::new()
            .fallback(record)
            .with_state(Arc::clone(&calls));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("fake Bot API serves");
        });
        Self {
            addr,
            calls,
            server,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every call so far, and forgets them.
    pub fn take(&self) -> Vec<Call> {
        std::mem::take(&mut *self.calls.lock().expect("calls lock"))
    }
}

impl Drop for FakeBotApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn record(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Json<Value> {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let path = uri.path().to_owned();
    let answer = answer(&path, &body);
    calls.lock().expect("calls lock").push(Call {
        method,
        path,
        query: uri.query().map(str::to_owned),
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body,
    });
    Json(answer)
}

/// What the real API answers to `path`.
fn answer(path: &str, body: &Value) -> Value {
    if path.starts_with("/bot") {
        let result = if path.ends_with("/sendMessage") {
            json!({
                "message_id": 2000,
                "from": { "id": 7000000001_i64, "is_bot": true, "first_name": "Gateway Login", "username": "GatewayLoginBot" },
                "chat": { "id": body["chat_id"], "type": "private" },
                "date": 1763712002,
                "text": body["text"],
                "reply_markup": body["reply_markup"],
            })
        } else {
            json!(true)
        };
        return json!({ "ok": true, "result": result });
    }
    match path {
        "/messages" => json!({
            "message": {
                "recipient": { "chat_id": 182182182, "chat_type": "dialog", "user_id": 123456789 },
                "timestamp": 1775026671403_i64,
                "body": { "mid": "mid.000000000adf429c019d47d58f2b3d9f", "seq": 1, "text": body["text"] },
                "sender": { "user_id": 229229229, "first_name": "Gateway Login", "is_bot": true, "name": "Gateway Login" },
            }
        }),
        "/answers" => json!({ "success": true }),
        _ => json!({ "code": "not.found", "message": "Path not found" }),
    }
}
