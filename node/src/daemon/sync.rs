//! Sync with peers: the catalogues, range reconciliation, offers and fetches, pushes, relaying.
//!
//! A local write is pushed whole to every connected peer allowed to see it, at once. Everything
//! else moves by offer and fetch: a node offers ids with their digests (what reconciliation
//! found a peer lacks, and what it just received, relayed), and the receiver fetches the ones it
//! lacks, each from one peer at a time, whichever offered it. So an item reaches a node once
//! even when all its peers hold it, and a node that joins a federation pulls its backlog at the
//! pace it can verify it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;

use liaison_protocol::sync::{
    ItemPayload, MAX_OFFER, RangeMsg, Reconcile, Reconciler, Step, SyncRequest, SyncResponse,
};
use liaison_protocol::verify::VerifiedItem;
use liaison_protocol::{ItemId, Peer, Role};
use libp2p::PeerId;
use libp2p::request_response::{Event, Message, OutboundRequestId};

use super::EventLoop;
use super::net::{self, Frame};
use crate::sync::{self, Arrived, Catalogue, Fetch, FetchId, Scheduler, Sessions};
use crate::{Received, Repo, verify_payloads};

/// Most items in one push, or in one answer to a fetch.
const MAX_BATCH_ITEMS: usize = 256;
/// Most bytes of documents in one push or items message, well under the message limit.
const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;
/// Most ids a peer may ask for at once.
const MAX_FETCH: usize = 4096;

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

/// What the sync side of the event loop keeps: the pure parts (`crate::sync`) and the requests
/// that carry their fetches.
#[derive(Debug, Default)]
pub(super) struct State {
    catalogue: Catalogue,
    reconciler: Reconciler,
    sessions: Sessions<PeerId>,
    fetches: Scheduler<PeerId>,
    /// The fetch each request under way carries.
    requests: HashMap<OutboundRequestId, FetchId>,
    /// Fetch answers waiting to be verified (at most a few per peer).
    to_verify: VecDeque<(PeerId, OutboundRequestId, Vec<ItemPayload>)>,
    /// Whether one is being verified.
    verifying: bool,
}

impl State {
    pub(super) fn new(repo: &Repo) -> Self {
        let catalogue = match repo.catalog() {
            Ok(all) => Catalogue::new(all),
            Err(e) => {
                tracing::error!(error = %e, "reading the catalogue");
                Catalogue::default()
            }
        };
        Self { catalogue, ..Self::default() }
    }

    pub(super) fn len(&self) -> usize {
        self.catalogue.len()
    }

    /// Forgets the catalogues, after the roster changed what kinds of peers there are.
    pub(super) fn forget_catalogs(&mut self) {
        self.catalogue.forget_catalogs();
    }

    /// Records the current digest of item `id` after a write.
    pub(super) fn note_local_change(&mut self, repo: &Repo, id: ItemId) {
        match repo.catalog_entry(id) {
            Ok(Some((header, digest))) => self.catalogue.set(header, digest),
            Ok(None) => self.catalogue.remove(&id),
            Err(e) => tracing::error!(item = %id, error = %e, "reading a written item"),
        }
    }

    /// Queues the items `peer` offered that this node lacks in that state; returns how many.
    fn want(&mut self, peer: PeerId, offered: Vec<(ItemId, [u8; 32])>) -> u32 {
        let catalogue = &self.catalogue;
        self.fetches.want(peer, offered, |id, digest| catalogue.holds(id, digest))
    }

    /// The fetches to send to `peer` now.
    fn next_fetches(&mut self, peer: PeerId) -> Vec<Fetch<PeerId>> {
        let catalogue = &self.catalogue;
        self.fetches.pump(peer, |id, digest| catalogue.holds(id, digest))
    }

    /// Forgets what `peer` offered and was asked, when it disconnects; returns the peers given
    /// its fetches instead.
    pub(super) fn forget(&mut self, peer: &PeerId) -> Vec<PeerId> {
        self.sessions.forget(peer);
        let more = self.fetches.forget(peer);
        let fetches = &self.fetches;
        self.requests.retain(|_, fetch| fetches.is_fetch(*fetch));
        more
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

    fn role(&self) -> Role {
        self.repo.identity().config.role
    }

    /// Starts a reconciliation with `peer`, unless one is under way or the peer started one
    /// lately (one session per link and interval is enough; both ends' share it).
    pub(super) fn start_reconcile(&mut self, peer: PeerId) {
        let Some(policy) = self.policy_peer(&peer) else { return };
        if !self.sync.sessions.start(peer, Instant::now(), self.options.reconcile_every) {
            return;
        }
        let reconciler = self.sync.reconciler;
        let opening = reconciler.start(self.sync.catalogue.catalog(&policy));
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
                    self.sync.sessions.end(&peer);
                    self.settle_fetch(request_id, &HashSet::new());
                    self.refuse(peer, format!("malformed response: {why}"));
                }
            },
            Event::OutboundFailure { peer, error, request_id, .. } => {
                tracing::debug!(%peer, %error, "sync request failed");
                if !self.settle_fetch(request_id, &HashSet::new()) {
                    self.sync.sessions.end(&peer);
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
                self.sync.sessions.answered(peer, Instant::now());
                let reconciler = self.sync.reconciler;
                match reconciler.respond(self.sync.catalogue.catalog(&policy), &incoming) {
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
                match reconciler.respond(self.sync.catalogue.catalog(&policy), &incoming) {
                    Ok(step) => match self.take_step(peer, &policy, step) {
                        Some(reply) => {
                            self.send_request(peer, SyncRequest::Reconcile(reply));
                        }
                        None => self.finish_reconcile(peer),
                    },
                    Err(e) => {
                        self.sync.sessions.end(&peer);
                        self.refuse(peer, format!("reconcile: {e}"));
                    }
                }
            }
            SyncResponse::Items(items) => {
                // Only what this node asked for: anything else is an unasked push.
                if !self.sync.requests.contains_key(&request_id) {
                    self.refuse(peer, "items nobody asked for".to_owned());
                    return;
                }
                if self.refuse_mirror_writes(peer, policy.role).is_some() {
                    self.settle_fetch(request_id, &HashSet::new());
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
                if !self.settle_fetch(request_id, &HashSet::new()) {
                    self.sync.sessions.end(&peer);
                }
            }
        }
    }

    /// Acts on one reconciliation step: offers what the peer lacks (see
    /// [`sync::step_offers`]), fetches what this node lacks. Returns the reply to send.
    fn take_step(&mut self, peer: PeerId, policy: &Peer, step: Step) -> Option<Reconcile> {
        let offered = sync::step_offers(&step, &self.sync.catalogue, self.role(), policy.role);
        self.offer(peer, policy, offered);
        self.want(peer, step.fetch);
        step.reply
    }

    fn finish_reconcile(&mut self, peer: PeerId) {
        self.sync.sessions.end(&peer);
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
        if !sync::takes_from(self.role(), role) {
            self.refuse(peer, "a mirror never writes".to_owned());
            return Some(SyncResponse::Refused("a mirror never writes".to_owned()));
        }
        None
    }

    /// Queues what `peer` offered (or reconciliation found it holds) and this node lacks, and
    /// starts fetching it. Returns how many items were queued.
    fn want(&mut self, peer: PeerId, offered: Vec<(ItemId, [u8; 32])>) -> u32 {
        // A member takes nothing from a mirror, so it does not ask one either.
        let takes = self.policy_peer(&peer).is_none_or(|p| sync::takes_from(self.role(), p.role));
        if offered.is_empty() || !takes {
            return 0;
        }
        let queued = self.sync.want(peer, offered);
        self.pump(peer);
        queued
    }

    /// Keeps the scheduler's fetches under way with `peer`.
    fn pump(&mut self, peer: PeerId) {
        if !self.swarm.is_connected(&peer) {
            return;
        }
        for fetch in self.sync.next_fetches(peer) {
            let request = self.send_request(peer, SyncRequest::Fetch(fetch.ids));
            self.sync.requests.insert(request, fetch.id);
        }
    }

    /// Settles the fetch `request_id`, if it is one, of which the items `got` came; fetches
    /// more. Returns whether it was a fetch.
    fn settle_fetch(&mut self, request_id: OutboundRequestId, got: &HashSet<ItemId>) -> bool {
        let Some(fetch) = self.sync.requests.remove(&request_id) else {
            return false;
        };
        for peer in self.sync.fetches.fetched(fetch, got).unwrap_or_default() {
            self.pump(peer);
        }
        true
    }

    /// Offers `peer` the items of `offered` it may receive, in bounded messages. A mirror
    /// offers only to other mirrors: members take nothing from mirrors.
    fn offer(&mut self, peer: PeerId, policy: &Peer, offered: Vec<(ItemId, [u8; 32])>) {
        let allowed = sync::offers(&self.sync.catalogue, self.role(), policy, offered);
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
        self.settle_fetch(request_id, &got);
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
            self.sync.catalogue.set(r.header.clone(), r.digest);
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
        let arrived: Vec<Arrived> = received
            .iter()
            .map(|r| Arrived {
                id: r.header.id,
                sent: r.sent,
                digest: r.digest,
                changed: r.changed,
            })
            .collect();
        let peers: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
        for peer in peers {
            let Some(policy) = self.policy_peer(&peer) else { continue };
            let fetches = &self.sync.fetches;
            let offered = sync::relays(from, peer, &arrived, |id, digest, p| {
                fetches.known_holder(id, digest, p)
            });
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
        if !sync::sends_to(self.role(), policy.role) {
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
            .filter(|id| self.sync.catalogue.may_send(id, policy))
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
