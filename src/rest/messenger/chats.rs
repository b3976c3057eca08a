//! Chat routes (messenger-rest-api.md §7): the list, saved messages, discovery,
//! creation, joining, a chat's details and profile, pinned messages, invite links.

use axum::{
    routing::{get, patch, post},
    Json, Router,
};
use serde::Deserialize;

use super::{
    chat_views,
    dto::{
        self, ChatCreateRequest, ChatDetailRead, ChatDiscoverRead, ChatProfileUpdate, ChatRead,
        ChatTitleUpdate, InviteLinkRead, PinRequest, TokenRequest,
    },
    error::ApiResult,
    extract::{Body, Caller, Ids, Params},
};
use crate::{
    domain::chats::{admin::ChatProfileInput, CreateChat},
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
        .route("/api/v1/chats/{chat_id}/title", patch(update_title))
        .route("/api/v1/chats/{chat_id}/profile", patch(update_profile))
        .route("/api/v1/chats/{chat_id}/pin", post(pin_message))
        .route("/api/v1/chats/{chat_id}/invite-link", post(invite_link))
}

fn fifty() -> i64 {
    50
}

#[derive(Deserialize)]
struct ListParams {
    #[serde(default = "fifty")]
    limit: i64,
    before_id: Option<i64>,
    query: Option<String>,
    #[serde(default, deserialize_with = "dto::flag")]
    archived: bool,
}

/// `GET /api/v1/chats?limit=50&before_id=&query=&archived=false` — messenger-rest-api.md
/// §7. The order is GraphQL's `chats`: pinned chats first (most recently pinned first),
/// then by last activity, newest first; `before_id` returns the chats that follow that
/// chat in this order (the next page when it is the last id of the previous one).
async fn list(
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
        )
        .await?;
    let views = page.items.into_iter().map(|(view, _)| view).collect();
    Ok(Json(
        chat_views::chat_reads(&state.domain, caller.user_id, views).await?,
    ))
}

/// `GET /api/v1/chats/saved` — messenger-rest-api.md §7: the saved-messages chat,
/// created on first use (`type: "private"`, `is_saved: true`).
async fn saved(state: State, Caller(caller): Caller) -> ApiResult<Json<ChatRead>> {
    let view = state.domain.chats().saved(&caller).await?;
    Ok(Json(
        chat_views::chat_read(&state.domain, caller.user_id, view).await?,
    ))
}

fn thirty() -> i64 {
    30
}

#[derive(Deserialize)]
struct DiscoverParams {
    #[serde(default)]
    query: String,
    #[serde(default = "thirty")]
    limit: i64,
}

/// `GET /api/v1/chats/discover?query=&limit=30` — messenger-rest-api.md §7: public
/// groups and channels the caller has not joined.
async fn discover(
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
async fn create(
    state: State,
    Caller(caller): Caller,
    Body(body): Body<ChatCreateRequest>,
) -> ApiResult<Json<ChatRead>> {
    let input = CreateChat {
        kind: body.kind,
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
async fn join(
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
async fn detail(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
) -> ApiResult<Json<ChatDetailRead>> {
    let view = state.domain.chats().get(&caller, chat_id).await?;
    Ok(Json(
        chat_views::chat_detail(&state.domain, caller.user_id, view).await?,
    ))
}

/// `PATCH /api/v1/chats/{chat_id}/title` — messenger-rest-api.md §7 (owner or admin).
async fn update_title(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
    Body(body): Body<ChatTitleUpdate>,
) -> ApiResult<Json<ChatRead>> {
    let input = ChatProfileInput {
        title: Some(body.title),
        ..ChatProfileInput::default()
    };
    let chats = state.domain.chats();
    let view = chats.update_profile(&caller, chat_id, input).await?;
    Ok(Json(
        chat_views::chat_read(&state.domain, caller.user_id, view).await?,
    ))
}

/// `PATCH /api/v1/chats/{chat_id}/profile` — messenger-rest-api.md §7: groups and
/// channels, owner or admin.
async fn update_profile(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
    Body(body): Body<ChatProfileUpdate>,
) -> ApiResult<Json<ChatRead>> {
    let input = ChatProfileInput {
        title: body.title,
        description: body.description,
        avatar_url: body.avatar_url,
    };
    let chats = state.domain.chats();
    let view = chats.update_profile(&caller, chat_id, input).await?;
    Ok(Json(
        chat_views::chat_read(&state.domain, caller.user_id, view).await?,
    ))
}

/// `POST /api/v1/chats/{chat_id}/pin` — messenger-rest-api.md §7: pins a message, or
/// unpins with `{"message_id": null}`.
async fn pin_message(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
    Body(body): Body<PinRequest>,
) -> ApiResult<Json<ChatRead>> {
    let chats = state.domain.chats();
    let view = chats.pin_message(&caller, chat_id, body.message_id).await?;
    Ok(Json(
        chat_views::chat_read(&state.domain, caller.user_id, view).await?,
    ))
}

/// `POST /api/v1/chats/{chat_id}/invite-link` — messenger-rest-api.md §7:
/// `{chat_id, token, invite_url}` (groups and channels, owner or admin).
async fn invite_link(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
) -> ApiResult<Json<InviteLinkRead>> {
    let link = state.domain.chats().create_invite(&caller, chat_id).await?;
    Ok(Json(link.into()))
}

/// `POST /api/v1/chats/join-by-invite` — messenger-rest-api.md §7: `ChatRead`.
async fn join_by_invite(
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
