//! The vectors of `shared/init-data-vectors.md`, and the negative cases around them.

use super::*;
use chrono::TimeZone;

const V1_TOKEN: &str = "7342037359:AAFZehRPBRs8Seg40oDjTMIW8uTGPuW1zfQ";
const V1: &str = "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%20%2B%20-%20%3F%20%5C%2F%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%2C%22photo_url%22%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2Fi%5C%2Fuserpic%5C%2F320%5C%2F4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg%22%7D&chat_instance=8134722200314281151&chat_type=private&auth_date=1733584787&signature=zL-ucjNyREiHDE8aihFwpfR9aggP2xiAo3NSpfe-p7IbCisNlDKlo7Kb6G4D0Ao2mBrSgEk4maLSdv6MLIlADQ&hash=2174df5b000556d044f3f020384e879c8efcab55ddea2ced4eb752e93e7080d6";
const V2_TOKEN: &str = "5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8";
const V2: &str = "query_id=AAHdF6IQAAAAAN0XohDhrOrc&user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%7D&auth_date=1662771648&hash=c501b71e775f74ce10e377dea85a7ea24ecd640b223ea86dfe453e0eaed2e2b2";
const V3: &str = "auth_date=1650385342&user=%7B%22id%22%3A42%2C%22first_name%22%3A%22Test%22%7D&query_id=test&hash=46d2ea5e32911ec8d30999b56247654460c0d20949b6277af519e76271182803";
const V4: &str = "auth_date=1650385342&user=%7B%22id%22%3A42%2C%22first_name%22%3A%22Test%22%7D&query_id=test&signature=JQ0JR2tjC65yq_jNZV0wuJVX6J-SWPMV0mprUXG34g-NvxL4RcF1Rz5n4VVo00VRghEUBf5t___uoeb1-jU_Cw";
const V4_PUBLIC: &str = "4112765021341e5415e772cd65903f6b94e3ea1c2ab669e6d3e18ee2db00da61";

fn key(hex_key: &str) -> [u8; 32] {
    let bytes = hex::decode(hex_key).expect("hex");
    bytes.try_into().expect("32 bytes")
}

fn hmac_keys(token: &str) -> InitDataKeys<'_> {
    InitDataKeys {
        bot_token: Some(token),
        ..Default::default()
    }
}

fn ed_keys(bot_id: i64, public: &str) -> InitDataKeys<'static> {
    InitDataKeys {
        bot_id: Some(bot_id),
        public_key: Some(key(public)),
        ..Default::default()
    }
}

fn at(unix: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(unix, 0).single().expect("valid time")
}

fn without(raw: &str, key: &str) -> String {
    raw.split('&')
        .filter(|p| !p.starts_with(&format!("{key}=")))
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn v1_hmac_is_valid_with_signature_kept_in_the_check_string() {
    let data = validate(V1, &hmac_keys(V1_TOKEN), at(1733584787)).expect("valid");
    let user = data.user.expect("user");
    assert_eq!(user.id, 279058397);
    assert_eq!(user.first_name, "Vladislav + - ? /");
    assert_eq!(
        user.photo_url.as_deref(),
        Some("https://t.me/i/userpic/320/4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg")
    );
    assert_eq!(data.chat_instance.as_deref(), Some("8134722200314281151"));
    assert_eq!(data.chat_type.as_deref(), Some("private"));
}

#[test]
fn v1_hmac_is_invalid_when_signature_is_dropped() {
    let parsed = RawInitData::parse(&without(V1, "signature")).expect("parses");
    assert!(!parsed.verify_hmac(V1_TOKEN));
}

#[test]
fn v1_ed25519_with_the_production_key_is_valid() {
    let keys = ed_keys(7342037359, crate::config::TELEGRAM_PRODUCTION_PUBLIC_KEY);
    assert!(validate(V1, &keys, at(1733584787)).is_ok());
}

#[test]
fn v1_fails_with_a_token_with_an_extra_character_or_the_next_bot_id() {
    let token = format!("{V1_TOKEN}A");
    assert_eq!(
        validate(V1, &hmac_keys(&token), at(1733584787)),
        Err(InitDataError::BadSignature)
    );
    let keys = ed_keys(7342037360, crate::config::TELEGRAM_PRODUCTION_PUBLIC_KEY);
    assert_eq!(
        validate(V1, &keys, at(1733584787)),
        Err(InitDataError::BadSignature)
    );
}

#[test]
fn v1_fails_against_the_test_environment_key() {
    let keys = ed_keys(7342037359, crate::config::TELEGRAM_TEST_PUBLIC_KEY);
    assert_eq!(
        validate(V1, &keys, at(1733584787)),
        Err(InitDataError::BadSignature)
    );
}

#[test]
fn v2_documentation_example_is_valid() {
    let data = validate(V2, &hmac_keys(V2_TOKEN), at(1662771648)).expect("valid");
    assert_eq!(data.query_id.as_deref(), Some("AAHdF6IQAAAAAN0XohDhrOrc"));
    assert_eq!(data.user.expect("user").is_premium, Some(true));
}

#[test]
fn v3_plus_decodes_to_space_and_the_wrong_token_fails() {
    assert!(validate(V3, &hmac_keys("42:TEST"), at(1650385342)).is_ok());
    assert_eq!(
        validate(V3, &hmac_keys("42:INVALID"), at(1650385342)),
        Err(InitDataError::BadSignature)
    );
    let parsed = RawInitData::parse("a=x+y&b=%2B").expect("parses");
    assert_eq!(parsed.get("a"), Some("x y"));
    assert_eq!(parsed.get("b"), Some("+"));
}

#[test]
fn v3_negative_inputs_are_rejected() {
    let keys = hmac_keys("42:TEST");
    let now = at(1650385342);
    assert_eq!(
        validate(&without(V3, "hash"), &keys, now),
        Err(InitDataError::Unsigned)
    );
    let test_hash = format!("{}&hash=test", without(V3, "hash"));
    assert_eq!(
        validate(&test_hash, &keys, now),
        Err(InitDataError::BadSignature)
    );
    assert_eq!(validate("", &keys, now), Err(InitDataError::Empty));
    assert!(validate("test&foo=bar=baz", &keys, now).is_err());
}

#[test]
fn v4_synthetic_ed25519_is_valid_also_with_an_extra_hash() {
    let keys = ed_keys(42, V4_PUBLIC);
    assert!(validate(V4, &keys, at(1650385342)).is_ok());
    let with_hash = format!("{V4}&hash=123");
    assert!(validate(&with_hash, &keys, at(1650385342)).is_ok());
    assert_eq!(
        validate(V4, &ed_keys(43, V4_PUBLIC), at(1650385342)),
        Err(InitDataError::BadSignature)
    );
}

#[test]
fn v4_signed_message_is_the_documented_one() {
    let parsed = RawInitData::parse(V4).expect("parses");
    let message = format!(
        "42:WebAppData\n{}",
        parsed.check_string(&["hash", "signature"])
    );
    assert_eq!(
        message,
        "42:WebAppData\nauth_date=1650385342\nquery_id=test\nuser={\"id\":42,\"first_name\":\"Test\"}"
    );
}

#[test]
fn the_webappdata_secret_matches_the_published_value() {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(b"WebAppData").expect("key");
    mac.update(V1_TOKEN.as_bytes());
    assert_eq!(
        hex::encode(mac.finalize().into_bytes()),
        "c0881d6d547967540dcb06d7378a2c2b2c79a8f915ae70a4a37a8a04de0da32b"
    );
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(b"WebAppData").expect("key");
    mac.update(V2_TOKEN.as_bytes());
    assert_eq!(
        hex::encode(mac.finalize().into_bytes()),
        "a5c609aa52f63cb5e6d8ceb6e4138726ea82bbc36bb786d64482d445ea38ee5f"
    );
}

#[test]
fn old_auth_dates_expire_and_future_ones_are_refused() {
    let keys = InitDataKeys {
        max_age_seconds: Some(3600),
        ..hmac_keys(V2_TOKEN)
    };
    assert_eq!(
        validate(V2, &keys, at(1662771648 + 3601)),
        Err(InitDataError::Expired)
    );
    assert!(validate(V2, &keys, at(1662771648 + 3600)).is_ok());
    assert_eq!(
        validate(V2, &keys, at(1662771648 - 3600)),
        Err(InitDataError::FromTheFuture)
    );
}

#[test]
fn tampered_values_and_duplicate_keys_are_rejected() {
    let tampered = V2.replace("Kibenko", "Kibenk0");
    assert_eq!(
        validate(&tampered, &hmac_keys(V2_TOKEN), at(1662771648)),
        Err(InitDataError::BadSignature)
    );
    let duplicated = format!("{V2}&auth_date=1");
    assert_eq!(
        validate(&duplicated, &hmac_keys(V2_TOKEN), at(1662771648)),
        Err(InitDataError::Malformed)
    );
}

#[test]
fn without_any_key_nothing_validates() {
    assert_eq!(
        validate(V1, &InitDataKeys::default(), at(1733584787)),
        Err(InitDataError::BadSignature)
    );
}

/// Found by the `init_data_signed` fuzz target: a correctly signed `auth_date` of
/// i64::MIN overflowed the age computation (a panic in debug builds).
#[test]
fn an_auth_date_at_the_far_past_is_expired_not_an_overflow() {
    use hmac::{digest::KeyInit, Mac};
    type HmacSha256 = hmac::Hmac<sha2::Sha256>;
    let token = "1:test-token";
    let auth_date = i64::MIN.to_string();
    let user = r#"{"id":42,"first_name":"T"}"#;
    let check = format!("auth_date={auth_date}\nuser={user}");
    let mut secret = <HmacSha256 as KeyInit>::new_from_slice(b"WebAppData").expect("key");
    secret.update(token.as_bytes());
    let secret = secret.finalize().into_bytes();
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&secret).expect("key");
    mac.update(check.as_bytes());
    let hash = hex::encode(mac.finalize().into_bytes());
    let raw = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("auth_date", &auth_date)
        .append_pair("user", user)
        .append_pair("hash", &hash)
        .finish();
    let aged = InitDataKeys {
        bot_token: Some(token),
        max_age_seconds: Some(86_400),
        ..Default::default()
    };
    assert!(matches!(
        validate(&raw, &aged, at(1_700_000_000)),
        Err(InitDataError::Expired)
    ));
    assert!(validate(&raw, &hmac_keys(token), at(1_700_000_000)).is_ok());
}
