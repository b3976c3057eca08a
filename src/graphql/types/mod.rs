//! GraphQL output types. Domain structs get their GraphQL shape here.

pub mod chat;
mod init_data;
pub mod live;
mod media;
pub mod message;
mod user;

pub use user::{AuthPayload, PrivacyLevel, UserEvent};
