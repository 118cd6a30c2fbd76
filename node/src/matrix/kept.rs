//! A running member's matrix index: the matrix's facts and rows of every recommendation its
//! operator may see, made once when the node starts and then kept up to date with the store
//! item by item, by a thread of its own every [`FOLLOW_EVERY`] and by each request for what
//! changed since, so that `liaison recommendations` reads no record but those just changed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use liaison_protocol::{CountryCode, Destination, Kind, may_leave};

use super::{Filter, Followed, Matrix};
use crate::Error;
use crate::follow::{Follower as _, catch_up};
use crate::store::{Entry, Query, Store};

/// How often the thread keeping the index looks for changes in the store.
const FOLLOW_EVERY: Duration = Duration::from_millis(500);

/// The index, the store it follows, and whether it was made.
#[derive(Debug)]
pub(crate) struct Kept {
    store: Store,
    followed: Mutex<Followed>,
    /// Whether the index was made once: until then a request is answered from the records
    /// rather than wait for it.
    made: AtomicBool,
    /// Whether the thread keeping it was started.
    started: AtomicBool,
    /// Set when the node's [`crate::Repo`] is dropped: the thread stops at the next item, so
    /// that the store is closed when the node is.
    stopping: AtomicBool,
    /// The thread keeping it, to wait for when stopping.
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Kept {
    /// An index of `store` that is not kept until [`Kept::start`].
    pub(crate) fn new(store: Store) -> Self {
        Self {
            store,
            followed: Mutex::default(),
            made: AtomicBool::new(false),
            started: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            thread: Mutex::default(),
        }
    }

    /// Starts the thread that makes the index and keeps it up to date (once), until
    /// [`Kept::stop`].
    pub(crate) fn start(self: &Arc<Self>) {
        if self.started.swap(true, Ordering::AcqRel) {
            return;
        }
        let kept = Arc::downgrade(self);
        match std::thread::Builder::new().name("matrix-index".into()).spawn(move || follow(&kept)) {
            Ok(thread) => {
                *self.thread.lock().unwrap_or_else(PoisonError::into_inner) = Some(thread);
            }
            Err(e) => {
                tracing::error!(error = %e, "could not start the thread keeping the matrix index");
            }
        }
    }

    /// Stops the thread keeping the index, and waits for it: it lets go of the store.
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        let thread = self.thread.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(thread) = thread {
            thread.thread().unpark();
            if thread.join().is_err() {
                tracing::error!("the thread keeping the matrix index panicked");
            }
        }
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// The matrix of `country`, filtered by `filter`, from the index brought up to date with
    /// the items changed since; `None` when the index is not kept, not made yet, or further
    /// behind than the store remembers (its thread makes it anew).
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record among those changed.
    pub(crate) fn matrix(
        &self,
        country: CountryCode,
        filter: &Filter,
    ) -> Result<Option<Matrix>, Error> {
        if !self.made.load(Ordering::Acquire) {
            return Ok(None);
        }
        let mut followed = self.lock();
        let (now, changed) = self.store.catch_up(followed.generation());
        if changed.is_none() {
            return Ok(None);
        }
        let nothing = |_: &mut dyn FnMut(Entry)| Ok(());
        catch_up(&mut *followed, |_| (now, changed), nothing, |id| self.one(id))?;
        Ok(Some(followed.index.matrix(country, filter)))
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Followed> {
        self.followed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Item `id` as the index holds it: what the gate lets out to this node's operator.
    fn one(&self, id: liaison_protocol::ItemId) -> Result<Option<Entry>, Error> {
        Ok(self.store.get(id)?.filter(operator_may_see))
    }

    /// Brings the index to the store: the items changed since, or every recommendation.
    fn follow_store(&self) {
        let mut followed = self.lock();
        if followed.generation() == Some(self.store.generation()) {
            return;
        }
        let (started, anew) = (Instant::now(), followed.generation().is_none());
        let query = Query { kind: Some(Kind::Recommendation), ..Query::default() };
        let all = |each: &mut dyn FnMut(Entry)| {
            self.store.each_while(&query, |e| {
                if operator_may_see(&e) {
                    each(e);
                }
                !self.stopping()
            })
        };
        match catch_up(&mut *followed, |g| self.store.catch_up(g), all, |id| self.one(id)) {
            Ok(()) => {
                self.made.store(true, Ordering::Release);
                if anew {
                    tracing::info!(
                        recommendations = followed.index.len(),
                        bytes = followed.index.bytes(),
                        ms = started.elapsed().as_millis() as u64,
                        "matrix index made"
                    );
                }
            }
            Err(e) => tracing::error!(error = %e, "keeping the matrix index"),
        }
    }
}

/// The thread keeping the index: brings it to the store every [`FOLLOW_EVERY`] while it
/// exists.
fn follow(kept: &Weak<Kept>) {
    while let Some(kept) = kept.upgrade().filter(|k| !k.stopping()) {
        kept.follow_store();
        drop(kept);
        std::thread::park_timeout(FOLLOW_EVERY);
    }
}

/// Whether the gate lets `entry` out to this node's own operator: what the matrix may show.
fn operator_may_see(entry: &Entry) -> bool {
    may_leave(&entry.header, entry.record.state.withdrawn, Destination::Operator)
}
