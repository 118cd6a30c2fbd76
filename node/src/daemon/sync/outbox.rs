//! How many requests go to each peer at once. A node answers at most
//! [`net::MAX_STREAMS_PER_CONNECTION`] requests at once on a connection and drops the streams
//! past it, so a node keeps at most [`UNDER_WAY`] of the sync machine's requests under way with
//! each peer, and lets the rest wait their turn in a bounded queue: a reconciliation's offers to
//! a node that lacks everything, or the pushes of a large import, arrive instead of being
//! dropped by a peer out of room.
//!
//! Fetches always wait (the machine keeps a few under way per peer, so they are bounded
//! already); any other request past [`WAITING`] is turned away, and the machine told it failed,
//! which has the link reconciled again soon.
//!
//! [`net::MAX_STREAMS_PER_CONNECTION`]: super::super::net::MAX_STREAMS_PER_CONNECTION

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// Most of the machine's requests under way with one peer; certificates and clock questions,
/// which the event loop sends itself, go at once and count too.
pub(super) const UNDER_WAY: usize = 8;
/// Most requests other than fetches waiting for room, per peer.
pub(super) const WAITING: usize = 64;

/// What the queues of peer `P` hold: requests `R`, fetches among them.
#[derive(Debug)]
pub(super) struct Outbox<P, R> {
    peers: HashMap<P, Queue<R>>,
}

#[derive(Debug)]
struct Queue<R> {
    under_way: usize,
    /// Each request waiting, and whether it is a fetch.
    waiting: VecDeque<(R, bool)>,
    /// How many of `waiting` are not fetches.
    others: usize,
}

impl<R> Default for Queue<R> {
    fn default() -> Self {
        Self { under_way: 0, waiting: VecDeque::new(), others: 0 }
    }
}

/// Where a request to a peer goes.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Admitted<R> {
    /// Send it now.
    Send(R),
    /// It waits for room.
    Waits,
    /// No room to wait either: it is not sent.
    Full(R),
}

impl<P, R> Default for Outbox<P, R> {
    fn default() -> Self {
        Self { peers: HashMap::new() }
    }
}

impl<P: Copy + Eq + Hash, R> Outbox<P, R> {
    /// Takes `request` to `peer` (`fetch`: whether it is a fetch): to send now, to wait, or
    /// turned away.
    pub(super) fn admit(&mut self, peer: P, request: R, fetch: bool) -> Admitted<R> {
        let queue = self.peers.entry(peer).or_default();
        if queue.under_way < UNDER_WAY && queue.waiting.is_empty() {
            return Admitted::Send(request);
        }
        if !fetch && queue.others >= WAITING {
            return Admitted::Full(request);
        }
        queue.others += usize::from(!fetch);
        queue.waiting.push_back((request, fetch));
        Admitted::Waits
    }

    /// A request to `peer` went out.
    pub(super) fn sent(&mut self, peer: P) {
        self.peers.entry(peer).or_default().under_way += 1;
    }

    /// A request to `peer` was answered or failed; returns the next to send, if one waits.
    pub(super) fn done(&mut self, peer: P) -> Option<R> {
        let queue = self.peers.get_mut(&peer)?;
        queue.under_way = queue.under_way.saturating_sub(1);
        self.next(peer)
    }

    /// The next request to send to `peer`, if one waits and there is room.
    pub(super) fn next(&mut self, peer: P) -> Option<R> {
        let queue = self.peers.get_mut(&peer)?;
        if queue.under_way >= UNDER_WAY {
            return None;
        }
        let (request, fetch) = queue.waiting.pop_front()?;
        queue.others -= usize::from(!fetch);
        Some(request)
    }

    /// Forgets `peer`, which disconnected, and what waited for it.
    pub(super) fn forget(&mut self, peer: &P) {
        self.peers.remove(peer);
    }

    /// Takes every request waiting, for every peer: what the machine decided to send under a
    /// roster that changed since, which is not to go out.
    pub(super) fn take_waiting(&mut self) -> Vec<(P, R)> {
        let mut taken = Vec::new();
        for (peer, queue) in &mut self.peers {
            queue.others = 0;
            taken.extend(queue.waiting.drain(..).map(|(request, _)| (*peer, request)));
        }
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An outbox with a full window of requests under way with peer 1.
    fn busy() -> Outbox<u8, u32> {
        let mut outbox = Outbox::default();
        for n in 0..UNDER_WAY as u32 {
            assert_eq!(outbox.admit(1, n, false), Admitted::Send(n));
            outbox.sent(1);
        }
        outbox
    }

    #[test]
    fn requests_past_the_window_wait_in_order_and_fetches_always_find_room() {
        let mut outbox = busy();
        assert_eq!(outbox.admit(2, 0, false), Admitted::Send(0), "each peer has its own window");
        for n in 100..100 + WAITING as u32 {
            assert_eq!(outbox.admit(1, n, false), Admitted::Waits);
        }
        assert_eq!(outbox.admit(1, 999, false), Admitted::Full(999));
        assert_eq!(outbox.admit(1, 7, true), Admitted::Waits, "a fetch waits past the bound");
        assert_eq!(outbox.next(1), None, "no room until one is done");
        assert_eq!(outbox.done(1), Some(100));
        outbox.sent(1);
        assert_eq!(outbox.admit(1, 1000, false), Admitted::Waits, "room to wait again");
        let mut order = Vec::new();
        for _ in 0..=WAITING {
            order.extend(outbox.done(1));
            outbox.sent(1);
        }
        let mut expected: Vec<u32> = (101..100 + WAITING as u32).collect();
        expected.extend([7, 1000]);
        assert_eq!(order, expected, "first come, first sent");
        assert_eq!(outbox.admit(1, 2000, true), Admitted::Waits);
        assert_eq!(outbox.take_waiting(), vec![(1, 2000)], "what waited, taken");
        assert_eq!(outbox.done(1), None, "nothing waits any more");
        outbox.forget(&1);
        assert_eq!(outbox.done(1), None);
        assert_eq!(outbox.admit(1, 5, false), Admitted::Send(5), "a peer back starts afresh");
    }

    #[test]
    fn a_request_waits_behind_those_waiting_even_when_there_is_room() {
        let mut outbox = busy();
        assert_eq!(outbox.admit(1, 10, false), Admitted::Waits);
        assert_eq!(outbox.admit(1, 11, false), Admitted::Waits);
        // Two answers come back before the event loop sends what waited.
        let first = outbox.done(1);
        assert_eq!(first, Some(10));
        outbox.sent(1);
        assert_eq!(outbox.admit(1, 12, false), Admitted::Waits, "11 goes first");
        assert_eq!(outbox.done(1), Some(11));
    }
}
