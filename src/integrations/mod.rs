//! Clients of outside services, each behind a small type so tests point them at local
//! servers.

pub mod s3;
