//! The fetch scheduler: which items this node lacks in the state some peer offered, who offered
//! them, and which fetches are under way with whom. Each item is fetched from one peer at a
//! time; when that fetch fails or the peer vanishes, it is asked of another that offered it.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Debug;
use std::hash::Hash;

use liaison_protocol::ItemId;

use super::Digest;

/// How much the scheduler keeps and asks for at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Ids asked of one peer at once.
    pub(crate) batch: usize,
    /// Fetches kept under way with one peer: enough to keep the link busy while the last
    /// answer is verified, few enough to bound what is buffered (a few MiB).
    pub(crate) in_flight: usize,
    /// Most items wanted at once; offers beyond it are dropped, and made again by a later
    /// reconciliation.
    pub(crate) wanted: usize,
    /// Most offered items queued for one peer.
    pub(crate) queued: usize,
    /// Peers remembered as holding a wanted item, to fetch it from another when one fails; at
    /// most [`MAX_HOLDERS`].
    pub(crate) holders: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { batch: 256, in_flight: 4, wanted: 1 << 18, queued: 1 << 18, holders: MAX_HOLDERS }
    }
}

/// Names one fetch the scheduler asked for, until it is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct FetchId(u64);

/// A fetch to send: ask peer `to` for `ids`, and report the answer with [`Scheduler::fetched`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fetch<P> {
    pub(crate) id: FetchId,
    pub(crate) to: P,
    pub(crate) ids: Vec<ItemId>,
}

/// The most holders [`Limits::holders`] may ask to remember per wanted item.
pub(crate) const MAX_HOLDERS: usize = 8;

/// An item this node lacks in the state some peer offered. Peers are named by their number in
/// [`Peers`]: a node joining a federation wants every item at once, and a peer's own name
/// (a network peer id is 80 bytes) in each would take several times the item's share of memory.
/// For the same reason its holders are kept in it, not in an allocation of their own.
#[derive(Debug)]
struct Want {
    /// The state offered.
    digest: Digest,
    /// The peer it is being fetched from, if a fetch is under way.
    from: Option<Slot>,
    /// Peers that offered it.
    holders: Holders,
}

/// A peer's number in [`Peers`]: as many numbers as peers known at once, so 32 bits are plenty.
type Slot = u32;

/// The peers that offered a wanted item, in the order they offered it, at most
/// [`MAX_HOLDERS`].
#[derive(Debug, Clone, Copy)]
struct Holders {
    slots: [Slot; MAX_HOLDERS],
    len: u8,
}

impl Holders {
    fn of(slot: Slot) -> Self {
        let mut slots = [0; MAX_HOLDERS];
        slots[0] = slot;
        Self { slots, len: 1 }
    }

    fn as_slice(&self) -> &[Slot] {
        &self.slots[..usize::from(self.len)]
    }

    fn len(&self) -> usize {
        usize::from(self.len)
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn contains(&self, slot: &Slot) -> bool {
        self.as_slice().contains(slot)
    }

    fn first(&self) -> Option<&Slot> {
        self.as_slice().first()
    }

    /// Adds `slot` at the end unless it is full.
    fn push(&mut self, slot: Slot) {
        if let Some(free) = self.slots.get_mut(usize::from(self.len)) {
            *free = slot;
            self.len += 1;
        }
    }

    /// Keeps the slots `keep` accepts, in order.
    fn retain(&mut self, keep: impl Fn(&Slot) -> bool) {
        let mut kept = 0;
        for i in 0..self.len() {
            let slot = self.slots[i];
            if keep(&slot) {
                self.slots[kept] = slot;
                kept += 1;
            }
        }
        self.len = kept as u8;
    }
}

/// The peers wanted items name, numbered: a number is given when a peer first offers
/// something and taken back when it is forgotten, so there are as many as peers known.
#[derive(Debug)]
struct Peers<P> {
    by_slot: Vec<Option<P>>,
    slots: HashMap<P, Slot>,
    /// Numbers taken back, to give again.
    free: Vec<Slot>,
}

impl<P: Copy + Eq + Hash> Peers<P> {
    /// The number of `peer`, given now if it has none.
    fn slot(&mut self, peer: P) -> Slot {
        if let Some(slot) = self.slots.get(&peer) {
            return *slot;
        }
        // A number per peer known at once: far fewer than 2^32.
        let next = Slot::try_from(self.by_slot.len()).unwrap_or(Slot::MAX);
        let slot = self.free.pop().unwrap_or(next);
        match self.by_slot.get_mut(slot as usize) {
            Some(free) => *free = Some(peer),
            None => self.by_slot.push(Some(peer)),
        }
        self.slots.insert(peer, slot);
        slot
    }

    /// The number of `peer`, if it has one.
    fn find(&self, peer: &P) -> Option<Slot> {
        self.slots.get(peer).copied()
    }

    /// The peer numbered `slot`.
    fn peer(&self, slot: Slot) -> Option<P> {
        self.by_slot.get(slot as usize).copied().flatten()
    }

    /// Takes `peer`'s number back: nothing may name it any more.
    fn release(&mut self, peer: &P) {
        if let Some(slot) = self.slots.remove(peer) {
            if let Some(named) = self.by_slot.get_mut(slot as usize) {
                *named = None;
            }
            self.free.push(slot);
        }
    }
}

/// Items to fetch, and from whom. `P` names a peer; `holds(id, digest)` says whether this node
/// already holds item `id` in state `digest`.
#[derive(Debug)]
pub(crate) struct Scheduler<P> {
    limits: Limits,
    wanted: HashMap<ItemId, Want>,
    peers: Peers<P>,
    /// What each peer offered, in order, not yet asked for.
    queues: HashMap<P, VecDeque<(ItemId, Digest)>>,
    /// Fetches under way.
    fetches: HashMap<FetchId, (P, Vec<ItemId>)>,
    next_id: u64,
}

impl<P> Default for Scheduler<P> {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

impl<P> Scheduler<P> {
    pub(crate) fn new(limits: Limits) -> Self {
        let (wanted, queues, fetches) = (HashMap::new(), HashMap::new(), HashMap::new());
        let peers = Peers { by_slot: Vec::new(), slots: HashMap::new(), free: Vec::new() };
        Self { limits, wanted, peers, queues, fetches, next_id: 0 }
    }

    /// Items wanted now.
    pub(crate) fn wanted(&self) -> usize {
        self.wanted.len()
    }

    /// Fetches under way now, with every peer.
    pub(crate) fn fetching(&self) -> usize {
        self.fetches.len()
    }

    /// Whether `id` names a fetch under way.
    pub(crate) fn is_fetch(&self, id: FetchId) -> bool {
        self.fetches.contains_key(&id)
    }
}

impl<P: Copy + Eq + Hash + Ord + Debug> Scheduler<P> {
    /// Queues the items `peer` offered that this node lacks in that state; returns how many.
    pub(crate) fn want(
        &mut self,
        peer: P,
        offered: Vec<(ItemId, Digest)>,
        holds: impl Fn(&ItemId, &Digest) -> bool,
    ) -> u32 {
        let (mut queued, mut dropped) = (0, 0);
        let slot = self.peers.slot(peer);
        let queue = self.queues.entry(peer).or_default();
        for (id, digest) in offered {
            if holds(&id, &digest) {
                continue;
            }
            if queue.len() >= self.limits.queued {
                dropped += 1;
                continue;
            }
            let full = self.wanted.len() >= self.limits.wanted;
            match self.wanted.entry(id) {
                Entry::Occupied(mut want) => {
                    let want = want.get_mut();
                    if want.from.is_none() {
                        want.digest = digest;
                    }
                    if !want.holders.contains(&slot)
                        && want.holders.len() < self.limits.holders.min(MAX_HOLDERS)
                    {
                        want.holders.push(slot);
                    }
                }
                Entry::Vacant(_) if full => {
                    dropped += 1;
                    continue;
                }
                Entry::Vacant(vacant) => {
                    vacant.insert(Want { digest, from: None, holders: Holders::of(slot) });
                }
            }
            queue.push_back((id, digest));
            queued += 1;
        }
        if queue.is_empty() {
            self.queues.remove(&peer);
        }
        if dropped > 0 {
            tracing::debug!(
                ?peer,
                dropped,
                "too many items wanted: the rest wait for the next reconciliation"
            );
        }
        queued
    }

    /// The fetches to send to `peer` now, keeping up to [`Limits::in_flight`] under way with it.
    pub(crate) fn pump(
        &mut self,
        peer: P,
        holds: impl Fn(&ItemId, &Digest) -> bool,
    ) -> Vec<Fetch<P>> {
        let mut in_flight = self.fetches.values().filter(|(p, _)| *p == peer).count();
        let mut out = Vec::new();
        while in_flight < self.limits.in_flight {
            let ids = self.next_batch(peer, &holds);
            if ids.is_empty() {
                break;
            }
            let id = FetchId(self.next_id);
            self.next_id += 1;
            self.fetches.insert(id, (peer, ids.clone()));
            out.push(Fetch { id, to: peer, ids });
            in_flight += 1;
        }
        out
    }

    /// The next ids to fetch from `peer`: offered by it, still lacking, not being fetched.
    fn next_batch(&mut self, peer: P, holds: &impl Fn(&ItemId, &Digest) -> bool) -> Vec<ItemId> {
        let Some(queue) = self.queues.get_mut(&peer) else { return Vec::new() };
        let slot = self.peers.slot(peer);
        let mut batch = Vec::new();
        while batch.len() < self.limits.batch {
            let Some((id, digest)) = queue.pop_front() else { break };
            if holds(&id, &digest) {
                if self.wanted.get(&id).is_some_and(|w| w.from.is_none()) {
                    self.wanted.remove(&id);
                }
                continue;
            }
            let room = self.wanted.len() < self.limits.wanted;
            match self.wanted.get_mut(&id) {
                // Being fetched from another peer: if that brings another state, the
                // merge is offered around and this peer answers with what it holds.
                Some(want) if want.from.is_some() => continue,
                Some(want) => {
                    want.from = Some(slot);
                    batch.push(id);
                }
                // Fetched meanwhile, in another state than this peer's.
                None if room => {
                    let want = Want { digest, from: Some(slot), holders: Holders::of(slot) };
                    self.wanted.insert(id, want);
                    batch.push(id);
                }
                None => {}
            }
        }
        if queue.is_empty() {
            self.queues.remove(&peer);
        }
        batch
    }

    /// Settles fetch `fetch`, of whose items `got` came back (none when it failed). An item
    /// that did not is asked of another peer that offered it, or left to the next
    /// reconciliation. Returns the peers to pump: those given more to fetch, then the peer the
    /// fetch went to. `None` if it was no fetch under way.
    pub(crate) fn fetched(&mut self, fetch: FetchId, got: &HashSet<ItemId>) -> Option<Vec<P>> {
        let (peer, asked) = self.fetches.remove(&fetch)?;
        let mut more = self.settle(peer, asked, got);
        more.push(peer);
        Some(more)
    }

    fn settle(&mut self, peer: P, asked: Vec<ItemId>, got: &HashSet<ItemId>) -> Vec<P> {
        let mut more = Vec::new();
        let slot = self.peers.find(&peer);
        for id in asked {
            let Some(want) = self.wanted.get_mut(&id) else { continue };
            if slot.is_none() || want.from != slot {
                continue;
            }
            want.from = None;
            want.holders.retain(|h| Some(*h) != slot);
            match want.holders.first().and_then(|next| self.peers.peer(*next)) {
                Some(next) if !got.contains(&id) => {
                    self.queues.entry(next).or_default().push_front((id, want.digest));
                    more.push(next);
                }
                _ => {
                    self.wanted.remove(&id);
                }
            }
        }
        more.sort_unstable();
        more.dedup();
        more
    }

    /// Forgets what `peer` offered and was asked, when it vanishes; returns the peers given its
    /// fetches instead: pump each.
    pub(crate) fn forget(&mut self, peer: &P) -> Vec<P> {
        let queued = self.queues.remove(peer).unwrap_or_default();
        let mut asked = Vec::new();
        self.fetches.retain(|_, (p, ids)| {
            if p == peer {
                asked.append(ids);
            }
            p != peer
        });
        let mut more = self.settle(*peer, asked, &HashSet::new());
        if let Some(slot) = self.peers.find(peer) {
            for want in self.wanted.values_mut() {
                want.holders.retain(|h| *h != slot);
            }
        }
        self.wanted.retain(|_, w| w.from.is_some() || !w.holders.is_empty());
        self.peers.release(peer);
        // What waited in its queue goes to another holder, as a failed fetch's items do: the
        // other holders' own offers of it may have been passed over while it was being fetched
        // from someone else.
        let mut moved: HashMap<P, Vec<(ItemId, Digest)>> = HashMap::new();
        for (id, _) in queued {
            let Some(want) = self.wanted.get(&id).filter(|w| w.from.is_none()) else { continue };
            if let Some(next) = want.holders.first().and_then(|next| self.peers.peer(*next)) {
                moved.entry(next).or_default().push((id, want.digest));
            }
        }
        for (next, items) in moved {
            let queue = self.queues.entry(next).or_default();
            let there: HashSet<ItemId> = queue.iter().map(|(id, _)| *id).collect();
            queue.extend(items.into_iter().filter(|(id, _)| !there.contains(id)));
            more.push(next);
        }
        more.sort_unstable();
        more.dedup();
        more
    }

    /// Whether `peer` is known to hold `id` in state `digest` (it offered that state).
    pub(crate) fn known_holder(&self, id: &ItemId, digest: &Digest, peer: P) -> bool {
        let Some(slot) = self.peers.find(&peer) else { return false };
        self.wanted.get(id).is_some_and(|w| w.digest == *digest && w.holders.contains(&slot))
    }

    /// The scheduler's bounds.
    #[cfg(test)]
    pub(crate) fn limits(&self) -> Limits {
        self.limits
    }

    /// Fetches under way with `peer`.
    #[cfg(test)]
    pub(crate) fn in_flight(&self, peer: P) -> usize {
        self.fetches.values().filter(|(p, _)| *p == peer).count()
    }

    /// Panics unless the scheduler's state is consistent: each item under way is in one fetch,
    /// from the peer its want names, and no peer has more fetches under way than allowed.
    #[cfg(test)]
    pub(crate) fn check(&self) {
        let mut under_way = HashMap::new();
        for (peer, ids) in self.fetches.values() {
            assert!(self.in_flight(*peer) <= self.limits.in_flight, "too many fetches");
            assert!(ids.len() <= self.limits.batch, "a fetch too large");
            for id in ids {
                assert!(under_way.insert(*id, *peer).is_none(), "{id} fetched twice at once");
                let from = self.wanted[id].from.and_then(|slot| self.peers.peer(slot));
                assert_eq!(from, Some(*peer), "{id} fetched from another peer");
            }
        }
        for (id, want) in &self.wanted {
            if let Some(slot) = want.from {
                let peer = self.peers.peer(slot);
                assert_eq!(under_way.get(id).copied(), peer, "{id} marked as fetched, but is not");
            }
            for slot in want.holders.as_slice().iter().chain(&want.from) {
                assert!(self.peers.peer(*slot).is_some(), "{id} names a peer forgotten");
            }
            assert!(want.holders.len() <= self.limits.holders);
        }
        assert!(self.wanted.len() <= self.limits.wanted);
        // Offers fill a queue up to `queued`; a failed fetch puts its items back at the front
        // of another holder's queue beyond that, at most once per wanted item.
        let bound = self.limits.queued + self.limits.wanted;
        assert!(self.queues.values().all(|q| q.len() <= bound));
    }
}
