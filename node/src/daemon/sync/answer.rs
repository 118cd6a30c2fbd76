//! Peers' sync requests and responses, handed to the machine: certificates and clock questions
//! go to `daemon::trust`, requests from nodes that are not peers too; the rest becomes the
//! machine's input, and its answer the response.

use liaison_protocol::sync::{SyncRequest, SyncResponse};
use libp2p::PeerId;
use libp2p::request_response::OutboundRequestId;

use super::super::EventLoop;
use crate::sync::{Answer, Input};

impl EventLoop {
    pub(super) fn on_sync_request(&mut self, peer: PeerId, request: SyncRequest) -> SyncResponse {
        if self.policy_peer(&peer).is_none() {
            return self.on_stranger_request(peer, request);
        }
        match request {
            SyncRequest::Statements(statements) => {
                self.take_statements(peer, &statements);
                SyncResponse::Statements(self.statements())
            }
            SyncRequest::Clock => SyncResponse::Clock(chrono::Utc::now()),
            request => match self.run_sync(Input::Request { peer, request }) {
                Some(Answer::Message(response)) => response,
                Some(Answer::Items(ids)) => {
                    let items = self.answer_items(peer, &ids);
                    SyncResponse::Items(items)
                }
                None => SyncResponse::Refused("no answer".to_owned()),
            },
        }
    }

    pub(super) fn on_sync_response(
        &mut self,
        peer: PeerId,
        request_id: OutboundRequestId,
        response: SyncResponse,
    ) {
        let fetch = self.finished(request_id);
        if let SyncResponse::Statements(statements) = &response {
            self.take_statements(peer, statements);
            return;
        }
        if let SyncResponse::Clock(theirs) = response {
            self.note_clock(peer, request_id, theirs);
            return;
        }
        self.run_sync(Input::Response { peer, fetch, response });
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
}
