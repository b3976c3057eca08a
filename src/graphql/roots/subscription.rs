//! Subscriptions (DESIGN.md § Realtime).

use async_graphql::{Context, Subscription, ID};
use futures_util::{Stream, StreamExt};

use crate::graphql::{
    context::{principal, services},
    scalars::parse_id,
    types::{UserEvent, UserEventKind},
};

#[derive(Default)]
pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Profile changes of the given users (at most 200).
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
        let users = services(ctx).users().watch(&principal, &ids)?;
        Ok(users.map(|user| UserEvent {
            kind: UserEventKind::ProfileUpdated,
            user,
        }))
    }
}
