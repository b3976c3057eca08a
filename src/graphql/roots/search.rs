//! Search and notifications (messenger-rest-api.md §8 search, §10, §11).

use async_graphql::{
    connection::{Connection, Edge},
    Context, Object, SimpleObject, ID,
};

use crate::{
    domain::{messages::Message, notifications::Notification, search::SearchLimits, users::User},
    graphql::{
        context::{principal, services},
        scalars::parse_id,
        types::chat::ChatObject,
    },
};

/// Users, chats and messages matching one query (seed `GlobalSearchRead`).
#[derive(SimpleObject)]
pub struct GlobalSearch {
    pub users: Vec<User>,
    pub chats: Vec<ChatObject>,
    pub messages: Vec<Message>,
}

#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Full-text search in the chats the caller can read, newest first.
    #[graphql(complexity = "first.unwrap_or(50).max(0) as usize * child_complexity")]
    async fn search_messages(
        &self,
        ctx: &Context<'_>,
        query: String,
        chat_id: Option<ID>,
        #[graphql(default = 50)] first: Option<i32>,
    ) -> async_graphql::Result<Vec<Message>> {
        let principal = principal(ctx).await?;
        let chat_id = chat_id.map(|id| parse_id(&id, "chatId")).transpose()?;
        Ok(services(ctx)
            .messages()
            .search(&principal, &query, chat_id, i64::from(first.unwrap_or(50)))
            .await?)
    }

    /// Users, the caller's chats, and messages the caller can read.
    #[graphql(complexity = "30 * child_complexity")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        #[graphql(default = 10)] users_first: Option<i32>,
        #[graphql(default = 10)] chats_first: Option<i32>,
        #[graphql(default = 10)] messages_first: Option<i32>,
    ) -> async_graphql::Result<GlobalSearch> {
        let principal = principal(ctx).await?;
        let limits = SearchLimits {
            users: i64::from(users_first.unwrap_or(10)),
            chats: i64::from(chats_first.unwrap_or(10)),
            messages: i64::from(messages_first.unwrap_or(10)),
        };
        let found = services(ctx)
            .search()
            .global(&principal, &query, limits)
            .await?;
        Ok(GlobalSearch {
            users: found.users,
            chats: found.chats.into_iter().map(ChatObject::new).collect(),
            messages: found.messages,
        })
    }

    /// The caller's notifications, newest first, as a connection: `first` per page,
    /// `after` (an edge's cursor, the notification id) continues with older ones.
    #[graphql(complexity = "first.unwrap_or(50).max(0) as usize * child_complexity")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Notification>> {
        let principal = principal(ctx).await?;
        let after = after
            .map(|cursor| parse_id(&ID(cursor), "after"))
            .transpose()?;
        let page = services(ctx)
            .notifications()
            .list(&principal, after, i64::from(first.unwrap_or(50)))
            .await?;
        let mut connection = Connection::new(after.is_some(), page.has_next);
        connection.edges.extend(
            page.items
                .into_iter()
                .map(|n| Edge::new(n.id.to_string(), n)),
        );
        Ok(connection)
    }
}
