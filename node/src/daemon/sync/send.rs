//! Sending out what the machine asks: requests, pushes of items and answers to fetches, read
//! from the store and cut into messages of bounded size.

use liaison_protocol::ItemId;
use liaison_protocol::sync::{ItemPayload, SyncRequest};
use libp2p::PeerId;
use libp2p::request_response::OutboundRequestId;

use super::super::EventLoop;
use super::super::net::{self, Frame};
use super::Queued;
use super::outbox::Admitted;
use crate::sync::{FetchId, Input};

/// Most bytes of documents in one push or items message, well under the message limit.
const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;

impl EventLoop {
    /// Pushes the items `ids` to `peer`, which the machine found may receive them.
    fn push_items(&mut self, peer: PeerId, ids: &[ItemId]) {
        let items = self.payloads(ids);
        if items.is_empty() {
            return;
        }
        self.count_sent(peer, items.len());
        for batch in split_by_bytes(items) {
            self.send_now(peer, SyncRequest::Push(batch), None);
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

    /// Sends `request` to `peer` now, whatever is under way with it (certificates and clock
    /// questions: a few per link), counting its bytes.
    pub(in crate::daemon) fn send_request(
        &mut self,
        peer: PeerId,
        request: SyncRequest,
    ) -> OutboundRequestId {
        self.send_now(peer, request, None)
    }

    /// Sends the machine's `request` to `peer` (a push: reads its items), or lets it wait
    /// while [`super::outbox::UNDER_WAY`] are under way; one turned away for want of room is failed
    /// back to the machine.
    pub(super) fn enqueue(&mut self, peer: PeerId, queued: Queued) {
        let fetch = queued.fetch().is_some();
        match self.sync.outbox.admit(peer, queued, fetch) {
            Admitted::Send(queued) => self.dispatch(peer, queued),
            Admitted::Waits => {}
            Admitted::Full(queued) => {
                tracing::warn!(%peer, "too many requests waiting for the peer: one dropped, the link is reconciled again soon");
                self.run_sync(Input::Failed { peer, fetch: queued.fetch(), malformed: None });
            }
        }
    }

    /// A request under way was answered or failed: forgets it, sends what waited for the
    /// room, and returns the fetch it carried.
    pub(super) fn finished(&mut self, request: OutboundRequestId) -> Option<FetchId> {
        let (peer, fetch) = self.sync.requests.remove(&request)?;
        let mut next = self.sync.outbox.done(peer);
        while let Some(queued) = next {
            self.dispatch(peer, queued);
            next = self.sync.outbox.next(peer);
        }
        fetch
    }

    fn dispatch(&mut self, peer: PeerId, queued: Queued) {
        match queued {
            Queued::Request(request, fetch) => {
                self.send_now(peer, request, fetch);
            }
            Queued::Push(ids) => self.push_items(peer, &ids),
        }
    }

    /// Sends `request` to `peer`, counting its bytes and, for a reconciliation turn, a round
    /// trip, and what is under way with the peer.
    fn send_now(
        &mut self,
        peer: PeerId,
        request: SyncRequest,
        fetch: Option<FetchId>,
    ) -> OutboundRequestId {
        if let Some(state) = self.peers.get_mut(&peer) {
            state.status.bytes_sent += net::wire_len(&request);
            if matches!(request, SyncRequest::Reconcile(_)) {
                state.status.reconcile_round_trips += 1;
            }
        }
        let id = self.swarm.behaviour_mut().sync.send_request(&peer, Frame::Message(request));
        self.sync.requests.insert(id, (peer, fetch));
        self.sync.outbox.sent(peer);
        id
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
