//! The sync engine's decisions by role and label: who takes items from whom, who offers or
//! pushes to whom, what a reconciliation step offers, and what a node relays of what it just
//! received. Members take nothing from mirrors (a mirror never writes); mirrors pass items to
//! each other.

use liaison_protocol::sync::Step;
use liaison_protocol::{ItemId, Peer, Role};

use super::{Catalogue, Digest};

/// Whether a node of role `me` takes items (offers, fetch answers, pushes) from a peer of role
/// `peer`: members take nothing from mirrors.
pub(crate) fn takes_from(me: Role, peer: Role) -> bool {
    !(peer == Role::Mirror && me != Role::Mirror)
}

/// Whether a node of role `me` offers or pushes items to a peer of role `peer`: a mirror sends
/// only to other mirrors, since members take nothing from it.
pub(crate) fn sends_to(me: Role, peer: Role) -> bool {
    !(me == Role::Mirror && peer == Role::Member)
}

/// The items a reconciliation step has a node of role `me` offer `peer`, with this node's
/// digests: what the peer lacks; and, from a member to a mirror, also what the mirror holds in
/// another state. A member cannot settle that by fetching from the mirror, and a mirror only
/// ever lags behind its members, so offering the member's state brings it up to date, whichever
/// side started the session.
pub(crate) fn step_offers(
    step: &Step,
    catalogue: &Catalogue,
    me: Role,
    peer: Role,
) -> Vec<(ItemId, Digest)> {
    let behind = peer == Role::Mirror && me != Role::Mirror;
    let differing = step.fetch.iter().map(|(id, _)| id).filter(|_| behind);
    step.send
        .iter()
        .chain(differing)
        .filter_map(|id| catalogue.digest(id).map(|digest| (*id, digest)))
        .collect()
}

/// What of `offered` a node of role `me` may offer `peer`: nothing from a mirror to a member,
/// and only items this node holds that the peer's label allows.
pub(crate) fn offers(
    catalogue: &Catalogue,
    me: Role,
    peer: &Peer,
    offered: Vec<(ItemId, Digest)>,
) -> Vec<(ItemId, Digest)> {
    if !sends_to(me, peer.role) {
        return Vec::new();
    }
    offered.into_iter().filter(|(id, _)| catalogue.may_send(id, peer)).collect()
}

/// An item a node just received, as the store took it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Arrived {
    pub(crate) id: ItemId,
    /// The state the sender sent.
    pub(crate) sent: Digest,
    /// The state held now: unlike `sent` when this node held more.
    pub(crate) digest: Digest,
    /// Whether it changed anything here.
    pub(crate) changed: bool,
}

/// What of `arrived` (received from the peer `from`) to offer `peer`, before the label and role
/// check of [`offers`]: what changed here, to peers not known to hold that state already; and
/// back to `from`, what this node holds more of than it was sent (both sides had changed it).
pub(crate) fn relays<P: PartialEq + Copy>(
    from: P,
    peer: P,
    arrived: &[Arrived],
    known_holder: impl Fn(&ItemId, &Digest, P) -> bool,
) -> Vec<(ItemId, Digest)> {
    arrived
        .iter()
        .filter(|a| {
            let sent_here = peer == from && a.digest == a.sent;
            let worth = a.changed || (peer == from && a.digest != a.sent);
            worth && !sent_here && !known_holder(&a.id, &a.digest, peer)
        })
        .map(|a| (a.id, a.digest))
        .collect()
}
