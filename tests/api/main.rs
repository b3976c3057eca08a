//! Integration tests: the real server over HTTP and WebSocket, against real Postgres
//! and Redis. One binary; every test spawns its own app and database.

mod auth;
mod graphql_http;
mod health;
mod helpers;
mod schema;
mod server;
mod subscriptions;
mod users;
