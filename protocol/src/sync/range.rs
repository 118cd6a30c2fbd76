//! Id ranges, their fingerprints, and the catalogue of shareable items they are computed over.

use std::collections::BTreeMap;
use std::ops::Bound;

use sha2::{Digest as _, Sha256};

use crate::ItemId;

/// The digest of an item's state: SHA-256 over its automerge heads.
///
/// The heads are sorted (and duplicates dropped) first, so two nodes holding the same changes
/// agree whatever order their documents list the heads in.
pub fn heads_digest(heads: &[automerge::ChangeHash]) -> [u8; 32] {
    let mut sorted = heads.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut hasher = Sha256::new();
    for head in &sorted {
        hasher.update(head.0);
    }
    hasher.finalize().into()
}

/// A half-open interval `[lo, hi)` of item ids, compared as 16 bytes; `hi: None` runs to the end.
///
/// Bounds are raw bytes rather than [`ItemId`]s because a boundary need not be an item (the
/// first range starts at all zeroes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Range {
    /// The first id in the range.
    pub lo: [u8; 16],
    /// The first id after the range, or `None` for a range that runs to the end.
    pub hi: Option<[u8; 16]>,
}

impl Range {
    /// Every id.
    pub fn all() -> Self {
        Self { lo: [0; 16], hi: None }
    }

    /// Whether `id` falls in the range.
    pub fn contains(&self, id: &ItemId) -> bool {
        let id = id.as_bytes();
        *id >= self.lo && self.hi.is_none_or(|hi| *id < hi)
    }

    /// Whether no id can fall in the range (`hi <= lo`). Peers never send such a range.
    pub fn is_empty(&self) -> bool {
        self.hi.is_some_and(|hi| hi <= self.lo)
    }

    /// The range as map bounds. Never called on an empty range, which `BTreeMap::range` rejects.
    fn bounds(&self) -> (Bound<ItemId>, Bound<ItemId>) {
        let lo = Bound::Included(ItemId::from_bytes(self.lo));
        let hi = self.hi.map_or(Bound::Unbounded, |hi| Bound::Excluded(ItemId::from_bytes(hi)));
        (lo, hi)
    }
}

/// A summary of the items in a range: equal sets give equal fingerprints.
///
/// `xor` is the XOR over the range's items of SHA-256(id bytes || digest). XOR lets a fingerprint
/// be updated one item at a time and combined across adjacent ranges, so a catalogue can later
/// cache fingerprints of its subtrees instead of scanning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    /// XOR of the items' hashes.
    pub xor: [u8; 32],
    /// Number of items.
    pub count: u64,
}

impl Fingerprint {
    /// Adds (or, XOR being its own inverse, removes) one item's hash without changing the count.
    fn toggle(&mut self, hash: &[u8; 32]) {
        for (acc, byte) in self.xor.iter_mut().zip(hash) {
            *acc ^= byte;
        }
    }

    /// Counts in one item of hash `hash`.
    fn add(&mut self, hash: &[u8; 32]) {
        self.toggle(hash);
        self.count += 1;
    }

    /// Counts out one item of hash `hash`.
    fn take(&mut self, hash: &[u8; 32]) {
        self.toggle(hash);
        self.count -= 1;
    }
}

/// One catalogue entry: the item's digest, its hash for fingerprints, computed once on
/// insertion so that fingerprinting a range is a scan of XORs with no hashing, and its class.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    digest: [u8; 32],
    hash: [u8; 32],
    class: usize,
}

fn item_hash(id: &ItemId, digest: &[u8; 32]) -> [u8; 32] {
    Sha256::new().chain_update(id.as_bytes()).chain_update(digest).finalize().into()
}

/// The items one node may share with one peer, each with its [`heads_digest`], sorted by id.
///
/// The caller builds it with only the items both sides may share: the label policy is applied
/// before reconciliation, never by it. A node that reconciles with several kinds of peers
/// keeps one catalogue of everything, each item in a class of the caller's numbering
/// ([`Catalog::insert_in`]), and reconciles each kind of peer over the [`View`] of the
/// classes it may receive, rather than one copy of the items per kind of peer.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    items: BTreeMap<ItemId, Entry>,
    /// The fingerprint of everything, kept current item by item, so that the first message of
    /// every session and "nothing changed" cost no pass over the items.
    total: Fingerprint,
    /// The fingerprint of each class, kept current likewise: a view's is the sum of its
    /// classes'.
    classes: Vec<Fingerprint>,
}

impl Catalog {
    /// An empty catalogue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an item or replaces its digest; returns the digest it replaced.
    pub fn insert(&mut self, id: ItemId, digest: [u8; 32]) -> Option<[u8; 32]> {
        self.insert_in(id, digest, 0)
    }

    /// Adds an item in class `class`, or replaces its digest and class; returns the digest it
    /// replaced.
    pub fn insert_in(&mut self, id: ItemId, digest: [u8; 32], class: usize) -> Option<[u8; 32]> {
        let hash = item_hash(&id, &digest);
        if self.classes.len() <= class {
            self.classes.resize(class + 1, Fingerprint::default());
        }
        self.total.add(&hash);
        self.classes[class].add(&hash);
        let old = self.items.insert(id, Entry { digest, hash, class })?;
        self.total.take(&old.hash);
        self.classes[old.class].take(&old.hash);
        Some(old.digest)
    }

    /// Removes an item; returns its digest if it was there.
    pub fn remove(&mut self, id: &ItemId) -> Option<[u8; 32]> {
        let old = self.items.remove(id)?;
        self.total.take(&old.hash);
        self.classes[old.class].take(&old.hash);
        Some(old.digest)
    }

    /// The digest held for `id`.
    pub fn digest(&self, id: &ItemId) -> Option<&[u8; 32]> {
        self.items.get(id).map(|entry| &entry.digest)
    }

    /// The class of `id`, as given to [`Catalog::insert_in`] (0 through [`Catalog::insert`]).
    pub fn class(&self, id: &ItemId) -> Option<usize> {
        self.items.get(id).map(|entry| entry.class)
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every item.
    pub fn view(&self) -> View<'_> {
        View { catalog: self, classes: None }
    }

    /// The items of the classes `classes` marks `true` (by class number; a class past its end
    /// is left out).
    pub fn view_of<'a>(&'a self, classes: &'a [bool]) -> View<'a> {
        View { catalog: self, classes: Some(classes) }
    }

    fn in_range(&self, range: &Range) -> impl Iterator<Item = (&ItemId, &Entry)> {
        // `BTreeMap::range` panics on an empty interval; an empty range simply holds nothing.
        let live = (!range.is_empty()).then(|| self.items.range(range.bounds()));
        live.into_iter().flatten()
    }

    /// The fingerprint of the items in `range`.
    pub fn fingerprint(&self, range: &Range) -> Fingerprint {
        self.view().fingerprint(range)
    }

    /// The items in `range` with their digests, in id order.
    pub fn entries(&self, range: &Range) -> Vec<(ItemId, [u8; 32])> {
        self.view().entries(range)
    }

    /// See [`View::split`].
    pub fn split(&self, range: &Range, parts: usize) -> Vec<Range> {
        self.view().split(range, parts)
    }
}

/// Equal catalogues hold the same items in the same states and classes (their fingerprints
/// follow from those).
impl PartialEq for Catalog {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

impl Eq for Catalog {}

/// The part of a [`Catalog`] that is reconciled with one peer: every item, or those of some
/// classes. Cheap to copy; the reconciler reads catalogues through it.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    catalog: &'a Catalog,
    /// The classes it holds, by class number; `None` for every item.
    classes: Option<&'a [bool]>,
}

impl<'a> From<&'a Catalog> for View<'a> {
    fn from(catalog: &'a Catalog) -> Self {
        catalog.view()
    }
}

impl<'a> View<'a> {
    fn holds(&self, class: usize) -> bool {
        self.classes.is_none_or(|classes| classes.get(class).copied().unwrap_or(false))
    }

    /// The fingerprint of everything in the view, from the kept fingerprints: no pass over
    /// the items.
    fn total(&self) -> Fingerprint {
        match self.classes {
            None => self.catalog.total,
            Some(_) => {
                let held = self.catalog.classes.iter().enumerate().filter(|(c, _)| self.holds(*c));
                held.fold(Fingerprint::default(), |mut sum, (_, class)| {
                    sum.toggle(&class.xor);
                    sum.count += class.count;
                    sum
                })
            }
        }
    }

    fn in_range(self, range: &Range) -> impl Iterator<Item = (&'a ItemId, &'a Entry)> {
        self.catalog.in_range(range).filter(move |(_, entry)| self.holds(entry.class))
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        usize::try_from(self.total().count).unwrap_or(usize::MAX)
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The fingerprint of the items in `range`.
    pub fn fingerprint(&self, range: &Range) -> Fingerprint {
        if *range == Range::all() {
            return self.total();
        }
        let mut fingerprint = Fingerprint::default();
        for (_, entry) in self.in_range(range) {
            fingerprint.toggle(&entry.hash);
            fingerprint.count += 1;
        }
        fingerprint
    }

    /// The items in `range` with their digests, in id order.
    pub fn entries(&self, range: &Range) -> Vec<(ItemId, [u8; 32])> {
        self.in_range(range).map(|(id, entry)| (*id, entry.digest)).collect()
    }

    /// Splits `range` into at most `parts` contiguous, non-empty sub-ranges that cover it exactly
    /// and hold roughly equal numbers of this view's items.
    ///
    /// Every sub-range of a range holding `n >= 2` items holds fewer than `n`, which is what
    /// makes reconciliation terminate. A range holding fewer than two items comes back whole.
    pub fn split(&self, range: &Range, parts: usize) -> Vec<Range> {
        let n = self.in_range(range).count();
        let parts = parts.min(n);
        if parts < 2 {
            return vec![*range];
        }
        // Cut before the items at indices n/parts, 2n/parts, ...: distinct and at least 1,
        // since parts <= n, so no sub-range is empty.
        let mut cuts = (1..parts).map(|k| k * n / parts).peekable();
        let mut bounds = vec![range.lo];
        for (index, (id, _)) in self.in_range(range).enumerate() {
            if cuts.next_if_eq(&index).is_some() {
                bounds.push(*id.as_bytes());
            }
        }
        let his = bounds.iter().skip(1).map(|b| Some(*b)).chain([range.hi]);
        bounds.iter().zip(his).map(|(lo, hi)| Range { lo: *lo, hi }).collect()
    }
}

impl FromIterator<(ItemId, [u8; 32])> for Catalog {
    fn from_iter<I: IntoIterator<Item = (ItemId, [u8; 32])>>(iter: I) -> Self {
        let mut catalog = Self::new();
        catalog.extend(iter);
        catalog
    }
}

impl Extend<(ItemId, [u8; 32])> for Catalog {
    fn extend<I: IntoIterator<Item = (ItemId, [u8; 32])>>(&mut self, iter: I) {
        for (id, digest) in iter {
            self.insert(id, digest);
        }
    }
}
