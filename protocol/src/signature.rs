//! The one rule every ed25519 signature in Liaison is checked by, alone or in a batch.
//!
//! A signature `(R, s)` by key `A` over a message verifies when `A` is a curve point not of small
//! order, `s` is below the group order `l`, and the *cofactored* equation `[8][s]B = [8]R +
//! [8][k]A` holds (`k` the hash of `R`, `A` and the message): the rule of ZIP 215, as
//! `ed25519-zebra` implements it, plus the refusal of small-order keys (for which anyone could
//! satisfy the equation).
//!
//! Why this rule and not RFC 8032's unbatched `[s]B = R + [k]A` (ed25519-dalek's
//! `verify_strict`, libsodium): a batch of signatures can only be checked with the cofactored
//! equation, and a batch must accept exactly what one signature at a time accepts. Otherwise a
//! key holder could sign an item with an `R` carrying a small-order component, which a batch
//! passes or not depending on what else is in it while the unbatched equation always refuses:
//! nodes would disagree about the item, and count one another's offers of it as refusals. Under
//! one rule everywhere, every node decides every signature the same way, batched or not.
//!
//! Every signature an honest signer makes (ed25519-dalek, libsodium, any RFC 8032 signer)
//! satisfies both equations, so anyone can verify Liaison's signatures with their own tools.
//! Only a key's holder can make one that this rule accepts and a strict verifier refuses; it
//! still proves that holder signed it.

use ed25519_zebra::{Signature, VerificationKey, VerificationKeyBytes, batch};

use crate::PublicKey;

impl PublicKey {
    /// Whether `signature` by this key over `message` verifies, by the rule above.
    pub fn verifies(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        usable(self)
            && VerificationKey::try_from(self.0)
                .is_ok_and(|k| k.verify(&Signature::from_bytes(signature), message).is_ok())
    }
}

/// Whether `key` may sign at all: a curve point, not of small order.
pub(crate) fn usable(key: &PublicKey) -> bool {
    key.verifying_key().is_some_and(|k| !k.is_weak())
}

/// One signature to check in a [`Batch`] (the message already hashed into it).
#[derive(Clone)]
pub(crate) struct Item(batch::Item);

impl Item {
    /// The check of `signature` by `key` over `message`; `key` must be [`usable`].
    pub(crate) fn new(key: &PublicKey, message: &[u8], signature: &[u8; 64]) -> Self {
        let signature = Signature::from_bytes(signature);
        Self(batch::Item::from((VerificationKeyBytes::from(key.0), signature, message)))
    }

    /// Whether it verifies on its own: as [`PublicKey::verifies`] decides.
    pub(crate) fn verifies(self) -> bool {
        self.0.verify_single().is_ok()
    }
}

/// Whether every one of `items` verifies, checked together with random coefficients from
/// `rng`: true exactly when each verifies on its own, but for a chance of 2^-128 that a batch
/// holding a bad one passes.
pub(crate) fn all_verify(
    items: impl IntoIterator<Item = Item>,
    rng: impl rand_core::CryptoRng,
) -> bool {
    let mut verifier = batch::Verifier::new();
    for item in items {
        verifier.queue(item.0);
    }
    verifier.verify(rng).is_ok()
}

#[cfg(test)]
mod tests;
