//! `schema.graphql` is the printed schema; code and file must agree.

use std::path::PathBuf;

fn schema_file() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    std::fs::read_to_string(path).expect("schema.graphql exists at the repo root")
}

#[test]
fn schema_graphql_matches_the_code() {
    assert!(
        messenger_gateway::graphql::sdl() == schema_file(),
        "schema.graphql is stale: run `cargo run -- print-schema > schema.graphql`"
    );
}

#[test]
fn print_schema_subcommand_prints_the_file() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_messenger-gateway"))
        .arg("print-schema")
        .env_clear()
        .output()
        .expect("binary runs");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).expect("utf-8"),
        schema_file()
    );
}

#[test]
fn telegram_ids_are_64_bit_and_auth_roots_exist() {
    let sdl = schema_file();
    assert!(sdl.contains("scalar BigInt"));
    assert!(sdl.contains("telegramId: BigInt"));
    for root in ["type Query", "type Mutation", "type Subscription"] {
        assert!(sdl.contains(root), "{root}");
    }
}

/// Every variable `Config` reads is documented in `.env.example` (set or commented out).
#[test]
fn every_configuration_variable_is_in_env_example() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // `src/config.rs` and its modules under `src/config/`.
    let mut config = std::fs::read_to_string(root.join("src/config.rs")).expect("config.rs");
    for entry in std::fs::read_dir(root.join("src/config")).expect("src/config") {
        let path = entry.expect("entry").path();
        config.push_str(&std::fs::read_to_string(&path).expect("config module"));
    }
    let example = std::fs::read_to_string(root.join(".env.example")).expect(".env.example");
    let documented: Vec<&str> = example
        .lines()
        .map(|l| l.trim_start_matches('#').trim())
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .collect();
    let mut missing = Vec::new();
    for chunk in config.split('"').skip(1).step_by(2) {
        let is_var = chunk.len() > 2
            && chunk
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && chunk.contains('_');
        if is_var && !documented.contains(&chunk) && !missing.contains(&chunk) {
            missing.push(chunk);
        }
    }
    assert!(missing.is_empty(), "not in .env.example: {missing:?}");
}
