//! `GRAPHQL_*`, `WS_*`: abuse limits of GraphQL over HTTP and WebSocket.

use super::*;

/// Abuse limits applied to every GraphQL operation (HTTP and WebSocket).
#[derive(Clone, Debug)]
pub struct GraphqlLimits {
    /// `GRAPHQL_MAX_DEPTH`.
    pub max_depth: usize,
    /// `GRAPHQL_MAX_COMPLEXITY`: list fields multiply their children by `first`/`last`.
    pub max_complexity: usize,
    /// `GRAPHQL_MAX_QUERY_BYTES`: longest document text parsed at all.
    pub max_query_bytes: usize,
    /// `GRAPHQL_MAX_SELECTIONS`: fields selected once fragments are expanded.
    pub max_selections: usize,
    /// `GRAPHQL_MAX_ALIASES`.
    pub max_aliases: usize,
    /// `GRAPHQL_MAX_ROOT_FIELDS`.
    pub max_root_fields: usize,
    /// `GRAPHQL_MAX_BATCH_SIZE`: operations in one batched HTTP request.
    pub max_batch_size: usize,
    /// `GRAPHQL_INTROSPECTION`: `false` refuses `__schema` / `__type`.
    pub introspection: bool,
    /// `GRAPHQL_SUGGESTIONS`: "Did you mean …" in validation errors; off by default
    /// whenever introspection is off (they would name the schema's fields).
    pub suggestions: bool,
    /// `GRAPHQL_GRAPHIQL`: serves GraphiQL to browsers on `GET /graphql`.
    pub graphiql: bool,
    /// `GRAPHQL_WS_KEEPALIVE_SECONDS`: server pings on idle sockets.
    pub ws_keepalive: Duration,
    /// `GRAPHQL_WS_INIT_TIMEOUT_SECONDS`: time a socket has to send `connection_init`.
    pub ws_init_timeout: Duration,
    /// `GRAPHQL_WS_MAX_OPERATIONS`: operations one socket may run at once.
    pub ws_max_operations: usize,
    /// `WS_MAX_SOCKETS`: WebSockets one instance holds at most (refused with 1013).
    pub ws_max_sockets: usize,
    /// `WS_MAX_SOCKETS_PER_IP`: WebSockets from one client IP (refused with 4429).
    pub ws_max_sockets_per_ip: usize,
    /// `WS_MAX_SUBSCRIPTIONS`: subscriptions running on one instance at most.
    pub ws_max_subscriptions: usize,
    /// `WS_SEND_QUEUE`: frames queued for one socket; a socket that falls this far
    /// behind is closed with 4429.
    pub ws_send_queue: usize,
    /// `GRAPHQL_RATE_LIMIT_PER_MINUTE`: operations (HTTP and WebSocket subscriptions)
    /// one user, or one IP for anonymous callers, may start per minute (0: no limit).
    pub operations_per_minute: u32,
}

impl Default for GraphqlLimits {
    fn default() -> Self {
        Self {
            max_depth: 15,
            max_complexity: 5_000,
            max_query_bytes: 100_000,
            max_selections: 2_000,
            max_aliases: 30,
            max_root_fields: 20,
            max_batch_size: 10,
            introspection: true,
            suggestions: true,
            graphiql: true,
            ws_keepalive: Duration::from_secs(15),
            ws_init_timeout: Duration::from_secs(10),
            ws_max_operations: 100,
            ws_max_sockets: 20_000,
            ws_max_sockets_per_ip: 500,
            ws_max_subscriptions: 100_000,
            ws_send_queue: 256,
            operations_per_minute: 0,
        }
    }
}

/// [`GraphqlLimits`]'s variables, as given. The defaults are [`GraphqlLimits::default`]'s
/// (a test checks that they agree).
#[derive(clap::Args)]
pub(super) struct RawGraphql {
    #[arg(long, env = "GRAPHQL_MAX_DEPTH", default_value = "15")]
    graphql_max_depth: String,
    #[arg(long, env = "GRAPHQL_MAX_COMPLEXITY", default_value = "5000")]
    graphql_max_complexity: String,
    #[arg(long, env = "GRAPHQL_MAX_QUERY_BYTES", default_value = "100000")]
    graphql_max_query_bytes: String,
    #[arg(long, env = "GRAPHQL_MAX_SELECTIONS", default_value = "2000")]
    graphql_max_selections: String,
    #[arg(long, env = "GRAPHQL_MAX_ALIASES", default_value = "30")]
    graphql_max_aliases: String,
    #[arg(long, env = "GRAPHQL_MAX_ROOT_FIELDS", default_value = "20")]
    graphql_max_root_fields: String,
    #[arg(long, env = "GRAPHQL_MAX_BATCH_SIZE", default_value = "10")]
    graphql_max_batch_size: String,
    #[arg(long, env = "GRAPHQL_INTROSPECTION", default_value = "true")]
    graphql_introspection: String,
    /// Default: `GRAPHQL_INTROSPECTION`'s value.
    #[arg(long, env = "GRAPHQL_SUGGESTIONS")]
    graphql_suggestions: Option<String>,
    #[arg(long, env = "GRAPHQL_GRAPHIQL", default_value = "true")]
    graphql_graphiql: String,
    #[arg(long, env = "GRAPHQL_WS_KEEPALIVE_SECONDS", default_value = "15")]
    graphql_ws_keepalive_seconds: String,
    #[arg(long, env = "GRAPHQL_WS_INIT_TIMEOUT_SECONDS", default_value = "10")]
    graphql_ws_init_timeout_seconds: String,
    #[arg(long, env = "GRAPHQL_WS_MAX_OPERATIONS", default_value = "100")]
    graphql_ws_max_operations: String,
    #[arg(long, env = "WS_MAX_SOCKETS", default_value = "20000")]
    ws_max_sockets: String,
    #[arg(long, env = "WS_MAX_SOCKETS_PER_IP", default_value = "500")]
    ws_max_sockets_per_ip: String,
    #[arg(long, env = "WS_MAX_SUBSCRIPTIONS", default_value = "100000")]
    ws_max_subscriptions: String,
    #[arg(long, env = "WS_SEND_QUEUE", default_value = "256")]
    ws_send_queue: String,
    #[arg(long, env = "GRAPHQL_RATE_LIMIT_PER_MINUTE", default_value = "0")]
    graphql_rate_limit_per_minute: String,
}

impl RawGraphql {
    pub(super) fn validate(self) -> Result<GraphqlLimits, ConfigError> {
        let introspection = parse("GRAPHQL_INTROSPECTION", &self.graphql_introspection)?;
        let seconds = |name, raw: &str| parse(name, raw).map(Duration::from_secs);
        Ok(GraphqlLimits {
            max_depth: parse("GRAPHQL_MAX_DEPTH", &self.graphql_max_depth)?,
            max_complexity: parse("GRAPHQL_MAX_COMPLEXITY", &self.graphql_max_complexity)?,
            max_query_bytes: parse("GRAPHQL_MAX_QUERY_BYTES", &self.graphql_max_query_bytes)?,
            max_selections: parse("GRAPHQL_MAX_SELECTIONS", &self.graphql_max_selections)?,
            max_aliases: parse("GRAPHQL_MAX_ALIASES", &self.graphql_max_aliases)?,
            max_root_fields: parse("GRAPHQL_MAX_ROOT_FIELDS", &self.graphql_max_root_fields)?,
            max_batch_size: parse("GRAPHQL_MAX_BATCH_SIZE", &self.graphql_max_batch_size)?,
            introspection,
            suggestions: parse_optional(
                "GRAPHQL_SUGGESTIONS",
                self.graphql_suggestions.as_deref(),
            )?
            .unwrap_or(introspection),
            graphiql: parse("GRAPHQL_GRAPHIQL", &self.graphql_graphiql)?,
            ws_keepalive: seconds(
                "GRAPHQL_WS_KEEPALIVE_SECONDS",
                &self.graphql_ws_keepalive_seconds,
            )?,
            ws_init_timeout: seconds(
                "GRAPHQL_WS_INIT_TIMEOUT_SECONDS",
                &self.graphql_ws_init_timeout_seconds,
            )?,
            ws_max_operations: parse("GRAPHQL_WS_MAX_OPERATIONS", &self.graphql_ws_max_operations)?,
            ws_max_sockets: parse("WS_MAX_SOCKETS", &self.ws_max_sockets)?,
            ws_max_sockets_per_ip: parse("WS_MAX_SOCKETS_PER_IP", &self.ws_max_sockets_per_ip)?,
            ws_max_subscriptions: parse("WS_MAX_SUBSCRIPTIONS", &self.ws_max_subscriptions)?,
            ws_send_queue: parse("WS_SEND_QUEUE", &self.ws_send_queue)?,
            operations_per_minute: parse(
                "GRAPHQL_RATE_LIMIT_PER_MINUTE",
                &self.graphql_rate_limit_per_minute,
            )?,
        })
    }
}
