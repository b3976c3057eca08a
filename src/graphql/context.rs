//! Per-request GraphQL context: the caller's credential, verified lazily on first use,
//! and where the request came from.

use std::sync::Arc;

use async_graphql::Context;
use tokio::sync::OnceCell;

use super::errors::to_graphql;
use crate::{
    auth::{Credential, MalformedAuthorization},
    domain::{ClientInfo, Domain, Principal},
    error::AppError,
};

/// The caller, as far as the request tells.
pub struct RequestAuth {
    credential: Option<Result<Credential, MalformedAuthorization>>,
    resolved: OnceCell<Result<Principal, Arc<AppError>>>,
}

impl RequestAuth {
    pub fn new(credential: Option<Result<Credential, MalformedAuthorization>>) -> Self {
        Self {
            credential,
            resolved: OnceCell::new(),
        }
    }

    /// The credential the request presented, if it parsed (not verified).
    pub fn credential(&self) -> Option<&Credential> {
        match &self.credential {
            Some(Ok(credential)) => Some(credential),
            _ => None,
        }
    }

    /// A caller whose credential is already verified (WebSocket `connection_init`).
    pub fn verified(principal: Principal) -> Self {
        Self {
            credential: None,
            resolved: OnceCell::new_with(Some(Ok(principal))),
        }
    }

    /// Records who a sign-in mutation just signed in, so the rest of the response
    /// (e.g. `AuthPayload.user.email`) is rendered for them. Ignored when the request
    /// already carried a credential.
    pub fn signed_in(&self, principal: Principal) {
        if self.credential.is_none() {
            let _ = self.resolved.set(Ok(principal));
        }
    }

    /// Verifies the credential once per request; `Ok(None)` for anonymous callers.
    pub async fn principal(&self, domain: &Domain) -> Result<Option<Principal>, Arc<AppError>> {
        if let Some(resolved) = self.resolved.get() {
            return resolved.clone().map(Some);
        }
        let credential = match &self.credential {
            None => return Ok(None),
            Some(Err(malformed)) => {
                return Err(Arc::new(AppError::unauthenticated(malformed.to_string())));
            }
            Some(Ok(credential)) => credential,
        };
        self.resolved
            .get_or_init(|| async {
                domain
                    .auth()
                    .authenticate(credential)
                    .await
                    .map_err(Arc::new)
            })
            .await
            .clone()
            .map(Some)
    }
}

fn domain<'a>(ctx: &Context<'a>) -> &'a Domain {
    ctx.data_unchecked::<Domain>()
}

/// The authenticated caller, or `UNAUTHENTICATED`.
pub async fn principal(ctx: &Context<'_>) -> async_graphql::Result<Principal> {
    let auth = ctx.data_unchecked::<Arc<RequestAuth>>();
    match auth.principal(domain(ctx)).await {
        Ok(Some(principal)) => Ok(principal),
        Ok(None) => Err(to_graphql(&AppError::unauthenticated(
            "Authentication required",
        ))),
        Err(error) => Err(to_graphql(&error)),
    }
}

/// The caller's user id when authenticated, `None` otherwise (public fields).
pub async fn viewer_id(ctx: &Context<'_>) -> Option<i64> {
    let auth = ctx.data_unchecked::<Arc<RequestAuth>>();
    auth.principal(domain(ctx))
        .await
        .ok()
        .flatten()
        .map(|p| p.user_id)
}

/// See [`RequestAuth::signed_in`].
pub fn signed_in(ctx: &Context<'_>, user_id: i64) {
    let auth = ctx.data_unchecked::<Arc<RequestAuth>>();
    auth.signed_in(Principal {
        user_id,
        method: crate::domain::AuthMethod::InitData,
    });
}

pub fn loaders<'a>(ctx: &Context<'a>) -> &'a super::loaders::Loaders {
    ctx.data_unchecked::<Arc<super::loaders::Loaders>>()
}

pub fn client_info<'a>(ctx: &Context<'a>) -> &'a ClientInfo {
    ctx.data_unchecked::<ClientInfo>()
}

pub fn services<'a>(ctx: &Context<'a>) -> &'a Domain {
    domain(ctx)
}

/// Whether a selection reads nothing of its object but `id` and `__typename` (through
/// fragments and aliases too): such a field is answered from the id the parent holds.
pub fn reads_only_id(selection: &async_graphql::Lookahead<'_>) -> bool {
    selection.selection_fields().iter().all(|field| {
        field
            .selection_set()
            .all(|child| matches!(child.name(), "id" | "__typename"))
    })
}
