//! The `{"detail": "…"}` error answers (messenger-rest-api.md §1, also used by the bot
//! login routes and webhooks) as reusable response components, so each handler's
//! `#[utoipa::path]` lists the statuses it can return as `(status = 404, response =
//! NotFound)`.

use serde::Serialize;
use utoipa::{
    openapi::{header::HeaderBuilder, ContentBuilder, Ref, RefOr, Response, ResponseBuilder, Type},
    ToResponse, ToSchema,
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
