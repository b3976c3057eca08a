//! Chat mutations (messenger-rest-api.md §7): creating chats, members and roles,
//! per-member settings, profiles, pins, invite links.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, ID};

use crate::{
    domain::chats::{admin::ChatProfileInput, CreateChat, MemberSettings},
    error::AppError,
    graphql::{
        context::{principal, services},
        scalars::parse_id,
        types::chat::{ChatMemberObject, ChatMemberRole, ChatObject, ChatType, InviteLinkObject},
    },
};

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
        let input = CreateChat {
            kind: Ok(input.chat_type.into()),
            title: input.title,
            handle: input.handle,
            description: input.description,
            is_public: input.is_public,
            member_ids: ids(&input.member_ids, "memberIds")?,
        };
        Ok(ChatObject::new(
            services(ctx).chats().create(&principal, input).await?,
        ))
    }

    /// Joins a public group or channel.
    async fn join_chat(&self, ctx: &Context<'_>, chat_id: ID) -> async_graphql::Result<ChatObject> {
        let principal = principal(ctx).await?;
        Ok(ChatObject::new(
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
        Ok(ChatObject::new(view))
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
        Ok(ChatMemberObject::Member((&member).into()))
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
        let member = services(ctx)
            .chats()
            .set_role(
                &principal,
                parse_id(&chat_id, "chatId")?,
                parse_id(&user_id, "userId")?,
                role.into(),
            )
            .await?;
        Ok(ChatMemberObject::Member((&member).into()))
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
        Ok(ChatObject::new(view))
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
        Ok(ChatObject::new(
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
    Ok(ChatObject::new(view))
}
