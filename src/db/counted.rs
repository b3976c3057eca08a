//! A counting executor: delegates to any Postgres executor and counts the statements
//! sent through it, so tests can assert "N items cost the same number of queries".

use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::{future::BoxFuture, stream::BoxStream};
use sqlx::{
    postgres::{PgQueryResult, PgRow, PgStatement, PgTypeInfo},
    Describe, Either, Error, Execute, Executor, Postgres,
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
