//! Integration tests: the real server over HTTP and WebSocket, against real Postgres
//! and Redis. One binary; every test spawns its own app and database.

mod accounts;
mod architecture;
mod auth;
mod authorization;
mod bot_auth;
mod busy_chat;
mod chats;
mod consoles;
mod graphql_http;
mod health;
mod helpers;
mod media;
mod messages;
mod n_plus_one;
mod openapi;
mod realtime;
mod rest_analytics;
mod rest_messenger;
mod rest_miniapp;
mod schema;
mod server;
mod snapshots;
mod sockets;
mod subscriptions;
mod telemetry;
mod users;
