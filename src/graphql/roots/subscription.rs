//! Subscriptions (DESIGN.md § Realtime).

use async_graphql::{Context, Subscription, ID};
use futures_util::{stream::select_all, Stream, StreamExt};

use crate::{
    error::AppError,
    graphql::{
        context::{principal, services},
        scalars::parse_id,
        types::{UserEvent, UserEventKind},
    },
    realtime::{hub::Delivery, topics, Event},
};

/// How many users one `userEvents` subscription may watch.
const MAX_WATCHED_USERS: usize = 200;

#[derive(Default)]
pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Profile changes of the given users.
    async fn user_events(
        &self,
        ctx: &Context<'_>,
        user_ids: Vec<ID>,
    ) -> async_graphql::Result<impl Stream<Item = UserEvent>> {
        principal(ctx).await?;
        if user_ids.len() > MAX_WATCHED_USERS {
            return Err(
                AppError::invalid("userIds", format!("at most {MAX_WATCHED_USERS} users")).into(),
            );
        }
        let ids = user_ids
            .iter()
            .map(|id| parse_id(id, "userIds"))
            .collect::<Result<Vec<_>, _>>()?;
        let domain = services(ctx).clone();
        let streams = ids
            .iter()
            .map(|id| domain.bus().subscribe(&topics::user(*id)));
        Ok(select_all(streams).filter_map(move |delivery| {
            let domain = domain.clone();
            async move {
                let Delivery::Event(envelope) = delivery else {
                    return None;
                };
                let Event::UserUpdated { user_id } = envelope.event;
                let user = domain
                    .users()
                    .load_many(&[user_id])
                    .await
                    .ok()?
                    .remove(&user_id)?;
                Some(UserEvent {
                    kind: UserEventKind::ProfileUpdated,
                    user,
                })
            }
        }))
    }
}
