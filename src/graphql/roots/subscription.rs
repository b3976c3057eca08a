//! Subscriptions (DESIGN.md § Realtime). Event payloads carry the public facts, so
//! their own fields cost no query per subscriber; nested objects (a message's reply,
//! a chat's members, …) load like any query field.

use async_graphql::{Context, Subscription, ID};
use std::sync::Arc;

use futures_util::{
    stream::{self, BoxStream},
    Stream, StreamExt,
};

use crate::graphql::{
    context::{principal, services, viewer_id},
    scalars::parse_id,
    types::{
        live::{AuthSessionEvent, ChatEvent, MessageEvent},
        UserEvent,
    },
    ws::fanout::{OneEvent, Tap},
};

#[derive(Default)]
pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Messages created, edited, deleted, reactions and read receipts in one chat, or
    /// in all of the caller's chats when `chatId` is omitted (following joins and
    /// leaves). With `afterMessageId`, first replays every message after it, then
    /// continues live: no gaps, no duplicates.
    async fn message_events(
        &self,
        ctx: &Context<'_>,
        chat_id: Option<ID>,
        after_message_id: Option<ID>,
    ) -> async_graphql::Result<BoxStream<'static, MessageEvent>> {
        let principal = principal(ctx).await?;
        let chat_id = chat_id.map(|id| parse_id(&id, "chatId")).transpose()?;
        let after = after_message_id
            .map(|id| {
                id.parse::<i64>().ok().filter(|v| *v >= 0).ok_or_else(|| {
                    crate::error::AppError::invalid("afterMessageId", "must be a message id")
                })
            })
            .transpose()?;
        // Shared fan-out (graphql/ws/fanout.rs): rendering one event for a shape …
        if let Some(OneEvent(update)) = ctx.data_opt::<OneEvent>() {
            return Ok(stream::once(std::future::ready(MessageEvent(update.clone()))).boxed());
        }
        let stream = services(ctx)
            .live()
            .messages(&principal, chat_id, after)
            .await?;
        // … or handing the socket its checked event stream.
        if let Some(tap) = ctx.data_opt::<Arc<Tap>>() {
            tap.put(stream.boxed());
            return Ok(stream::empty().boxed());
        }
        Ok(stream.map(MessageEvent).boxed())
    }

    /// Chats added and removed, chat changes, members joining and leaving, unread
    /// counters moving, and typing, across all of the caller's chats.
    async fn chat_events(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = ChatEvent>> {
        let principal = principal(ctx).await?;
        let viewer = principal.user_id;
        let stream = services(ctx).live().chats(&principal).await?;
        Ok(stream.map(move |update| ChatEvent { update, viewer }))
    }

    /// Profile changes and presence (online / offline) of the given users (at most 200).
    async fn user_events(
        &self,
        ctx: &Context<'_>,
        user_ids: Vec<ID>,
    ) -> async_graphql::Result<impl Stream<Item = UserEvent>> {
        let principal = principal(ctx).await?;
        let ids = user_ids
            .iter()
            .map(|id| parse_id(id, "userIds"))
            .collect::<Result<Vec<_>, _>>()?;
        let events = services(ctx).users().watch(&principal, &ids)?;
        let viewer = viewer_id(ctx).await;
        Ok(events.map(move |change| UserEvent::from_change(change, viewer)))
    }

    /// The caller's sessions being revoked; when `current` is true the client should
    /// sign out at once (its socket is closed with 4403 right after).
    async fn auth_session_events(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = AuthSessionEvent>> {
        let principal = principal(ctx).await?;
        Ok(services(ctx)
            .live()
            .sessions(&principal)
            .map(AuthSessionEvent))
    }

    /// A bot-login session's status: now, then each change until `COMPLETED` (with the
    /// one-time code, handed out once as by a poll) or `EXPIRED`; replaces polling.
    async fn bot_auth_session(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<impl Stream<Item = super::bot_auth::BotAuthSessionStatus>> {
        let stream = services(ctx)
            .live()
            .bot_auth_session(id.to_string())
            .await?;
        Ok(stream.map(super::bot_auth::BotAuthSessionStatus))
    }

    /// Sanity check for clients and proxies: one `tick` per `seconds`, `count` times.
    async fn heartbeat(
        &self,
        #[graphql(default = 1)] seconds: u32,
        #[graphql(default = 3)] count: u32,
    ) -> impl Stream<Item = u32> {
        let seconds = seconds.clamp(1, 60);
        let count = count.min(100);
        futures_util::stream::unfold(0, move |n| async move {
            if n >= count {
                return None;
            }
            tokio::time::sleep(std::time::Duration::from_secs(seconds.into())).await;
            Some((n + 1, n + 1))
        })
    }
}
