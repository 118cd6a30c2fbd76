//! Which reconciliations are under way, and when each peer last started one, so that a link
//! has one session per interval whichever side starts it; and which links are to be
//! reconciled again soon because an exchange on them failed. Time comes in as an argument.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::time::{Duration, Instant};

/// The reconciliation sessions of a node, by peer `P`.
#[derive(Debug)]
pub(crate) struct Sessions<P> {
    /// Peers with a reconciliation this node started and has not finished.
    ongoing: HashSet<P>,
    /// When each peer last started a reconciliation with this node: a node does not start one
    /// of its own with a peer that keeps it in sync.
    answered: HashMap<P, Instant>,
    /// Peers an exchange with failed since their last completed session: when to reconcile
    /// again (none once started), and the delay that led there, doubled by each failure.
    retry: HashMap<P, (Option<Instant>, Duration)>,
}

/// How soon a link is reconciled again after an exchange on it failed (an offer or a turn
/// lost with a closed connection, or refused by a peer out of room): the delay doubles with
/// each failure until a session completes, up to the interval.
pub(crate) const FIRST_RETRY: Duration = Duration::from_secs(1);

impl<P> Default for Sessions<P> {
    fn default() -> Self {
        Self { ongoing: HashSet::new(), answered: HashMap::new(), retry: HashMap::new() }
    }
}

impl<P: Copy + Eq + Hash> Sessions<P> {
    /// Starts a session with `peer` at `now`, unless one is under way or the peer started one
    /// within `every`; returns whether it did.
    pub(crate) fn start(&mut self, peer: P, now: Instant, every: Duration) -> bool {
        let lately = self.answered.get(&peer).is_some_and(|t| now.duration_since(*t) < every);
        if self.ongoing.contains(&peer) || lately {
            return false;
        }
        self.ongoing.insert(peer)
    }

    /// The session this node started with `peer` ended, completed or not.
    pub(crate) fn end(&mut self, peer: &P) {
        self.ongoing.remove(peer);
    }

    /// A session with `peer` completed, whichever side started it: the link is in sync, and
    /// the next failure waits [`FIRST_RETRY`] again.
    pub(crate) fn completed(&mut self, peer: &P) {
        self.retry.remove(peer);
    }

    /// An exchange with `peer` failed at `now` (what it carried may be lost): the session
    /// under way ends, and the link is due again after [`FIRST_RETRY`], doubled for each
    /// failure since the last completed session, at most `every`.
    pub(crate) fn failed(&mut self, peer: P, now: Instant, every: Duration) {
        self.ongoing.remove(&peer);
        let delay = self.retry.get(&peer).map_or(FIRST_RETRY, |(_, d)| d.saturating_mul(2));
        let delay = delay.min(every);
        self.retry.insert(peer, (Some(now + delay), delay));
    }

    /// The peers due a retry at `now`, each handed out once per failure: whether the peer
    /// started a session lately no longer holds this node back from starting one.
    pub(crate) fn due(&mut self, now: Instant) -> Vec<P> {
        let mut due = Vec::new();
        for (peer, (at, _)) in &mut self.retry {
            if at.is_some_and(|at| at <= now) {
                *at = None;
                self.answered.remove(peer);
                due.push(*peer);
            }
        }
        due
    }

    /// `peer` started a session with this node at `now`.
    pub(crate) fn answered(&mut self, peer: P, now: Instant) {
        self.answered.insert(peer, now);
    }

    /// Forgets `peer`, which disconnected.
    pub(crate) fn forget(&mut self, peer: &P) {
        self.ongoing.remove(peer);
        self.answered.remove(peer);
        self.retry.remove(peer);
    }
}
