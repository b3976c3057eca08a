//! messenger-gateway: a GraphQL API (queries, mutations, subscriptions) and REST
//! compatibility routes for messenger and Telegram Mini App frontends.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod integrations;
pub mod realtime;
pub mod rest;
pub mod state;
pub mod telemetry;
