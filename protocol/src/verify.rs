//! Verification of a whole item against a roster: the header's creator and co-owners' consents,
//! every change's signature and writer, and the fields, as local writes check them. Nothing
//! reaches a store without passing through here.

use std::collections::HashMap;

use crate::doc::ChangeInfo;
use crate::header::HeaderError;
use crate::{
    ChangeSig, DocError, FieldError, Fields, Header, ItemDoc, Mechanism, PublicKey, Role, Roster,
    SignedHeader, Verified, may_write,
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
    /// The header is signed, or a co-owner's consent given, by a known node of another
    /// mechanism than the one it speaks for: a forgery.
    #[error("{what} is signed by {key} of {mechanism}, not by a member node of {claimed}")]
    Forged {
        /// What was signed: the header, or a co-owner's consent.
        what: &'static str,
        /// The signer.
        key: PublicKey,
        /// Its mechanism (or role, for mirrors).
        mechanism: Mechanism,
        /// The mechanism it signed for.
        claimed: Mechanism,
    },
    /// The document's fields are not what a local write of this item would accept.
    #[error("fields: {0}")]
    Fields(#[from] FieldError),
    /// A change carries no signature.
    #[error("change {0} is not signed")]
    Unsigned(String),
    /// A change's signature does not verify, or is by another key than its actor's.
    #[error("change {0} has a bad signature")]
    BadSignature(String),
}

/// Checks that the header's creator is a known member node of the item's owner (not of a
/// co-owner), and that each co-owner's consent is signed by a known member node of that
/// co-owner.
///
/// # Errors
/// [`VerifyError::UnknownSigner`] for a key the roster does not know; [`VerifyError::Forged`]
/// for a known key that signed for another mechanism than its own.
pub fn check_creator(header: &Verified<Header>, roster: &Roster) -> Result<(), VerifyError> {
    check_signed_for("the header", &header.creator, &header.owner, roster)?;
    check_consents(header, roster)
}

/// Checks that every co-owner of `header` (but a proposal's addressee) gave its consent: one
/// that verifies ([`crate::consent::check`]), signed by a known member node of that co-owner.
///
/// # Errors
/// [`VerifyError::Header`] for a missing or invalid consent, else as [`check_creator`].
pub fn check_consents(header: &Header, roster: &Roster) -> Result<(), VerifyError> {
    crate::consent::check(header).map_err(HeaderError::Field)?;
    header
        .consents
        .iter()
        .try_for_each(|c| check_signed_for("a co-owner's consent", &c.signer, &c.mechanism, roster))
}

fn check_signed_for(
    what: &'static str,
    key: &PublicKey,
    claimed: &Mechanism,
    roster: &Roster,
) -> Result<(), VerifyError> {
    let peer = roster.peer(key).ok_or(VerifyError::UnknownSigner(*key))?;
    if peer.role == Role::Member && &peer.mechanism == claimed {
        Ok(())
    } else {
        Err(VerifyError::Forged {
            what,
            key: *key,
            mechanism: peer.mechanism,
            claimed: claimed.clone(),
        })
    }
}

/// Checks the fields of an item as a local write of it would: [`Fields::validate`] under the
/// header's kind and label, and a proposal's co-owner is the mechanism it is addressed to.
///
/// # Errors
/// The first field that is not allowed.
pub fn check_fields(header: &Header, fields: &Fields) -> Result<(), FieldError> {
    fields.validate(header.kind, header.label)?;
    if let Some(p) = &fields.proposal
        && crate::consent::is_proposal_addressee(header)
        && header.co_owners != [p.to.clone()]
    {
        return Err(FieldError::new(
            "co_owners",
            &p.to,
            "a proposal names as co-owner only the mechanism it is addressed to",
        ));
    }
    Ok(())
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
    check_fields(&header, &doc.read()?.fields)?;
    Ok(VerifiedItem { header, signed_header: signed_header.clone(), doc, sigs })
}

#[cfg(test)]
mod tests;
