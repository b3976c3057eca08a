//! The database layer: the pool, embedded migrations, and one repository module per
//! aggregate. This is the only place with SQL. Repositories take `impl PgExecutor` so
//! services can pass the pool or their transaction.

pub mod accounts;
pub mod analytics;
pub mod attachments;
pub mod bot_auth;
pub mod chats;
pub mod messages;
pub mod notifications;
pub mod relations;
pub mod sessions;
pub mod users;

mod counted;
mod values;

use std::{
    str::FromStr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

pub use counted::{Counted, Pooled};
pub(crate) use values::text_enum;
pub use values::UnknownValue;

use anyhow::Context as _;
use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    Connection, PgConnection, PgPool,
};

/// Every migration under `migrations/`, compiled into the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!();

pub type Tx = sqlx::Transaction<'static, sqlx::Postgres>;

/// The pool, and a count of every statement run through [`Db::exec`] / [`Db::on`]
/// (tests assert statement counts per request; see `tests/api/n_plus_one.rs`).
#[derive(Clone, Debug)]
pub struct Db {
    pool: PgPool,
    statements: Arc<AtomicU64>,
}

impl Db {
    /// Connects to `url`, creating the database first when it does not exist.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(url).context("DATABASE_URL is invalid")?;
        ensure_database(&options).await?;
        // No ping before each use of a pooled connection: it cost a round trip per
        // statement (a third of a chat list's). A connection that died meanwhile fails
        // its statement and is dropped from the pool.
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .context("connecting to the database")?;
        Ok(Self::from_pool(pool))
    }

    pub fn from_pool(pool: PgPool) -> Self {
        Self {
            pool,
            statements: Arc::default(),
        }
    }

    /// The pool as a counting executor: what repositories are called with.
    pub fn exec(&self) -> Counted<'_, Pooled<'_>> {
        Counted::new(Pooled(&self.pool), &self.statements)
    }

    /// Any executor (a transaction: `db.on(&mut *tx)`), counted like [`Db::exec`].
    pub fn on<'a, E>(&'a self, executor: E) -> Counted<'a, E> {
        Counted::new(executor, &self.statements)
    }

    /// Connections in the pool: `(open, idle)`.
    pub fn pool_state(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    /// Statements executed so far by this process's repositories.
    pub fn statements_executed(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .context("applying migrations")
    }

    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let connection = counted::acquire(&self.pool).await?;
        sqlx::Transaction::begin(connection, None).await
    }

    /// `true` when the database answers a trivial query within two seconds.
    pub async fn ping(&self) -> bool {
        // Not counted: health probes are not part of any API request.
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
