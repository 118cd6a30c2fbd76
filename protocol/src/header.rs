//! The item header: immutable, signed by the creating node, and the only source of an item's
//! kind, owner and label.

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer as _, SigningKey};
use serde::{Deserialize, Serialize};

use crate::codec::{self, DecodeError, MAX_HEADER_BYTES};
use crate::consent::Consent;
use crate::verify::Signatures;
use crate::{FieldError, ItemId, Kind, Label, Mechanism, PublicKey, label};

/// The schema version this build writes. Readers refuse versions they do not know.
pub const SCHEMA_VERSION: u16 = 1;

/// Domain separation for header signatures.
const HEADER_CONTEXT: &[u8] = b"liaison/header/v1\0";

/// What an item is, who owns it and who may see it. Never changes after creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Schema version, [`SCHEMA_VERSION`] for what this build writes.
    pub v: u16,
    /// The item's id.
    pub id: ItemId,
    /// The item's kind.
    pub kind: Kind,
    /// The mechanism that published it.
    pub owner: Mechanism,
    /// Mechanisms that may also write it (joint items).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_owners: Vec<Mechanism>,
    /// Who may receive it.
    pub label: Label,
    /// For `amber`: the other mechanisms that may receive it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audience: Vec<Mechanism>,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// The node that created it and signed this header.
    pub creator: PublicKey,
    /// The item this one reissues or corrects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<ItemId>,
    /// One signed consent per co-owner (see [`crate::consent`]); none on items without
    /// co-owners, so their bytes are as before consents existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consents: Vec<Consent>,
}

impl Header {
    /// Checks the parts of a header that do not need a key: version, label and audience.
    /// Co-owners' consents are checked with the signatures ([`crate::consent::check`]).
    ///
    /// # Errors
    /// The first field that is not allowed.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.v != SCHEMA_VERSION {
            return Err(FieldError::new(
                "schema version",
                self.v,
                format!("this build reads version {SCHEMA_VERSION}"),
            ));
        }
        label::check_audience(self.label, &self.audience)?;
        if self.co_owners.contains(&self.owner) {
            return Err(FieldError::new(
                "co_owners",
                &self.owner,
                "the owner is not also a co-owner",
            ));
        }
        if self.label == Label::Red && !self.co_owners.is_empty() {
            return Err(FieldError::new(
                "co_owners",
                self.co_owners.len(),
                "a red item never leaves its node, so it has no co-owners",
            ));
        }
        Ok(())
    }

    /// Signs the header with the creator's key.
    ///
    /// # Panics
    /// Never; a header whose `creator` is not `key` is a caller bug caught in debug builds.
    pub fn sign(self, key: &SigningKey) -> SignedHeader {
        debug_assert_eq!(self.creator, PublicKey::from(&key.verifying_key()));
        let bytes = codec::encode(&self);
        let signature = key.sign(&[HEADER_CONTEXT, &bytes].concat()).to_bytes();
        SignedHeader { bytes, signature }
    }
}

/// A header as it travels and is stored: its CBOR bytes and the creator's signature over them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedHeader {
    /// The header, CBOR-encoded; the signature covers exactly these bytes.
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
    /// ed25519 signature by `creator` over `"liaison/header/v1\0" || bytes`.
    #[serde(with = "signature_bytes")]
    pub signature: [u8; 64],
}

/// Why a header was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// The bytes are not a header.
    #[error("header does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// A field is not allowed.
    #[error("header: {0}")]
    Field(#[from] FieldError),
    /// The signature does not verify with the creator's key.
    #[error("header signature does not verify with the creator's key {0}")]
    Signature(PublicKey),
}

impl SignedHeader {
    /// Decodes and checks the header and its signature.
    ///
    /// This only proves who created the header; whether that node could create it for its
    /// owner is the roster's question (see [`crate::verify::check_creator`]).
    ///
    /// # Errors
    /// If the bytes do not decode, a field is invalid, or the signature does not verify.
    pub fn verify(&self) -> Result<Verified<Header>, HeaderError> {
        self.verify_with(&mut Signatures::Now)
    }

    /// [`Self::verify`], its signature checked by `signatures` (at once, or in a batch).
    pub(crate) fn verify_with(
        &self,
        signatures: &mut Signatures<'_>,
    ) -> Result<Verified<Header>, HeaderError> {
        let header: Header = codec::decode(&self.bytes, MAX_HEADER_BYTES)?;
        header.validate()?;
        let message = [HEADER_CONTEXT, &self.bytes].concat();
        let refusal = || HeaderError::Signature(header.creator);
        if !signatures.check(&header.creator, message, &self.signature, || refusal().into()) {
            return Err(refusal());
        }
        Ok(Verified(header))
    }
}

/// A value whose signature was checked. Only this crate's `verify` functions make one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<T>(T);

impl<T> Verified<T> {
    /// Marks `value` verified: only this crate's `verify` functions call it.
    pub(crate) fn new(value: T) -> Self {
        Self(value)
    }

    /// The verified value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Verified<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Serde for 64-byte signatures: hex in JSON, a byte string in CBOR.
pub(crate) mod signature_bytes {
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
        crate::bytes::serialize_fixed(bytes, s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
        crate::bytes::deserialize_fixed(d)
    }
}

#[cfg(test)]
mod tests;
