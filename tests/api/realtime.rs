//! Realtime: the graphql-transport-ws protocol with raw frames and the npm `graphql-ws`
//! client, subscriptions across two instances on one Redis, replay without gaps or
//! duplicates, Redis failures mid-stream, fan-out cost, permissions, presence, typing.
//! The WebSocket clients they share are in `helpers::ws`.

mod delivery;
mod failures;
mod protocol;
