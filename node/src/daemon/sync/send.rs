//! Sending out what the machine asks: requests, pushes of items and answers to fetches, read
//! from the store and cut into messages of bounded size.

use liaison_protocol::ItemId;
use liaison_protocol::sync::{ItemPayload, SyncRequest};
use libp2p::PeerId;
use libp2p::request_response::OutboundRequestId;

use super::super::EventLoop;
use super::super::net::{self, Frame};

/// Most bytes of documents in one push or items message, well under the message limit.
const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;

impl EventLoop {
    /// Pushes the items `ids` to `peer`, which the machine found may receive them.
    pub(super) fn push_items(&mut self, peer: PeerId, ids: &[ItemId]) {
        let items = self.payloads(ids);
        if items.is_empty() {
            return;
        }
        self.count_sent(peer, items.len());
        for batch in split_by_bytes(items) {
            self.send_request(peer, SyncRequest::Push(batch));
        }
    }

    /// The items of `ids` to answer `peer`'s fetch with (the machine found it may receive
    /// them): what fits in one message; what does not is left out, and asked for again.
    pub(super) fn answer_items(&mut self, peer: PeerId, ids: &[ItemId]) -> Vec<ItemPayload> {
        let items = self.payloads(ids);
        let items = split_by_bytes(items).into_iter().next().unwrap_or_default();
        self.count_sent(peer, items.len());
        items
    }

    /// Sends `request` to `peer`, counting its bytes and, for a reconciliation turn, a round trip.
    pub(in crate::daemon) fn send_request(
        &mut self,
        peer: PeerId,
        request: SyncRequest,
    ) -> OutboundRequestId {
        if let Some(state) = self.peers.get_mut(&peer) {
            state.status.bytes_sent += net::wire_len(&request);
            if matches!(request, SyncRequest::Reconcile(_)) {
                state.status.reconcile_round_trips += 1;
            }
        }
        self.swarm.behaviour_mut().sync.send_request(&peer, Frame::Message(request))
    }

    pub(super) fn count_bytes(&mut self, peer: PeerId, sent: u64, received: u64) {
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

    /// The payloads of `ids`, read from the store.
    fn payloads(&self, ids: &[ItemId]) -> Vec<ItemPayload> {
        ids.iter()
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
