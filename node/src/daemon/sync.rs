//! Sync with peers: the in-memory catalogue, range reconciliation, pushes, fetches, relaying.

use std::collections::{BTreeMap, HashMap};

use liaison_protocol::sync::{
    Catalog, ItemPayload, Reconcile, Reconciler, SyncRequest, SyncResponse,
};
use liaison_protocol::{Header, ItemId, Peer, Role, may_receive};
use libp2p::PeerId;
use libp2p::request_response::{Event, Message};

use super::EventLoop;
use super::net::{self, Frame};
use crate::Repo;

/// Most items in one push or items message.
const MAX_BATCH_ITEMS: usize = 256;
/// Most bytes of documents in one push or items message, well under the message limit.
const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;
/// Most ids a peer may ask for at once.
const MAX_FETCH: usize = 4096;

/// What the sync side of the event loop keeps.
#[derive(Debug, Default)]
pub(super) struct State {
    /// Every item in the store: its header and the digest of its heads.
    items: BTreeMap<ItemId, (Header, [u8; 32])>,
    reconciler: Reconciler,
    /// Reconciliations this node started and has not finished, by peer.
    ongoing: HashMap<PeerId, u32>,
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

    pub(super) fn forget(&mut self, peer: &PeerId) {
        self.ongoing.remove(peer);
    }

    /// Records the current digest of item `id` after a write.
    pub(super) fn note_local_change(&mut self, repo: &Repo, id: ItemId) {
        match repo.catalog_entry(id) {
            Ok(Some((header, digest))) => {
                self.items.insert(id, (header, digest));
            }
            Ok(None) => {
                self.items.remove(&id);
            }
            Err(e) => tracing::error!(item = %id, error = %e, "reading a written item"),
        }
    }

    /// The catalogue of the items `peer` may receive: the only ones reconciled with it.
    fn catalog_for(&self, peer: &Peer) -> Catalog {
        let mut catalog = Catalog::new();
        for (id, (header, digest)) in &self.items {
            if may_receive(header, peer) {
                catalog.insert(*id, *digest);
            }
        }
        catalog
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

    /// Starts a reconciliation with `peer` unless one is under way.
    pub(super) fn start_reconcile(&mut self, peer: PeerId) {
        let Some(policy) = self.policy_peer(&peer) else { return };
        if self.sync.ongoing.contains_key(&peer) {
            return;
        }
        let opening = self.sync.reconciler.start(&self.sync.catalog_for(&policy));
        self.sync.ongoing.insert(peer, 0);
        self.send_request(peer, SyncRequest::Reconcile(opening));
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
            Event::Message { peer, message: Message::Response { response, .. }, .. } => {
                match response {
                    Frame::Message(response) => {
                        self.count_bytes(peer, 0, net::wire_len(&response));
                        self.on_sync_response(peer, response);
                    }
                    Frame::Malformed(why) => {
                        self.sync.ongoing.remove(&peer);
                        self.refuse(peer, format!("malformed response: {why}"));
                    }
                }
            }
            Event::OutboundFailure { peer, error, .. } => {
                tracing::debug!(%peer, %error, "sync request failed");
                self.sync.ongoing.remove(&peer);
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
                let catalog = self.sync.catalog_for(&policy);
                match self.sync.reconciler.respond(&catalog, &incoming) {
                    Ok(step) => {
                        self.send_items(peer, &policy, &step.send);
                        self.fetch(peer, step.fetch);
                        SyncResponse::Reconcile(
                            step.reply.unwrap_or(Reconcile { ranges: Vec::new() }),
                        )
                    }
                    Err(e) => {
                        self.refuse(peer, format!("reconcile: {e}"));
                        SyncResponse::Refused(e.to_string())
                    }
                }
            }
            SyncRequest::Push(items) => self.receive(peer, policy.role, items),
            SyncRequest::Fetch(ids) => {
                if ids.len() > MAX_FETCH {
                    self.refuse(peer, format!("asked for {} items at once", ids.len()));
                    return SyncResponse::Refused(format!("at most {MAX_FETCH} ids per fetch"));
                }
                // A denied item is left out exactly like a missing one.
                let items = self.payloads(&policy, &ids, MAX_FETCH);
                self.count_sent(peer, items.len());
                SyncResponse::Items(items)
            }
        }
    }

    fn on_sync_response(&mut self, peer: PeerId, response: SyncResponse) {
        let Some(policy) = self.policy_peer(&peer) else { return };
        match response {
            SyncResponse::Reconcile(incoming) if incoming.ranges.is_empty() => {
                self.finish_reconcile(peer)
            }
            SyncResponse::Reconcile(incoming) => {
                let catalog = self.sync.catalog_for(&policy);
                match self.sync.reconciler.respond(&catalog, &incoming) {
                    Ok(step) => {
                        self.send_items(peer, &policy, &step.send);
                        self.fetch(peer, step.fetch);
                        match step.reply {
                            Some(reply) => {
                                *self.sync.ongoing.entry(peer).or_default() += 1;
                                self.send_request(peer, SyncRequest::Reconcile(reply));
                            }
                            None => self.finish_reconcile(peer),
                        }
                    }
                    Err(e) => {
                        self.sync.ongoing.remove(&peer);
                        self.refuse(peer, format!("reconcile: {e}"));
                    }
                }
            }
            SyncResponse::Items(items) => {
                let _ = self.receive(peer, policy.role, items);
            }
            SyncResponse::Ack { refused, .. } => {
                for (id, why) in refused {
                    tracing::warn!(%peer, item = %id, reason = %why, "peer refused an item");
                }
            }
            SyncResponse::Refused(why) => {
                tracing::warn!(%peer, reason = %why, "peer refused a request");
                self.sync.ongoing.remove(&peer);
            }
        }
    }

    fn finish_reconcile(&mut self, peer: PeerId) {
        self.sync.ongoing.remove(&peer);
        if let Some(state) = self.peers.get_mut(&peer) {
            // Only a peer that completes a reconciliation earns a fresh redial backoff: one that
            // accepts connections and drops them keeps backing off.
            state.backoff = std::time::Duration::ZERO;
            state.status.last_sync = Some(chrono::Utc::now());
            state.status.reconciliations += 1;
        }
    }

    /// Verifies and stores items from `peer`, then relays what changed.
    fn receive(&mut self, peer: PeerId, role: Role, items: Vec<ItemPayload>) -> SyncResponse {
        // Members take nothing from mirrors; mirrors pass signed items on to each other.
        if role == Role::Mirror && self.repo.identity().config.role == Role::Member {
            self.refuse(peer, "a mirror never writes".to_owned());
            return SyncResponse::Refused("a mirror never writes".to_owned());
        }
        let mut accepted = 0;
        let mut refused = Vec::new();
        let mut changed = Vec::new();
        for item in items {
            match self.repo.receive_payload(&item) {
                Ok(Some((header, digest))) => {
                    accepted += 1;
                    changed.push(header.id);
                    self.sync.items.insert(header.id, (header, digest));
                }
                Ok(None) => accepted += 1,
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
        if let Some(state) = self.peers.get_mut(&peer) {
            state.status.items_received += changed.len() as u64;
        }
        // An accepted joint-visit proposal for this node's visit: link it on this side too.
        for id in changed.clone() {
            match self.repo.complete_joint_for(id, chrono::Utc::now()) {
                Ok(written) => {
                    for w in &written {
                        self.sync.note_local_change(&self.repo, *w);
                    }
                    changed.extend(written);
                }
                Err(e) => tracing::error!(item = %id, error = %e, "completing a joint visit"),
            }
        }
        if !changed.is_empty() {
            self.push(&changed, Some(peer));
        }
        SyncResponse::Ack { accepted, refused }
    }

    /// Pushes items `ids` to every connected peer allowed to see them, except `except`.
    pub(super) fn push(&mut self, ids: &[ItemId], except: Option<PeerId>) {
        let peers: Vec<PeerId> =
            self.swarm.connected_peers().filter(|p| Some(**p) != except).copied().collect();
        for peer in peers {
            if let Some(policy) = self.policy_peer(&peer) {
                self.send_items(peer, &policy, ids);
            }
        }
    }

    /// Sends the items of `ids` that `policy` may receive to `peer`, in bounded batches.
    /// A mirror pushes only to other mirrors: members take no writes from mirrors.
    fn send_items(&mut self, peer: PeerId, policy: &Peer, ids: &[ItemId]) {
        if self.repo.identity().config.role == Role::Mirror && policy.role == Role::Member {
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

    fn fetch(&mut self, peer: PeerId, ids: Vec<ItemId>) {
        // A member takes nothing from a mirror, so it does not ask one either.
        let from_mirror = self.policy_peer(&peer).is_some_and(|p| p.role == Role::Mirror);
        if from_mirror && self.repo.identity().config.role == Role::Member {
            return;
        }
        for chunk in ids.chunks(MAX_FETCH) {
            self.send_request(peer, SyncRequest::Fetch(chunk.to_vec()));
        }
    }

    /// Sends `request` to `peer`, counting its bytes and, for a reconciliation turn, a round trip.
    fn send_request(&mut self, peer: PeerId, request: SyncRequest) {
        if let Some(state) = self.peers.get_mut(&peer) {
            state.status.bytes_sent += net::wire_len(&request);
            if matches!(request, SyncRequest::Reconcile(_)) {
                state.status.reconcile_round_trips += 1;
            }
        }
        self.swarm.behaviour_mut().sync.send_request(&peer, Frame::Message(request));
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
            .filter(|id| self.sync.items.get(id).is_some_and(|(h, _)| may_receive(h, policy)))
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
