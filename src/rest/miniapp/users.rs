//! `POST /api/auth/validate` and the `/api/users` routes of miniapp-rest-api.md.

use axum::{
    body::Bytes,
    extract::{
        rejection::{BytesRejection, PathRejection},
        Path, State,
    },
    Json,
};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};
use serde_json::Value;
use utoipa::ToSchema;

use super::envelope::{ApiError, ApiErrorBody, ApiResponse, Caller, InitData, SignedIn};
use crate::{
    domain::users::{ProfileInput, User},
    state::AppState,
};

/// `UserRead` of the seed; `id` is the gateway's user id. (`MiniAppUserRead` in the
/// OpenAPI document: the messenger API has a `UserRead` of its own.)
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = MiniAppUserRead)]
pub struct UserRead {
    #[schema(example = 1)]
    id: i64,
    #[schema(required = true, example = 123456789)]
    telegram_id: Option<i64>,
    #[schema(required = true, example = "johndoe")]
    username: Option<String>,
    #[schema(required = true, example = "John")]
    first_name: Option<String>,
    #[schema(required = true, example = "Doe")]
    last_name: Option<String>,
    #[schema(example = "en")]
    language_code: String,
    #[schema(required = true)]
    bio: Option<String>,
    #[serde(serialize_with = "seconds")]
    #[schema(value_type = String, format = DateTime, example = "2025-01-10T12:00:00Z")]
    created_at: DateTime<Utc>,
    #[serde(serialize_with = "seconds")]
    #[schema(value_type = Option<String>, format = DateTime, example = "2025-01-10T12:00:00Z")]
    updated_at: DateTime<Utc>,
}

/// The seed's timestamps: RFC 3339 in UTC to the second, `Z`-suffixed.
fn seconds<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

impl From<User> for UserRead {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            telegram_id: user.telegram_id,
            username: user.username,
            first_name: user.first_name,
            last_name: user.last_name,
            language_code: user.language_code,
            bio: user.bio,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

/// `UserUpdate` of the seed. A missing field is left as it is; `bio: null` or an
/// empty bio clears it; `language_code: null` is ignored (the profile always has one).
#[derive(Debug, Default, ToSchema)]
pub struct UserUpdate {
    #[schema(value_type = Option<String>, max_length = 500, example = "New bio")]
    bio: Option<Option<String>>,
    #[schema(max_length = 10, example = "ru")]
    language_code: Option<String>,
}

impl UserUpdate {
    /// Reads the body field by field, so a wrong type names its field. Unknown fields
    /// are ignored.
    fn parse(body: &[u8]) -> Result<Self, ApiError> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|_| ApiError::invalid("body", "must be a JSON object"))?;
        let Value::Object(fields) = value else {
            return Err(ApiError::invalid("body", "must be a JSON object"));
        };
        let text = |name: &str| match fields.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            // PostgreSQL stores no NUL: refused here, not as a failed write.
            Some(Value::String(s)) if s.contains('\0') => {
                Err(ApiError::invalid(name, "must not contain NUL characters"))
            }
            Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
            Some(_) => Err(ApiError::invalid(name, "must be a string or null")),
        };
        Ok(Self {
            bio: text("bio")?.map(|bio| bio.filter(|b| !b.trim().is_empty())),
            language_code: text("language_code")?.flatten(),
        })
    }
}

impl From<UserUpdate> for ProfileInput {
    fn from(update: UserUpdate) -> Self {
        ProfileInput {
            bio: update.bio,
            language_code: update.language_code,
            ..ProfileInput::default()
        }
    }
}

type UserResponse = Result<Json<ApiResponse<UserRead>>, ApiError>;

/// `POST /api/auth/validate` — miniapp-rest-api.md: validates initData, creates the
/// user on first call or refreshes the Telegram-owned fields, and returns the profile.
/// Opens no session (GraphQL `authenticateTelegram` does).
#[utoipa::path(
    post,
    path = "/api/auth/validate",
    tag = "miniapp",
    security(("initData" = [])),
    responses(
        (status = 200, description = "The user", body = ApiResponse<UserRead>),
        SignedIn,
    )
)]
pub async fn validate(State(state): State<AppState>, InitData(raw): InitData) -> UserResponse {
    let user = state.domain.auth().register_from_init_data(&raw).await?;
    Ok(ApiResponse::ok(user.into()))
}

/// `GET /api/users/me` — miniapp-rest-api.md: the caller's profile; 404 until
/// `POST /api/auth/validate` created it.
#[utoipa::path(
    get,
    path = "/api/users/me",
    tag = "miniapp",
    security(("initData" = [])),
    responses(
        (status = 200, description = "The caller", body = ApiResponse<UserRead>),
        SignedIn,
        (status = 404, description = "User not found", body = ApiErrorBody),
    )
)]
pub async fn me(State(state): State<AppState>, Caller(caller): Caller) -> UserResponse {
    let user = state.domain.users().me_known(caller).await?;
    Ok(ApiResponse::ok(user.into()))
}

/// `PATCH /api/users/me` — miniapp-rest-api.md: `bio` (≤ 500) and `language_code`
/// (≤ 10); 422 naming the field when one is invalid.
#[utoipa::path(
    patch,
    path = "/api/users/me",
    tag = "miniapp",
    security(("initData" = [])),
    request_body = UserUpdate,
    responses(
        (status = 200, description = "The updated caller", body = ApiResponse<UserRead>),
        SignedIn,
        (status = 404, description = "User not found", body = ApiErrorBody),
        (status = 413, description = "The body is over `MAX_REQUEST_BODY_BYTES`", body = ApiErrorBody),
        (status = 422, description = "A field is invalid, e.g. `bio: must be at most 500 characters`", body = ApiErrorBody),
    )
)]
pub async fn update_me(
    State(state): State<AppState>,
    Caller(caller): Caller,
    body: Result<Bytes, BytesRejection>,
) -> UserResponse {
    let update = UserUpdate::parse(&body?)?;
    let user = state
        .domain
        .users()
        .update_profile(&caller.principal, update.into())
        .await?;
    Ok(ApiResponse::ok(user.into()))
}

/// `GET /api/users/{telegram_id}` — miniapp-rest-api.md: a profile by Telegram id.
#[utoipa::path(
    get,
    path = "/api/users/{telegram_id}",
    tag = "miniapp",
    security(("initData" = [])),
    params(("telegram_id" = i64, Path, description = "Telegram user id")),
    responses(
        (status = 200, description = "The user", body = ApiResponse<UserRead>),
        SignedIn,
        (status = 404, description = "User not found", body = ApiErrorBody),
        (status = 422, description = "telegram_id is not an integer", body = ApiErrorBody),
    )
)]
pub async fn by_telegram_id(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    path: Result<Path<String>, PathRejection>,
) -> UserResponse {
    let telegram_id = path
        .ok()
        .and_then(|Path(raw)| raw.parse::<i64>().ok())
        .ok_or_else(|| ApiError::invalid("telegram_id", "must be an integer"))?;
    let user = state.domain.users().by_telegram_id(telegram_id).await?;
    Ok(ApiResponse::ok(user.into()))
}
