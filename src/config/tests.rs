use super::*;
use std::collections::HashMap;

fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

const BASE: [(&str, &str); 2] = [
    ("DATABASE_URL", "postgres://localhost/x"),
    ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
];

#[test]
fn zero_max_age_turns_the_init_data_age_check_off() {
    let mut pairs = BASE.to_vec();
    pairs.push(("INIT_DATA_MAX_AGE_SECONDS", "0"));
    let config = Config::from_lookup(lookup(&pairs)).expect("config");
    assert!(config.telegram.init_data_max_age.is_none());
}

#[test]
fn a_missing_jwt_secret_is_reported_by_name() {
    let err = Config::from_lookup(lookup(&BASE[..1])).expect_err("must fail");
    assert_eq!(err.to_string(), "JWT_SECRET is required (see .env.example)");
}

#[test]
fn a_malformed_number_names_the_variable() {
    let mut pairs = BASE.to_vec();
    pairs.push(("GRAPHQL_MAX_DEPTH", "deep"));
    let err = Config::from_lookup(lookup(&pairs)).expect_err("must fail");
    assert!(err.to_string().starts_with("GRAPHQL_MAX_DEPTH is invalid"));
}

#[test]
fn the_bot_id_defaults_to_the_token_prefix() {
    let mut pairs = BASE.to_vec();
    pairs.push((
        "TELEGRAM_BOT_TOKEN",
        "7342037359:AAFZehRPBRs8Seg40oDjTMIW8uTGPuW1zfQ",
    ));
    let config = Config::from_lookup(lookup(&pairs)).expect("config");
    assert_eq!(config.telegram.effective_bot_id(), Some(7342037359));
}

fn with_s3(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut pairs = BASE.to_vec();
    pairs.extend([
        ("S3_ENDPOINT", "http://127.0.0.1:9000"),
        ("S3_BUCKET", "media"),
        ("S3_ACCESS_KEY_ID", "key"),
        ("S3_SECRET_ACCESS_KEY", "secret"),
    ]);
    pairs.extend_from_slice(extra);
    pairs
}

#[test]
fn without_an_s3_endpoint_media_is_off() {
    let config = Config::from_lookup(lookup(&BASE)).expect("config");
    assert!(config.s3.is_none());
}

#[test]
fn s3_settings_have_defaults_and_the_secret_is_redacted() {
    let config = Config::from_lookup(lookup(&with_s3(&[]))).expect("config");
    let s3 = config.s3.expect("s3 configured");
    assert_eq!(s3.region, "us-east-1");
    assert!(s3.path_style);
    assert_eq!(s3.presign_ttl, Duration::from_secs(900));
    assert_eq!(s3.max_upload_size_bytes, 50 * 1024 * 1024);
    assert!(s3.public_url.is_none());
    assert!(!format!("{s3:?}").contains("\"secret\""));
}

#[test]
fn an_s3_endpoint_needs_a_bucket_and_credentials() {
    let pairs: Vec<_> = with_s3(&[])
        .into_iter()
        .filter(|(k, _)| *k != "S3_BUCKET")
        .collect();
    let err = Config::from_lookup(lookup(&pairs)).expect_err("must fail");
    assert_eq!(err.to_string(), "S3_BUCKET is required (see .env.example)");
}

#[test]
fn bad_s3_values_name_the_variable() {
    for (name, value) in [
        ("S3_ENDPOINT", "ftp://files.example.com"),
        ("S3_PUBLIC_URL", "cdn.example.com/media"),
        ("S3_PRESIGN_TTL_SECONDS", "0"),
        ("MAX_UPLOAD_SIZE_BYTES", "0"),
        ("S3_PATH_STYLE", "maybe"),
    ] {
        let err = Config::from_lookup(lookup(&with_s3(&[(name, value)]))).expect_err(name);
        assert!(
            err.to_string().starts_with(&format!("{name} is invalid")),
            "{err}"
        );
    }
    // A virtual-hosted bucket cannot live on an IP address.
    let err = Config::from_lookup(lookup(&with_s3(&[("S3_PATH_STYLE", "false")])))
        .expect_err("must fail");
    assert!(
        err.to_string().starts_with("S3_ENDPOINT is invalid"),
        "{err}"
    );
}

#[test]
fn the_clap_declaration_is_consistent() {
    use clap::CommandFactory;
    raw::RawConfig::command().debug_assert();
}

#[test]
fn every_declared_variable_is_documented_in_the_env_example() {
    use clap::CommandFactory;
    let example = include_str!("../../.env.example");
    let documented = |name: &str| {
        example.lines().any(|line| {
            line.trim_start_matches("# ")
                .starts_with(&format!("{name}="))
        })
    };
    let command = raw::RawConfig::command();
    let names: Vec<&str> = command
        .get_arguments()
        .filter_map(|arg| arg.get_env()?.to_str())
        .collect();
    assert_eq!(
        names.len(),
        command.get_arguments().count(),
        "every arg has an env"
    );
    for name in names {
        assert!(documented(name), "{name} is not in .env.example");
    }
}

#[test]
fn blank_values_mean_the_default_and_unknown_variables_are_ignored() {
    let mut pairs = BASE.to_vec();
    pairs.extend([
        ("GRAPHQL_MAX_DEPTH", "  "),
        ("BIND_ADDR", ""),
        ("REDIS_URL", " "),
        ("HOME", "/root"),
        ("PATH", "/usr/bin"),
        ("--help", "x"),
    ]);
    let config = Config::from_lookup(lookup(&pairs)).expect("config");
    assert_eq!(config.graphql.max_depth, 15);
    assert_eq!(config.bind_addr, SocketAddr::from(([0, 0, 0, 0], 8000)));
    assert!(config.redis_url.is_none());
}

#[test]
fn numbers_are_trimmed_and_text_is_taken_as_given() {
    let mut pairs = BASE.to_vec();
    pairs.extend([
        ("GRAPHQL_MAX_DEPTH", " 7 "),
        ("REDIS_KEY_PREFIX", " a b:"),
        (
            "CORS_ALLOWED_ORIGINS",
            "https://a.example, ,https://b.example",
        ),
        ("FRONTEND_URL", "--not-a-flag=1"),
    ]);
    let config = Config::from_lookup(lookup(&pairs)).expect("config");
    assert_eq!(config.graphql.max_depth, 7);
    assert_eq!(config.redis_key_prefix, " a b:");
    assert_eq!(
        config.cors_allowed_origins,
        ["https://a.example", "https://b.example"]
    );
    assert_eq!(config.frontend_url, "--not-a-flag=1");
}

/// `GraphqlLimits::default()` (the SDL printer's limits) and the clap defaults agree.
#[test]
fn graphql_defaults_are_the_declared_ones() {
    let config = Config::from_lookup(lookup(&BASE)).expect("config");
    assert_eq!(
        format!("{:?}", config.graphql),
        format!("{:?}", GraphqlLimits::default())
    );
}

#[test]
fn suggestions_follow_introspection_unless_set() {
    let mut pairs = BASE.to_vec();
    pairs.push(("GRAPHQL_INTROSPECTION", "false"));
    let config = Config::from_lookup(lookup(&pairs)).expect("config");
    assert!(!config.graphql.introspection && !config.graphql.suggestions);
    pairs.push(("GRAPHQL_SUGGESTIONS", "true"));
    let config = Config::from_lookup(lookup(&pairs)).expect("config");
    assert!(config.graphql.suggestions);
}
