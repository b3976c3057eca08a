//! The watch that ends a socket whose session is revoked.

use futures_util::StreamExt;

use crate::{
    domain::{AuthMethod, Principal},
    realtime::{hub::Delivery, Event, TopicStream},
};

/// What the revocation watch saw.
pub(super) enum Watch {
    /// The connection's session was revoked.
    Revoked,
    /// Events may have been lost (a lag, or the Redis link came back): check again.
    Recheck,
}

/// Resolves when the connection's session is revoked or must be checked again; pends
/// forever without a watch.
pub(super) async fn next_revocation(
    watch: &mut Option<TopicStream>,
    principal: Option<&Principal>,
) -> Watch {
    let Some(stream) = watch.as_mut() else {
        return std::future::pending().await;
    };
    let session = match principal.map(|p| &p.method) {
        Some(AuthMethod::AccessToken { session_id }) => *session_id,
        _ => None,
    };
    loop {
        match stream.next().await {
            Some(Delivery::Event(envelope)) => match &envelope.event {
                Event::SessionRevoked { family_id, .. }
                    if family_id.is_none() || *family_id == session =>
                {
                    return Watch::Revoked
                }
                Event::Resync => return Watch::Recheck,
                _ => {}
            },
            Some(Delivery::Lagged { .. }) => return Watch::Recheck,
            None => return std::future::pending().await,
        }
    }
}
