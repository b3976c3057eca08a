//! Request-scoped DataLoaders over the domain's batch functions. Built per request and
//! never shared across users: a shared cache would leak one viewer's data to another.
//! Viewer-dependent loaders are keyed by `(viewer, id)`.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, Loader};
use futures_util::future::BoxFuture;

use crate::{
    domain::{
        chats::Member,
        media::Attachment,
        messages::{Message, ReactionCount},
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

/// The batch loads a request's loaders started and not yet run.
///
/// Loaders of an HTTP request do not spawn their batches: they queue them here, and
/// [`run_in_waves`] runs them between polls of the request's execution. Every key the
/// execution asks for while it is polled joins one batch, and the execution only moves on
/// once the whole wave of batches has answered; so the batches (and the statements they
/// run) are the same on every run, however busy the machine, and nothing waits on a timer.
#[derive(Clone, Default)]
pub struct Fetches(Arc<std::sync::Mutex<Vec<BoxFuture<'static, ()>>>>);

impl Fetches {
    fn queue(&self, fetch: BoxFuture<'static, ()>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(fetch);
    }

    fn take(&self) -> Vec<BoxFuture<'static, ()>> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Drives `execution` and the loads it queues on `fetches` in waves: poll the execution
/// until it waits on nothing but loads (async-graphql's list resolution yields and wakes
/// itself now and then: it is polled again at once); run every batch it queued,
/// concurrently, until all have answered; poll the execution again; and so on.
pub async fn run_in_waves<F: std::future::Future>(fetches: Fetches, execution: F) -> F::Output {
    use futures_util::{stream::FuturesUnordered, StreamExt as _};
    use std::task::{Context, Poll, Waker};
    /// Polls of the execution in a row while it keeps waking itself, before yielding to
    /// the runtime.
    const SPINS: usize = 1024;
    let mut execution = std::pin::pin!(execution);
    let mut running: FuturesUnordered<BoxFuture<'static, ()>> = FuturesUnordered::new();
    let flag = Arc::new(WakeFlag::default());
    let flag_waker = Waker::from(Arc::clone(&flag));
    std::future::poll_fn(move |cx| {
        flag.set_outer(cx.waker());
        let mut spins = 0;
        loop {
            // Finish the running wave before the execution moves on.
            if !running.is_empty() {
                match running.poll_next_unpin(cx) {
                    Poll::Ready(Some(())) => continue,
                    Poll::Ready(None) => {}
                    Poll::Pending => return Poll::Pending,
                }
            }
            flag.woken.store(false, std::sync::atomic::Ordering::SeqCst);
            if let Poll::Ready(output) = execution
                .as_mut()
                .poll(&mut Context::from_waker(&flag_waker))
            {
                return Poll::Ready(output);
            }
            if flag.woken.load(std::sync::atomic::Ordering::SeqCst) {
                // It can go on by itself: let it, so every key of this wave is asked for.
                spins += 1;
                if spins == SPINS {
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                continue;
            }
            let wave = fetches.take();
            if wave.is_empty() {
                return Poll::Pending;
            }
            running.extend(wave);
        }
    })
    .await
}

/// A waker that notes it was woken, then wakes the task that polls the execution.
#[derive(Default)]
struct WakeFlag {
    woken: std::sync::atomic::AtomicBool,
    outer: std::sync::Mutex<Option<std::task::Waker>>,
}

impl WakeFlag {
    fn set_outer(&self, waker: &std::task::Waker) {
        let mut outer = self.outer.lock().unwrap_or_else(|e| e.into_inner());
        if !outer.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *outer = Some(waker.clone());
        }
    }
}

impl std::task::Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(waker) = self
            .outer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            waker.wake_by_ref();
        }
    }
}

/// Batches of subscription events (WebSocket) are few and small: they are spawned, after
/// a short wait for siblings.
const SPAWNED_BATCH_DELAY: std::time::Duration = std::time::Duration::from_millis(1);

/// A loader whose batches run in `fetches`' waves, or are spawned without it.
fn loader<T: Loader<K>, K>(inner: T, fetches: Option<&Fetches>) -> DataLoader<T>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
{
    match fetches {
        Some(fetches) => {
            let fetches = fetches.clone();
            DataLoader::new(inner, move |fetch| fetches.queue(fetch))
                .delay(std::time::Duration::ZERO)
        }
        None => DataLoader::new(inner, tokio::spawn).delay(SPAWNED_BATCH_DELAY),
    }
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
    /// Loaders that spawn their batches (WebSocket subscriptions).
    pub fn new(domain: &Domain) -> Self {
        Self::build(domain, None)
    }

    /// Loaders whose batches run in the request's waves: run the execution with
    /// [`run_in_waves`] and the returned [`Fetches`].
    pub fn for_request(domain: &Domain) -> (Self, Fetches) {
        let fetches = Fetches::default();
        (Self::build(domain, Some(&fetches)), fetches)
    }

    fn build(domain: &Domain, fetches: Option<&Fetches>) -> Self {
        let d = || domain.clone();
        Self {
            users: loader(UserLoader(d()), fetches),
            members: loader(MembersLoader(d()), fetches),
            member_counts: loader(MemberCountLoader(d()), fetches),
            unread: loader(UnreadLoader(d()), fetches),
            messages: loader(MessageLoader(d()), fetches),
            reactions: loader(ReactionsLoader(d()), fetches),
            attachments: loader(AttachmentsLoader(d()), fetches),
            contact_of: loader(ContactOfLoader(d()), fetches),
            online: loader(OnlineLoader(d()), fetches),
        }
    }
}
