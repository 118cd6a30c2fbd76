//! Verifying many items at once: every check of [`super::verify_item`], item by item, but the
//! ed25519 signatures, which are gathered and verified together (`ed25519_dalek::verify_batch`,
//! about twice as fast per signature as one at a time). When a batch fails, each of its
//! signatures is verified again on its own, so exactly the items with a bad signature are
//! refused, each with the error [`super::verify_item`] gives it.
//!
//! A batch accepts what the strict check (`verify_strict`) accepts: the encodings it refuses
//! (a non-canonical or small-order `R`, a small-order key) are refused before batching, and a
//! key with a small-order component is verified one signature at a time. One difference
//! remains, in the nature of batch verification: a signature whose `R` its signer built with a
//! small-order component passes a batch with probability at most 1/2, where the strict check
//! always refuses it. Only the key's holder can build one, and that node may sign the same
//! change properly; honest signers never make one.

use std::collections::HashMap;

use ed25519_dalek::{Signature, VerifyingKey};

use super::{Held, VerifiedItem, VerifyError, verify_item_with};
use crate::{ChangeSig, PublicKey, Roster, SignedHeader};

/// Where the signature checks of an item's verification go: verified at once, one by one, or
/// gathered into a batch.
pub(crate) enum Signatures<'a> {
    /// Verify each signature as it comes (`verify_strict`).
    Now,
    /// Check each signature's form now and keep it to verify in a batch.
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
        let signature = Signature::from_bytes(signature);
        let Signatures::Later(gathered) = self else { return strict(key, &message, &signature) };
        let Some(verifying) = gathered.key(key) else { return strict(key, &message, &signature) };
        if !strict_form(&signature) {
            return false;
        }
        gathered.checks.push(Check { key: verifying, message, signature, refusal: refusal() });
        true
    }
}

/// The strict check of one signature: what every signature, batched or not, must pass.
fn strict(key: &PublicKey, message: &[u8], signature: &Signature) -> bool {
    key.verifying_key().is_some_and(|k| k.verify_strict(message, signature).is_ok())
}

/// Whether `signature`'s `R` is encoded as the strict check requires: canonically (its `y` below
/// the field's prime 2^255 - 19) and not of small order. (Its `s` is checked by the batch.)
fn strict_form(signature: &Signature) -> bool {
    let r = signature.r_bytes();
    let non_canonical = r[0] >= 0xed && r[1..31].iter().all(|b| *b == 0xff) && r[31] & 0x7f == 0x7f;
    !non_canonical && VerifyingKey::from_bytes(r).is_ok_and(|point| !point.is_weak())
}

/// One signature kept to verify in a batch.
pub(crate) struct Check {
    key: VerifyingKey,
    message: Vec<u8>,
    signature: Signature,
    /// What its item is refused with if it does not verify.
    refusal: VerifyError,
}

impl Check {
    fn verifies(&self) -> bool {
        self.key.verify_strict(&self.message, &self.signature).is_ok()
    }
}

/// The signatures one item's verification gathered, and the keys met so far (each decoded
/// once per batch).
#[derive(Default)]
pub(crate) struct Gathered {
    checks: Vec<Check>,
    /// Each key met: `None` when it is verified one signature at a time, because it does not
    /// decode or has a small-order component (the strict check accepts a key with one, a batch
    /// would not treat it alike).
    keys: HashMap<PublicKey, Option<VerifyingKey>>,
}

impl Gathered {
    fn key(&mut self, key: &PublicKey) -> Option<VerifyingKey> {
        *self.keys.entry(*key).or_insert_with(|| {
            key.verifying_key().filter(|k| !k.is_weak() && k.to_edwards().is_torsion_free())
        })
    }
}

/// The error of the first of `checks` that does not verify on its own.
fn first_refusal(checks: impl IntoIterator<Item = Check>) -> Option<VerifyError> {
    checks.into_iter().find(|c| !c.verifies()).map(|bad| bad.refusal)
}

/// Items verified together: [`Batch::add`] makes every check but the signatures' now,
/// [`Batch::finish`] verifies the signatures of all the items added and returns them.
#[derive(Default)]
pub struct Batch {
    /// The signatures of the items added, in order.
    checks: Vec<Check>,
    keys: HashMap<PublicKey, Option<VerifyingKey>>,
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

    /// Verifies the signatures of every item added, in one batch; if it fails, each signature
    /// on its own. Returns the items in the order they were added: each verified, or refused
    /// with the error of its first signature that does not verify.
    pub fn finish(self) -> Vec<Result<VerifiedItem, VerifyError>> {
        let Batch { mut checks, items, .. } = self;
        if checks.is_empty() || verify_batch(&checks) {
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

/// Whether every one of `checks` verifies, checked together.
fn verify_batch(checks: &[Check]) -> bool {
    let messages: Vec<&[u8]> = checks.iter().map(|c| c.message.as_slice()).collect();
    let signatures: Vec<Signature> = checks.iter().map(|c| c.signature).collect();
    let keys: Vec<VerifyingKey> = checks.iter().map(|c| c.key).collect();
    ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
}

#[cfg(test)]
mod tests;
