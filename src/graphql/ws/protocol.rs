//! The two WebSocket sub-protocols' messages: graphql-transport-ws (the `graphql-ws`
//! npm library's PROTOCOL.md) and the legacy subscriptions-transport-ws (`graphql-ws`
//! sub-protocol name).

use serde_json::{json, Value};

/// Which sub-protocol a socket speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `graphql-transport-ws`.
    TransportWs,
    /// `graphql-ws` (subscriptions-transport-ws, legacy).
    Legacy,
}

impl Protocol {
    pub fn from_header(header: &str) -> Option<Self> {
        header.split(',').map(str::trim).find_map(|p| match p {
            "graphql-transport-ws" => Some(Self::TransportWs),
            "graphql-ws" => Some(Self::Legacy),
            _ => None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::TransportWs => "graphql-transport-ws",
            Self::Legacy => "graphql-ws",
        }
    }

    pub fn next(self, id: &str, payload: Value) -> String {
        self.next_raw(id, &payload.to_string())
    }

    /// A result whose `payload` is already rendered JSON (shared fan-out): the same
    /// frame as [`next`](Self::next), without decoding and encoding the payload again.
    pub fn next_raw(self, id: &str, payload: &str) -> String {
        let kind = match self {
            Self::TransportWs => "next",
            Self::Legacy => "data",
        };
        let id = Value::String(id.to_owned()).to_string();
        let mut frame = String::with_capacity(payload.len() + id.len() + 32);
        frame.push_str("{\"id\":");
        frame.push_str(&id);
        frame.push_str(",\"type\":\"");
        frame.push_str(kind);
        frame.push_str("\",\"payload\":");
        frame.push_str(payload);
        frame.push('}');
        frame
    }

    /// An operation error: an array of errors (graphql-transport-ws) or the first error
    /// (legacy).
    pub fn error(self, id: &str, errors: Value) -> String {
        let payload = match self {
            Self::TransportWs => errors,
            Self::Legacy => errors.get(0).cloned().unwrap_or(errors),
        };
        json!({ "id": id, "type": "error", "payload": payload }).to_string()
    }

    pub fn complete(self, id: &str) -> String {
        json!({ "id": id, "type": "complete" }).to_string()
    }

    pub fn keepalive(self) -> &'static str {
        match self {
            Self::TransportWs => r#"{"type":"ping"}"#,
            Self::Legacy => r#"{"type":"ka"}"#,
        }
    }
}

/// A message from the client.
#[derive(Debug, PartialEq)]
pub enum ClientMessage {
    ConnectionInit(Value),
    Ping(Option<Value>),
    Pong,
    Subscribe { id: String, payload: Value },
    Complete { id: String },
    Terminate,
}

/// Why a message is refused (graphql-transport-ws closes with 4400).
#[derive(Debug, PartialEq, Eq)]
pub struct BadMessage(pub String);

pub fn parse(protocol: Protocol, text: &str) -> Result<ClientMessage, BadMessage> {
    let value: Value =
        serde_json::from_str(text).map_err(|_| BadMessage("Invalid message received".into()))?;
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| BadMessage("Invalid message received".into()))?;
    let id = || {
        value
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| BadMessage(format!("\"{kind}\" message expects an id")))
    };
    let payload = || value.get("payload").cloned().unwrap_or(Value::Null);
    match (protocol, kind) {
        (_, "connection_init") => Ok(ClientMessage::ConnectionInit(payload())),
        (Protocol::TransportWs, "ping") => Ok(ClientMessage::Ping(value.get("payload").cloned())),
        (Protocol::TransportWs, "pong") => Ok(ClientMessage::Pong),
        (Protocol::TransportWs, "subscribe") | (Protocol::Legacy, "start") => {
            let id = id()?;
            let payload = payload();
            if !payload.get("query").is_some_and(Value::is_string) {
                return Err(BadMessage(format!("\"{kind}\" message expects a query")));
            }
            Ok(ClientMessage::Subscribe { id, payload })
        }
        (Protocol::TransportWs, "complete") | (Protocol::Legacy, "stop") => {
            Ok(ClientMessage::Complete { id: id()? })
        }
        (Protocol::Legacy, "connection_terminate") => Ok(ClientMessage::Terminate),
        _ => Err(BadMessage(format!("Unexpected message of type \"{kind}\""))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_parse_per_protocol() {
        let t = Protocol::TransportWs;
        assert_eq!(
            parse(
                t,
                r#"{"type":"subscribe","id":"1","payload":{"query":"{a}"}}"#
            ),
            Ok(ClientMessage::Subscribe {
                id: "1".into(),
                payload: json!({"query": "{a}"})
            })
        );
        assert_eq!(
            parse(t, r#"{"type":"complete","id":"1"}"#),
            Ok(ClientMessage::Complete { id: "1".into() })
        );
        assert!(parse(t, r#"{"type":"start","id":"1","payload":{"query":"{a}"}}"#).is_err());
        assert!(parse(t, r#"{"type":"subscribe","payload":{"query":"{a}"}}"#).is_err());
        assert!(parse(t, r#"{"type":"subscribe","id":"1","payload":{}}"#).is_err());
        assert!(parse(t, "not json").is_err());
        let l = Protocol::Legacy;
        assert_eq!(
            parse(l, r#"{"type":"stop","id":"9"}"#),
            Ok(ClientMessage::Complete { id: "9".into() })
        );
        assert_eq!(
            parse(l, r#"{"type":"connection_terminate"}"#),
            Ok(ClientMessage::Terminate)
        );
        assert!(parse(l, r#"{"type":"ping"}"#).is_err());
    }

    #[test]
    fn the_sub_protocol_is_picked_from_the_header() {
        assert_eq!(
            Protocol::from_header("graphql-transport-ws"),
            Some(Protocol::TransportWs)
        );
        assert_eq!(
            Protocol::from_header("foo, graphql-ws"),
            Some(Protocol::Legacy)
        );
        assert_eq!(Protocol::from_header("graphql"), None);
    }
}
