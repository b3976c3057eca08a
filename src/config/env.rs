//! How the variables reach clap, and the value checks the sections share.

use std::{fmt::Display, str::FromStr};

use clap::{CommandFactory, FromArgMatches};

use super::ConfigError;

/// Parses the raw configuration `P` from what `lookup` says about each variable `P`
/// declares (`#[arg(env = …)]`): clap is handed `--<flag>=<value>` for every such
/// variable that is set and not blank, so a blank value means "unset" (the default
/// applies) and variables nobody declared are never looked at. Clap itself reads
/// neither the process environment nor the binary's arguments here: a test's map is
/// the whole input, and the CLI's own flags can never shadow a variable.
pub(super) fn parse_raw<P: CommandFactory + FromArgMatches>(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<P, ConfigError> {
    let command = P::command();
    let args: Vec<String> = command
        .get_arguments()
        .filter_map(|arg| {
            let name = arg.get_env()?.to_str()?;
            let value = lookup(name).filter(|v| !v.trim().is_empty())?;
            Some(format!("--{}={value}", arg.get_long()?))
        })
        .collect();
    let unreadable = |e: clap::Error| ConfigError::Invalid {
        name: "the configuration",
        reason: e.to_string(),
    };
    let matches = command
        .no_binary_name(true)
        .mut_args(|arg| arg.env(None::<&'static str>))
        .try_get_matches_from(args)
        .map_err(unreadable)?;
    P::from_arg_matches(&matches).map_err(unreadable)
}

/// `raw`, trimmed, as a `T`; the error names the variable.
pub(super) fn parse<T: FromStr>(name: &'static str, raw: &str) -> Result<T, ConfigError>
where
    T::Err: Display,
{
    raw.trim()
        .parse()
        .map_err(|e: T::Err| ConfigError::Invalid {
            name,
            reason: e.to_string(),
        })
}

/// [`parse`] for a variable without a default.
pub(super) fn parse_optional<T: FromStr>(
    name: &'static str,
    raw: Option<&str>,
) -> Result<Option<T>, ConfigError>
where
    T::Err: Display,
{
    raw.map(|raw| parse(name, raw)).transpose()
}

pub(super) fn required(name: &'static str, raw: Option<String>) -> Result<String, ConfigError> {
    raw.ok_or(ConfigError::Missing(name))
}

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

/// Where spans go (the OpenTelemetry exporter variables, OTLP over HTTP):
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, else `OTEL_EXPORTER_OTLP_ENDPOINT` with
/// `/v1/traces` appended.
pub(super) fn otlp_traces_endpoint(
    traces_endpoint: Option<String>,
    endpoint: Option<String>,
) -> Result<Option<url::Url>, ConfigError> {
    let (name, raw) = if let Some(raw) = traces_endpoint {
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raw)
    } else if let Some(base) = endpoint {
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
