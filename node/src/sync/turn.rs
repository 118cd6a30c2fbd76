//! One turn of a reconciliation session: answering the peer's ranges against the catalogue of
//! what it may receive, and what that settles (items to offer it, items to fetch from it), by
//! role and label. Both sides of a session use it, the initiator on each response and the
//! responder on each request.

use liaison_protocol::sync::{RangeMsg, Reconcile, Reconciler, SyncError};
use liaison_protocol::{ItemId, Peer, Role};

use super::{Catalogue, Digest, offers, step_offers, takes_from};

/// What one turn yields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Turn {
    /// What to say next, or `None` when every range is settled. The responder always answers
    /// (with an empty message then); the initiator sends it as its next request, or ends.
    pub(crate) reply: Option<Reconcile>,
    /// Items to offer the peer, with this node's digests, within what role and label allow.
    pub(crate) offer: Vec<(ItemId, Digest)>,
    /// Items to fetch from the peer, with its digests; none from a peer this node takes nothing
    /// from.
    pub(crate) fetch: Vec<(ItemId, Digest)>,
}

impl Turn {
    /// Whether a responder's answer ends the session: it raises no fingerprint to answer.
    pub(crate) fn ends(&self) -> bool {
        let raises = |m: &RangeMsg| matches!(m, RangeMsg::Fingerprint { .. });
        !self.reply.as_ref().is_some_and(|r| r.ranges.iter().any(raises))
    }
}

/// Answers `incoming` from `peer` for a node of role `me` holding `catalogue`.
///
/// # Errors
/// The [`SyncError`] of a message that breaks a limit or the ordering rules: drop the session.
pub(crate) fn turn(
    reconciler: &Reconciler,
    catalogue: &mut Catalogue,
    me: Role,
    peer: &Peer,
    incoming: &Reconcile,
) -> Result<Turn, SyncError> {
    let step = reconciler.respond(catalogue.catalog(peer), incoming)?;
    let offer = offers(catalogue, me, peer, step_offers(&step, catalogue, me, peer.role));
    let fetch = if takes_from(me, peer.role) { step.fetch } else { Vec::new() };
    Ok(Turn { reply: step.reply, offer, fetch })
}
