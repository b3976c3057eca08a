//! Schema roots, one object per domain, merged.

mod auth;
mod contacts;
mod subscription;
mod user;

use async_graphql::MergedObject;

pub use subscription::SubscriptionRoot;

#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(user::UserQuery, contacts::ContactQuery);

#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    auth::AuthMutation,
    user::UserMutation,
    contacts::ContactMutation,
);
