//! The `{"detail": "…"}` error answers (messenger-rest-api.md §1, also used by the bot
//! login routes and webhooks) as reusable response components, and the groups of them
//! most routes share ([`Authenticated`], [`InChat`], [`OnUser`], [`JsonBody`],
//! [`BotAuthBody`], [`Webhook`]), so each handler's `#[utoipa::path]` lists its success,
//! its groups, and only its own statuses (`(status = 409, response = Conflict)`).

use serde::Serialize;
use utoipa::{
    openapi::{header::HeaderBuilder, ContentBuilder, Ref, RefOr, Response, ResponseBuilder, Type},
    IntoResponses, ToResponse, ToSchema,
};

/// The error body of the messenger API (§1) and of the bot login routes.
#[derive(Serialize, ToSchema)]
pub struct Detail {
    #[schema(example = "Error text")]
    pub detail: String,
}

fn detail(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Detail")))
            .build(),
    )
}

macro_rules! detail_responses {
    ($($(#[$doc:meta])* $name:ident => $description:literal;)*) => {$(
        $(#[$doc])*
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), detail($description).build().into())
            }
        }
    )*};
}

detail_responses! {
    /// 400: a request the bot login routes refuse.
    BadRequest => "Bad request: a body, `state` or code that is not valid (`{\"detail\": …}`)";
    /// 401.
    Unauthorized => "Missing or invalid credentials (`{\"detail\": …}`)";
    /// 403.
    Forbidden => "Not allowed for the caller (`{\"detail\": …}`)";
    /// 404.
    NotFound => "Not found (`{\"detail\": …}`)";
    /// 409.
    Conflict => "Conflicts with the current state, e.g. a taken e-mail, username or handle (`{\"detail\": …}`)";
    /// 413.
    PayloadTooLarge => "The body is larger than `MAX_REQUEST_BODY_BYTES` (`{\"detail\": …}`)";
    /// 415.
    UnsupportedMediaType => "The body is not `Content-Type: application/json` (`{\"detail\": …}`)";
    /// 422.
    Unprocessable => "Validation or business rule error, or a body, query or path that does not parse (`{\"detail\": \"field: message\"}`)";
    /// 503.
    Unavailable => "A service the request needs is unavailable: database, e-mail, file storage or bot (`{\"detail\": …}`)";
}

/// 429 with `Retry-After`.
pub struct TooManyRequests;

impl<'r> ToResponse<'r> for TooManyRequests {
    fn response() -> (&'r str, RefOr<Response>) {
        let retry_after = HeaderBuilder::new()
            .schema(
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0)),
            )
            .description(Some("Seconds until the limit resets"))
            .build();
        let response = detail(
            "Rate limit exceeded (`{\"detail\": \"Rate limit exceeded. Retry in 34 seconds.\"}`)",
        )
        .header("Retry-After", retry_after)
        .build();
        ("TooManyRequests", response.into())
    }
}

// The error statuses most routes share, declared once: a handler's `responses(…)` lists
// its success, one or more of these groups, and only the statuses particular to it
// (utoipa mixes `IntoResponses` types with response tuples). Each status is a `$ref` to
// the component above of the same name. Never constructed: they only describe.
macro_rules! response_groups {
    ($($(#[$doc:meta])* $group:ident { $($status:tt $component:ident),+ $(,)? })+) => {$(
        $(#[$doc])*
        #[derive(IntoResponses)]
        #[allow(dead_code)]
        pub enum $group {
            $(
                #[response(status = $status)]
                $component(#[ref_response] $component),
            )+
        }
    )+};
}

response_groups! {
    /// Any route behind the messenger access token: 401 without a valid one, 503 when a
    /// service the request needs is down.
    Authenticated { 401 Unauthorized, 503 Unavailable }

    /// A messenger route on a chat, or on a message in one: [`Authenticated`]'s, plus 403
    /// (the caller may not), 404 (no such chat or message, or not one the caller can see)
    /// and 422 (an id or parameter that does not parse, or a broken rule).
    InChat { 401 Unauthorized, 403 Forbidden, 404 NotFound, 422 Unprocessable, 503 Unavailable }

    /// A messenger route on a user picked by `{user_id}`: [`Authenticated`]'s, plus 404 (no
    /// such user, or not one the caller can see) and 422 (an id that does not parse, or a
    /// broken rule).
    OnUser { 401 Unauthorized, 404 NotFound, 422 Unprocessable, 503 Unavailable }

    /// A messenger route that reads a JSON body, signed in or not: 413 when it is too large,
    /// 422 when it does not parse or breaks a rule, and 503 like every messenger route.
    JsonBody { 413 PayloadTooLarge, 422 Unprocessable, 503 Unavailable }

    /// A bot login route that reads a JSON body (bot-auth-api.md): 413, 415 (not
    /// `application/json`), 503. Its 422 has the route's own wording.
    BotAuthBody { 413 PayloadTooLarge, 415 UnsupportedMediaType, 503 Unavailable }

    /// A bot's webhook: 401 without the platform's secret header, 403 with a wrong one, 404
    /// while the bot or its secret is not configured, 413, 503.
    Webhook { 401 Unauthorized, 403 Forbidden, 404 NotFound, 413 PayloadTooLarge, 503 Unavailable }
}
