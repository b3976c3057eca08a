//! Schema roots, one object per domain, merged.

mod auth;
mod subscription;
mod user;

use async_graphql::MergedObject;

pub use subscription::SubscriptionRoot;

#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(user::UserQuery);

#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(auth::AuthMutation);
