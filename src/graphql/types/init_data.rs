//! `WebAppInitData`, `WebAppUser`, `WebAppChat` (telegram-init-data.md, camelCase).

use async_graphql::Object;

use crate::{
    auth::init_data::{WebAppChat, WebAppInitData, WebAppUser},
    graphql::scalars::BigInt,
};

#[Object(name = "WebAppInitData")]
impl WebAppInitData {
    async fn query_id(&self) -> Option<&str> {
        self.query_id.as_deref()
    }
    async fn user(&self) -> Option<&WebAppUser> {
        self.user.as_ref()
    }
    /// The other user of a private chat.
    async fn receiver(&self) -> Option<&WebAppUser> {
        self.receiver.as_ref()
    }
    async fn chat(&self) -> Option<&WebAppChat> {
        self.chat.as_ref()
    }
    /// `sender`, `private`, `group`, `supergroup` or `channel`.
    async fn chat_type(&self) -> Option<&str> {
        self.chat_type.as_deref()
    }
    async fn chat_instance(&self) -> Option<&str> {
        self.chat_instance.as_deref()
    }
    async fn start_param(&self) -> Option<&str> {
        self.start_param.as_deref()
    }
    /// Unix time (seconds) after which `sendData` may be called.
    async fn can_send_after(&self) -> Option<BigInt> {
        self.can_send_after.map(BigInt)
    }
    /// Unix time (seconds) of the authentication.
    async fn auth_date(&self) -> BigInt {
        BigInt(self.auth_date)
    }
    async fn hash(&self) -> Option<&str> {
        self.hash.as_deref()
    }
    async fn signature(&self) -> Option<&str> {
        self.signature.as_deref()
    }
}

#[Object(name = "WebAppUser")]
impl WebAppUser {
    async fn id(&self) -> BigInt {
        BigInt(self.id)
    }
    async fn is_bot(&self) -> Option<bool> {
        self.is_bot
    }
    async fn first_name(&self) -> &str {
        &self.first_name
    }
    async fn last_name(&self) -> Option<&str> {
        self.last_name.as_deref()
    }
    async fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }
    async fn language_code(&self) -> Option<&str> {
        self.language_code.as_deref()
    }
    async fn is_premium(&self) -> Option<bool> {
        self.is_premium
    }
    async fn added_to_attachment_menu(&self) -> Option<bool> {
        self.added_to_attachment_menu
    }
    async fn allows_write_to_pm(&self) -> Option<bool> {
        self.allows_write_to_pm
    }
    async fn photo_url(&self) -> Option<&str> {
        self.photo_url.as_deref()
    }
}

#[Object(name = "WebAppChat")]
impl WebAppChat {
    async fn id(&self) -> BigInt {
        BigInt(self.id)
    }
    /// `group`, `supergroup` or `channel`.
    #[graphql(name = "type")]
    async fn chat_type(&self) -> &str {
        &self.chat_type
    }
    async fn title(&self) -> &str {
        &self.title
    }
    async fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }
    async fn photo_url(&self) -> Option<&str> {
        self.photo_url.as_deref()
    }
}
