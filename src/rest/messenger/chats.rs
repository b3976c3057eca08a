//! Chat routes (messenger-rest-api.md §7): the list, saved messages, discovery,
//! creation, joining, a chat's details, invite links; its profile and pinned message
//! are in `chat_profile.rs`.

use axum::{
    routing::{get, patch, post},
    Json, Router,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    chat_profile as profile, chat_views,
    dto::{
        self, ChatCreateRequest, ChatDetailRead, ChatDiscoverRead, ChatRead, InviteLinkRead,
        TokenRequest,
    },
    error::ApiResult,
    extract::{Body, Caller, Ids, Params},
};
use crate::{
    domain::chats::{ChatWants, CreateChat},
    rest::openapi::responses::{Authenticated, Conflict, Detail, InChat, JsonBody, Unprocessable},
    state::AppState,
};

type State = axum::extract::State<AppState>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/chats", get(list).post(create))
        .route("/api/v1/chats/saved", get(saved))
        .route("/api/v1/chats/discover", get(discover))
        .route("/api/v1/chats/join-by-invite", post(join_by_invite))
        .route("/api/v1/chats/{chat_id}", get(detail))
        .route("/api/v1/chats/{chat_id}/join", post(join))
        .route(
            "/api/v1/chats/{chat_id}/title",
            patch(profile::update_title),
        )
        .route(
            "/api/v1/chats/{chat_id}/profile",
            patch(profile::update_profile),
        )
        .route("/api/v1/chats/{chat_id}/pin", post(profile::pin_message))
        .route("/api/v1/chats/{chat_id}/invite-link", post(invite_link))
}

fn fifty() -> i64 {
    50
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListParams {
    #[serde(default = "fifty")]
    #[param(default = 50, minimum = 1, maximum = 100)]
    limit: i64,
    /// The chats after this one in the list's order (the next page).
    before_id: Option<i64>,
    /// Search by title or type.
    query: Option<String>,
    /// Archived chats instead of the others.
    #[serde(default, deserialize_with = "dto::flag")]
    #[param(default = false)]
    archived: bool,
}

/// `GET /api/v1/chats?limit=50&before_id=&query=&archived=false` — messenger-rest-api.md
/// §7. The order is GraphQL's `chats`: pinned chats first (most recently pinned first),
/// then by last activity, newest first; `before_id` returns the chats that follow that
/// chat in this order (the next page when it is the last id of the previous one).
#[utoipa::path(
    get,
    path = "/api/v1/chats",
    tag = "chats",
    security(("jwt" = [])),
    params(ListParams),
    responses(
        (status = 200, description = "The caller's chats: pinned first, then by last activity", body = Vec<ChatRead>),
        Authenticated,
        (status = 403, description = "`before_id` is a chat the caller is not in", body = Detail),
        (status = 404, description = "`before_id` is not a chat", body = Detail),
        (status = 422, response = Unprocessable),
    )
)]
pub(super) async fn list(
    state: State,
    Caller(caller): Caller,
    Params(params): Params<ListParams>,
) -> ApiResult<Json<Vec<ChatRead>>> {
    let page = state
        .domain
        .chats()
        .list_after_chat(
            &caller,
            params.archived,
            params.query.as_deref(),
            params.before_id,
            params.limit,
            ChatWants::all(),
        )
        .await?;
    Ok(Json(
        chat_views::list_reads(&state.domain, caller.user_id, page).await,
    ))
}

/// `GET /api/v1/chats/saved` — messenger-rest-api.md §7: the saved-messages chat,
/// created on first use (`type: "private"`, `is_saved: true`).
#[utoipa::path(
    get,
    path = "/api/v1/chats/saved",
    tag = "chats",
    security(("jwt" = [])),
    responses(
        (status = 200, description = "The saved-messages chat (created on first use)", body = ChatRead),
        Authenticated,
    )
)]
pub(super) async fn saved(state: State, Caller(caller): Caller) -> ApiResult<Json<ChatRead>> {
    let view = state.domain.chats().saved(&caller).await?;
    Ok(Json(
        chat_views::chat_read(&state.domain, caller.user_id, view).await?,
    ))
}

fn thirty() -> i64 {
    30
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct DiscoverParams {
    /// Title or handle.
    #[serde(default)]
    query: String,
    #[serde(default = "thirty")]
    #[param(default = 30, minimum = 1, maximum = 100)]
    limit: i64,
}

/// `GET /api/v1/chats/discover?query=&limit=30` — messenger-rest-api.md §7: public
/// groups and channels the caller has not joined.
#[utoipa::path(
    get,
    path = "/api/v1/chats/discover",
    tag = "chats",
    security(("jwt" = [])),
    params(DiscoverParams),
    responses(
        (status = 200, description = "Public groups and channels the caller has not joined", body = Vec<ChatDiscoverRead>),
        Authenticated,
        (status = 422, response = Unprocessable),
    )
)]
pub(super) async fn discover(
    state: State,
    Caller(caller): Caller,
    Params(params): Params<DiscoverParams>,
) -> ApiResult<Json<Vec<ChatDiscoverRead>>> {
    let chats = state.domain.chats();
    let found = chats.discover(&caller, &params.query, params.limit).await?;
    let ids: Vec<i64> = found.iter().map(|c| c.id).collect();
    let counts = if ids.is_empty() {
        Default::default()
    } else {
        chats.member_counts(&ids).await?
    };
    Ok(Json(
        found
            .into_iter()
            .map(|chat| {
                let members = counts.get(&chat.id).copied().unwrap_or(0);
                ChatDiscoverRead::new(chat, members)
            })
            .collect(),
    ))
}

/// `POST /api/v1/chats` — messenger-rest-api.md §7: 200 + `ChatRead` (a private chat
/// that exists already is returned, not duplicated).
#[utoipa::path(
    post,
    path = "/api/v1/chats",
    tag = "chats",
    security(("jwt" = [])),
    request_body = ChatCreateRequest,
    responses(
        (status = 200, description = "The new chat (an existing private chat is returned)", body = ChatRead),
        InChat,
        JsonBody,
        (status = 409, response = Conflict),
    )
)]
pub(super) async fn create(
    state: State,
    Caller(caller): Caller,
    Body(body): Body<ChatCreateRequest>,
) -> ApiResult<Json<ChatRead>> {
    let input = CreateChat {
        kind: body.kind.into_domain(),
        title: body.title,
        handle: body.handle,
        description: body.description,
        is_public: body.is_public,
        member_ids: body.member_ids,
    };
    let view = state.domain.chats().create(&caller, input).await?;
    Ok(Json(
        chat_views::chat_read(&state.domain, caller.user_id, view).await?,
    ))
}

/// `POST /api/v1/chats/{chat_id}/join` — messenger-rest-api.md §7: join a public group
/// or channel.
#[utoipa::path(
    post,
    path = "/api/v1/chats/{chat_id}/join",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id")),
    responses(
        (status = 200, description = "Joined", body = ChatRead),
        InChat,
        (status = 409, response = Conflict),
    )
)]
pub(super) async fn join(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
) -> ApiResult<Json<ChatRead>> {
    let view = state.domain.chats().join(&caller, chat_id).await?;
    Ok(Json(
        chat_views::chat_read(&state.domain, caller.user_id, view).await?,
    ))
}

/// `GET /api/v1/chats/{chat_id}` — messenger-rest-api.md §7: `ChatDetailRead`.
#[utoipa::path(
    get,
    path = "/api/v1/chats/{chat_id}",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id")),
    responses(
        (status = 200, description = "The chat and its members", body = ChatDetailRead),
        InChat,
    )
)]
pub(super) async fn detail(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
) -> ApiResult<Json<ChatDetailRead>> {
    let view = state.domain.chats().get(&caller, chat_id).await?;
    Ok(Json(
        chat_views::chat_detail(&state.domain, caller.user_id, view).await?,
    ))
}

/// `POST /api/v1/chats/{chat_id}/invite-link` — messenger-rest-api.md §7:
/// `{chat_id, token, invite_url}` (groups and channels, owner or admin).
#[utoipa::path(
    post,
    path = "/api/v1/chats/{chat_id}/invite-link",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id")),
    responses(
        (status = 200, description = "A new invite link", body = InviteLinkRead),
        InChat,
    )
)]
pub(super) async fn invite_link(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
) -> ApiResult<Json<InviteLinkRead>> {
    let link = state.domain.chats().create_invite(&caller, chat_id).await?;
    Ok(Json(link.into()))
}

/// `POST /api/v1/chats/join-by-invite` — messenger-rest-api.md §7: `ChatRead`.
#[utoipa::path(
    post,
    path = "/api/v1/chats/join-by-invite",
    tag = "chats",
    security(("jwt" = [])),
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Joined", body = ChatRead),
        InChat,
        JsonBody,
        (status = 409, response = Conflict),
    )
)]
pub(super) async fn join_by_invite(
    state: State,
    Caller(caller): Caller,
    Body(body): Body<TokenRequest>,
) -> ApiResult<Json<ChatRead>> {
    let chats = state.domain.chats();
    let view = chats.join_by_invite(&caller, &body.token).await?;
    Ok(Json(
        chat_views::chat_read(&state.domain, caller.user_id, view).await?,
    ))
}
