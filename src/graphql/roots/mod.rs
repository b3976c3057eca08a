//! Schema roots, one object per domain, merged.

mod account;
mod analytics;
mod auth;
pub(crate) mod bot_auth;
mod chat_mutations;
mod chats;
mod contacts;
mod media;
mod messages;
mod search;
mod subscription;
mod user;

use async_graphql::MergedObject;

pub use subscription::SubscriptionRoot;

#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    user::UserQuery,
    account::AccountQuery,
    contacts::ContactQuery,
    chats::ChatQuery,
    messages::MessageQuery,
    search::SearchQuery,
    media::MediaQuery,
    bot_auth::BotAuthQuery,
    analytics::AnalyticsQuery,
);

#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    auth::AuthMutation,
    account::AccountMutation,
    user::UserMutation,
    contacts::ContactMutation,
    chat_mutations::ChatMutation,
    messages::MessageMutation,
    media::MediaMutation,
    bot_auth::BotAuthMutation,
    analytics::AnalyticsMutation,
);
