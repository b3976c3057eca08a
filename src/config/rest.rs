//! The REST shims' own settings.

use super::*;

/// The REST shims' own settings (miniapp-rest-api.md, analytics-events-api.md).
#[derive(Clone, Debug)]
pub struct RestConfig {
    /// `API__DEBUG`: serves `/api/docs`, `/api/redoc` and `/api/openapi.json`.
    pub api_debug: bool,
    /// `TRUSTED_PROXIES`: comma-separated IPs or CIDRs whose `X-Forwarded-For` is
    /// believed; from anyone else the socket's peer address is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `MINIAPP_RATE_LIMIT_PER_MINUTE`: requests per minute per client IP on `/api/*`
    /// (seed 000); 0 turns the limit off.
    pub miniapp_rate_limit_per_minute: u32,
    /// `ANALYTICS_RATE_LIMIT_PER_MINUTE`: requests per minute per client IP on
    /// `POST /events`; 0 turns the limit off.
    pub analytics_rate_limit_per_minute: u32,
}

/// [`RestConfig`]'s variables, as given.
#[derive(clap::Args)]
pub(super) struct RawRest {
    #[arg(long, env = "API__DEBUG", default_value = "false")]
    api_debug: String,
    #[arg(long, env = "TRUSTED_PROXIES")]
    trusted_proxies: Option<String>,
    #[arg(long, env = "MINIAPP_RATE_LIMIT_PER_MINUTE", default_value = "100")]
    miniapp_rate_limit_per_minute: String,
    #[arg(long, env = "ANALYTICS_RATE_LIMIT_PER_MINUTE", default_value = "600")]
    analytics_rate_limit_per_minute: String,
}

impl RawRest {
    pub(super) fn validate(self) -> Result<RestConfig, ConfigError> {
        let trusted_proxies = self
            .trusted_proxies
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<ipnet::IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| ConfigError::Invalid {
                        name: "TRUSTED_PROXIES",
                        reason: format!("{s:?} is not an IP address or CIDR"),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(RestConfig {
            api_debug: parse("API__DEBUG", &self.api_debug)?,
            trusted_proxies,
            miniapp_rate_limit_per_minute: parse(
                "MINIAPP_RATE_LIMIT_PER_MINUTE",
                &self.miniapp_rate_limit_per_minute,
            )?,
            analytics_rate_limit_per_minute: parse(
                "ANALYTICS_RATE_LIMIT_PER_MINUTE",
                &self.analytics_rate_limit_per_minute,
            )?,
        })
    }
}

#[cfg(test)]
mod rest_config_tests {
    use super::*;

    fn rest(extra: &[(&str, &str)]) -> Result<RestConfig, ConfigError> {
        let mut pairs = vec![
            ("DATABASE_URL", "postgres://localhost/x"),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ];
        pairs.extend_from_slice(extra);
        let lookup = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        Config::from_lookup(lookup).map(|c| c.rest)
    }

    #[test]
    fn rest_defaults_follow_the_seeds() {
        let rest = rest(&[]).expect("config");
        assert!(!rest.api_debug && rest.trusted_proxies.is_empty());
        assert_eq!(rest.miniapp_rate_limit_per_minute, 100);
    }

    #[test]
    fn trusted_proxies_take_addresses_and_networks() {
        let config = rest(&[("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,::1")]).expect("config");
        let shown: Vec<String> = config
            .trusted_proxies
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(shown, ["10.0.0.0/8", "127.0.0.1/32", "::1/128"]);
        let err = rest(&[("TRUSTED_PROXIES", "10.0.0.0/8,proxy")]).expect_err("must fail");
        assert!(
            err.to_string().starts_with("TRUSTED_PROXIES is invalid"),
            "{err}"
        );
    }
}
