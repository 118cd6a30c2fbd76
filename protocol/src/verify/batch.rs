//! Verifying many items at once: every check of [`super::verify_item`], item by item, but the
//! ed25519 signatures, which are gathered and verified together (about twice as fast per
//! signature as one at a time, more when few keys signed many items). When a batch fails, each
//! of its signatures is verified again on its own, so exactly the items with a bad signature are
//! refused, each with the error [`super::verify_item`] gives it.
//!
//! A batch decides every signature as one at a time does: both follow the one rule of
//! [`crate::signature`], whose cofactored equation is the one a batch can check.

use std::collections::HashMap;

use super::{Held, VerifiedItem, VerifyError, verify_item_with};
use crate::signature::{self, Item};
use crate::{ChangeSig, PublicKey, Roster, SignedHeader};

/// Where the signature checks of an item's verification go: verified at once, or gathered into
/// a batch.
pub(crate) enum Signatures<'a> {
    /// Verify each signature as it comes.
    Now,
    /// Keep each signature to verify in a batch.
    Later(&'a mut Gathered),
}

impl Signatures<'_> {
    /// Whether `signature` by `key` over `message` verifies, or, gathering, may: then it is
    /// kept with `refusal`, the error its item gets if it turns out not to.
    pub(crate) fn check(
        &mut self,
        key: &PublicKey,
        message: Vec<u8>,
        signature: &[u8; 64],
        refusal: impl FnOnce() -> VerifyError,
    ) -> bool {
        match self {
            Signatures::Now => key.verifies(&message, signature),
            Signatures::Later(gathered) => {
                if !gathered.usable(key) {
                    return false;
                }
                let item = Item::new(key, &message, signature);
                gathered.checks.push(Check { item, refusal: refusal() });
                true
            }
        }
    }
}

/// One signature kept to verify in a batch.
pub(crate) struct Check {
    item: Item,
    /// What its item is refused with if it does not verify.
    refusal: VerifyError,
}

/// The signatures one item's verification gathered, and whether each key met so far may sign
/// (each decoded once per batch).
#[derive(Default)]
pub(crate) struct Gathered {
    checks: Vec<Check>,
    keys: HashMap<PublicKey, bool>,
}

impl Gathered {
    fn usable(&mut self, key: &PublicKey) -> bool {
        *self.keys.entry(*key).or_insert_with(|| signature::usable(key))
    }
}

/// The error of the first of `checks` that does not verify on its own.
fn first_refusal(checks: impl IntoIterator<Item = Check>) -> Option<VerifyError> {
    checks.into_iter().find(|c| !c.item.clone().verifies()).map(|bad| bad.refusal)
}

/// Items verified together: [`Batch::add`] makes every check but the signatures' now,
/// [`Batch::finish`] verifies the signatures of all the items added and returns them.
#[derive(Default)]
pub struct Batch {
    /// The signatures of the items added, in order.
    checks: Vec<Check>,
    keys: HashMap<PublicKey, bool>,
    /// Each item added, with where its signatures start in `checks`.
    items: Vec<(VerifiedItem, usize)>,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch").field("items", &self.items.len()).finish_non_exhaustive()
    }
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Items added so far.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no item was added.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Checks an item as it arrives, as [`super::verify_item`] does, but for its signatures,
    /// which are kept for [`Batch::finish`]. `held` as for [`super::verify_item`]. Should this
    /// panic (inside automerge, on input no one foresaw), the batch holds nothing of the item.
    ///
    /// # Errors
    /// What [`super::verify_item`] would refuse the item with, when a check other than a
    /// signature's in a batch fails; the item is not added then.
    pub fn add(
        &mut self,
        signed_header: &SignedHeader,
        doc_bytes: &[u8],
        sigs: &[ChangeSig],
        roster: &Roster,
        held: &Held,
    ) -> Result<(), VerifyError> {
        let mut gathered = Gathered { checks: Vec::new(), keys: std::mem::take(&mut self.keys) };
        let mut later = Signatures::Later(&mut gathered);
        let result = verify_item_with(signed_header, doc_bytes, sigs, roster, held, &mut later);
        self.keys = gathered.keys;
        match result {
            Ok(item) => {
                self.items.push((item, self.checks.len()));
                self.checks.append(&mut gathered.checks);
                Ok(())
            }
            // A signature checked before the failure that does not verify is what
            // `verify_item`, which checks them as it goes, would have met first.
            Err(e) => Err(first_refusal(gathered.checks).unwrap_or(e)),
        }
    }

    /// Verifies the signatures of every item added, in one batch with random coefficients
    /// from `rng`; if it fails, each signature on its own. Returns the items in the order they
    /// were added: each verified, or refused with the error of its first signature that does not
    /// verify.
    pub fn finish(self, rng: impl rand_core::CryptoRng) -> Vec<Result<VerifiedItem, VerifyError>> {
        let Batch { mut checks, items, .. } = self;
        if checks.is_empty() || signature::all_verify(checks.iter().map(|c| c.item.clone()), rng) {
            return items.into_iter().map(|(item, _)| Ok(item)).collect();
        }
        // One by one, from the last item back, so each item's checks are the last ones left.
        let mut out: Vec<Result<VerifiedItem, VerifyError>> = items
            .into_iter()
            .rev()
            .map(|(item, from)| match first_refusal(checks.drain(from..)) {
                Some(refusal) => Err(refusal),
                None => Ok(item),
            })
            .collect();
        out.reverse();
        out
    }
}

#[cfg(test)]
mod tests;
