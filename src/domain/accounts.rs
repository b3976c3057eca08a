//! E-mail accounts (messenger-rest-api.md §5): registration, password login with
//! optional TOTP, e-mail verification, password reset and change, and linking an
//! account's Telegram and e-mail identities so one person has one account.

mod recovery;
mod two_factor;

use sha2::{Digest, Sha256};

use super::{
    auth::SignIn, sessions::client_key, users::User, validation::Checks, ClientInfo, Domain,
    Principal,
};
use crate::{
    auth::password,
    db::{
        self,
        accounts::{NewEmailUser, TokenPurpose},
    },
    error::{AppError, AppResult},
    integrations::mailer::MailError,
};

pub use two_factor::TwoFactorSetup;

/// `register` input (seed `RegisterRequest`).
#[derive(Clone, Debug, Default)]
pub struct Registration {
    pub email: String,
    pub password: String,
    pub name: Option<String>,
    pub username: Option<String>,
}

const MIN_PASSWORD: usize = 8;
const MAX_PASSWORD: usize = 128;

/// What reset and resend answer, whether or not the address is registered.
pub const IF_REGISTERED: &str = "If the address is registered, a message is on its way.";

fn check_password(checks: &mut Checks, field: &str, password: &str) {
    let length = password.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&length) {
        checks.fail(
            field,
            format!("must be {MIN_PASSWORD}-{MAX_PASSWORD} characters"),
        );
    }
}

fn check_email(checks: &mut Checks, email: &str) -> String {
    let email = email.trim().to_owned();
    let valid = email.len() <= 320
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if !valid {
        checks.fail("email", "must be an e-mail address");
    }
    email
}

/// A random one-time token (256 bits, URL-safe) and the hash that is stored.
fn one_time_token() -> (String, String) {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

fn mail_unavailable(error: MailError) -> AppError {
    tracing::error!(%error, "mail not sent");
    AppError::Unavailable("Email service is unavailable, try again later".into())
}

pub struct AccountService<'a>(pub(super) &'a Domain);

impl AccountService<'_> {
    /// `register`: creates an unverified e-mail account and mails its verification
    /// token. The account exists only if the mail went out.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn register(&self, input: Registration, client: &ClientInfo) -> AppResult<String> {
        let limits = self.0.config().accounts.limits;
        self.0
            .limiter()
            .hit(
                "register",
                client_key(client),
                limits.register_per_minute,
                self.0.now(),
            )
            .await?;
        let mut checks = Checks::default();
        let email = check_email(&mut checks, &input.email);
        check_password(&mut checks, "password", &input.password);
        let name = input.name.as_deref().map(|n| checks.text("name", n, 256));
        let username = input
            .username
            .as_deref()
            .map(|u| checks.username("username", u));
        checks.finish()?;
        let hash = password::hash(input.password)
            .await
            .map_err(AppError::internal)?;
        let db = self.0.db();
        let mut tx = db.begin().await?;
        let user = db::accounts::create_email_user(
            db.on(&mut *tx),
            &NewEmailUser {
                email: &email,
                password_hash: &hash,
                name: name.as_deref(),
                username: username.as_deref(),
            },
        )
        .await?;
        self.mail_token(&mut tx, &user, TokenPurpose::VerifyEmail)
            .await?;
        tx.commit().await?;
        Ok("Registration successful. Check your email to verify your account.".into())
    }

    /// Stores a one-time token of `purpose` for `user` and mails it (inside `tx`, so a
    /// failed mail leaves nothing behind).
    async fn mail_token(
        &self,
        tx: &mut db::Tx,
        user: &User,
        purpose: TokenPurpose,
    ) -> AppResult<()> {
        let Some(email) = user.email.as_deref() else {
            return Err(AppError::invalid(
                "email",
                "the account has no e-mail address",
            ));
        };
        let config = self.0.config();
        let (token, hash) = one_time_token();
        let ttl = match purpose {
            TokenPurpose::VerifyEmail => config.accounts.verify_token_ttl,
            TokenPurpose::ResetPassword => config.accounts.reset_token_ttl,
        };
        let expires_at =
            self.0.now() + chrono::Duration::from_std(ttl).map_err(AppError::internal)?;
        db::accounts::insert_email_token(
            self.0.db().on(&mut **tx),
            user.id,
            purpose,
            &hash,
            expires_at,
        )
        .await?;
        let base = config.frontend_url.trim_end_matches('/');
        let app = &config.accounts.app_name;
        let (subject, path, intro) = match purpose {
            TokenPurpose::VerifyEmail => (
                format!("Verify your {app} e-mail"),
                "verify-email",
                "Confirm your e-mail address",
            ),
            TokenPurpose::ResetPassword => (
                format!("Reset your {app} password"),
                "reset-password",
                "Choose a new password",
            ),
        };
        let body = format!(
            "{intro}: {base}/{path}?token={token}\n\nToken: {token}\n\nIt expires in {} minutes. If you did not ask for this, ignore this message.\n",
            ttl.as_secs() / 60
        );
        self.0
            .mailer()
            .send(email, &subject, &body)
            .await
            .map_err(mail_unavailable)
    }

    /// `login`: e-mail and password, plus `otp_code` when two-factor is on.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        otp_code: Option<&str>,
        client: &ClientInfo,
    ) -> AppResult<SignIn> {
        let config = self.0.config();
        self.0
            .limiter()
            .hit(
                "login",
                client_key(client),
                config.accounts.limits.login_per_minute,
                self.0.now(),
            )
            .await?;
        // Per account, whatever the IP: repeated failures lock the address out (the same
        // for unknown addresses, so the answer tells nothing about which exist).
        let account = format!("login:{}", email.trim().to_lowercase());
        let lockout = config.accounts.limits.login_lockout_failures;
        let limiter = self.0.limiter();
        limiter
            .check_lockout(&account, lockout, self.0.now())
            .await?;
        let denied = || AppError::unauthenticated("Invalid email or password");
        let db = self.0.db();
        let credentials = db::accounts::credentials_by_email(db.exec(), email.trim()).await?;
        let Some((credentials, hash)) =
            credentials.and_then(|c| c.password_hash.clone().map(|h| (c, h)))
        else {
            password::burn(password.to_owned()).await;
            limiter
                .record_failure(&account, lockout, self.0.now())
                .await;
            return Err(denied());
        };
        if !password::verify(password.to_owned(), hash).await {
            limiter
                .record_failure(&account, lockout, self.0.now())
                .await;
            return Err(denied());
        }
        if config.accounts.require_verified_email && !credentials.email_verified {
            return Err(AppError::forbidden("Email is not verified"));
        }
        if credentials.twofa_enabled {
            let code =
                otp_code.ok_or_else(|| AppError::unauthenticated("Two-factor code required"))?;
            if let Err(error) = self
                .check_totp(credentials.id, credentials.twofa_secret.as_deref(), code)
                .await
            {
                limiter
                    .record_failure(&account, lockout, self.0.now())
                    .await;
                return Err(error);
            }
        }
        limiter.clear_failures(&account).await;
        let tokens = self.0.auth().open_session(credentials.id, client).await?;
        let user = self
            .0
            .users()
            .load_many(&[credentials.id])
            .await?
            .remove(&credentials.id)
            .ok_or_else(denied)?;
        Ok(SignIn { tokens, user })
    }

    /// `changePassword`: needs the current password; ends every session and signs the
    /// caller in again.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn change_password(
        &self,
        caller: &Principal,
        current: &str,
        new_password: &str,
        client: &ClientInfo,
    ) -> AppResult<SignIn> {
        let mut checks = Checks::default();
        check_password(&mut checks, "newPassword", new_password);
        checks.finish()?;
        let db = self.0.db();
        let credentials = db::accounts::credentials_by_id(db.exec(), caller.user_id)
            .await?
            .ok_or_else(|| AppError::not_found("User not found"))?;
        let Some(hash) = credentials.password_hash else {
            return Err(AppError::invalid(
                "currentPassword",
                "the account has no password; add an e-mail login",
            ));
        };
        if !password::verify(current.to_owned(), hash).await {
            return Err(AppError::invalid("currentPassword", "is wrong"));
        }
        let new_hash = password::hash(new_password.to_owned())
            .await
            .map_err(AppError::internal)?;
        let mut tx = db.begin().await?;
        db::accounts::set_password(db.on(&mut *tx), caller.user_id, &new_hash).await?;
        db::sessions::revoke_all(db.on(&mut *tx), caller.user_id).await?;
        tx.commit().await?;
        self.0
            .sessions()
            .publish_revoked(caller.user_id, None)
            .await;
        // Issued after the revocation instant: tokens_valid_after compares milliseconds.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        self.sign_in_again(caller.user_id, client).await
    }

    async fn sign_in_again(&self, user_id: i64, client: &ClientInfo) -> AppResult<SignIn> {
        let tokens = self.0.auth().open_session(user_id, client).await?;
        let user = self
            .0
            .users()
            .load_many(&[user_id])
            .await?
            .remove(&user_id)
            .ok_or_else(|| AppError::not_found("User not found"))?;
        Ok(SignIn { tokens, user })
    }

    /// `addEmailLogin`: gives an account without one (a Telegram account) an e-mail and
    /// password; the address must be verified like a new registration's.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn add_email_login(
        &self,
        caller: &Principal,
        email: &str,
        new_password: &str,
    ) -> AppResult<String> {
        let mut checks = Checks::default();
        let email = check_email(&mut checks, email);
        check_password(&mut checks, "password", new_password);
        checks.finish()?;
        let db = self.0.db();
        let user = db::users::find_by_id(db.exec(), caller.user_id)
            .await?
            .ok_or_else(|| AppError::not_found("User not found"))?;
        if user.email.is_some() {
            return Err(AppError::Conflict {
                field: Some("email".into()),
                message: "The account already has an e-mail login".into(),
            });
        }
        let hash = password::hash(new_password.to_owned())
            .await
            .map_err(AppError::internal)?;
        let mut tx = db.begin().await?;
        db::accounts::set_email_login(db.on(&mut *tx), caller.user_id, &email, &hash).await?;
        let user = User {
            email: Some(email),
            ..user
        };
        self.mail_token(&mut tx, &user, TokenPurpose::VerifyEmail)
            .await?;
        tx.commit().await?;
        Ok("Check your email to verify the address.".into())
    }

    /// `linkTelegram`: attaches the Telegram identity of `init_data` to the caller's
    /// account; refused when that Telegram account already belongs to another user.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn link_telegram(&self, caller: &Principal, init_data: &str) -> AppResult<User> {
        let data = self.0.auth().validate_init_data(init_data)?;
        let telegram_id = data
            .user
            .as_ref()
            .map(|u| u.id)
            .ok_or_else(|| AppError::invalid("initData", "carries no user"))?;
        let db = self.0.db();
        let user = db::users::find_by_id(db.exec(), caller.user_id)
            .await?
            .ok_or_else(|| AppError::not_found("User not found"))?;
        match user.telegram_id {
            Some(existing) if existing == telegram_id => return Ok(user),
            Some(_) => {
                return Err(AppError::Conflict {
                    field: Some("initData".into()),
                    message: "The account is linked to another Telegram account".into(),
                });
            }
            None => {}
        }
        db::accounts::set_telegram_id(db.exec(), caller.user_id, telegram_id).await?;
        Ok(User {
            telegram_id: Some(telegram_id),
            ..user
        })
    }
}
