//! The library side of the CLI subcommands that are not the server (`main` parses the
//! arguments and prints).

use std::sync::Arc;

use secrecy::ExposeSecret;

use crate::{
    config::Config,
    db::Db,
    domain::{
        analytics::{CreatedApp, NewApp},
        Domain, SystemClock,
    },
    realtime::EventBus,
};

/// `messenger-gateway create-analytics-app`: applies pending migrations, registers the
/// app and returns it with its token (only the token's hash is stored).
pub async fn create_analytics_app(config: Config, input: NewApp) -> anyhow::Result<CreatedApp> {
    let db = Db::connect(config.database_url.expose_secret(), 2).await?;
    db.migrate().await?;
    // No events are published: the in-process bus is enough.
    let domain = Domain::new(
        Arc::new(config),
        db.clone(),
        EventBus::in_process(),
        Arc::new(SystemClock),
    )?;
    let created = domain
        .analytics()
        .create_app(input)
        .await
        .map_err(|e| anyhow::anyhow!(e.message()));
    db.close().await;
    created
}
