//! Sync with peers: the glue between the swarm, the store and the sync engine's state machine
//! (`crate::sync::Machine`). It turns swarm events into the machine's inputs and carries out
//! what the machine answers, and decides nothing itself: requests in and responses out are
//! in `answer`, verifying and storing items in `take`, messages and items out in `send`.
//!
//! A local write is pushed whole to every connected peer allowed to see it, at once (unless as
//! many requests are under way with the peer as it answers at once: then requests wait their
//! turn, in `outbox`). Everything else moves by offer and fetch: a node offers ids with their
//! digests (what reconciliation found a peer lacks, and what it just received, relayed), and
//! the receiver fetches the ones it lacks, each from one peer at a time, whichever offered it.
//! So an item reaches a node once even when all its peers hold it, and a node that joins a
//! federation pulls its backlog at the pace it can verify it.

use std::collections::HashMap;
use std::time::Instant;

use liaison_protocol::sync::{ItemPayload, SyncRequest, SyncResponse};
use liaison_protocol::verify::VerifiedItem;
use liaison_protocol::{Header, ItemId, Peer};
use libp2p::PeerId;
use libp2p::request_response::{Event, Message, OutboundRequestId};

use super::net::{self, Frame};

/// A written item's header and heads digest, as the sync machine records it.
type Known = (Header, [u8; 32]);
use super::{EventLoop, PeerState};
use crate::Repo;
use crate::sync::{Answer, Catalogue, FetchId, Input, Machine, Output};

mod answer;
mod outbox;
mod send;
mod take;

use outbox::Outbox;

/// A fetch answer, verified off the event loop, to be stored.
#[derive(Debug)]
pub(super) struct Checked {
    peer: PeerId,
    fetch: FetchId,
    items: Vec<ItemPayload>,
    verified: Vec<Result<VerifiedItem, crate::Error>>,
}

/// What the sync side of the event loop keeps: the machine, the requests under way, and the
/// machine's requests waiting for room.
#[derive(Debug)]
pub(super) struct State {
    machine: Machine<PeerId>,
    /// The peer each request under way goes to, and the fetch it carries.
    requests: HashMap<OutboundRequestId, (PeerId, Option<FetchId>)>,
    outbox: Outbox<PeerId, Queued>,
}

/// A request of the machine's, to send when there is room.
#[derive(Debug)]
enum Queued {
    Request(SyncRequest, Option<FetchId>),
    /// Items to push, read from the store when they go.
    Push(Vec<ItemId>),
}

impl Queued {
    /// The fetch it carries, if any.
    fn fetch(&self) -> Option<FetchId> {
        match self {
            Queued::Request(_, fetch) => *fetch,
            Queued::Push(_) => None,
        }
    }
}

impl State {
    pub(super) fn new(repo: &mut Repo, every: std::time::Duration, allow_mirrors: bool) -> Self {
        let mut catalogue = Catalogue::default();
        if let Err(e) = repo.catalog(|header, digest| catalogue.set(header, digest)) {
            tracing::error!(error = %e, "reading the catalogue");
            catalogue = Catalogue::default();
        }
        let role = repo.identity().config.role;
        let machine = Machine::new(role, every, allow_mirrors, catalogue, Instant::now());
        Self { machine, requests: HashMap::new(), outbox: Outbox::default() }
    }

    pub(super) fn len(&self) -> usize {
        self.machine.len()
    }

    /// How full the bounded queues are now.
    pub(super) fn queues(&self) -> crate::api::Queues {
        let q = self.machine.queues();
        crate::api::Queues { wanted: q.wanted, fetching: q.fetching, to_verify: q.to_verify }
    }
}

/// The roster's entry for `peer` now, if it has one.
fn listed(repo: &Repo, peers: &HashMap<PeerId, PeerState>, peer: &PeerId) -> Option<Peer> {
    let key = peers.get(peer).and_then(|p| p.status.key)?;
    repo.roster().peer(&key, chrono::Utc::now())
}

impl EventLoop {
    /// The policy's view of `peer`: its roster entry, or an anonymous mirror where allowed.
    fn policy_peer(&self, peer: &PeerId) -> Option<Peer> {
        self.sync.machine.view_of(listed(&self.repo, &self.peers, peer))
    }

    /// Hands `input` to the machine and carries out what it answers; returns its answer to the
    /// request being handled, if any.
    pub(in crate::daemon) fn run_sync(&mut self, input: Input<PeerId>) -> Option<Answer> {
        let outputs = {
            let (repo, peers) = (&self.repo, &self.peers);
            let views = |p: &PeerId| listed(repo, peers, p);
            self.sync.machine.handle(input, Instant::now(), &views)
        };
        let mut answer = None;
        for output in outputs {
            if let Some(a) = self.carry_out(output) {
                answer = Some(a);
            }
        }
        answer
    }

    /// Carries out one of the machine's outputs; returns an answer to the request being handled.
    fn carry_out(&mut self, output: Output<PeerId>) -> Option<Answer> {
        match output {
            Output::Send { to, request, fetch } => {
                self.enqueue(to, Queued::Request(request, fetch));
            }
            Output::Push { to, ids } => self.enqueue(to, Queued::Push(ids)),
            Output::Answer(answer) => return Some(answer),
            Output::Verify { from, fetch, items } => self.verify(from, fetch, items),
            Output::Store { from, items } => return self.store_pushed(from, items),
            Output::Changed { from, ids } => self.changed(from, &ids),
            Output::Synced { peer } => self.note_synced(peer),
            Output::Refuse { peer, why } => self.count_refusal(peer, why),
            Output::Disconnect { peer } => {
                let _ = self.swarm.disconnect_peer_id(peer);
            }
            Output::NoteRefusal { peer, why } => self.note_refusal(peer, why),
        }
        None
    }

    /// The roster, or what this node trusts, changed: the machine's catalogues per kind of
    /// peer are made anew, and what waited to be sent, decided under the old roster, is not
    /// sent but failed back to the machine (a fetch goes out again, anything else has its
    /// link reconciled again soon, under the new roster).
    pub(in crate::daemon) fn roster_changed(&mut self) {
        let waiting = self.sync.outbox.take_waiting();
        self.run_sync(Input::RosterChanged);
        for (peer, queued) in waiting {
            self.run_sync(Input::Failed { peer, fetch: queued.fetch(), malformed: None });
        }
    }

    /// [`Self::wrote`] of items whose headers and digests the write handed back.
    pub(in crate::daemon) fn wrote_known(&mut self, items: Vec<(ItemId, Option<Known>)>) {
        self.run_sync(Input::Written { items });
    }

    /// This node wrote the items `ids`: the machine records them and pushes them to peers.
    pub(in crate::daemon) fn wrote(&mut self, ids: &[ItemId]) {
        let mut items = Vec::new();
        for id in ids {
            match self.repo.catalog_entry(*id) {
                Ok(entry) => items.push((*id, entry)),
                Err(e) => tracing::error!(item = %id, error = %e, "reading a written item"),
            }
        }
        self.run_sync(Input::Written { items });
    }

    /// A connection to `peer` opened (`first`: its link opened); `dialed` says whether this
    /// node dialed it.
    pub(in crate::daemon) fn connected(&mut self, peer: PeerId, dialed: bool, first: bool) {
        self.run_sync(Input::Connected { peer, dialed, first });
    }

    /// Forgets a peer that disconnected, and moves its fetches to other peers.
    pub(in crate::daemon) fn forget_peer(&mut self, peer: &PeerId) {
        self.run_sync(Input::Disconnected { peer: *peer });
        self.sync.outbox.forget(peer);
        let machine = &self.sync.machine;
        for (_, fetch) in self.sync.requests.values_mut() {
            *fetch = fetch.filter(|f| machine.is_fetch(*f));
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
                        let why = why.to_string();
                        match self.run_sync(Input::Malformed { peer, why }) {
                            Some(Answer::Message(response)) => response,
                            _ => SyncResponse::Refused("malformed request".to_owned()),
                        }
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
                    let fetch = self.finished(request_id);
                    self.run_sync(Input::Failed { peer, fetch, malformed: Some(why.to_string()) });
                }
            },
            Event::OutboundFailure { peer, error, request_id, .. } => {
                tracing::debug!(%peer, %error, "sync request failed");
                let fetch = self.finished(request_id);
                self.run_sync(Input::Failed { peer, fetch, malformed: None });
            }
            Event::InboundFailure { peer, error, .. } => {
                // A request that does not decode (malformed or oversized) counts against the peer.
                if let libp2p::request_response::InboundFailure::Io(e) = &error
                    && e.kind() == std::io::ErrorKind::InvalidData
                {
                    self.run_sync(Input::Malformed { peer, why: e.to_string() });
                } else {
                    tracing::debug!(%peer, %error, "inbound sync request failed");
                }
            }
            Event::ResponseSent { .. } => {}
        }
    }
}
