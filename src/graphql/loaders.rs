//! Request-scoped DataLoaders over the domain's batch functions. Built per request and
//! never shared across users: a shared cache would leak one viewer's data to another.
//! Viewer-dependent loaders are keyed by `(viewer, id)`.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, Loader};

use crate::{
    db::{attachments::Attachment, chats::Member, messages::ReactionCount},
    domain::{messages::Message, users::User, Domain},
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
    type Value = User;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> LoadResult<i64, User> {
        self.0.users().load_many(keys).await.map_err(Arc::new)
    }
}

/// Every member of a chat.
pub struct MembersLoader(Domain);

impl Loader<i64> for MembersLoader {
    type Value = Vec<Member>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> LoadResult<i64, Vec<Member>> {
        self.0.chats().members_of(keys).await.map_err(Arc::new)
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
    type Value = Message;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[(i64, i64)]) -> LoadResult<(i64, i64), Message> {
        per_viewer(keys, |viewer, ids| async move {
            self.0.messages().load_visible(viewer, &ids).await
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

/// How long a loader waits for more keys before it queries. Long enough that the
/// loads of one resolution wave (siblings resolved by independent branches) share a
/// batch, short enough not to matter next to a database round trip.
const BATCH_DELAY: std::time::Duration = std::time::Duration::from_millis(5);

fn loader<T: Loader<K>, K>(inner: T) -> DataLoader<T>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
{
    DataLoader::new(inner, tokio::spawn).delay(BATCH_DELAY)
}

/// Every loader of one request.
pub struct Loaders {
    pub users: DataLoader<UserLoader>,
    pub members: DataLoader<MembersLoader>,
    pub member_counts: DataLoader<MemberCountLoader>,
    pub unread: DataLoader<UnreadLoader>,
    pub messages: DataLoader<MessageLoader>,
    pub reactions: DataLoader<ReactionsLoader>,
    pub attachments: DataLoader<AttachmentsLoader>,
    pub contact_of: DataLoader<ContactOfLoader>,
    pub online: DataLoader<OnlineLoader>,
}

impl Loaders {
    pub fn new(domain: &Domain) -> Self {
        let d = || domain.clone();
        Self {
            users: loader(UserLoader(d())),
            members: loader(MembersLoader(d())),
            member_counts: loader(MemberCountLoader(d())),
            unread: loader(UnreadLoader(d())),
            messages: loader(MessageLoader(d())),
            reactions: loader(ReactionsLoader(d())),
            attachments: loader(AttachmentsLoader(d())),
            contact_of: loader(ContactOfLoader(d())),
            online: loader(OnlineLoader(d())),
        }
    }
}
