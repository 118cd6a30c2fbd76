//! Trust people can check: each mechanism's offline authority key certifies its node keys,
//! revokes them, and publishes them in a signed keyset; members sign checkpoints of their public
//! items, so a reader can tell a current copy from a stale one.
//!
//! Every statement is CBOR signed with ed25519 over a context string and its bytes, exactly as
//! item headers are: `signature = sign(key, context || bytes)`. The contexts are
//! `"liaison/cert/v1\0"`, `"liaison/revocation/v1\0"`, `"liaison/keyset/v1\0"` and
//! `"liaison/checkpoint/v1\0"`. Nothing here reads a clock: "now" is an argument.

mod anchors;
mod armor;
mod checkpoint;
mod keyset;
mod statements;

pub use anchors::{Added, Anchors, KeyError};
pub use armor::{ArmorError, armor, dearmor};
pub use checkpoint::{
    CHECKPOINT_PREFIX, Checkpoint, MAX_CLOCK_SKEW, Proof, leaf_hash, leaves, merkle_root, prove,
};
pub use keyset::{KEYSET_FORMAT, Keyset, KeysetFile, OpenedKeyset};
pub use statements::{
    AUTHORITY_PREFIX, AuthorityCard, CERT_PREFIX, Certificate, REVOCATION_PREFIX, Reason,
    Revocation, STATEMENT_VERSION,
};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::codec::{self, DecodeError};
use crate::header::signature_bytes;
use crate::{FieldError, PublicKey, Verified};

/// Largest signed statement: a keyset holding a few hundred certificates and revocations.
pub const MAX_STATEMENT_BYTES: usize = 256 * 1024;

/// Something an authority or a node signs.
pub trait Statement: Serialize + DeserializeOwned {
    /// Domain separation: what the signature is over, besides the bytes.
    const CONTEXT: &'static [u8];
    /// The key that must have signed it.
    fn signer(&self) -> PublicKey;
    /// Checks what needs no key: version and field values.
    ///
    /// # Errors
    /// The first field that is not allowed.
    fn validate(&self) -> Result<(), FieldError>;
}

/// A statement as it travels: its CBOR bytes and the signer's signature over them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signed {
    /// The statement, CBOR-encoded; the signature covers exactly these bytes.
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
    /// ed25519 signature over `context || bytes` by the statement's signer.
    #[serde(with = "signature_bytes")]
    pub signature: [u8; 64],
}

/// Why a signed statement was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// The bytes are not the statement they should be.
    #[error("does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// A field is not allowed.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The signature does not verify with the key that should have made it.
    #[error("the signature does not verify with key {0}")]
    Signature(PublicKey),
}

impl Signed {
    /// Signs `statement` with `key`, which must be its signer.
    pub fn sign<T: Statement>(statement: &T, key: &ed25519_dalek::SigningKey) -> Self {
        use ed25519_dalek::Signer as _;
        debug_assert_eq!(statement.signer(), PublicKey::from(&key.verifying_key()));
        let bytes = codec::encode(statement);
        let signature = key.sign(&[T::CONTEXT, &bytes].concat()).to_bytes();
        Self { bytes, signature }
    }

    /// Decodes the statement and checks its fields and its signer's signature.
    ///
    /// # Errors
    /// If it does not decode, a field is invalid, or the signature does not verify.
    pub fn verify<T: Statement>(&self) -> Result<Verified<T>, TrustError> {
        let statement: T = codec::decode(&self.bytes, MAX_STATEMENT_BYTES)?;
        statement.validate()?;
        let signer = statement.signer();
        if !signer.verifies(&[T::CONTEXT, &self.bytes].concat(), &self.signature) {
            return Err(TrustError::Signature(signer));
        }
        Ok(Verified::new(statement))
    }
}

#[cfg(test)]
mod tests;
