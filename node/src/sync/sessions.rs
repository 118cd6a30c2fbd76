//! Which reconciliations are under way, and when each peer last started one, so that a link
//! has one session per interval whichever side starts it. Time comes in as an argument.

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
}

impl<P> Default for Sessions<P> {
    fn default() -> Self {
        Self { ongoing: HashSet::new(), answered: HashMap::new() }
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

    /// `peer` started a session with this node at `now`.
    pub(crate) fn answered(&mut self, peer: P, now: Instant) {
        self.answered.insert(peer, now);
    }

    /// Forgets `peer`, which disconnected.
    pub(crate) fn forget(&mut self, peer: &P) {
        self.ongoing.remove(peer);
        self.answered.remove(peer);
    }
}
