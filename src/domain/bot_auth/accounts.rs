//! Linking a messenger account to a gateway user, and its bot subscription.

use super::{conversation::BotUser, BotAuthService, Channel};
use crate::{
    db::{self, Tx},
    domain::users::User,
    error::AppResult,
};

/// The account a login signs into, and its subscription.
pub(super) struct Linked {
    pub user_id: i64,
    pub subscriber_id: uuid::Uuid,
    /// The Telegram profile changed an existing user (announced after commit).
    pub profile_changed: Option<User>,
}

impl BotAuthService<'_> {
    /// Finds or creates the gateway user of the platform account and (re)subscribes it.
    /// Telegram accounts are users with that `telegram_id` (the same account a Mini App
    /// login uses); Max accounts are linked through `bot_subscribers` only.
    pub(super) async fn link_account(&self, tx: &mut Tx, user: &BotUser) -> AppResult<Linked> {
        let db = self.0.db();
        let (user_id, profile_changed) = match user.channel {
            Channel::Telegram => {
                let profile = db::users::TelegramProfile {
                    telegram_id: user.id,
                    first_name: user.first_name.clone().unwrap_or_default(),
                    last_name: user.last_name.clone(),
                    username: user.username.clone(),
                    language_code: user.lang.clone(),
                    is_premium: user.is_premium,
                    photo_url: None,
                };
                let upserted = db::users::upsert_telegram(db.on(&mut **tx), &profile).await?;
                let user_id = upserted.user.id;
                let changed = (upserted.changed && !upserted.created).then_some(upserted.user);
                (user_id, changed)
            }
            Channel::Max => match db::bot_auth::max_user_id(db.on(&mut **tx), user.id).await? {
                Some(user_id) => (user_id, None),
                None => {
                    let profile = db::bot_auth::MaxProfile {
                        first_name: user.first_name.as_deref(),
                        last_name: user.last_name.as_deref(),
                        username: user.username.as_deref(),
                        lang: user.lang.as_deref(),
                        avatar_url: user.avatar_url.as_deref(),
                    };
                    (
                        db::bot_auth::insert_max_user(db.on(&mut **tx), &profile).await?,
                        None,
                    )
                }
            },
        };
        let subscriber = db::bot_auth::Subscriber {
            user_id,
            platform: user.channel,
            platform_user_id: user.id,
            username: user.username.as_deref(),
            first_name: user.first_name.as_deref(),
            avatar_url: user.avatar_url.as_deref(),
            lang: user.lang.as_deref(),
        };
        let subscriber_id = db::bot_auth::upsert_subscriber(db.on(&mut **tx), &subscriber).await?;
        Ok(Linked {
            user_id,
            subscriber_id,
            profile_changed,
        })
    }
}
