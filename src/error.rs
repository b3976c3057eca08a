//! The one application error, and how database errors become it.
//!
//! Adapters map it to their dialect: GraphQL `extensions.code` (in `graphql::errors`),
//! and one `IntoResponse` per REST dialect (in `rest`). Internal details are logged
//! once, where they are turned into [`AppError::Internal`], and never sent to clients.

use std::collections::BTreeMap;

/// One field's validation failure.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Deliberately not `Display`: async-graphql turns any `Display` error into a GraphQL
/// error without `extensions.code`, so `?` in a resolver must go through our own
/// `From<AppError>` (in `graphql::errors`). Use [`AppError::message`] for the text.
#[derive(Debug)]
pub enum AppError {
    Unauthenticated(String),
    Forbidden(String),
    NotFound(String),
    Validation(Vec<FieldError>),
    Conflict {
        field: Option<String>,
        message: String,
    },
    RateLimited {
        retry_after: u64,
    },
    Unavailable(String),
    Internal(anyhow::Error),
}

fn validation_message(errors: &[FieldError]) -> String {
    match errors {
        [one] => format!("{}: {}", one.field, one.message),
        _ => "Invalid input".to_owned(),
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// The client-facing message; never contains internal details.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::Unavailable(m) => m.clone(),
            Self::Validation(errors) => validation_message(errors),
            Self::Conflict { message, .. } => message.clone(),
            Self::RateLimited { retry_after } => {
                format!("Rate limit exceeded. Retry in {retry_after} seconds.")
            }
            Self::Internal(_) => "Internal server error".to_owned(),
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::Unauthenticated(message.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(message.into())
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }

    /// The stable machine-readable code (GraphQL `extensions.code`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Validation(_) => "BAD_USER_INPUT",
            Self::Conflict { .. } => "CONFLICT",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Unavailable(_) => "SERVICE_UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// Field → message, for validation and conflict errors.
    pub fn field_details(&self) -> BTreeMap<String, String> {
        match self {
            Self::Validation(errors) => errors
                .iter()
                .map(|e| (e.field.clone(), e.message.clone()))
                .collect(),
            Self::Conflict {
                field: Some(field),
                message,
            } => BTreeMap::from([(field.clone(), message.clone())]),
            _ => BTreeMap::new(),
        }
    }

    /// Logs what must not reach the client; call once where the error leaves the app.
    pub fn log(&self) {
        match self {
            Self::Internal(source) => tracing::error!(error = ?source, "internal error"),
            Self::Unavailable(what) => tracing::warn!(%what, "dependency unavailable"),
            _ => {}
        }
    }
}

/// Unique-constraint names mapped to the API field they protect.
const UNIQUE_FIELDS: &[(&str, &str, &str)] = &[
    (
        "users_email_lower_key",
        "email",
        "Email is already registered",
    ),
    (
        "users_username_lower_key",
        "username",
        "Username is already taken",
    ),
    (
        "users_telegram_id_key",
        "telegramId",
        "Telegram account is already linked",
    ),
    (
        "chats_handle_lower_key",
        "handle",
        "Handle is already taken",
    ),
];

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => Self::not_found("Not found"),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                let constraint = db.constraint().unwrap_or_default();
                match UNIQUE_FIELDS.iter().find(|(name, ..)| *name == constraint) {
                    Some((_, field, message)) => Self::Conflict {
                        field: Some((*field).to_owned()),
                        message: (*message).to_owned(),
                    },
                    None => Self::Conflict {
                        field: None,
                        message: "Already exists".to_owned(),
                    },
                }
            }
            // Postgres text cannot hold NUL (0x00): the client sent it, not a server fault.
            sqlx::Error::Database(db) if db.code().as_deref() == Some("22021") => {
                Self::invalid("input", "must not contain NUL characters")
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                tracing::error!(error = %error, "database unreachable");
                Self::Unavailable("Database is unavailable".to_owned())
            }
            _ => Self::Internal(anyhow::Error::new(error).context("database query failed")),
        }
    }
}
