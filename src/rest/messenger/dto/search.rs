//! §3.6, §10, §11: notifications and global search.

use serde::Serialize;
use utoipa::ToSchema;

use super::{ChatRead, MessageRead, Timestamp, UserSearchRead};
use crate::domain::notifications::Notification;

/// `NotificationRead`; `payload` is the event's facts as a JSON *string*.
#[derive(Serialize, ToSchema)]
pub struct NotificationRead {
    pub id: i64,
    pub user_id: i64,
    pub event_type: String,
    pub payload: String,
    pub created_at: Timestamp,
}

impl From<Notification> for NotificationRead {
    fn from(notification: Notification) -> Self {
        Self {
            id: notification.id,
            user_id: notification.user_id,
            payload: notification.payload.to_string(),
            event_type: notification.event_type,
            created_at: notification.created_at.into(),
        }
    }
}

/// `GlobalSearchRead`.
#[derive(Serialize, ToSchema)]
pub struct GlobalSearchRead {
    pub users: Vec<UserSearchRead>,
    pub chats: Vec<ChatRead>,
    pub messages: Vec<MessageRead>,
}
