//! Sending items out: offers, relays of what arrived, pushes of local writes, and the bounded
//! messages that carry them.

use liaison_protocol::sync::{ItemPayload, MAX_OFFER, SyncRequest};
use liaison_protocol::{ItemId, Peer};
use libp2p::PeerId;
use libp2p::request_response::OutboundRequestId;

use super::super::EventLoop;
use super::super::net::{self, Frame};
use super::{MAX_BATCH_BYTES, MAX_BATCH_ITEMS};
use crate::Received;
use crate::sync::{self, Arrived};

impl EventLoop {
    /// Offers `peer` the items of `offered` it may receive, in bounded messages. A mirror
    /// offers only to other mirrors: members take nothing from mirrors.
    pub(super) fn offer(&mut self, peer: PeerId, policy: &Peer, offered: Vec<(ItemId, [u8; 32])>) {
        let allowed = sync::offers(&self.sync.catalogue, self.role(), policy, offered);
        self.send_offers(peer, allowed);
    }

    /// Sends `peer` offers of `allowed`, in bounded messages.
    pub(super) fn send_offers(&mut self, peer: PeerId, allowed: Vec<(ItemId, [u8; 32])>) {
        for chunk in allowed.chunks(MAX_OFFER) {
            self.send_request(peer, SyncRequest::Offer(chunk.to_vec()));
        }
    }

    /// Offers items just received from `from` to every connected peer allowed to see them,
    /// except those known to hold them already; and back to `from` what this node holds more
    /// of than it sent.
    pub(super) fn relay(&mut self, from: PeerId, received: &[Received]) {
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
    pub(in crate::daemon) fn push(&mut self, ids: &[ItemId]) {
        let peers: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
        for peer in peers {
            if let Some(policy) = self.policy_peer(&peer) {
                self.send_items(peer, &policy, ids);
            }
        }
    }

    /// Sends the items of `ids` that `policy` may receive to `peer`, in bounded batches.
    /// A mirror pushes only to other mirrors: members take no writes from mirrors.
    pub(super) fn send_items(&mut self, peer: PeerId, policy: &Peer, ids: &[ItemId]) {
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

    pub(super) fn count_sent(&mut self, peer: PeerId, n: usize) {
        if let Some(state) = self.peers.get_mut(&peer) {
            state.status.items_sent += n as u64;
        }
    }

    /// The payloads of `ids` that `policy` may receive, at most `max`.
    pub(super) fn payloads(&self, policy: &Peer, ids: &[ItemId], max: usize) -> Vec<ItemPayload> {
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
pub(super) fn split_by_bytes(items: Vec<ItemPayload>) -> Vec<Vec<ItemPayload>> {
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
