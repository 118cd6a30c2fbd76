//! Answering peers' sync requests and acting on their responses: reconciliation turns, offers,
//! fetches and pushes in, each checked against the policy.

use std::collections::HashSet;
use std::time::Instant;

use liaison_protocol::sync::{MAX_OFFER, Reconcile, SyncError, SyncRequest, SyncResponse};
use liaison_protocol::{Peer, Role};
use libp2p::PeerId;
use libp2p::request_response::OutboundRequestId;

use super::super::EventLoop;
use super::MAX_FETCH;
use super::send::split_by_bytes;
use crate::sync;

impl EventLoop {
    pub(super) fn on_sync_request(&mut self, peer: PeerId, request: SyncRequest) -> SyncResponse {
        let Some(policy) = self.policy_peer(&peer) else {
            return self.on_stranger_request(peer, request);
        };
        match request {
            SyncRequest::Statements(statements) => {
                self.take_statements(peer, &statements);
                SyncResponse::Statements(self.statements())
            }
            SyncRequest::Clock => SyncResponse::Clock(chrono::Utc::now()),
            SyncRequest::Reconcile(incoming) => {
                self.sync.sessions.answered(peer, Instant::now());
                match self.take_turn(peer, &policy, &incoming) {
                    Ok((reply, ends)) => {
                        if ends {
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

    pub(super) fn on_sync_response(
        &mut self,
        peer: PeerId,
        request_id: OutboundRequestId,
        response: SyncResponse,
    ) {
        if let SyncResponse::Statements(statements) = &response {
            self.take_statements(peer, statements);
            return;
        }
        if let SyncResponse::Clock(theirs) = response {
            self.note_clock(peer, request_id, theirs);
            return;
        }
        let Some(policy) = self.policy_peer(&peer) else { return };
        match response {
            SyncResponse::Reconcile(incoming) if incoming.ranges.is_empty() => {
                self.finish_reconcile(peer)
            }
            SyncResponse::Reconcile(incoming) => match self.take_turn(peer, &policy, &incoming) {
                Ok((Some(reply), _)) => {
                    self.send_request(peer, SyncRequest::Reconcile(reply));
                }
                Ok((None, _)) => self.finish_reconcile(peer),
                Err(e) => {
                    self.sync.sessions.end(&peer);
                    self.refuse(peer, format!("reconcile: {e}"));
                }
            },
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
            SyncResponse::Statements(_) | SyncResponse::Clock(_) => {}
            SyncResponse::Refused(why) => {
                tracing::warn!(%peer, reason = %why, "peer refused a request");
                if !self.settle_fetch(request_id, &HashSet::new()) {
                    self.sync.sessions.end(&peer);
                }
            }
        }
    }

    /// Takes one turn of a session with `peer` (see [`sync::turn`]): offers what the peer
    /// lacks, fetches what this node lacks. Returns the reply to send, and whether it ends the
    /// session when this node answers.
    pub(super) fn take_turn(
        &mut self,
        peer: PeerId,
        policy: &Peer,
        incoming: &Reconcile,
    ) -> Result<(Option<Reconcile>, bool), SyncError> {
        let (role, reconciler) = (self.role(), self.sync.reconciler);
        let turn = sync::turn(&reconciler, &mut self.sync.catalogue, role, policy, incoming)?;
        let ends = turn.ends();
        self.send_offers(peer, turn.offer);
        self.want(peer, turn.fetch);
        Ok((turn.reply, ends))
    }

    pub(super) fn finish_reconcile(&mut self, peer: PeerId) {
        self.sync.sessions.end(&peer);
        self.note_synced(peer);
    }

    /// A reconciliation with `peer` completed, whichever side started it.
    pub(super) fn note_synced(&mut self, peer: PeerId) {
        if let Some(state) = self.peers.get_mut(&peer) {
            // Only a peer that completes a reconciliation earns a fresh redial backoff: one that
            // accepts connections and drops them keeps backing off.
            state.backoff = std::time::Duration::ZERO;
            state.status.last_sync = Some(chrono::Utc::now());
            state.status.reconciliations += 1;
        }
    }

    /// Members take nothing from mirrors; mirrors pass signed items on to each other.
    pub(super) fn refuse_mirror_writes(
        &mut self,
        peer: PeerId,
        role: Role,
    ) -> Option<SyncResponse> {
        if !sync::takes_from(self.role(), role) {
            self.refuse(peer, "a mirror never writes".to_owned());
            return Some(SyncResponse::Refused("a mirror never writes".to_owned()));
        }
        None
    }
}
