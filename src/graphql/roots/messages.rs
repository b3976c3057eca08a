//! Message queries and mutations (messenger-rest-api.md §8).

use std::sync::Arc;

use async_graphql::{
    connection::{Connection, Edge},
    Context, Enum, InputObject, Object, ID,
};

use crate::{
    domain::messages::{Message, MessageWants, PageRequest, SendMessage},
    error::AppError,
    graphql::{
        context::{loaders, principal, reads_only_id, services},
        scalars::parse_id,
        types::message::{MessageType, Reaction, ReadPointers},
    },
};

fn cursor_id(raw: Option<String>, field: &str) -> Result<Option<i64>, AppError> {
    raw.map(|c| {
        c.parse::<i64>()
            .ok()
            .filter(|id| *id >= 0)
            .ok_or_else(|| AppError::invalid(field, "is not a cursor of this list"))
    })
    .transpose()
}

/// What the selection of a `messages` page reads, through `edges { node }` and `nodes`
/// (fragments and aliases included), so the page loads that and nothing else.
fn message_wants(ctx: &Context<'_>) -> MessageWants {
    let page = ctx.look_ahead();
    let mut wants = MessageWants::default();
    for message in [page.field("edges").field("node"), page.field("nodes")] {
        let has = |name: &str| message.field(name).exists();
        let sender = message.field("sender");
        wants.senders |= sender.exists() && !reads_only_id(&sender);
        wants.reactions |= has("reactions");
        wants.attachments |= has("attachments");
        wants.members |= has("deliveryStatus");
        for target in [message.field("replyTo"), message.field("forwardedFrom")] {
            let sender = target.field("sender");
            wants.targets |= target.exists();
            wants.target_senders |= sender.exists() && !reads_only_id(&sender);
        }
    }
    wants
}

#[derive(Default)]
pub struct MessageQuery;

#[Object]
impl MessageQuery {
    /// A page of a chat, oldest first within the page: `first`/`after` reads forward,
    /// `last`/`before` reads back from the newest (the default: the last 50).
    #[graphql(complexity = "first.or(last).unwrap_or(50).max(0) as usize * child_complexity")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, Arc<Message>>> {
        let principal = principal(ctx).await?;
        let chat_id = parse_id(&chat_id, "chatId")?;
        let request = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(AppError::invalid("first", "give first or last, not both").into());
            }
            (Some(n), None) => PageRequest::Forward {
                after: cursor_id(after, "after")?,
                n: i64::from(n),
            },
            (None, n) => PageRequest::Backward {
                before: cursor_id(before, "before")?,
                n: i64::from(n.unwrap_or(50)),
            },
        };
        let page = services(ctx)
            .messages()
            .read_page(&principal, chat_id, request, message_wants(ctx))
            .await?;
        loaders(ctx)
            .seed_message_page(principal.user_id, chat_id, &page.facts)
            .await;
        let mut connection = Connection::new(page.has_previous, page.has_next);
        connection.edges.extend(
            page.items
                .into_iter()
                .map(|m| Edge::new(m.id.to_string(), m)),
        );
        Ok(connection)
    }

    async fn message(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Message> {
        let principal = principal(ctx).await?;
        Ok(services(ctx)
            .messages()
            .get(&principal, parse_id(&id, "id")?)
            .await?)
    }

    /// The message and its replies, breadth-first.
    #[graphql(complexity = "first.unwrap_or(100).max(0) as usize * child_complexity")]
    async fn thread(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        #[graphql(default = 100)] first: Option<i32>,
    ) -> async_graphql::Result<Vec<Message>> {
        let principal = principal(ctx).await?;
        let id = parse_id(&message_id, "messageId")?;
        Ok(services(ctx)
            .messages()
            .thread(&principal, id, i64::from(first.unwrap_or(100)))
            .await?)
    }
}

#[derive(InputObject)]
pub struct SendMessageInput {
    chat_id: ID,
    #[graphql(name = "type", default_with = "MessageType::Text")]
    message_type: MessageType,
    text: Option<String>,
    /// A client-chosen id (1–128 characters): retrying with it returns the first message.
    client_message_id: Option<String>,
    reply_to_message_id: Option<ID>,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::messages::Receipt")]
pub enum ReceiptStatus {
    Delivered,
    Read,
}

#[derive(Default)]
pub struct MessageMutation;

#[Object]
impl MessageMutation {
    async fn send_message(
        &self,
        ctx: &Context<'_>,
        input: SendMessageInput,
    ) -> async_graphql::Result<Message> {
        let principal = principal(ctx).await?;
        let input = SendMessage {
            chat_id: parse_id(&input.chat_id, "chatId")?,
            kind: Ok(input.message_type.into()),
            text: input.text,
            client_message_id: input.client_message_id,
            reply_to_message_id: input
                .reply_to_message_id
                .map(|id| parse_id(&id, "replyToMessageId"))
                .transpose()?,
        };
        Ok(services(ctx).messages().send(&principal, input).await?)
    }

    /// The sender changes a message's text.
    async fn edit_message(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        text: String,
    ) -> async_graphql::Result<Message> {
        let principal = principal(ctx).await?;
        Ok(services(ctx)
            .messages()
            .edit(&principal, parse_id(&message_id, "messageId")?, &text)
            .await?)
    }

    /// Deletes for everyone (`forAll`) or just for the caller.
    async fn delete_message(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        #[graphql(default_with = "Some(false)")] for_all: Option<bool>,
    ) -> async_graphql::Result<bool> {
        let principal = principal(ctx).await?;
        services(ctx)
            .messages()
            .delete(
                &principal,
                parse_id(&message_id, "messageId")?,
                for_all.unwrap_or(false),
            )
            .await?;
        Ok(true)
    }

    /// Moves the caller's delivered or read pointer up to `messageId`.
    async fn mark_messages(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        message_id: ID,
        status: ReceiptStatus,
    ) -> async_graphql::Result<ReadPointers> {
        let principal = principal(ctx).await?;
        let pointers = services(ctx)
            .messages()
            .mark(
                &principal,
                parse_id(&chat_id, "chatId")?,
                parse_id(&message_id, "messageId")?,
                status.into(),
            )
            .await?;
        Ok(pointers.into())
    }

    /// Forwards a message to one or many chats, with or without its author.
    async fn forward_message(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        target_chat_ids: Vec<ID>,
        #[graphql(default_with = "Some(true)")] include_author: Option<bool>,
    ) -> async_graphql::Result<Vec<Message>> {
        let principal = principal(ctx).await?;
        let targets = target_chat_ids
            .iter()
            .map(|id| parse_id(id, "targetChatIds"))
            .collect::<Result<Vec<_>, _>>()?;
        let id = parse_id(&message_id, "messageId")?;
        Ok(services(ctx)
            .messages()
            .forward(&principal, id, &targets, include_author.unwrap_or(true))
            .await?)
    }

    /// Tells the chat's other members the caller is (or stopped) typing; nothing is
    /// stored. Clients resend every few seconds while typing.
    async fn set_typing(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        #[graphql(default_with = "Some(true)")] typing: Option<bool>,
    ) -> async_graphql::Result<bool> {
        let principal = principal(ctx).await?;
        services(ctx)
            .live()
            .typing(
                &principal,
                parse_id(&chat_id, "chatId")?,
                typing.unwrap_or(true),
            )
            .await?;
        Ok(true)
    }

    /// Adds or removes the caller's reaction; returns the message's reactions.
    async fn toggle_reaction(
        &self,
        ctx: &Context<'_>,
        message_id: ID,
        emoji: String,
    ) -> async_graphql::Result<Vec<Reaction>> {
        let principal = principal(ctx).await?;
        let counts = services(ctx)
            .messages()
            .toggle_reaction(&principal, parse_id(&message_id, "messageId")?, &emoji)
            .await?;
        Ok(counts.into_iter().map(Reaction::from).collect())
    }
}
