//! A counting executor: delegates to any Postgres executor and counts the statements
//! sent through it, so tests can assert "N items cost the same number of queries"; and
//! the pool as an executor that records how long each statement waited for a connection
//! (`db_pool_acquire_duration_seconds`).

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Instant,
};

use futures_util::{future::BoxFuture, stream::BoxStream, StreamExt as _};
use sqlx::{
    pool::PoolConnection,
    postgres::{PgQueryResult, PgRow, PgStatement, PgTypeInfo},
    Describe, Either, Error, Execute, Executor, PgPool, Postgres,
};

#[derive(Clone, Copy, Debug)]
pub struct Counted<'a, E> {
    inner: E,
    counter: &'a AtomicU64,
}

impl<'a, E> Counted<'a, E> {
    pub(super) fn new(inner: E, counter: &'a AtomicU64) -> Self {
        Self { inner, counter }
    }

    fn count(&self) {
        self.counter.fetch_add(1, Ordering::Relaxed);
    }
}

impl<'c, E> Executor<'c> for Counted<'c, E>
where
    E: Executor<'c, Database = Postgres>,
{
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, Q>(
        self,
        query: Q,
    ) -> BoxStream<'e, Result<Either<PgQueryResult, PgRow>, Error>>
    where
        'c: 'e,
        Q: 'q + Execute<'q, Postgres>,
    {
        self.count();
        self.inner.fetch_many(query)
    }

    fn fetch_optional<'e, 'q: 'e, Q>(self, query: Q) -> BoxFuture<'e, Result<Option<PgRow>, Error>>
    where
        'c: 'e,
        Q: 'q + Execute<'q, Postgres>,
    {
        self.count();
        self.inner.fetch_optional(query)
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement<'q>, Error>>
    where
        'c: 'e,
    {
        self.inner.prepare_with(sql, parameters)
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Postgres>, Error>>
    where
        'c: 'e,
    {
        self.inner.describe(sql)
    }
}

/// The pool as an executor: each statement takes a connection for itself, like
/// `&PgPool`, and the time it waited for one is recorded.
#[derive(Clone, Copy, Debug)]
pub struct Pooled<'p>(pub(super) &'p PgPool);

/// A pooled connection; the wait goes to `db_pool_acquire_duration_seconds`.
pub(super) async fn acquire(pool: &PgPool) -> Result<PoolConnection<Postgres>, Error> {
    let started = Instant::now();
    let connection = pool.acquire().await;
    metrics::histogram!("db_pool_acquire_duration_seconds").record(started.elapsed());
    connection
}

impl<'p> Executor<'p> for Pooled<'p> {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, Q>(
        self,
        query: Q,
    ) -> BoxStream<'e, Result<Either<PgQueryResult, PgRow>, Error>>
    where
        'p: 'e,
        Q: 'q + Execute<'q, Postgres>,
    {
        // The rows come from a stream borrowing the connection; the connection lives in
        // the producing future, which hands the rows over a short queue.
        let pool = self.0;
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let produce = async move {
            let mut connection = match acquire(pool).await {
                Ok(connection) => connection,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            let mut rows = connection.fetch_many(query);
            while let Some(row) = rows.next().await {
                let failed = row.is_err();
                if tx.send(row).await.is_err() || failed {
                    return;
                }
            }
        };
        let produced = futures_util::stream::once(produce).filter_map(|()| async { None });
        futures_util::stream::select(produced, tokio_stream::wrappers::ReceiverStream::new(rx))
            .boxed()
    }

    fn fetch_optional<'e, 'q: 'e, Q>(self, query: Q) -> BoxFuture<'e, Result<Option<PgRow>, Error>>
    where
        'p: 'e,
        Q: 'q + Execute<'q, Postgres>,
    {
        let pool = self.0;
        Box::pin(async move {
            let mut connection = acquire(pool).await?;
            connection.fetch_optional(query).await
        })
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement<'q>, Error>>
    where
        'p: 'e,
    {
        self.0.prepare_with(sql, parameters)
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Postgres>, Error>>
    where
        'p: 'e,
    {
        self.0.describe(sql)
    }
}
