//! Auth routes (messenger-rest-api.md §5): e-mail accounts, tokens, sessions, 2FA.

use axum::{
    http::StatusCode,
    routing::{delete, get, post},
    Json, Router,
};

use super::{
    dto::{
        AuthUserResponse, CodeRequest, EmailRequest, LoginRequest, MessageResponse, RefreshRequest,
        RegisterRequest, ResetPasswordRequest, SessionRead, TokenRequest, TokenResponse,
        TwoFactorSetupRead,
    },
    error::ApiResult,
    extract::{Body, Caller, Client, Ids},
};
use crate::{
    domain::accounts::Registration,
    rest::openapi::responses::{
        Authenticated, Conflict, Detail, Forbidden, JsonBody, NotFound, TooManyRequests,
        Unprocessable,
    },
    state::AppState,
};

type State = axum::extract::State<AppState>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/register", post(register))
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/refresh", post(refresh))
        .route("/api/v1/auth/verify-email", post(verify_email))
        .route(
            "/api/v1/auth/resend-verification",
            post(resend_verification),
        )
        .route(
            "/api/v1/auth/request-password-reset",
            post(request_password_reset),
        )
        .route("/api/v1/auth/reset-password", post(reset_password))
        .route("/api/v1/auth/me", get(me))
        .route("/api/v1/auth/sessions", get(sessions).delete(revoke_all))
        .route("/api/v1/auth/sessions/{jti}", delete(revoke_session))
        .route("/api/v1/auth/2fa/setup", post(setup_two_factor))
        .route("/api/v1/auth/2fa/enable", post(enable_two_factor))
        .route("/api/v1/auth/2fa/disable", post(disable_two_factor))
}

/// `POST /api/v1/auth/register` — messenger-rest-api.md §5: 201 + `MessageResponse`.
#[utoipa::path(
    post,
    path = "/api/v1/auth/register",
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered; the verification e-mail was sent", body = MessageResponse),
        JsonBody,
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
    )
)]
pub(super) async fn register(
    state: State,
    Client(client): Client,
    Body(body): Body<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<MessageResponse>)> {
    let registration = Registration {
        email: body.email,
        password: body.password,
        name: body.name,
        username: body.username,
    };
    let message = state
        .domain
        .accounts()
        .register(registration, &client)
        .await?;
    Ok((StatusCode::CREATED, Json(message.into())))
}

/// `POST /api/v1/auth/login` — messenger-rest-api.md §5: `TokenResponse`.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        JsonBody,
        (status = 401, description = "Wrong e-mail or password, or a two-factor code required or wrong", body = Detail),
        (status = 403, response = Forbidden),
        (status = 429, response = TooManyRequests),
    )
)]
pub(super) async fn login(
    state: State,
    Client(client): Client,
    Body(body): Body<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let sign_in = state
        .domain
        .accounts()
        .login(
            &body.email,
            &body.password,
            body.otp_code.as_deref(),
            &client,
        )
        .await?;
    Ok(Json(sign_in.tokens.into()))
}

/// `POST /api/v1/auth/refresh` — messenger-rest-api.md §5: a new `TokenResponse`.
#[utoipa::path(
    post,
    path = "/api/v1/auth/refresh",
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens (the refresh token rotates)", body = TokenResponse),
        JsonBody,
        (status = 401, description = "Refresh token invalid, expired, reused or revoked", body = Detail),
        (status = 429, response = TooManyRequests),
    )
)]
pub(super) async fn refresh(
    state: State,
    Client(client): Client,
    Body(body): Body<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let sign_in = state
        .domain
        .sessions()
        .refresh(&body.refresh_token, &client)
        .await?;
    Ok(Json(sign_in.tokens.into()))
}

/// `POST /api/v1/auth/verify-email` — messenger-rest-api.md §5.
#[utoipa::path(
    post,
    path = "/api/v1/auth/verify-email",
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "E-mail verified", body = MessageResponse),
        JsonBody,
    )
)]
pub(super) async fn verify_email(
    state: State,
    Body(body): Body<TokenRequest>,
) -> ApiResult<Json<MessageResponse>> {
    let message = state.domain.accounts().verify_email(&body.token).await?;
    Ok(Json(message.into()))
}

/// `POST /api/v1/auth/resend-verification` — messenger-rest-api.md §5.
#[utoipa::path(
    post,
    path = "/api/v1/auth/resend-verification",
    tag = "auth",
    request_body = EmailRequest,
    responses(
        (status = 200, description = "Sent if the account exists and is not verified", body = MessageResponse),
        JsonBody,
        (status = 429, response = TooManyRequests),
    )
)]
pub(super) async fn resend_verification(
    state: State,
    Client(client): Client,
    Body(body): Body<EmailRequest>,
) -> ApiResult<Json<MessageResponse>> {
    let accounts = state.domain.accounts();
    let message = accounts.resend_verification(&body.email, &client).await?;
    Ok(Json(message.into()))
}

/// `POST /api/v1/auth/request-password-reset` — messenger-rest-api.md §5.
#[utoipa::path(
    post,
    path = "/api/v1/auth/request-password-reset",
    tag = "auth",
    request_body = EmailRequest,
    responses(
        (status = 200, description = "Sent if the account exists", body = MessageResponse),
        JsonBody,
        (status = 429, response = TooManyRequests),
    )
)]
pub(super) async fn request_password_reset(
    state: State,
    Client(client): Client,
    Body(body): Body<EmailRequest>,
) -> ApiResult<Json<MessageResponse>> {
    let accounts = state.domain.accounts();
    let message = accounts
        .request_password_reset(&body.email, &client)
        .await?;
    Ok(Json(message.into()))
}

/// `POST /api/v1/auth/reset-password` — messenger-rest-api.md §5.
#[utoipa::path(
    post,
    path = "/api/v1/auth/reset-password",
    tag = "auth",
    request_body = ResetPasswordRequest,
    responses(
        (status = 200, description = "Password changed; every session ends", body = MessageResponse),
        JsonBody,
    )
)]
pub(super) async fn reset_password(
    state: State,
    Body(body): Body<ResetPasswordRequest>,
) -> ApiResult<Json<MessageResponse>> {
    let accounts = state.domain.accounts();
    let message = accounts
        .reset_password(&body.token, &body.new_password)
        .await?;
    Ok(Json(message.into()))
}

/// `GET /api/v1/auth/me` — messenger-rest-api.md §5: `AuthUserResponse`.
#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    tag = "auth",
    security(("jwt" = [])),
    responses(
        (status = 200, description = "The caller's account", body = AuthUserResponse),
        Authenticated,
        (status = 404, response = NotFound),
    )
)]
pub(super) async fn me(state: State, Caller(caller): Caller) -> ApiResult<Json<AuthUserResponse>> {
    let user = state.domain.users().me(&caller).await?;
    Ok(Json(user.into()))
}

/// `GET /api/v1/auth/sessions` — messenger-rest-api.md §5: live sessions, most
/// recently used first.
#[utoipa::path(
    get,
    path = "/api/v1/auth/sessions",
    tag = "auth",
    security(("jwt" = [])),
    responses(
        (status = 200, description = "Live sessions, most recently used first", body = Vec<SessionRead>),
        Authenticated,
    )
)]
pub(super) async fn sessions(
    state: State,
    Caller(caller): Caller,
) -> ApiResult<Json<Vec<SessionRead>>> {
    let sessions = state.domain.sessions().list(&caller).await?;
    Ok(Json(sessions.into_iter().map(Into::into).collect()))
}

/// `DELETE /api/v1/auth/sessions/{jti}` — messenger-rest-api.md §5: 204.
#[utoipa::path(
    delete,
    path = "/api/v1/auth/sessions/{jti}",
    tag = "auth",
    security(("jwt" = [])),
    params(("jti" = String, Path, description = "The session's `jti` (from `GET /auth/sessions`)")),
    responses(
        (status = 204, description = "Revoked"),
        Authenticated,
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
pub(super) async fn revoke_session(
    state: State,
    Caller(caller): Caller,
    Ids(jti): Ids<String>,
) -> ApiResult<StatusCode> {
    state.domain.sessions().revoke(&caller, &jti).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/auth/sessions` — messenger-rest-api.md §5: 204; every refresh
/// session ends and every access token issued before now stops working.
#[utoipa::path(
    delete,
    path = "/api/v1/auth/sessions",
    tag = "auth",
    security(("jwt" = [])),
    responses(
        (status = 204, description = "Every session revoked; access tokens issued before now stop working"),
        Authenticated,
    )
)]
pub(super) async fn revoke_all(state: State, Caller(caller): Caller) -> ApiResult<StatusCode> {
    state.domain.sessions().revoke_all(&caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/auth/2fa/setup` — messenger-rest-api.md §5: `{secret, otpauth_url}`.
#[utoipa::path(
    post,
    path = "/api/v1/auth/2fa/setup",
    tag = "auth",
    security(("jwt" = [])),
    responses(
        (status = 200, description = "A new TOTP secret (not enabled until `/2fa/enable`)", body = TwoFactorSetupRead),
        Authenticated,
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
pub(super) async fn setup_two_factor(
    state: State,
    Caller(caller): Caller,
) -> ApiResult<Json<TwoFactorSetupRead>> {
    let setup = state.domain.accounts().setup_two_factor(&caller).await?;
    Ok(Json(TwoFactorSetupRead {
        secret: setup.secret,
        otpauth_url: setup.otpauth_url,
    }))
}

/// `POST /api/v1/auth/2fa/enable` — messenger-rest-api.md §5.
#[utoipa::path(
    post,
    path = "/api/v1/auth/2fa/enable",
    tag = "auth",
    security(("jwt" = [])),
    request_body = CodeRequest,
    responses(
        (status = 200, description = "Two-factor is on", body = MessageResponse),
        JsonBody,
        (status = 401, description = "Missing or invalid credentials, or a wrong code", body = Detail),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
pub(super) async fn enable_two_factor(
    state: State,
    Caller(caller): Caller,
    Body(body): Body<CodeRequest>,
) -> ApiResult<Json<MessageResponse>> {
    let accounts = state.domain.accounts();
    let message = accounts.enable_two_factor(&caller, &body.code).await?;
    Ok(Json(message.into()))
}

/// `POST /api/v1/auth/2fa/disable` — messenger-rest-api.md §5.
#[utoipa::path(
    post,
    path = "/api/v1/auth/2fa/disable",
    tag = "auth",
    security(("jwt" = [])),
    request_body = CodeRequest,
    responses(
        (status = 200, description = "Two-factor is off", body = MessageResponse),
        JsonBody,
        (status = 401, description = "Missing or invalid credentials, or a wrong code", body = Detail),
        (status = 404, response = NotFound),
    )
)]
pub(super) async fn disable_two_factor(
    state: State,
    Caller(caller): Caller,
    Body(body): Body<CodeRequest>,
) -> ApiResult<Json<MessageResponse>> {
    let accounts = state.domain.accounts();
    let message = accounts.disable_two_factor(&caller, &body.code).await?;
    Ok(Json(message.into()))
}
