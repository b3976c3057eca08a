//! Reading and checking environment variables.

use super::*;

pub(super) fn http_url(name: &'static str, raw: &str) -> Result<url::Url, ConfigError> {
    let invalid = |reason: &str| ConfigError::Invalid {
        name,
        reason: reason.to_owned(),
    };
    let url = url::Url::parse(raw.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err(invalid("must be an http(s) URL"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(invalid("must not carry credentials, a query or a fragment"));
    }
    Ok(url)
}

/// Where spans go (the OpenTelemetry exporter variables, OTLP over HTTP).
pub(super) fn otlp_traces_endpoint<F: Fn(&str) -> Option<String>>(
    env: &Env<'_, F>,
) -> Result<Option<url::Url>, ConfigError> {
    let (name, raw) = if let Some(raw) = env.optional("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raw)
    } else if let Some(base) = env.optional("OTEL_EXPORTER_OTLP_ENDPOINT") {
        let base = base.trim().trim_end_matches('/').to_owned();
        ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("{base}/v1/traces"))
    } else {
        return Ok(None);
    };
    let url = url::Url::parse(raw.trim()).map_err(|e| ConfigError::Invalid {
        name,
        reason: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::Invalid {
            name,
            reason: "must be an http:// or https:// URL (OTLP over HTTP)".into(),
        });
    }
    Ok(Some(url))
}

pub(super) struct Env<'a, F: Fn(&str) -> Option<String>>(pub(super) &'a F);

impl<F: Fn(&str) -> Option<String>> Env<'_, F> {
    pub(super) fn optional(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    pub(super) fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    pub(super) fn string(&self, name: &str, default: &str) -> String {
        self.optional(name).unwrap_or_else(|| default.to_owned())
    }

    pub(super) fn optional_parse<T: FromStr>(
        &self,
        name: &'static str,
    ) -> Result<Option<T>, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        self.optional(name)
            .map(|raw| {
                raw.trim()
                    .parse()
                    .map_err(|e: T::Err| ConfigError::Invalid {
                        name,
                        reason: e.to_string(),
                    })
            })
            .transpose()
    }

    pub(super) fn parse<T: FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        Ok(self.optional_parse(name)?.unwrap_or(default))
    }
}
