//! Chat queries (messenger-rest-api.md §7); the mutations are in `chat_mutations.rs`.

use std::sync::Arc;

use async_graphql::{
    connection::{Connection, CursorType, Edge},
    Context, Object, ID,
};
use base64::Engine as _;

use crate::{
    domain::chats::{ChatCursor, ChatPageRequest, ChatWants},
    error::AppError,
    graphql::{
        context::{loaders, principal, reads_only_id, services},
        scalars::parse_id,
        types::chat::{ChatObject, ChatType},
    },
};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn encode_cursor(cursor: &ChatCursor) -> String {
    B64.encode(serde_json::to_vec(cursor).unwrap_or_default())
}

/// A chat's place in the list, encoded only when the response reads a cursor (`cursor`,
/// `startCursor`, `endCursor`): a page that asks for none encodes none.
struct ListCursor(ChatCursor);

impl CursorType for ListCursor {
    type Error = &'static str;

    fn decode_cursor(raw: &str) -> Result<Self, Self::Error> {
        parse_cursor(raw).map(Self).ok_or(NOT_A_CURSOR)
    }

    fn encode_cursor(&self) -> String {
        encode_cursor(&self.0)
    }
}

const NOT_A_CURSOR: &str = "is not a cursor of this list";

fn parse_cursor(raw: &str) -> Option<ChatCursor> {
    B64.decode(raw)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
}

fn decode_cursor(raw: &str, field: &str) -> Result<ChatCursor, AppError> {
    parse_cursor(raw).ok_or_else(|| AppError::invalid(field, NOT_A_CURSOR))
}

/// What the selection of a `chats` page reads, through `edges { node }` and `nodes`
/// (fragments and aliases included), so the page loads that and nothing else.
fn chat_wants(ctx: &Context<'_>) -> ChatWants {
    let page = ctx.look_ahead();
    let mut wants = ChatWants::default();
    for chat in [page.field("edges").field("node"), page.field("nodes")] {
        let has = |name: &str| chat.field(name).exists();
        let sender = chat.field("lastMessage").field("sender");
        let member_user = chat.field("members").field("user");
        wants.unread |= has("unreadCount") || has("unreadMentionsCount");
        wants.member_counts |= has("membersCount");
        wants.counterparts |= has("counterpart") || has("displayTitle");
        wants.last_messages |= has("lastMessage");
        wants.last_senders |= sender.exists() && !reads_only_id(&sender);
        wants.members |= has("members") || has("onlineCount");
        wants.member_details |= !reads_only_user_ids(&chat.field("members"));
        wants.member_users |= member_user.exists() && !reads_only_id(&member_user);
    }
    wants
}

/// Whether a `members` selection reads nothing of each member but its user id (`userId`,
/// `user { id }`), through fragments and aliases too; `true` when it is not selected.
fn reads_only_user_ids(members: &async_graphql::Lookahead<'_>) -> bool {
    members.selection_fields().iter().all(|field| {
        field.selection_set().all(|member| match member.name() {
            "userId" | "__typename" => true,
            "user" => reads_only_id(&member.into()),
            _ => false,
        })
    })
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
    ) -> async_graphql::Result<Connection<ListCursor, ChatObject>> {
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
            .read_list(
                &principal,
                archived.unwrap_or(false),
                query.as_deref(),
                request,
                chat_wants(ctx),
            )
            .await?;
        let facts = Arc::new(page.facts);
        loaders(ctx).seed_users(facts.users.values()).await;
        let mut connection = Connection::new(page.has_previous, page.has_next);
        connection
            .edges
            .extend(page.items.into_iter().map(|(view, cursor)| {
                let node = ChatObject::with_facts(view, Arc::clone(&facts));
                Edge::new(ListCursor(cursor), node)
            }));
        Ok(connection)
    }

    /// A chat the caller belongs to.
    async fn chat(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ChatObject> {
        let principal = principal(ctx).await?;
        let view = services(ctx)
            .chats()
            .get(&principal, parse_id(&id, "id")?)
            .await?;
        Ok(ChatObject::new(view))
    }

    /// The caller's saved-messages chat (created on first use).
    async fn saved_messages(&self, ctx: &Context<'_>) -> async_graphql::Result<ChatObject> {
        let principal = principal(ctx).await?;
        Ok(ChatObject::new(
            services(ctx).chats().saved(&principal).await?,
        ))
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
        self.0.kind.into()
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
