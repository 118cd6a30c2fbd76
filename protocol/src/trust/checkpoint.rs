//! Checkpoints: a member's signed statement of its public items at a time (a Merkle root over
//! their ids and state digests, and their count), and proofs that one item's state is the one a
//! checkpoint covers. A mirror that serves an older copy cannot produce a proof against the
//! latest checkpoint, so a reader can tell.
//!
//! The tree is RFC 9162's (Certificate Transparency 2.0) over the items sorted by id: a leaf is
//! `SHA-256(0x00 || id (16 bytes) || state digest (32 bytes))`, a node `SHA-256(0x01 || left ||
//! right)`, the empty tree `SHA-256()`; proofs are its inclusion proofs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Statement;
use super::statements::STATEMENT_VERSION;
use crate::{FieldError, ItemId, Mechanism, PublicKey};

/// What a member node signs about its mechanism's public items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Format version.
    pub v: u16,
    /// The mechanism whose public items it covers (those it owns).
    pub mechanism: Mechanism,
    /// The node that signs it.
    pub signer: PublicKey,
    /// When.
    pub time: DateTime<Utc>,
    /// How many items it covers.
    pub count: u64,
    /// The Merkle root over them.
    #[serde(with = "serde_bytes")]
    pub root: [u8; 32],
}

/// That the leaf at `index` of a tree of `size` leaves is under a root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    /// The leaf's position, among the items sorted by id.
    pub index: u64,
    /// The tree's size: the checkpoint's count.
    pub size: u64,
    /// The sibling hashes from the leaf up.
    pub path: Vec<[u8; 32]>,
}

impl Statement for Checkpoint {
    const CONTEXT: &'static [u8] = b"liaison/checkpoint/v1\0";

    fn signer(&self) -> PublicKey {
        self.signer
    }

    fn validate(&self) -> Result<(), FieldError> {
        if self.v != STATEMENT_VERSION {
            return Err(FieldError::new("v", self.v, "this build reads checkpoint version 1"));
        }
        Ok(())
    }
}

/// The prefix of a checkpoint's text form.
pub const CHECKPOINT_PREFIX: &str = "liaison-checkpoint1:";

/// How far ahead of the reader's clock a checkpoint's time may be; a later one is refused, so a
/// node cannot make its checkpoint outlive the next ones by dating it ahead.
pub const MAX_CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// The leaves of a checkpoint over `items` (id and state digest), sorted by id.
pub fn leaves(items: impl IntoIterator<Item = (ItemId, [u8; 32])>) -> Vec<(ItemId, [u8; 32])> {
    let mut items: Vec<_> = items.into_iter().collect();
    items.sort_by_key(|(id, _)| *id);
    items.dedup_by_key(|(id, _)| *id);
    items
}

impl Checkpoint {
    /// A checkpoint by `signer` of `mechanism`'s public items, given sorted by [`leaves`].
    pub fn over(
        mechanism: Mechanism,
        signer: PublicKey,
        time: DateTime<Utc>,
        items: &[(ItemId, [u8; 32])],
    ) -> Self {
        let hashes: Vec<[u8; 32]> = items.iter().map(|(id, d)| leaf_hash(*id, d)).collect();
        Checkpoint {
            v: STATEMENT_VERSION,
            mechanism,
            signer,
            time,
            count: hashes.len() as u64,
            root: merkle_root(&hashes),
        }
    }

    /// The proof that item `id` in state `digest` is among `items` (sorted by [`leaves`]), if
    /// it is and `items` are the ones this checkpoint covers.
    pub fn prove(
        &self,
        items: &[(ItemId, [u8; 32])],
        id: ItemId,
        digest: &[u8; 32],
    ) -> Option<Proof> {
        let index = items.binary_search_by_key(&id, |(i, _)| *i).ok()?;
        if &items[index].1 != digest || items.len() as u64 != self.count {
            return None;
        }
        let hashes: Vec<[u8; 32]> = items.iter().map(|(id, d)| leaf_hash(*id, d)).collect();
        (merkle_root(&hashes) == self.root).then(|| prove(&hashes, index)).flatten()
    }
}

/// The leaf of item `id` in state `digest`.
pub fn leaf_hash(id: ItemId, digest: &[u8; 32]) -> [u8; 32] {
    Sha256::new()
        .chain_update([0])
        .chain_update(id.as_bytes())
        .chain_update(digest)
        .finalize()
        .into()
}

fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    Sha256::new().chain_update([1]).chain_update(left).chain_update(right).finalize().into()
}

/// The largest power of two below `n` (for `n` >= 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The root over `leaves`, in order.
pub fn merkle_root(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let (left, right) = leaves.split_at(split(n));
            node(&merkle_root(left), &merkle_root(right))
        }
    }
}

/// The proof that `leaves[index]` is under [`merkle_root`] of `leaves`; `None` past the end.
pub fn prove(leaves: &[[u8; 32]], index: usize) -> Option<Proof> {
    fn path(leaves: &[[u8; 32]], m: usize, out: &mut Vec<[u8; 32]>) {
        if leaves.len() <= 1 {
            return;
        }
        let k = split(leaves.len());
        let (left, right) = leaves.split_at(k);
        if m < k {
            path(left, m, out);
            out.push(merkle_root(right));
        } else {
            path(right, m - k, out);
            out.push(merkle_root(left));
        }
    }
    (index < leaves.len()).then(|| {
        let mut p = Vec::new();
        path(leaves, index, &mut p);
        Proof { index: index as u64, size: leaves.len() as u64, path: p }
    })
}

impl Proof {
    /// Whether `leaf` is at this proof's place under `root` (RFC 9162, section 2.1.3.2).
    pub fn verifies(&self, leaf: &[u8; 32], root: &[u8; 32]) -> bool {
        if self.index >= self.size {
            return false;
        }
        let (mut f, mut s) = (self.index, self.size - 1);
        let mut r = *leaf;
        for p in &self.path {
            if s == 0 {
                return false;
            }
            if f & 1 == 1 || f == s {
                r = node(p, &r);
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            } else {
                r = node(&r, p);
            }
            f >>= 1;
            s >>= 1;
        }
        s == 0 && r == *root
    }
}
