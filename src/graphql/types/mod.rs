//! GraphQL output types. Domain structs get their GraphQL shape here.

mod init_data;
mod user;

pub use user::{AuthPayload, UserEvent, UserEventKind};
