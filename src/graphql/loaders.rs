//! Request-scoped DataLoaders over the domain's batch functions. Built per request and
//! never shared across users: a shared cache would leak one viewer's data to another.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, Loader};

use crate::{
    domain::{users::User, Domain},
    error::AppError,
};

pub struct UserLoader(Domain);

impl Loader<i64> for UserLoader {
    type Value = User;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, User>, Self::Error> {
        self.0.users().load_many(keys).await.map_err(Arc::new)
    }
}

/// Every loader of one request.
pub struct Loaders {
    pub users: DataLoader<UserLoader>,
}

impl Loaders {
    pub fn new(domain: &Domain) -> Self {
        Self {
            users: DataLoader::new(UserLoader(domain.clone()), tokio::spawn),
        }
    }
}
