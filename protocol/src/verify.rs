//! Verification of a whole item against a roster: the header's creator, and every change's
//! signature and writer. Nothing reaches a store without passing through here.

use std::collections::HashMap;

use crate::doc::ChangeInfo;
use crate::header::HeaderError;
use crate::{
    ChangeSig, DocError, Header, ItemDoc, Mechanism, PublicKey, Roster, SignedHeader, Verified,
    may_write,
};

/// Why an item, or a change to it, was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The header does not decode, is invalid, or its signature does not verify.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// The document does not load.
    #[error(transparent)]
    Doc(#[from] DocError),
    /// A signer is not in the roster.
    #[error("signer {0} is not in the roster")]
    UnknownSigner(PublicKey),
    /// A signer's mechanism may not write this item.
    #[error("signer {key} belongs to {mechanism}, which may not write an item owned by {owner}")]
    NotAllowed {
        /// The signer.
        key: PublicKey,
        /// Its mechanism (or role, for mirrors).
        mechanism: Mechanism,
        /// The item's owner.
        owner: Mechanism,
    },
    /// A change carries no signature.
    #[error("change {0} is not signed")]
    Unsigned(String),
    /// A change's signature does not verify, or is by another key than its actor's.
    #[error("change {0} has a bad signature")]
    BadSignature(String),
}

/// Checks that the header's creator is a known node allowed to write the item.
///
/// # Errors
/// [`VerifyError::UnknownSigner`] or [`VerifyError::NotAllowed`].
pub fn check_creator(header: &Verified<Header>, roster: &Roster) -> Result<(), VerifyError> {
    check_writer(header, &header.creator, roster)
}

fn check_writer(header: &Header, key: &PublicKey, roster: &Roster) -> Result<(), VerifyError> {
    let peer = roster.peer(key).ok_or(VerifyError::UnknownSigner(*key))?;
    if may_write(header, &peer) {
        Ok(())
    } else {
        Err(VerifyError::NotAllowed {
            key: *key,
            mechanism: peer.mechanism,
            owner: header.owner.clone(),
        })
    }
}

/// Checks every change of `doc`: signed by the key its actor id starts with, with a valid
/// signature over this item's id, by a node whose mechanism may write the item.
///
/// Returns the signatures of the document's changes (dropping any others).
///
/// # Errors
/// The first change that fails.
pub fn verify_changes(
    header: &Verified<Header>,
    doc: &ItemDoc,
    sigs: &[ChangeSig],
    roster: &Roster,
) -> Result<Vec<ChangeSig>, VerifyError> {
    let by_hash: HashMap<[u8; 32], &ChangeSig> = sigs.iter().map(|s| (s.hash, s)).collect();
    let mut kept = Vec::new();
    for ChangeInfo { hash, actor, .. } in doc.changes() {
        let sig = by_hash.get(&hash.0).ok_or_else(|| VerifyError::Unsigned(hash.to_string()))?;
        let actor_is_signer = actor.to_bytes().get(..32) == Some(&sig.signer.0[..]);
        if !actor_is_signer || !sig.verifies(header.id) {
            return Err(VerifyError::BadSignature(hash.to_string()));
        }
        check_writer(header, &sig.signer, roster)?;
        kept.push((*sig).clone());
    }
    Ok(kept)
}

/// Checks again, against `roster`, that the creator and every signer of a verified item may
/// write it: for an item verified against an older copy of the roster. No signature is checked.
///
/// # Errors
/// The first signer the roster does not know or does not allow.
pub fn check_signers(item: &VerifiedItem, roster: &Roster) -> Result<(), VerifyError> {
    check_creator(&item.header, roster)?;
    item.sigs.iter().try_for_each(|sig| check_writer(&item.header, &sig.signer, roster))
}

/// An item whose header, creator and every change were verified.
#[derive(Debug, Clone)]
pub struct VerifiedItem {
    /// The header.
    pub header: Verified<Header>,
    /// The header as signed.
    pub signed_header: SignedHeader,
    /// The document.
    pub doc: ItemDoc,
    /// The signatures of every change of `doc`.
    pub sigs: Vec<ChangeSig>,
}

/// Verifies an item as it arrives from a file or a peer, before it touches any state.
///
/// # Errors
/// The first thing that fails.
pub fn verify_item(
    signed_header: &SignedHeader,
    doc_bytes: &[u8],
    sigs: &[ChangeSig],
    roster: &Roster,
) -> Result<VerifiedItem, VerifyError> {
    let header = signed_header.verify()?;
    check_creator(&header, roster)?;
    let doc = ItemDoc::load(doc_bytes)?;
    let sigs = verify_changes(&header, &doc, sigs, roster)?;
    Ok(VerifiedItem { header, signed_header: signed_header.clone(), doc, sigs })
}

#[cfg(test)]
mod tests;
