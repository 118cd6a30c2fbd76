//! Taking items in: queuing what peers offer, keeping fetches under way, verifying answers off
//! the event loop, and storing what verifies in one write.

use std::collections::HashSet;

use liaison_protocol::sync::{ItemPayload, SyncRequest, SyncResponse};
use liaison_protocol::verify::VerifiedItem;
use liaison_protocol::{ItemId, Role};
use libp2p::PeerId;
use libp2p::request_response::OutboundRequestId;

use super::super::EventLoop;
use super::{Checked, Refusals};
use crate::sync::{self};
use crate::{Received, verify_payloads};

impl EventLoop {
    /// Queues what `peer` offered (or reconciliation found it holds) and this node lacks, and
    /// starts fetching it. Returns how many items were queued.
    pub(super) fn want(&mut self, peer: PeerId, offered: Vec<(ItemId, [u8; 32])>) -> u32 {
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
    pub(super) fn pump(&mut self, peer: PeerId) {
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
    pub(super) fn settle_fetch(
        &mut self,
        request_id: OutboundRequestId,
        got: &HashSet<ItemId>,
    ) -> bool {
        let Some(fetch) = self.sync.requests.remove(&request_id) else {
            return false;
        };
        for peer in self.sync.fetches.fetched(fetch, got).unwrap_or_default() {
            self.pump(peer);
        }
        true
    }

    /// Verifies the next fetch answer waiting, unless one is being verified. Verifying is most
    /// of the work of taking items in: it runs on another thread while this one stores the
    /// previous answer and keeps the links busy. One at a time: more threads would not be
    /// faster on a small server, and each would keep memory of its own.
    pub(super) fn verify_next(&mut self) {
        if self.sync.verifying {
            return;
        }
        let Some((peer, request_id, items)) = self.sync.to_verify.pop_front() else { return };
        self.sync.verifying = true;
        let roster = self.repo.roster().clone();
        let store = self.repo.store().read_only();
        let back = self.checked.0.clone();
        tokio::task::spawn_blocking(move || {
            let verified = verify_payloads(&roster, &items, |id| held_in(&store, id));
            let _ = back.blocking_send(Checked { peer, request_id, items, verified });
        });
    }

    /// Stores a fetch answer verified off the event loop, and fetches more.
    pub(in crate::daemon) fn on_checked(&mut self, checked: Checked) {
        self.sync.verifying = false;
        self.verify_next();
        let Checked { peer, request_id, items, verified } = checked;
        let (received, _) = self.store_verified(peer, &items, verified);
        let got = received.iter().map(|r| r.header.id).collect();
        self.settle_fetch(request_id, &got);
    }

    /// Verifies and stores pushed items from `peer`, then relays what changed.
    pub(super) fn receive(
        &mut self,
        peer: PeerId,
        role: Role,
        items: Vec<ItemPayload>,
    ) -> SyncResponse {
        match self.store_items(peer, role, items) {
            Ok((received, refused)) => SyncResponse::Ack {
                accepted: u32::try_from(received.len()).unwrap_or(u32::MAX),
                refused,
            },
            Err(refused) => refused,
        }
    }

    /// Verifies and stores pushed items from `peer` (see [`Self::store_verified`]).
    pub(super) fn store_items(
        &mut self,
        peer: PeerId,
        role: Role,
        items: Vec<ItemPayload>,
    ) -> Result<(Vec<Received>, Refusals), SyncResponse> {
        if let Some(refused) = self.refuse_mirror_writes(peer, role) {
            return Err(refused);
        }
        let store = self.repo.store().read_only();
        let verified = verify_payloads(self.repo.roster(), &items, |id| held_in(&store, id));
        Ok(self.store_verified(peer, &items, verified))
    }

    /// Stores verified items from `peer` in one durable write, offers what changed to the
    /// other peers, and returns what was accepted and what refused, counted against the peer.
    pub(super) fn store_verified(
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
}

/// The changes of item `id` this node holds (none when it cannot tell: every change is then
/// checked in full, which is never less safe).
fn held_in(
    store: &crate::store::ReadOnlyStore,
    id: liaison_protocol::ItemId,
) -> liaison_protocol::verify::Held {
    crate::repo::held(store.get(id).ok().flatten().as_ref())
}
