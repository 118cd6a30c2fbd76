//! Signed automerge changes: every change carries an ed25519 signature by the node that made it,
//! over the item id and the change hash.

use ed25519_dalek::{Signer as _, SigningKey};
use serde::{Deserialize, Serialize};

use crate::verify::{Signatures, VerifyError};
use crate::{ItemId, PublicKey};

/// Domain separation for change signatures.
const CHANGE_CONTEXT: &[u8] = b"liaison/change/v1\0";

/// The signature of one automerge change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeSig {
    /// The change's hash (SHA-256 of the change, as automerge computes it).
    #[serde(with = "hash_bytes")]
    pub hash: [u8; 32],
    /// The node that made and signed the change; the change's actor id starts with this key.
    pub signer: PublicKey,
    /// ed25519 over `"liaison/change/v1\0" || item id (16 bytes) || hash (32 bytes)`.
    #[serde(with = "crate::header::signature_bytes")]
    pub signature: [u8; 64],
}

/// Signs the change `hash` of `item` with `key`.
pub fn sign(key: &SigningKey, item: ItemId, hash: [u8; 32]) -> ChangeSig {
    let signature = key.sign(&message(item, &hash)).to_bytes();
    ChangeSig { hash, signer: PublicKey::from(&key.verifying_key()), signature }
}

impl ChangeSig {
    /// Whether the signature verifies for `item` with the signer's key.
    pub fn verifies(&self, item: ItemId) -> bool {
        let bad = || VerifyError::BadSignature(String::new());
        self.verifies_with(item, &mut Signatures::Now, bad)
    }

    /// [`Self::verifies`], checked by `signatures` (at once, or in a batch, where its item is
    /// refused with `refusal` if it turns out not to verify).
    pub(crate) fn verifies_with(
        &self,
        item: ItemId,
        signatures: &mut Signatures<'_>,
        refusal: impl FnOnce() -> VerifyError,
    ) -> bool {
        signatures.check(&self.signer, message(item, &self.hash), &self.signature, refusal)
    }
}

fn message(item: ItemId, hash: &[u8; 32]) -> Vec<u8> {
    [CHANGE_CONTEXT, item.as_bytes(), hash].concat()
}

/// Serde for 32-byte hashes: hex in JSON, a byte string in CBOR.
mod hash_bytes {
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        crate::bytes::serialize_fixed(bytes, s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        crate::bytes::deserialize_fixed(d)
    }
}
