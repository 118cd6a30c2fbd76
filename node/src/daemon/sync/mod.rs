//! Sync with peers: the glue between the swarm, the store and the sync engine's pure parts
//! (`crate::sync`: the catalogue, sessions, fetch scheduler and who-sends-what decisions).
//! Requests in and responses out are in `answer`, items coming in in `take`, items going out in
//! `send`.
//!
//! A local write is pushed whole to every connected peer allowed to see it, at once. Everything
//! else moves by offer and fetch: a node offers ids with their digests (what reconciliation
//! found a peer lacks, and what it just received, relayed), and the receiver fetches the ones it
//! lacks, each from one peer at a time, whichever offered it. So an item reaches a node once
//! even when all its peers hold it, and a node that joins a federation pulls its backlog at the
//! pace it can verify it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;

use liaison_protocol::sync::{ItemPayload, Reconciler, SyncRequest, SyncResponse};
use liaison_protocol::verify::VerifiedItem;
use liaison_protocol::{ItemId, Peer, Role};
use libp2p::PeerId;
use libp2p::request_response::{Event, Message, OutboundRequestId};

use super::EventLoop;
use super::net::{self, Frame};
use crate::Repo;
use crate::sync::{Catalogue, Fetch, FetchId, Scheduler, Sessions};

mod answer;
mod send;
mod take;

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

    /// How full the bounded queues are now.
    pub(super) fn queues(&self) -> crate::api::Queues {
        crate::api::Queues {
            wanted: self.fetches.wanted(),
            fetching: self.fetches.fetching(),
            to_verify: self.to_verify.len(),
        }
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
        let key = self.peers.get(peer).and_then(|p| p.status.key);
        if let Some(peer) = key.and_then(|k| self.repo.roster().peer(&k, chrono::Utc::now())) {
            return Some(peer);
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
    pub(in crate::daemon) fn start_reconcile(&mut self, peer: PeerId) {
        let Some(policy) = self.policy_peer(&peer) else { return };
        if !self.sync.sessions.start(peer, Instant::now(), self.options.reconcile_every) {
            return;
        }
        let reconciler = self.sync.reconciler;
        let opening = reconciler.start(self.sync.catalogue.catalog(&policy));
        self.send_request(peer, SyncRequest::Reconcile(opening));
    }

    /// Forgets a peer that disconnected, and moves its fetches to other peers.
    pub(in crate::daemon) fn forget_peer(&mut self, peer: &PeerId) {
        for other in self.sync.forget(peer) {
            self.pump(other);
        }
    }

    pub(in crate::daemon) fn on_sync_event(
        &mut self,
        event: Event<Frame<SyncRequest>, Frame<SyncResponse>>,
    ) {
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
}
