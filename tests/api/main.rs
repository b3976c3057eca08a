//! Integration tests: the real server over HTTP and WebSocket, against real Postgres
//! and Redis. One binary; every test spawns its own app and database.

mod auth;
mod authorization;
mod chats;
mod graphql_http;
mod health;
mod helpers;
mod media;
mod messages;
mod n_plus_one;
mod schema;
mod server;
mod subscriptions;
mod users;
