//! Provenance: the signed parts of an item in a JSON-friendly form (base64 and hex), so anyone
//! can check with standard ed25519 tools that an item really comes from the nodes that signed it.

use data_encoding::{BASE64, HEXLOWER_PERMISSIVE};
use serde::{Deserialize, Serialize};

use crate::doc::ChangeInfo;
use crate::header::HeaderError;
use crate::{ChangeSig, DocError, Header, ItemDoc, PublicKey, SignedHeader};

/// The signed parts of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The header's CBOR bytes, base64.
    pub header: String,
    /// The creator's ed25519 signature over `"liaison/header/v1\0" || header bytes`, hex.
    pub header_signature: String,
    /// The saved automerge document, base64.
    pub document: String,
    /// One signature per change of the document.
    pub signatures: Vec<ChangeSig>,
}

/// Why provenance does not check out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProvenanceError {
    /// A field is not the base64 or hex it should be.
    #[error("provenance.{0} is not valid {1}")]
    Encoding(&'static str, &'static str),
    /// The header does not decode or its signature fails.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// The document does not load.
    #[error(transparent)]
    Doc(#[from] DocError),
    /// A change has no signature.
    #[error("change {0} is not signed")]
    Unsigned(String),
    /// A change's signature fails, or is by another key than the change's author.
    #[error("change {0} has a bad signature")]
    BadSignature(String),
    /// The fields are not what a local write of this item would accept.
    #[error("fields: {0}")]
    Fields(#[from] crate::FieldError),
}

/// What a successful check proved.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The header, whose signature by `header.creator` verifies.
    pub header: Header,
    /// The document.
    pub doc: ItemDoc,
    /// Each change, oldest first, with the key that signed it.
    pub changes: Vec<(ChangeInfo, PublicKey)>,
}

impl Provenance {
    /// The provenance of a stored item.
    pub fn new(header: &SignedHeader, document: &[u8], signatures: &[ChangeSig]) -> Self {
        Self {
            header: BASE64.encode(&header.bytes),
            header_signature: data_encoding::HEXLOWER.encode(&header.signature),
            document: BASE64.encode(document),
            signatures: signatures.to_vec(),
        }
    }

    /// The signed header and document bytes.
    ///
    /// # Errors
    /// If a field is not valid base64 or hex.
    pub fn decode(&self) -> Result<(SignedHeader, Vec<u8>), ProvenanceError> {
        let bytes = BASE64
            .decode(self.header.as_bytes())
            .map_err(|_| ProvenanceError::Encoding("header", "base64"))?;
        let signature: [u8; 64] = HEXLOWER_PERMISSIVE
            .decode(self.header_signature.as_bytes())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(ProvenanceError::Encoding("header_signature", "hex of 64 bytes"))?;
        let document = BASE64
            .decode(self.document.as_bytes())
            .map_err(|_| ProvenanceError::Encoding("document", "base64"))?;
        Ok((SignedHeader { bytes, signature }, document))
    }

    /// Checks everything that needs no roster: the header's signature by its creator, that each
    /// co-owner gave a consent signed by another key than the creator's, that every change of
    /// the document is signed, over this item's id, by the key its author id starts with, and
    /// that the fields are valid for the item's kind and label. Which mechanism each key belongs
    /// to is the reader's to compare with the keys the mechanisms publish.
    ///
    /// # Errors
    /// The first thing that fails.
    pub fn check(&self) -> Result<Checked, ProvenanceError> {
        let (signed, document) = self.decode()?;
        let header = signed.verify()?.into_inner();
        crate::consent::check(&header).map_err(HeaderError::Field)?;
        let doc = ItemDoc::load(&document)?;
        let mut changes = Vec::new();
        for change in doc.changes() {
            let sig = self
                .signatures
                .iter()
                .find(|s| s.hash == change.hash.0)
                .ok_or_else(|| ProvenanceError::Unsigned(change.hash.to_string()))?;
            let by_author = change.actor.to_bytes().get(..32) == Some(&sig.signer.0[..]);
            if !by_author || !sig.verifies(header.id) {
                return Err(ProvenanceError::BadSignature(change.hash.to_string()));
            }
            changes.push((change, sig.signer));
        }
        crate::verify::check_fields(&header, &doc.read()?.fields)?;
        Ok(Checked { header, doc, changes })
    }
}
