//! Certificates and revocations between nodes. When a link opens, each side sends the other
//! what it holds and gets the other's in the answer; a node passes on to its other peers what
//! was new to it, so a revocation reaches the whole federation. A node outside the roster may
//! introduce itself this way: its connection is kept for [`INTRODUCTION`], and it becomes a peer
//! if a certificate by an anchored authority names its key.

use std::time::{Duration, Instant};

use liaison_protocol::sync::{MAX_STATEMENTS, SyncRequest, SyncResponse};
use liaison_protocol::trust::{Added, Signed};
use libp2p::PeerId;

use super::EventLoop;

/// How long a node outside the roster has to present a certificate.
pub(super) const INTRODUCTION: Duration = Duration::from_secs(10);
/// Nodes outside the roster waiting to introduce themselves at once; more are disconnected.
pub(super) const MAX_STRANGERS: usize = 16;

impl EventLoop {
    /// What this node passes on: every certificate and revocation it holds, and the latest
    /// checkpoint of each mechanism, up to the limit.
    pub(super) fn statements(&self) -> Vec<Signed> {
        self.repo.roster().statements().take(MAX_STATEMENTS).cloned().collect()
    }

    /// Sends `peer` every statement this node holds; its answer brings the peer's.
    pub(super) fn present_statements(&mut self, peer: PeerId) {
        let statements = self.statements();
        self.send_request(peer, SyncRequest::Statements(statements));
    }

    /// After the operator changed what this node trusts: every peer gets this node's
    /// statements, and answers with its own, which may now verify here.
    pub(super) fn present_statements_to_all(&mut self) {
        let connected: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
        for peer in connected {
            self.present_statements(peer);
        }
    }

    /// Takes in statements from `from`: keeps those that verify, then, if any was new here,
    /// refreshes the peers (a certified node becomes one, a revoked one is disconnected) and
    /// passes the new ones on to every other connected peer.
    pub(super) fn take_statements(&mut self, from: PeerId, statements: &[Signed]) {
        if statements.len() > MAX_STATEMENTS {
            self.refuse(from, format!("{} certificates and revocations at once", statements.len()));
            return;
        }
        let added = match self.repo.add_statements(statements) {
            Ok(added) => added,
            Err(e) => {
                tracing::error!(error = %e, "keeping certificates and revocations");
                return;
            }
        };
        let mut new = Vec::new();
        let mut keys_changed = false;
        for (signed, added) in statements.iter().zip(added) {
            match added {
                Ok(added) if added.is_new() => {
                    tracing::info!(peer = %from, "{}", crate::api::describe(&added));
                    keys_changed |= !matches!(added, Added::Checkpoint(..));
                    new.push(signed.clone());
                }
                Ok(_) => {}
                // A statement by an authority this node does not anchor is none of its
                // business; anything else is counted against the peer.
                Err(liaison_protocol::trust::TrustError::Field(e)) if e.field == "authority" => {}
                Err(e) => self.note_refusal(from, format!("certificate or revocation: {e}")),
            }
        }
        if new.is_empty() {
            return;
        }
        if keys_changed {
            self.trust_changed();
        }
        let others: Vec<PeerId> =
            self.swarm.connected_peers().copied().filter(|p| *p != from).collect();
        for peer in others {
            self.send_request(peer, SyncRequest::Statements(new.clone()));
        }
    }

    /// What this node trusts changed: catalogues per kind of peer are rebuilt, peers refreshed.
    pub(super) fn trust_changed(&mut self) {
        self.roster_changed();
        self.refresh_roster();
        let introduced: Vec<PeerId> =
            self.strangers.keys().filter(|p| self.peers.contains_key(p)).copied().collect();
        for peer in introduced {
            self.strangers.remove(&peer);
            tracing::info!(%peer, "introduced by its certificate");
            if let Some(state) = self.peers.get_mut(&peer) {
                state.status.connected = true;
            }
            self.run_sync(crate::sync::Input::Introduced { peer });
        }
    }

    /// A request from a node that is not (yet) a peer: only statements are taken, and answered
    /// with this node's. Anything else is refused; a node introducing itself is left its time
    /// (its other requests may cross its certificate on the way), anyone else disconnected.
    pub(super) fn on_stranger_request(
        &mut self,
        peer: PeerId,
        request: SyncRequest,
    ) -> SyncResponse {
        let introducing = self.strangers.contains_key(&peer);
        match request {
            SyncRequest::Statements(statements) if introducing => {
                self.take_statements(peer, &statements);
                SyncResponse::Statements(self.statements())
            }
            _ if introducing => {
                tracing::debug!(%peer, "a request before an introduction: refused");
                SyncResponse::Refused("not in the roster: present a certificate first".to_owned())
            }
            _ => {
                self.refuse(peer, "not in the roster".to_owned());
                SyncResponse::Refused("not in the roster".to_owned())
            }
        }
    }

    /// A connection from a node outside the roster, on a node that serves no anonymous
    /// mirrors: kept for [`INTRODUCTION`] while there is room.
    pub(super) fn admit_stranger(&mut self, peer: PeerId) {
        if self.strangers.len() >= MAX_STRANGERS && !self.strangers.contains_key(&peer) {
            tracing::warn!(%peer, "refused a connection from a node outside the roster");
            let _ = self.swarm.disconnect_peer_id(peer);
            return;
        }
        self.strangers.insert(peer, Instant::now() + INTRODUCTION);
    }

    /// Asks `peer` its time, to measure how far apart the two clocks are.
    pub(super) fn ask_clock(&mut self, peer: PeerId) {
        let id = self.send_request(peer, SyncRequest::Clock);
        // One question per link at most: the map holds no more than the peers connected.
        self.clock_asks.retain(|_, (p, _)| *p != peer);
        self.clock_asks.insert(id, (peer, chrono::Utc::now()));
    }

    /// A peer's time came back: its offset from this node's clock is its time minus the
    /// middle of the round trip.
    pub(super) fn note_clock(
        &mut self,
        peer: PeerId,
        request: libp2p::request_response::OutboundRequestId,
        theirs: chrono::DateTime<chrono::Utc>,
    ) {
        let Some((asked, sent)) = self.clock_asks.remove(&request) else { return };
        if asked != peer {
            return;
        }
        let now = chrono::Utc::now();
        let middle = sent + (now - sent) / 2;
        let offset = (theirs - middle).num_milliseconds();
        if offset.abs() > 60_000 {
            tracing::warn!(%peer, offset_ms = offset, "the peer's clock and this node's differ by more than a minute");
        }
        if let Some(state) = self.peers.get_mut(&peer) {
            state.status.clock_offset_ms = Some(offset);
        }
    }

    /// On a member: signs a checkpoint of its mechanism's public items when they changed since
    /// the last look (at most every [`super::CHECKPOINT_AFTER_CHANGE`]) or the last checkpoint
    /// is as old as `checkpoint_every`, and passes it to every connected peer.
    pub(super) fn checkpoint_due(&mut self) {
        if self.repo.identity().config.role != liaison_protocol::Role::Member {
            return;
        }
        let every = self.options.checkpoint_every;
        let (last_look, generation) = self.checkpointed;
        let now_generation = self.repo.store().generation();
        let changed = now_generation != generation;
        // The first look is at the first tick: a member whose items changed while it was down
        // signs at once, from the leaves its start gathered.
        let elapsed = last_look.map_or(Duration::MAX, |t| t.elapsed());
        if elapsed < every.min(super::CHECKPOINT_AFTER_CHANGE) || (!changed && elapsed < every) {
            return;
        }
        self.checkpointed = (Some(Instant::now()), now_generation);
        let max_age = chrono::TimeDelta::from_std(every).unwrap_or(chrono::TimeDelta::MAX);
        match self.repo.checkpoint(chrono::Utc::now(), max_age) {
            Ok(Some(signed)) => {
                // Its own write bumped the generation: that is not a change to look at again.
                self.checkpointed.1 = self.repo.store().generation();
                let connected: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
                for peer in connected {
                    self.send_request(peer, SyncRequest::Statements(vec![signed.clone()]));
                }
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "signing a checkpoint"),
        }
    }

    /// Disconnects the nodes outside the roster whose time to introduce themselves is up.
    pub(super) fn drop_strangers(&mut self) {
        let now = Instant::now();
        let due: Vec<PeerId> =
            self.strangers.iter().filter(|(_, until)| **until <= now).map(|(p, _)| *p).collect();
        for peer in due {
            self.strangers.remove(&peer);
            tracing::warn!(%peer, "disconnected a node outside the roster: no certificate by an anchored authority");
            let _ = self.swarm.disconnect_peer_id(peer);
        }
    }
}
