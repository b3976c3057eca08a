//! The database layer: the pool, embedded migrations, and one repository module per
//! aggregate. This is the only place with SQL. Repositories take `impl PgExecutor` so
//! services can pass the pool or their transaction.

pub mod relations;
pub mod sessions;
pub mod users;

use std::{str::FromStr, time::Duration};

use anyhow::Context as _;
use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    Connection, PgConnection, PgPool,
};

/// Every migration under `migrations/`, compiled into the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!();

pub type Tx = sqlx::Transaction<'static, sqlx::Postgres>;

#[derive(Clone, Debug)]
pub struct Db {
    pool: PgPool,
}

impl Db {
    /// Connects to `url`, creating the database first when it does not exist.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url).context("DATABASE_URL is invalid")?;
        ensure_database(&options).await?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .context("connecting to the database")?;
        Ok(Self { pool })
    }

    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .context("applying migrations")
    }

    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        self.pool.begin().await
    }

    /// `true` when the database answers a trivial query within two seconds.
    pub async fn ping(&self) -> bool {
        let query = sqlx::query_scalar!("select 1 as \"one!\"").fetch_one(&self.pool);
        matches!(
            tokio::time::timeout(Duration::from_secs(2), query).await,
            Ok(Ok(1))
        )
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Creates the database named in `options` through the maintenance database `postgres`.
async fn ensure_database(options: &PgConnectOptions) -> anyhow::Result<()> {
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    let admin = options.clone().database("postgres");
    let mut conn = PgConnection::connect_with(&admin)
        .await
        .context("connecting to the maintenance database 'postgres'")?;
    let exists = sqlx::query_scalar!(
        "select exists(select 1 from pg_database where datname = $1) as \"exists!\"",
        name
    )
    .fetch_one(&mut conn)
    .await?;
    if !exists {
        let statement = format!("create database \"{}\"", name.replace('"', "\"\""));
        match sqlx::raw_sql(&statement).execute(&mut conn).await {
            Ok(_) => tracing::info!(database = %name, "created the database"),
            // Another instance created it at the same moment.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            Err(e) => return Err(e).context("creating the database"),
        }
    }
    conn.close().await.ok();
    Ok(())
}
