//! The catalogue: every item in the store with its header and heads digest, and the catalogue
//! of each kind of peer (mechanism and role), kept current item by item so that a
//! reconciliation does not rebuild it.

use std::collections::{BTreeMap, HashMap};

use liaison_protocol::sync::Catalog;
use liaison_protocol::{Destination, Header, ItemId, Peer, may_leave};

use super::Digest;

/// Every item this node holds, and what each kind of peer may be sent of them.
#[derive(Debug, Default)]
pub(crate) struct Catalogue {
    items: BTreeMap<ItemId, (Header, Digest)>,
    /// The catalogue of each kind of peer asked for so far, kept current with `items`:
    /// building one costs a pass over every item.
    catalogs: HashMap<Peer, Catalog>,
}

impl Catalogue {
    /// The catalogue of `all`, as the store lists it.
    pub(crate) fn new(all: impl IntoIterator<Item = (Header, Digest)>) -> Self {
        let items = all.into_iter().map(|(header, digest)| (header.id, (header, digest))).collect();
        Self { items, catalogs: HashMap::new() }
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// The digest of item `id`, if this node holds it.
    pub(crate) fn digest(&self, id: &ItemId) -> Option<Digest> {
        self.items.get(id).map(|(_, digest)| *digest)
    }

    /// Whether this node holds item `id` in state `digest`.
    pub(crate) fn holds(&self, id: &ItemId, digest: &Digest) -> bool {
        self.items.get(id).is_some_and(|(_, d)| d == digest)
    }

    /// Whether this node holds item `id` and `peer` may receive it: the gate every sync message
    /// asks, through this catalogue.
    pub(crate) fn may_send(&self, id: &ItemId, peer: &Peer) -> bool {
        self.items.get(id).is_some_and(|(header, _)| to_node(header, peer))
    }

    /// Records item `header.id` in state `digest`.
    pub(crate) fn set(&mut self, header: Header, digest: Digest) {
        for (peer, catalog) in &mut self.catalogs {
            if to_node(&header, peer) {
                catalog.insert(header.id, digest);
            }
        }
        self.items.insert(header.id, (header, digest));
    }

    /// Forgets item `id`, gone from the store.
    pub(crate) fn remove(&mut self, id: &ItemId) {
        self.items.remove(id);
        for catalog in self.catalogs.values_mut() {
            catalog.remove(id);
        }
    }

    /// Forgets the catalogues of kinds of peers, after the roster changed what kinds there are.
    pub(crate) fn forget_catalogs(&mut self) {
        self.catalogs.clear();
    }

    /// The catalogue of the items `peer` may receive: the only ones reconciled with it.
    pub(crate) fn catalog(&mut self, peer: &Peer) -> &Catalog {
        let items = &self.items;
        self.catalogs.entry(peer.clone()).or_insert_with(|| {
            items
                .iter()
                .filter(|(_, (header, _))| to_node(header, peer))
                .map(|(id, (_, digest))| (*id, *digest))
                .collect()
        })
    }
}

/// The gate, with another node as destination (a withdrawn item still travels to nodes, so
/// that its withdrawal does).
fn to_node(header: &Header, peer: &Peer) -> bool {
    may_leave(header, false, Destination::Node(peer))
}
