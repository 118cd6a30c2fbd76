//! The catalogue: every item in the store with its heads digest and the class of its audience,
//! and which classes each kind of peer (mechanism and role) may receive, so that a
//! reconciliation reads the part of the one catalogue its peer may receive rather than a copy.
//!
//! The gate asks four fields of a header whether a node may receive the item: its label,
//! owner, co-owners and audience. Items alike in those are alike to the gate, and a federation
//! has few such classes (a label and a handful of mechanisms each), so the catalogue keeps one
//! header per class and a class number per item, not every item's header; and one entry per
//! item (id, digest, hash for fingerprints, class), not one per item and kind of peer.

use std::collections::HashMap;

use liaison_protocol::sync::{Catalog, View};
use liaison_protocol::{Destination, Header, ItemId, Label, Mechanism, Peer, may_leave};

use super::Digest;

/// What the gate reads of a header when the destination is a node ([`may_leave`] with
/// [`Destination::Node`]): headers equal in these go to the same nodes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Reach {
    label: Label,
    owner: Mechanism,
    co_owners: Vec<Mechanism>,
    audience: Vec<Mechanism>,
}

impl Reach {
    fn of(header: &Header) -> Self {
        Self {
            label: header.label,
            owner: header.owner.clone(),
            co_owners: header.co_owners.clone(),
            audience: header.audience.clone(),
        }
    }
}

/// Every item this node holds, and what each kind of peer may be sent of them.
#[derive(Debug, Default)]
pub(crate) struct Catalogue {
    /// Every item, in its audience class: an index into `classes`.
    items: Catalog,
    /// The first header met of each audience class: the gate is asked it for every item of
    /// the class. At most one class per item held, and in practice a few dozen.
    classes: Vec<Header>,
    /// The class of each reach met so far.
    class_of: HashMap<Reach, usize>,
    /// For each kind of peer asked for so far, whether it may receive each class (brought up
    /// to the classes there are when asked again).
    kinds: HashMap<Peer, Vec<bool>>,
}

impl Catalogue {
    /// The catalogue of `all`.
    #[cfg(test)]
    pub(crate) fn new(all: impl IntoIterator<Item = (Header, Digest)>) -> Self {
        let mut catalogue = Self::default();
        for (header, digest) in all {
            catalogue.set(header, digest);
        }
        catalogue
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// The digest of item `id`, if this node holds it.
    pub(crate) fn digest(&self, id: &ItemId) -> Option<Digest> {
        self.items.digest(id).copied()
    }

    /// Whether this node holds item `id` in state `digest`.
    pub(crate) fn holds(&self, id: &ItemId, digest: &Digest) -> bool {
        self.items.digest(id) == Some(digest)
    }

    /// Whether this node holds item `id` and `peer` may receive it: the gate every sync message
    /// asks, through this catalogue.
    pub(crate) fn may_send(&self, id: &ItemId, peer: &Peer) -> bool {
        self.items.class(id).is_some_and(|class| to_node(&self.classes[class], peer))
    }

    /// Records item `header.id` in state `digest`.
    pub(crate) fn set(&mut self, header: Header, digest: Digest) {
        let id = header.id;
        let classes = &mut self.classes;
        let class = *self.class_of.entry(Reach::of(&header)).or_insert_with(|| {
            classes.push(header);
            classes.len() - 1
        });
        self.items.insert_in(id, digest, class);
    }

    /// Forgets item `id`, gone from the store.
    pub(crate) fn remove(&mut self, id: &ItemId) {
        self.items.remove(id);
    }

    /// Forgets what each kind of peer may receive, after the roster changed what kinds there
    /// are.
    pub(crate) fn forget_catalogs(&mut self) {
        self.kinds.clear();
    }

    /// The catalogue of the items `peer` may receive: the only ones reconciled with it.
    pub(crate) fn catalog(&mut self, peer: &Peer) -> View<'_> {
        let admitted = self.kinds.entry(peer.clone()).or_default();
        let known = admitted.len();
        let new = self.classes.get(known..).unwrap_or_default();
        admitted.extend(new.iter().map(|header| to_node(header, peer)));
        self.items.view_of(admitted)
    }
}

/// The gate, with another node as destination (a withdrawn item still travels to nodes, so
/// that its withdrawal does).
fn to_node(header: &Header, peer: &Peer) -> bool {
    may_leave(header, false, Destination::Node(peer))
}
