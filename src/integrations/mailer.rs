//! Outgoing mail over SMTP (lettre). Without `SMTP_URL` mail is written to the log, so a
//! local sign-up can still be finished by copying the link from there.

use lettre::{
    message::{header::ContentType, Mailbox},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use secrecy::ExposeSecret;

use crate::config::AccountsConfig;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the mail server is unavailable: {0}")]
    Unavailable(String),
    #[error("the message cannot be built: {0}")]
    Invalid(String),
}

#[derive(Clone)]
pub enum Mailer {
    Log {
        from: Mailbox,
    },
    Smtp {
        from: Mailbox,
        transport: AsyncSmtpTransport<Tokio1Executor>,
    },
}

impl Mailer {
    pub fn from_config(config: &AccountsConfig) -> anyhow::Result<Self> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("MAIL_FROM is invalid: {e}"))?;
        Ok(match &config.smtp_url {
            None => Self::Log { from },
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|e| anyhow::anyhow!("SMTP_URL is invalid: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(10)))
                    .build();
                Self::Smtp { from, transport }
            }
        })
    }

    /// Whether mail can be sent now (the SMTP server answers); always for the log mailer.
    pub async fn check(&self) -> Result<(), MailError> {
        match self {
            Self::Log { .. } => Ok(()),
            Self::Smtp { transport, .. } => match transport.test_connection().await {
                Ok(true) => Ok(()),
                Ok(false) => Err(MailError::Unavailable("no answer".into())),
                Err(e) => Err(MailError::Unavailable(e.to_string())),
            },
        }
    }

    /// Sends a plain-text message to `to`.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), MailError> {
        let to: Mailbox = to.parse().map_err(|e| MailError::Invalid(format!("{e}")))?;
        match self {
            Self::Log { .. } => {
                tracing::info!(to = %to, subject, body, "mail (SMTP_URL is not set, so it is only logged)");
                Ok(())
            }
            Self::Smtp { from, transport } => {
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(subject)
                    .header(ContentType::TEXT_PLAIN)
                    .body(body.to_owned())
                    .map_err(|e| MailError::Invalid(e.to_string()))?;
                transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| MailError::Unavailable(e.to_string()))
            }
        }
    }
}
