//! Taking items in, as the machine asks: verifying fetch answers off the event loop, verifying
//! pushes at once, storing what verifies in one write, and completing joint visits that what
//! arrived accepts.

use liaison_protocol::sync::ItemPayload;
use liaison_protocol::verify::VerifiedItem;
use liaison_protocol::{ItemId, VerifyError};
use libp2p::PeerId;

use super::super::EventLoop;
use super::Checked;
use crate::sync::{Answer, FetchId, Input, Refusal, Taken};
use crate::verify_payloads;

impl EventLoop {
    /// Verifies a fetch answer on another thread: verifying is most of the work of taking
    /// items in, and this thread meanwhile stores the previous answer and keeps the links busy.
    /// The machine hands out one at a time: more threads would not be faster on a small
    /// server, and each would keep memory of its own.
    pub(super) fn verify(&mut self, peer: PeerId, fetch: FetchId, items: Vec<ItemPayload>) {
        let roster = self.repo.roster().clone();
        let store = self.repo.store().read_only();
        let back = self.checked.0.clone();
        tokio::task::spawn_blocking(move || {
            let verified = verify_payloads(&roster, &items, |id| held_in(&store, id));
            let _ = back.blocking_send(Checked { peer, fetch, items, verified });
        });
    }

    /// Stores a fetch answer verified off the event loop; the machine fetches more.
    pub(in crate::daemon) fn on_checked(&mut self, checked: Checked) {
        self.run_sync(Input::Verified);
        let Checked { peer, fetch, items, verified } = checked;
        let (taken, refusals) = self.store_verified(&items, verified);
        self.run_sync(Input::Stored { from: peer, fetch: Some(fetch), taken, refusals });
    }

    /// Verifies and stores items `peer` pushed; returns the machine's answer.
    pub(super) fn store_pushed(&mut self, peer: PeerId, items: Vec<ItemPayload>) -> Option<Answer> {
        let store = self.repo.store().read_only();
        let verified = verify_payloads(self.repo.roster(), &items, |id| held_in(&store, id));
        let (taken, refusals) = self.store_verified(&items, verified);
        self.run_sync(Input::Stored { from: peer, fetch: None, taken, refusals })
    }

    /// Stores verified items in one durable write; returns what was taken and what refused.
    fn store_verified(
        &mut self,
        items: &[ItemPayload],
        verified: Vec<Result<VerifiedItem, crate::Error>>,
    ) -> (Vec<Taken>, Vec<Refusal>) {
        let mut taken = Vec::new();
        let mut refusals = Vec::new();
        for (item, result) in items.iter().zip(self.repo.receive_verified(verified)) {
            match result {
                Ok(r) => taken.push(Taken {
                    header: r.header,
                    sent: r.sent,
                    digest: r.digest,
                    changed: r.changed,
                }),
                Err(e) => refusals.push(Refusal {
                    id: item.header.verify().map(|h| h.id).ok(),
                    error: e.to_string(),
                    unknown_signer: matches!(
                        e,
                        crate::Error::Verify(VerifyError::UnknownSigner(_))
                    ),
                }),
            }
        }
        (taken, refusals)
    }

    /// Items from `peer` changed the store: counted, and an accepted joint-visit proposal for
    /// this node's visit is linked on this side too (a write of this node's, pushed).
    pub(super) fn changed(&mut self, peer: PeerId, ids: &[ItemId]) {
        if let Some(state) = self.peers.get_mut(&peer) {
            state.status.items_received += ids.len() as u64;
        }
        let mut written = Vec::new();
        for id in ids {
            match self.repo.complete_joint_for(*id, chrono::Utc::now()) {
                Ok(ids) => written.extend(ids),
                Err(e) => tracing::error!(item = %id, error = %e, "completing a joint visit"),
            }
        }
        if !written.is_empty() {
            self.wrote(&written);
        }
    }
}

/// The changes of item `id` this node holds (none when it cannot tell: every change is then
/// checked in full, which is never less safe).
fn held_in(store: &crate::store::ReadOnlyStore, id: ItemId) -> liaison_protocol::verify::Held {
    crate::repo::held(store.get(id).ok().flatten().as_ref())
}
