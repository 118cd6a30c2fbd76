//! Sync with peers: the catalogues, range reconciliation, offers and fetches, pushes, relaying.
//!
//! A local write is pushed whole to every connected peer allowed to see it, at once. Everything
//! else moves by offer and fetch: a node offers ids with their digests (what reconciliation
//! found a peer lacks, and what it just received, relayed), and the receiver fetches the ones it
//! lacks, each from one peer at a time, whichever offered it. So an item reaches a node once
//! even when all its peers hold it, and a node that joins a federation pulls its backlog at the
//! pace it can verify it.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Instant;

use liaison_protocol::sync::{
    Catalog, ItemPayload, MAX_OFFER, RangeMsg, Reconcile, Reconciler, Step, SyncRequest,
    SyncResponse,
};
use liaison_protocol::verify::VerifiedItem;
use liaison_protocol::{Destination, Header, ItemId, Peer, Role, may_leave};
use libp2p::PeerId;
use libp2p::request_response::{Event, Message, OutboundRequestId};

use super::EventLoop;
use super::net::{self, Frame};
use crate::{Received, Repo, verify_payloads};

/// Most items in one push, or in one answer to a fetch.
const MAX_BATCH_ITEMS: usize = 256;
/// Most bytes of documents in one push or items message, well under the message limit.
const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;
/// Most ids a peer may ask for at once.
const MAX_FETCH: usize = 4096;
/// Ids this node asks one peer for at once.
const FETCH_BATCH: usize = 256;
/// Fetches this node keeps under way with one peer: enough to keep the link busy while the
/// last answer is verified, few enough to bound what is buffered (a few MiB).
const FETCHES_IN_FLIGHT: usize = 4;
/// Most items wanted at once; offers beyond it are dropped, and made again by a later
/// reconciliation.
const MAX_WANTED: usize = 1 << 18;
/// Most offered items queued for one peer.
const MAX_QUEUED: usize = 1 << 18;
/// Peers remembered as holding a wanted item, to fetch it from another when one fails.
const MAX_HOLDERS: usize = 8;

/// A fetch answer, verified off the event loop, to be stored.
#[derive(Debug)]
pub(super) struct Checked {
    peer: PeerId,
    request_id: OutboundRequestId,
    items: Vec<ItemPayload>,
    verified: Vec<Result<VerifiedItem, crate::Error>>,
}

/// Items refused, with why, as an acknowledgement lists them.
type Refusals = Vec<(ItemId, String)>;

/// What the sync side of the event loop keeps.
#[derive(Debug, Default)]
pub(super) struct State {
    /// Every item in the store: its header and the digest of its heads.
    items: BTreeMap<ItemId, (Header, [u8; 32])>,
    /// The catalogue of each kind of peer connected so far (mechanism and role), kept current
    /// with `items`: building one costs a pass over every item.
    catalogs: HashMap<Peer, Catalog>,
    reconciler: Reconciler,
    /// Peers with a reconciliation this node started and has not finished.
    ongoing: HashSet<PeerId>,
    /// When each peer last started a reconciliation with this node: a node does not start one
    /// of its own with a peer that keeps it in sync.
    answered: HashMap<PeerId, Instant>,
    fetches: Fetches,
    /// Fetch answers waiting to be verified (at most [`FETCHES_IN_FLIGHT`] per peer).
    to_verify: VecDeque<(PeerId, OutboundRequestId, Vec<ItemPayload>)>,
    /// Whether one is being verified.
    verifying: bool,
}

/// Items to fetch, and from whom.
#[derive(Debug, Default)]
struct Fetches {
    wanted: HashMap<ItemId, Want>,
    /// What each peer offered, in order, not yet asked for.
    queues: HashMap<PeerId, VecDeque<(ItemId, [u8; 32])>>,
    /// Fetches under way, by request.
    requests: HashMap<OutboundRequestId, (PeerId, Vec<ItemId>)>,
}

/// An item this node lacks in the state some peer offered.
#[derive(Debug)]
struct Want {
    /// The state offered.
    digest: [u8; 32],
    /// The peer it is being fetched from, if a fetch is under way.
    from: Option<PeerId>,
    /// Peers that offered it.
    holders: Vec<PeerId>,
}

impl State {
    pub(super) fn new(repo: &Repo) -> Self {
        let mut items = BTreeMap::new();
        match repo.catalog() {
            Ok(all) => {
                for (header, digest) in all {
                    items.insert(header.id, (header, digest));
                }
            }
            Err(e) => tracing::error!(error = %e, "reading the catalogue"),
        }
        Self { items, ..Self::default() }
    }

    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// Forgets the catalogues, after the roster changed what kinds of peers there are.
    pub(super) fn forget_catalogs(&mut self) {
        self.catalogs.clear();
    }

    /// Records the current digest of item `id` after a write.
    pub(super) fn note_local_change(&mut self, repo: &Repo, id: ItemId) {
        match repo.catalog_entry(id) {
            Ok(Some((header, digest))) => self.set(header, digest),
            Ok(None) => {
                self.items.remove(&id);
                for catalog in self.catalogs.values_mut() {
                    catalog.remove(&id);
                }
            }
            Err(e) => tracing::error!(item = %id, error = %e, "reading a written item"),
        }
    }

    fn set(&mut self, header: Header, digest: [u8; 32]) {
        for (peer, catalog) in &mut self.catalogs {
            if may_leave(&header, false, Destination::Node(peer)) {
                catalog.insert(header.id, digest);
            }
        }
        self.items.insert(header.id, (header, digest));
    }

    /// The catalogue of the items `peer` may receive: the only ones reconciled with it.
    fn catalog(&mut self, peer: &Peer) -> &Catalog {
        let items = &self.items;
        self.catalogs.entry(peer.clone()).or_insert_with(|| {
            items
                .iter()
                .filter(|(_, (header, _))| may_leave(header, false, Destination::Node(peer)))
                .map(|(id, (_, digest))| (*id, *digest))
                .collect()
        })
    }

    /// Queues the items `peer` offered that this node lacks in that state; returns how many.
    fn want(&mut self, peer: PeerId, offered: Vec<(ItemId, [u8; 32])>) -> u32 {
        let mut queued = 0;
        let mut dropped = 0;
        let queue = self.fetches.queues.entry(peer).or_default();
        for (id, digest) in offered {
            if self.items.get(&id).is_some_and(|(_, d)| *d == digest) {
                continue;
            }
            if queue.len() >= MAX_QUEUED {
                dropped += 1;
                continue;
            }
            let full = self.fetches.wanted.len() >= MAX_WANTED;
            match self.fetches.wanted.entry(id) {
                Entry::Occupied(mut want) => {
                    let want = want.get_mut();
                    if want.from.is_none() {
                        want.digest = digest;
                    }
                    if !want.holders.contains(&peer) && want.holders.len() < MAX_HOLDERS {
                        want.holders.push(peer);
                    }
                }
                Entry::Vacant(_) if full => {
                    dropped += 1;
                    continue;
                }
                Entry::Vacant(vacant) => {
                    vacant.insert(Want { digest, from: None, holders: vec![peer] });
                }
            }
            queue.push_back((id, digest));
            queued += 1;
        }
        if dropped > 0 {
            tracing::debug!(%peer, dropped, "too many items wanted: the rest wait for the next reconciliation");
        }
        queued
    }

    /// The next ids to fetch from `peer`: offered by it, still lacking, not being fetched.
    fn next_batch(&mut self, peer: PeerId) -> Vec<ItemId> {
        let Some(queue) = self.fetches.queues.get_mut(&peer) else { return Vec::new() };
        let mut batch = Vec::new();
        while batch.len() < FETCH_BATCH {
            let Some((id, digest)) = queue.pop_front() else { break };
            if self.items.get(&id).is_some_and(|(_, d)| *d == digest) {
                if self.fetches.wanted.get(&id).is_some_and(|w| w.from.is_none()) {
                    self.fetches.wanted.remove(&id);
                }
                continue;
            }
            let room = self.fetches.wanted.len() < MAX_WANTED;
            match self.fetches.wanted.get_mut(&id) {
                // Being fetched from another peer: if that brings another state, the
                // merge is offered around and this peer answers with what it holds.
                Some(want) if want.from.is_some() => continue,
                Some(want) => {
                    want.from = Some(peer);
                    batch.push(id);
                }
                // Fetched meanwhile, in another state than this peer's.
                None if room => {
                    let want = Want { digest, from: Some(peer), holders: vec![peer] };
                    self.fetches.wanted.insert(id, want);
                    batch.push(id);
                }
                None => {}
            }
        }
        if queue.is_empty() {
            self.fetches.queues.remove(&peer);
        }
        batch
    }

    fn fetches_in_flight(&self, peer: PeerId) -> usize {
        self.fetches.requests.values().filter(|(p, _)| *p == peer).count()
    }

    /// Settles the fetch of `asked` from `peer`, of which `got` came back. An item that did
    /// not is asked of another peer that offered it, or left to the next reconciliation.
    /// Returns the peers given more to fetch.
    fn fetched(&mut self, peer: PeerId, asked: Vec<ItemId>, got: &HashSet<ItemId>) -> Vec<PeerId> {
        let mut more = Vec::new();
        for id in asked {
            let Some(want) = self.fetches.wanted.get_mut(&id) else { continue };
            if want.from != Some(peer) {
                continue;
            }
            want.from = None;
            want.holders.retain(|h| *h != peer);
            match want.holders.first().copied() {
                Some(next) if !got.contains(&id) => {
                    self.fetches.queues.entry(next).or_default().push_front((id, want.digest));
                    more.push(next);
                }
                _ => {
                    self.fetches.wanted.remove(&id);
                }
            }
        }
        more.sort_unstable();
        more.dedup();
        more
    }

    /// Forgets what `peer` offered and was asked, when it disconnects; returns the peers given
    /// its fetches instead.
    pub(super) fn forget(&mut self, peer: &PeerId) -> Vec<PeerId> {
        self.ongoing.remove(peer);
        self.answered.remove(peer);
        self.fetches.queues.remove(peer);
        let mut asked = Vec::new();
        self.fetches.requests.retain(|_, (p, ids)| {
            if p == peer {
                asked.append(ids);
            }
            p != peer
        });
        let more = self.fetched(*peer, asked, &HashSet::new());
        for want in self.fetches.wanted.values_mut() {
            want.holders.retain(|h| h != peer);
        }
        self.fetches.wanted.retain(|_, w| w.from.is_some() || !w.holders.is_empty());
        more
    }

    /// Whether this peer (or this node, as `None`) is known to hold `id` in state `digest`.
    fn known_holder(&self, id: &ItemId, digest: &[u8; 32], peer: PeerId) -> bool {
        self.fetches
            .wanted
            .get(id)
            .is_some_and(|w| w.digest == *digest && w.holders.contains(&peer))
    }
}

impl EventLoop {
    /// The policy's view of `peer`: its roster entry, or an anonymous mirror where allowed.
    fn policy_peer(&self, peer: &PeerId) -> Option<Peer> {
        if let Some(card) = self.card(peer) {
            return Some(card.peer());
        }
        if self.options.allow_mirrors {
            return "public".parse().ok().map(|mechanism| Peer { mechanism, role: Role::Mirror });
        }
        None
    }

    fn is_mirror(&self) -> bool {
        self.repo.identity().config.role == Role::Mirror
    }

    /// Starts a reconciliation with `peer`, unless one is under way or the peer started one
    /// lately (one session per link and interval is enough; both ends' share it).
    pub(super) fn start_reconcile(&mut self, peer: PeerId) {
        let Some(policy) = self.policy_peer(&peer) else { return };
        let lately = self
            .sync
            .answered
            .get(&peer)
            .is_some_and(|t| t.elapsed() < self.options.reconcile_every);
        if self.sync.ongoing.contains(&peer) || lately {
            return;
        }
        let reconciler = self.sync.reconciler;
        let opening = reconciler.start(self.sync.catalog(&policy));
        self.sync.ongoing.insert(peer);
        self.send_request(peer, SyncRequest::Reconcile(opening));
    }

    /// Forgets a peer that disconnected, and moves its fetches to other peers.
    pub(super) fn forget_peer(&mut self, peer: &PeerId) {
        for other in self.sync.forget(peer) {
            self.pump(other);
        }
    }

    pub(super) fn on_sync_event(&mut self, event: Event<Frame<SyncRequest>, Frame<SyncResponse>>) {
        match event {
            Event::Message { peer, message: Message::Request { request, channel, .. }, .. } => {
                let response = match request {
                    Frame::Message(request) => {
                        self.count_bytes(peer, 0, net::wire_len(&request));
                        self.on_sync_request(peer, request)
                    }
                    Frame::Malformed(why) => {
                        self.refuse(peer, format!("malformed request: {why}"));
                        SyncResponse::Refused(format!("malformed request: {why}"))
                    }
                };
                self.count_bytes(peer, net::wire_len(&response), 0);
                let _ = self
                    .swarm
                    .behaviour_mut()
                    .sync
                    .send_response(channel, Frame::Message(response));
            }
            Event::Message {
                peer, message: Message::Response { response, request_id }, ..
            } => match response {
                Frame::Message(response) => {
                    self.count_bytes(peer, 0, net::wire_len(&response));
                    self.on_sync_response(peer, request_id, response);
                }
                Frame::Malformed(why) => {
                    self.sync.ongoing.remove(&peer);
                    self.settle_fetch(peer, request_id, &HashSet::new());
                    self.refuse(peer, format!("malformed response: {why}"));
                }
            },
            Event::OutboundFailure { peer, error, request_id, .. } => {
                tracing::debug!(%peer, %error, "sync request failed");
                if !self.settle_fetch(peer, request_id, &HashSet::new()) {
                    self.sync.ongoing.remove(&peer);
                }
            }
            Event::InboundFailure { peer, error, .. } => {
                // A request that does not decode (malformed or oversized) counts against the peer.
                if let libp2p::request_response::InboundFailure::Io(e) = &error
                    && e.kind() == std::io::ErrorKind::InvalidData
                {
                    self.refuse(peer, format!("malformed request: {e}"));
                } else {
                    tracing::debug!(%peer, %error, "inbound sync request failed");
                }
            }
            Event::ResponseSent { .. } => {}
        }
    }

    fn on_sync_request(&mut self, peer: PeerId, request: SyncRequest) -> SyncResponse {
        let Some(policy) = self.policy_peer(&peer) else {
            self.refuse(peer, "not in the roster".to_owned());
            return SyncResponse::Refused("not in the roster".to_owned());
        };
        match request {
            SyncRequest::Reconcile(incoming) => {
                self.sync.answered.insert(peer, Instant::now());
                let reconciler = self.sync.reconciler;
                match reconciler.respond(self.sync.catalog(&policy), &incoming) {
                    Ok(step) => {
                        let reply = self.take_step(peer, &policy, step);
                        // The session ends with this answer unless it raises a fingerprint.
                        let raises = |m: &RangeMsg| matches!(m, RangeMsg::Fingerprint { .. });
                        if !reply.as_ref().is_some_and(|r| r.ranges.iter().any(raises)) {
                            self.note_synced(peer);
                        }
                        SyncResponse::Reconcile(reply.unwrap_or_default())
                    }
                    Err(e) => {
                        self.refuse(peer, format!("reconcile: {e}"));
                        SyncResponse::Refused(e.to_string())
                    }
                }
            }
            SyncRequest::Push(items) => self.receive(peer, policy.role, items),
            SyncRequest::Offer(offered) => {
                if offered.len() > MAX_OFFER {
                    self.refuse(peer, format!("offered {} items at once", offered.len()));
                    return SyncResponse::Refused(format!("at most {MAX_OFFER} items per offer"));
                }
                if let Some(refused) = self.refuse_mirror_writes(peer, policy.role) {
                    return refused;
                }
                let wanted = self.want(peer, offered);
                SyncResponse::Ack { accepted: wanted, refused: Vec::new() }
            }
            SyncRequest::Fetch(ids) => {
                if ids.len() > MAX_FETCH {
                    self.refuse(peer, format!("asked for {} items at once", ids.len()));
                    return SyncResponse::Refused(format!("at most {MAX_FETCH} ids per fetch"));
                }
                // A denied item is left out exactly like a missing one; what does not fit in
                // one message is left out too, and asked for again.
                let items = self.payloads(&policy, &ids, MAX_FETCH);
                let items = split_by_bytes(items).into_iter().next().unwrap_or_default();
                self.count_sent(peer, items.len());
                SyncResponse::Items(items)
            }
        }
    }

    fn on_sync_response(
        &mut self,
        peer: PeerId,
        request_id: OutboundRequestId,
        response: SyncResponse,
    ) {
        let Some(policy) = self.policy_peer(&peer) else { return };
        match response {
            SyncResponse::Reconcile(incoming) if incoming.ranges.is_empty() => {
                self.finish_reconcile(peer)
            }
            SyncResponse::Reconcile(incoming) => {
                let reconciler = self.sync.reconciler;
                match reconciler.respond(self.sync.catalog(&policy), &incoming) {
                    Ok(step) => match self.take_step(peer, &policy, step) {
                        Some(reply) => {
                            self.send_request(peer, SyncRequest::Reconcile(reply));
                        }
                        None => self.finish_reconcile(peer),
                    },
                    Err(e) => {
                        self.sync.ongoing.remove(&peer);
                        self.refuse(peer, format!("reconcile: {e}"));
                    }
                }
            }
            SyncResponse::Items(items) => {
                // Only what this node asked for: anything else is an unasked push.
                if !self.sync.fetches.requests.contains_key(&request_id) {
                    self.refuse(peer, "items nobody asked for".to_owned());
                    return;
                }
                if self.refuse_mirror_writes(peer, policy.role).is_some() {
                    self.settle_fetch(peer, request_id, &HashSet::new());
                    return;
                }
                self.sync.to_verify.push_back((peer, request_id, items));
                self.verify_next();
            }
            SyncResponse::Ack { refused, .. } => {
                for (id, why) in refused {
                    tracing::warn!(%peer, item = %id, reason = %why, "peer refused an item");
                }
            }
            SyncResponse::Refused(why) => {
                tracing::warn!(%peer, reason = %why, "peer refused a request");
                if !self.settle_fetch(peer, request_id, &HashSet::new()) {
                    self.sync.ongoing.remove(&peer);
                }
            }
        }
    }

    /// Acts on one reconciliation step: offers what the peer lacks, fetches what this node
    /// lacks. Returns the reply to send.
    ///
    /// A member takes nothing from a mirror, so it cannot settle an item it holds in another
    /// state than a mirror by fetching: it offers its own state instead, which the mirror
    /// fetches and merges. A mirror only ever lags behind its members, so that brings it up to
    /// date, whichever side started the session.
    fn take_step(&mut self, peer: PeerId, policy: &Peer, step: Step) -> Option<Reconcile> {
        let behind = policy.role == Role::Mirror && !self.is_mirror();
        let differing = step.fetch.iter().map(|(id, _)| id).filter(|_| behind);
        let offered: Vec<(ItemId, [u8; 32])> = step
            .send
            .iter()
            .chain(differing)
            .filter_map(|id| self.sync.items.get(id).map(|(_, digest)| (*id, *digest)))
            .collect();
        self.offer(peer, policy, offered);
        self.want(peer, step.fetch);
        step.reply
    }

    fn finish_reconcile(&mut self, peer: PeerId) {
        self.sync.ongoing.remove(&peer);
        self.note_synced(peer);
    }

    /// A reconciliation with `peer` completed, whichever side started it.
    fn note_synced(&mut self, peer: PeerId) {
        if let Some(state) = self.peers.get_mut(&peer) {
            // Only a peer that completes a reconciliation earns a fresh redial backoff: one that
            // accepts connections and drops them keeps backing off.
            state.backoff = std::time::Duration::ZERO;
            state.status.last_sync = Some(chrono::Utc::now());
            state.status.reconciliations += 1;
        }
    }

    /// Members take nothing from mirrors; mirrors pass signed items on to each other.
    fn refuse_mirror_writes(&mut self, peer: PeerId, role: Role) -> Option<SyncResponse> {
        if role == Role::Mirror && !self.is_mirror() {
            self.refuse(peer, "a mirror never writes".to_owned());
            return Some(SyncResponse::Refused("a mirror never writes".to_owned()));
        }
        None
    }

    /// Queues what `peer` offered (or reconciliation found it holds) and this node lacks, and
    /// starts fetching it. Returns how many items were queued.
    fn want(&mut self, peer: PeerId, offered: Vec<(ItemId, [u8; 32])>) -> u32 {
        // A member takes nothing from a mirror, so it does not ask one either.
        let from_mirror = self.policy_peer(&peer).is_some_and(|p| p.role == Role::Mirror);
        if offered.is_empty() || (from_mirror && !self.is_mirror()) {
            return 0;
        }
        let queued = self.sync.want(peer, offered);
        self.pump(peer);
        queued
    }

    /// Keeps up to [`FETCHES_IN_FLIGHT`] fetches under way with `peer`.
    fn pump(&mut self, peer: PeerId) {
        if !self.swarm.is_connected(&peer) {
            return;
        }
        let mut in_flight = self.sync.fetches_in_flight(peer);
        while in_flight < FETCHES_IN_FLIGHT {
            let batch = self.sync.next_batch(peer);
            if batch.is_empty() {
                return;
            }
            let request = self.send_request(peer, SyncRequest::Fetch(batch.clone()));
            self.sync.fetches.requests.insert(request, (peer, batch));
            in_flight += 1;
        }
    }

    /// Settles the fetch `request_id`, if it is one, of which the items `got` came; fetches
    /// more. Returns whether it was a fetch.
    fn settle_fetch(
        &mut self,
        peer: PeerId,
        request_id: OutboundRequestId,
        got: &HashSet<ItemId>,
    ) -> bool {
        let Some((_, asked)) = self.sync.fetches.requests.remove(&request_id) else {
            return false;
        };
        for other in self.sync.fetched(peer, asked, got) {
            self.pump(other);
        }
        self.pump(peer);
        true
    }

    /// Offers `peer` the items of `offered` it may receive, in bounded messages. A mirror
    /// offers only to other mirrors: members take nothing from mirrors.
    fn offer(&mut self, peer: PeerId, policy: &Peer, offered: Vec<(ItemId, [u8; 32])>) {
        if self.is_mirror() && policy.role == Role::Member {
            return;
        }
        let allowed: Vec<(ItemId, [u8; 32])> = offered
            .into_iter()
            .filter(|(id, _)| {
                self.sync
                    .items
                    .get(id)
                    .is_some_and(|(h, _)| may_leave(h, false, Destination::Node(policy)))
            })
            .collect();
        for chunk in allowed.chunks(MAX_OFFER) {
            self.send_request(peer, SyncRequest::Offer(chunk.to_vec()));
        }
    }

    /// Verifies the next fetch answer waiting, unless one is being verified. Verifying is most
    /// of the work of taking items in: it runs on another thread while this one stores the
    /// previous answer and keeps the links busy. One at a time: more threads would not be
    /// faster on a small server, and each would keep memory of its own.
    fn verify_next(&mut self) {
        if self.sync.verifying {
            return;
        }
        let Some((peer, request_id, items)) = self.sync.to_verify.pop_front() else { return };
        self.sync.verifying = true;
        let roster = self.repo.roster().clone();
        let back = self.checked.0.clone();
        tokio::task::spawn_blocking(move || {
            let verified = verify_payloads(&roster, &items);
            let _ = back.blocking_send(Checked { peer, request_id, items, verified });
        });
    }

    /// Stores a fetch answer verified off the event loop, and fetches more.
    pub(super) fn on_checked(&mut self, checked: Checked) {
        self.sync.verifying = false;
        self.verify_next();
        let Checked { peer, request_id, items, verified } = checked;
        let (received, _) = self.store_verified(peer, &items, verified);
        let got = received.iter().map(|r| r.header.id).collect();
        self.settle_fetch(peer, request_id, &got);
    }

    /// Verifies and stores pushed items from `peer`, then relays what changed.
    fn receive(&mut self, peer: PeerId, role: Role, items: Vec<ItemPayload>) -> SyncResponse {
        match self.store_items(peer, role, items) {
            Ok((received, refused)) => SyncResponse::Ack {
                accepted: u32::try_from(received.len()).unwrap_or(u32::MAX),
                refused,
            },
            Err(refused) => refused,
        }
    }

    /// Verifies and stores pushed items from `peer` (see [`Self::store_verified`]).
    fn store_items(
        &mut self,
        peer: PeerId,
        role: Role,
        items: Vec<ItemPayload>,
    ) -> Result<(Vec<Received>, Refusals), SyncResponse> {
        if let Some(refused) = self.refuse_mirror_writes(peer, role) {
            return Err(refused);
        }
        let verified = verify_payloads(self.repo.roster(), &items);
        Ok(self.store_verified(peer, &items, verified))
    }

    /// Stores verified items from `peer` in one durable write, offers what changed to the
    /// other peers, and returns what was accepted and what refused, counted against the peer.
    fn store_verified(
        &mut self,
        peer: PeerId,
        items: &[ItemPayload],
        verified: Vec<Result<VerifiedItem, crate::Error>>,
    ) -> (Vec<Received>, Refusals) {
        let mut received = Vec::new();
        let mut refused = Vec::new();
        for (item, result) in items.iter().zip(self.repo.receive_verified(verified)) {
            match result {
                Ok(r) => received.push(r),
                Err(e) => {
                    let id = item.header.verify().map(|h| h.id).ok();
                    let why = format!("item {}: {e}", id.map_or("?".to_owned(), |i| i.to_string()));
                    // A signer this node does not know is a gap in its own roster, not proof the
                    // relaying peer misbehaves: counted and shown, but never grounds to disconnect.
                    if matches!(
                        e,
                        crate::Error::Verify(liaison_protocol::VerifyError::UnknownSigner(_))
                    ) {
                        self.note_refusal(peer, why);
                    } else {
                        self.refuse(peer, why);
                    }
                    refused.push((id.unwrap_or(ItemId::from_bytes([0; 16])), e.to_string()));
                }
            }
        }
        let changed: Vec<ItemId> =
            received.iter().filter(|r| r.changed).map(|r| r.header.id).collect();
        for r in received.iter().filter(|r| r.changed) {
            self.sync.set(r.header.clone(), r.digest);
        }
        if let Some(state) = self.peers.get_mut(&peer) {
            state.status.items_received += changed.len() as u64;
        }
        self.relay(peer, &received);
        // An accepted joint-visit proposal for this node's visit: link it on this side too.
        let mut written = Vec::new();
        for id in changed {
            match self.repo.complete_joint_for(id, chrono::Utc::now()) {
                Ok(ids) => written.extend(ids),
                Err(e) => tracing::error!(item = %id, error = %e, "completing a joint visit"),
            }
        }
        for id in &written {
            self.sync.note_local_change(&self.repo, *id);
        }
        if !written.is_empty() {
            self.push(&written);
        }
        (received, refused)
    }

    /// Offers items just received from `from` to every connected peer allowed to see them,
    /// except those known to hold them already; and back to `from` what this node holds more
    /// of than it sent.
    fn relay(&mut self, from: PeerId, received: &[Received]) {
        let peers: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
        for peer in peers {
            let Some(policy) = self.policy_peer(&peer) else { continue };
            let offered: Vec<(ItemId, [u8; 32])> = received
                .iter()
                .filter(|r| {
                    let sent_here = peer == from && r.digest == r.sent;
                    let worth = r.changed || (peer == from && r.digest != r.sent);
                    worth && !sent_here && !self.sync.known_holder(&r.header.id, &r.digest, peer)
                })
                .map(|r| (r.header.id, r.digest))
                .collect();
            if !offered.is_empty() {
                self.offer(peer, &policy, offered);
            }
        }
    }

    /// Pushes local writes `ids` to every connected peer allowed to see them.
    pub(super) fn push(&mut self, ids: &[ItemId]) {
        let peers: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
        for peer in peers {
            if let Some(policy) = self.policy_peer(&peer) {
                self.send_items(peer, &policy, ids);
            }
        }
    }

    /// Sends the items of `ids` that `policy` may receive to `peer`, in bounded batches.
    /// A mirror pushes only to other mirrors: members take no writes from mirrors.
    fn send_items(&mut self, peer: PeerId, policy: &Peer, ids: &[ItemId]) {
        if self.is_mirror() && policy.role == Role::Member {
            return;
        }
        for chunk in ids.chunks(MAX_BATCH_ITEMS) {
            let items = self.payloads(policy, chunk, MAX_BATCH_ITEMS);
            if items.is_empty() {
                continue;
            }
            self.count_sent(peer, items.len());
            for batch in split_by_bytes(items) {
                self.send_request(peer, SyncRequest::Push(batch));
            }
        }
    }

    /// Sends `request` to `peer`, counting its bytes and, for a reconciliation turn, a round trip.
    fn send_request(&mut self, peer: PeerId, request: SyncRequest) -> OutboundRequestId {
        if let Some(state) = self.peers.get_mut(&peer) {
            state.status.bytes_sent += net::wire_len(&request);
            if matches!(request, SyncRequest::Reconcile(_)) {
                state.status.reconcile_round_trips += 1;
            }
        }
        self.swarm.behaviour_mut().sync.send_request(&peer, Frame::Message(request))
    }

    fn count_bytes(&mut self, peer: PeerId, sent: u64, received: u64) {
        if let Some(state) = self.peers.get_mut(&peer) {
            state.status.bytes_sent += sent;
            state.status.bytes_received += received;
        }
    }

    fn count_sent(&mut self, peer: PeerId, n: usize) {
        if let Some(state) = self.peers.get_mut(&peer) {
            state.status.items_sent += n as u64;
        }
    }

    /// The payloads of `ids` that `policy` may receive, at most `max`.
    fn payloads(&self, policy: &Peer, ids: &[ItemId], max: usize) -> Vec<ItemPayload> {
        ids.iter()
            .filter(|id| self.sync.items.get(id).is_some_and(|(h, _)| may_leave(h, false, Destination::Node(policy))))
            .take(max)
            .filter_map(|id| match self.repo.payload(*id) {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(item = %id, error = %e, "not sending an item that fails verification");
                    None
                }
            })
            .collect()
    }
}

/// Splits payloads into messages of at most [`MAX_BATCH_BYTES`] of documents each.
fn split_by_bytes(items: Vec<ItemPayload>) -> Vec<Vec<ItemPayload>> {
    let mut batches = vec![Vec::new()];
    let mut bytes = 0;
    for item in items {
        let size = item.doc.len() + item.header.bytes.len() + 128 * item.sigs.len();
        if bytes + size > MAX_BATCH_BYTES && !batches.last().is_some_and(Vec::is_empty) {
            batches.push(Vec::new());
            bytes = 0;
        }
        bytes += size;
        if let Some(last) = batches.last_mut() {
            last.push(item);
        }
    }
    batches.retain(|b| !b.is_empty());
    batches
}
