//! Auth mutations (messenger-rest-api.md §5, telegram-init-data.md).

use async_graphql::{Context, Object};

use crate::{
    auth::init_data::WebAppInitData,
    graphql::{
        context::{client_info, services, signed_in},
        types::AuthPayload,
    },
};

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Checks initData's signature and age and returns its parsed fields.
    async fn validate_init_data(
        &self,
        ctx: &Context<'_>,
        init_data: String,
    ) -> async_graphql::Result<WebAppInitData> {
        Ok(services(ctx).auth().validate_init_data(&init_data)?)
    }

    /// Signs a Telegram user in from initData: creates or updates the user by Telegram id
    /// and opens a session.
    async fn authenticate_telegram(
        &self,
        ctx: &Context<'_>,
        init_data: String,
    ) -> async_graphql::Result<AuthPayload> {
        let sign_in = services(ctx)
            .auth()
            .authenticate_telegram(&init_data, client_info(ctx))
            .await?;
        signed_in(ctx, sign_in.user.id);
        Ok(AuthPayload::new(sign_in.tokens, sign_in.user))
    }
}
