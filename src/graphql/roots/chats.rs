//! Chat queries and mutations (messenger-rest-api.md §7).

use async_graphql::{
    connection::{Connection, Edge},
    Context, InputObject, MaybeUndefined, Object, ID,
};
use base64::Engine as _;

use crate::{
    domain::chats::{
        admin::{ChatProfileInput, Role},
        ChatCursor, ChatPageRequest, CreateChat, MemberSettings,
    },
    error::AppError,
    graphql::{
        context::{principal, services},
        scalars::parse_id,
        types::chat::{ChatMemberObject, ChatMemberRole, ChatObject, ChatType, InviteLinkObject},
    },
};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn encode_cursor(cursor: &ChatCursor) -> String {
    B64.encode(serde_json::to_vec(cursor).unwrap_or_default())
}

fn decode_cursor(raw: &str, field: &str) -> Result<ChatCursor, AppError> {
    B64.decode(raw)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| AppError::invalid(field, "is not a cursor of this list"))
}

#[derive(Default)]
pub struct ChatQuery;

#[Object]
impl ChatQuery {
    /// The caller's chats: pinned first, then by last activity. `query` matches titles,
    /// handles, the type, and private chats' counterpart names.
    /// Pages forward with `first`/`after`, or backward from the end with
    /// `last`/`before`; not both directions at once.
    #[graphql(complexity = "last.or(first).unwrap_or(50).max(0) as usize * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn chats(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        #[graphql(default_with = "Some(false)")] archived: Option<bool>,
        query: Option<String>,
    ) -> async_graphql::Result<Connection<String, ChatObject>> {
        let principal = principal(ctx).await?;
        let after = after.map(|c| decode_cursor(&c, "after")).transpose()?;
        let before = before.map(|c| decode_cursor(&c, "before")).transpose()?;
        let backward = last.is_some() || before.is_some();
        if backward && after.is_some() {
            return Err(AppError::invalid("after", "cannot be combined with last/before").into());
        }
        let request = if backward {
            ChatPageRequest::Backward {
                before: before.as_ref(),
                n: i64::from(last.unwrap_or(50)),
            }
        } else {
            ChatPageRequest::Forward {
                after: after.as_ref(),
                n: i64::from(first.unwrap_or(50)),
            }
        };
        let page = services(ctx)
            .chats()
            .list(
                &principal,
                archived.unwrap_or(false),
                query.as_deref(),
                request,
            )
            .await?;
        let mut connection = Connection::new(page.has_previous, page.has_next);
        connection.edges.extend(
            page.items
                .into_iter()
                .map(|(view, cursor)| Edge::new(encode_cursor(&cursor), ChatObject(view))),
        );
        Ok(connection)
    }

    /// A chat the caller belongs to.
    async fn chat(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ChatObject> {
        let principal = principal(ctx).await?;
        let view = services(ctx)
            .chats()
            .get(&principal, parse_id(&id, "id")?)
            .await?;
        Ok(ChatObject(view))
    }

    /// The caller's saved-messages chat (created on first use).
    async fn saved_messages(&self, ctx: &Context<'_>) -> async_graphql::Result<ChatObject> {
        let principal = principal(ctx).await?;
        Ok(ChatObject(services(ctx).chats().saved(&principal).await?))
    }

    /// Public groups and channels the caller has not joined, by title or handle.
    #[graphql(complexity = "first.unwrap_or(30).max(0) as usize * child_complexity")]
    async fn discover_chats(
        &self,
        ctx: &Context<'_>,
        query: String,
        #[graphql(default = 30)] first: Option<i32>,
    ) -> async_graphql::Result<Vec<PublicChat>> {
        let principal = principal(ctx).await?;
        let chats = services(ctx)
            .chats()
            .discover(&principal, &query, i64::from(first.unwrap_or(30)))
            .await?;
        Ok(chats.into_iter().map(PublicChat).collect())
    }
}

/// A public chat as a non-member sees it (seed `ChatDiscoverRead`).
pub struct PublicChat(crate::domain::chats::Chat);

#[Object]
impl PublicChat {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn public_id(&self) -> &str {
        &self.0.public_id
    }
    #[graphql(name = "type")]
    async fn chat_type(&self) -> ChatType {
        crate::domain::chats::ChatKind::of(&self.0).into()
    }
    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }
    async fn handle(&self) -> Option<&str> {
        self.0.handle.as_deref()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn avatar_url(&self) -> Option<&str> {
        self.0.avatar_url.as_deref()
    }
}

#[derive(InputObject)]
pub struct CreateChatInput {
    #[graphql(name = "type")]
    chat_type: ChatType,
    title: Option<String>,
    handle: Option<String>,
    description: Option<String>,
    #[graphql(default = false)]
    is_public: bool,
    #[graphql(default)]
    member_ids: Vec<ID>,
}

#[derive(InputObject)]
pub struct UpdateChatInput {
    title: Option<String>,
    description: MaybeUndefined<String>,
    avatar_url: MaybeUndefined<String>,
}

fn patch(value: MaybeUndefined<String>) -> Option<Option<String>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

fn ids(raw: &[ID], field: &str) -> Result<Vec<i64>, AppError> {
    raw.iter().map(|id| parse_id(id, field)).collect()
}

#[derive(Default)]
pub struct ChatMutation;

#[Object]
impl ChatMutation {
    /// Creates a private chat (exactly one other member; returns the existing one if any),
    /// a group or a channel (title required; public ones need a handle).
    async fn create_chat(
        &self,
        ctx: &Context<'_>,
        input: CreateChatInput,
    ) -> async_graphql::Result<ChatObject> {
        let principal = principal(ctx).await?;
        let kind = match input.chat_type {
            ChatType::Private => "private",
            ChatType::Group => "group",
            ChatType::Channel => "channel",
            ChatType::Saved => "saved",
        };
        let input = CreateChat {
            kind: kind.to_owned(),
            title: input.title,
            handle: input.handle,
            description: input.description,
            is_public: input.is_public,
            member_ids: ids(&input.member_ids, "memberIds")?,
        };
        Ok(ChatObject(
            services(ctx).chats().create(&principal, input).await?,
        ))
    }

    /// Joins a public group or channel.
    async fn join_chat(&self, ctx: &Context<'_>, chat_id: ID) -> async_graphql::Result<ChatObject> {
        let principal = principal(ctx).await?;
        Ok(ChatObject(
            services(ctx)
                .chats()
                .join(&principal, parse_id(&chat_id, "chatId")?)
                .await?,
        ))
    }

    /// Changes a group's or channel's title, description or avatar (owner or admin).
    async fn update_chat(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        input: UpdateChatInput,
    ) -> async_graphql::Result<ChatObject> {
        let principal = principal(ctx).await?;
        let input = ChatProfileInput {
            title: input.title,
            description: patch(input.description),
            avatar_url: patch(input.avatar_url),
        };
        let view = services(ctx)
            .chats()
            .update_profile(&principal, parse_id(&chat_id, "chatId")?, input)
            .await?;
        Ok(ChatObject(view))
    }

    async fn add_chat_member(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        user_id: ID,
    ) -> async_graphql::Result<ChatMemberObject> {
        let principal = principal(ctx).await?;
        let member = services(ctx)
            .chats()
            .add_member(
                &principal,
                parse_id(&chat_id, "chatId")?,
                parse_id(&user_id, "userId")?,
            )
            .await?;
        Ok(ChatMemberObject(member))
    }

    /// The owner sets a member's role; `OWNER` transfers ownership.
    async fn set_chat_member_role(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        user_id: ID,
        role: ChatMemberRole,
    ) -> async_graphql::Result<ChatMemberObject> {
        let principal = principal(ctx).await?;
        let role = match role {
            ChatMemberRole::Owner => Role::Owner,
            ChatMemberRole::Admin => Role::Admin,
            ChatMemberRole::Member => Role::Member,
        };
        let member = services(ctx)
            .chats()
            .set_role(
                &principal,
                parse_id(&chat_id, "chatId")?,
                parse_id(&user_id, "userId")?,
                role,
            )
            .await?;
        Ok(ChatMemberObject(member))
    }

    async fn remove_chat_member(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        user_id: ID,
    ) -> async_graphql::Result<bool> {
        let principal = principal(ctx).await?;
        services(ctx)
            .chats()
            .remove_member(
                &principal,
                parse_id(&chat_id, "chatId")?,
                parse_id(&user_id, "userId")?,
            )
            .await?;
        Ok(true)
    }

    async fn leave_chat(&self, ctx: &Context<'_>, chat_id: ID) -> async_graphql::Result<bool> {
        let principal = principal(ctx).await?;
        services(ctx)
            .chats()
            .leave(&principal, parse_id(&chat_id, "chatId")?)
            .await?;
        Ok(true)
    }

    /// Deletes a chat for everyone (`forAll`) or just for the caller.
    async fn delete_chat(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        #[graphql(default_with = "Some(false)")] for_all: Option<bool>,
    ) -> async_graphql::Result<bool> {
        let principal = principal(ctx).await?;
        services(ctx)
            .chats()
            .delete(
                &principal,
                parse_id(&chat_id, "chatId")?,
                for_all.unwrap_or(false),
            )
            .await?;
        Ok(true)
    }

    /// Hides the history so far from the caller only.
    async fn clear_chat_history(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
    ) -> async_graphql::Result<bool> {
        let principal = principal(ctx).await?;
        services(ctx)
            .chats()
            .clear_history(&principal, parse_id(&chat_id, "chatId")?)
            .await?;
        Ok(true)
    }

    /// Pins a message of the chat, or unpins with `messageId: null`.
    async fn pin_message(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        message_id: Option<ID>,
    ) -> async_graphql::Result<ChatObject> {
        let principal = principal(ctx).await?;
        let message_id = message_id
            .map(|id| parse_id(&id, "messageId"))
            .transpose()?;
        let view = services(ctx)
            .chats()
            .pin_message(&principal, parse_id(&chat_id, "chatId")?, message_id)
            .await?;
        Ok(ChatObject(view))
    }

    async fn set_chat_muted(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        muted: bool,
    ) -> async_graphql::Result<ChatObject> {
        settings(
            ctx,
            chat_id,
            MemberSettings {
                muted: Some(muted),
                ..Default::default()
            },
        )
        .await
    }

    async fn set_chat_archived(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        archived: bool,
    ) -> async_graphql::Result<ChatObject> {
        settings(
            ctx,
            chat_id,
            MemberSettings {
                archived: Some(archived),
                ..Default::default()
            },
        )
        .await
    }

    async fn set_chat_pinned(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        pinned: bool,
    ) -> async_graphql::Result<ChatObject> {
        settings(
            ctx,
            chat_id,
            MemberSettings {
                pinned: Some(pinned),
                ..Default::default()
            },
        )
        .await
    }

    async fn create_invite_link(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
    ) -> async_graphql::Result<InviteLinkObject> {
        let principal = principal(ctx).await?;
        let link = services(ctx)
            .chats()
            .create_invite(&principal, parse_id(&chat_id, "chatId")?)
            .await?;
        Ok(link.into())
    }

    async fn join_by_invite(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> async_graphql::Result<ChatObject> {
        let principal = principal(ctx).await?;
        Ok(ChatObject(
            services(ctx)
                .chats()
                .join_by_invite(&principal, &token)
                .await?,
        ))
    }
}

async fn settings(
    ctx: &Context<'_>,
    chat_id: ID,
    settings: MemberSettings,
) -> async_graphql::Result<ChatObject> {
    let principal = principal(ctx).await?;
    let view = services(ctx)
        .chats()
        .update_settings(&principal, parse_id(&chat_id, "chatId")?, settings)
        .await?;
    Ok(ChatObject(view))
}
