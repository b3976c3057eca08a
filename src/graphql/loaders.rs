//! Request-scoped DataLoaders over the domain's batch functions. Built per request and
//! never shared across users: a shared cache would leak one viewer's data to another.
//! Viewer-dependent loaders are keyed by `(viewer, id)`.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, Loader};

mod cache;
mod waves;

pub use cache::QueryCache;
pub use waves::{run_in_waves, stream_in_waves, Fetches};

use crate::{
    domain::{
        chats::Member,
        media::Attachment,
        messages::{Message, MessageFacts, ReactionCount},
        users::User,
        Domain,
    },
    error::AppError,
};

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<AppError>>;

/// Splits `(viewer, id)` keys (one viewer per request) and re-keys the result.
async fn per_viewer<V, F, Fut>(keys: &[(i64, i64)], load: F) -> LoadResult<(i64, i64), V>
where
    F: Fn(i64, Vec<i64>) -> Fut,
    Fut: std::future::Future<Output = Result<HashMap<i64, V>, AppError>>,
{
    let mut by_viewer: HashMap<i64, Vec<i64>> = HashMap::new();
    for (viewer, id) in keys {
        by_viewer.entry(*viewer).or_default().push(*id);
    }
    let mut out = HashMap::new();
    for (viewer, ids) in by_viewer {
        let found = load(viewer, ids).await.map_err(Arc::new)?;
        out.extend(found.into_iter().map(|(id, v)| ((viewer, id), v)));
    }
    Ok(out)
}

pub struct UserLoader(Domain);

impl Loader<i64> for UserLoader {
    type Value = Arc<User>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> LoadResult<i64, Arc<User>> {
        let users = self.0.users().load_many(keys).await.map_err(Arc::new)?;
        Ok(users.into_iter().map(|(id, u)| (id, Arc::new(u))).collect())
    }
}

/// Every member of a chat.
pub struct MembersLoader(Domain);

impl Loader<i64> for MembersLoader {
    type Value = Arc<Vec<Member>>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> LoadResult<i64, Arc<Vec<Member>>> {
        let members = self.0.chats().members_of(keys).await.map_err(Arc::new)?;
        Ok(members
            .into_iter()
            .map(|(id, m)| (id, Arc::new(m)))
            .collect())
    }
}

pub struct MemberCountLoader(Domain);

impl Loader<i64> for MemberCountLoader {
    type Value = i64;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> LoadResult<i64, i64> {
        self.0.chats().member_counts(keys).await.map_err(Arc::new)
    }
}

/// `(unread, unread mentions)` per `(viewer, chat)`.
pub struct UnreadLoader(Domain);

impl Loader<(i64, i64)> for UnreadLoader {
    type Value = (i64, i64);
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[(i64, i64)]) -> LoadResult<(i64, i64), (i64, i64)> {
        per_viewer(keys, |viewer, ids| async move {
            self.0.chats().unread_counts(viewer, &ids).await
        })
        .await
    }
}

/// Messages a viewer may see, per `(viewer, message)`.
pub struct MessageLoader(Domain);

impl Loader<(i64, i64)> for MessageLoader {
    type Value = Arc<Message>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[(i64, i64)]) -> LoadResult<(i64, i64), Arc<Message>> {
        per_viewer(keys, |viewer, ids| async move {
            let found = self.0.messages().load_visible(viewer, &ids).await?;
            Ok(found.into_iter().map(|(id, m)| (id, Arc::new(m))).collect())
        })
        .await
    }
}

/// Reaction counts per `(viewer, message)`.
pub struct ReactionsLoader(Domain);

impl Loader<(i64, i64)> for ReactionsLoader {
    type Value = Vec<ReactionCount>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[(i64, i64)]) -> LoadResult<(i64, i64), Vec<ReactionCount>> {
        per_viewer(keys, |viewer, ids| async move {
            self.0.messages().reactions_of(viewer, &ids).await
        })
        .await
    }
}

/// Whether the user has the viewer in their contacts, per `(viewer, user)`.
pub struct ContactOfLoader(Domain);

impl Loader<(i64, i64)> for ContactOfLoader {
    type Value = bool;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[(i64, i64)]) -> LoadResult<(i64, i64), bool> {
        per_viewer(keys, |viewer, ids| async move {
            self.0.users().contact_of(viewer, &ids).await
        })
        .await
    }
}

/// Whether users are online (one Redis round trip per batch).
pub struct OnlineLoader(Domain);

impl Loader<i64> for OnlineLoader {
    type Value = bool;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> LoadResult<i64, bool> {
        self.0.presence().online(keys).await.map_err(Arc::new)
    }
}

/// Attachments per message.
pub struct AttachmentsLoader(Domain);

impl Loader<i64> for AttachmentsLoader {
    type Value = Vec<Attachment>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> LoadResult<i64, Vec<Attachment>> {
        self.0.media().for_messages(keys).await.map_err(Arc::new)
    }
}

/// A loader whose batches run in `fetches`' waves; its values are kept for the request
/// while `cache` is on.
fn loader<T: Loader<K>, K>(
    inner: T,
    fetches: &Fetches,
    cache: &QueryCache,
) -> DataLoader<T, QueryCache>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
{
    let fetches = fetches.clone();
    DataLoader::with_cache(inner, move |fetch| fetches.queue(fetch), cache.clone())
        .delay(std::time::Duration::ZERO)
}

/// Every loader of one request, built on first use (`{ me { id } }` builds none).
pub struct Loaders {
    domain: Domain,
    fetches: Fetches,
    cache: QueryCache,
    set: std::sync::OnceLock<LoaderSet>,
}

impl std::ops::Deref for Loaders {
    type Target = LoaderSet;

    fn deref(&self) -> &LoaderSet {
        self.set
            .get_or_init(|| LoaderSet::build(&self.domain, &self.fetches, &self.cache))
    }
}

/// The loaders themselves.
pub struct LoaderSet {
    pub users: DataLoader<UserLoader, QueryCache>,
    pub members: DataLoader<MembersLoader, QueryCache>,
    pub member_counts: DataLoader<MemberCountLoader, QueryCache>,
    pub unread: DataLoader<UnreadLoader, QueryCache>,
    pub messages: DataLoader<MessageLoader, QueryCache>,
    pub reactions: DataLoader<ReactionsLoader, QueryCache>,
    pub attachments: DataLoader<AttachmentsLoader, QueryCache>,
    pub contact_of: DataLoader<ContactOfLoader, QueryCache>,
    pub online: DataLoader<OnlineLoader, QueryCache>,
}

impl LoaderSet {
    fn build(domain: &Domain, fetches: &Fetches, cache: &QueryCache) -> Self {
        let d = || domain.clone();
        Self {
            users: loader(UserLoader(d()), fetches, cache),
            members: loader(MembersLoader(d()), fetches, cache),
            member_counts: loader(MemberCountLoader(d()), fetches, cache),
            unread: loader(UnreadLoader(d()), fetches, cache),
            messages: loader(MessageLoader(d()), fetches, cache),
            reactions: loader(ReactionsLoader(d()), fetches, cache),
            attachments: loader(AttachmentsLoader(d()), fetches, cache),
            contact_of: loader(ContactOfLoader(d()), fetches, cache),
            online: loader(OnlineLoader(d()), fetches, cache),
        }
    }
}

impl Loaders {
    /// Loaders whose batches run in the execution's waves: run it with [`run_in_waves`]
    /// (a request) or [`stream_in_waves`] (a subscription) and the returned [`Fetches`].
    pub fn for_request(domain: &Domain) -> (Self, Fetches) {
        let fetches = Fetches::default();
        let loaders = Self {
            domain: domain.clone(),
            fetches: fetches.clone(),
            cache: QueryCache::default(),
            set: std::sync::OnceLock::new(),
        };
        (loaders, fetches)
    }

    /// Turns the request's cache off: its documents hold a mutation or a subscription.
    pub fn writes(&self) {
        self.cache.disable();
    }

    /// Users a page already loaded with its rows.
    pub async fn seed_users<'a>(&self, users: impl IntoIterator<Item = &'a Arc<User>>) {
        self.users
            .feed_many(users.into_iter().map(|u| (u.id, Arc::clone(u))))
            .await;
    }

    /// What a message page already loaded (the domain's [`MessageFacts`]), so the
    /// fields of its messages load nothing more.
    pub async fn seed_message_page(&self, viewer: i64, chat_id: i64, facts: &MessageFacts) {
        self.seed_users(facts.users.values()).await;
        self.reactions
            .feed_many(
                facts
                    .reactions
                    .iter()
                    .map(|(id, r)| ((viewer, *id), r.clone())),
            )
            .await;
        self.messages
            .feed_many(
                facts
                    .targets
                    .iter()
                    .map(|(id, m)| ((viewer, *id), Arc::clone(m))),
            )
            .await;
        self.attachments
            .feed_many(facts.attachments.iter().map(|(id, a)| (*id, a.clone())))
            .await;
        if let Some(members) = &facts.members {
            self.members.feed_one(chat_id, Arc::clone(members)).await;
        }
    }
}
