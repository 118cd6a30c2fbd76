//! Verification of a whole item against a roster: the header's creator and co-owners' consents,
//! every change's signature and writer, and the fields, as local writes check them. Nothing
//! reaches a store without passing through here.

use std::collections::HashMap;

use crate::doc::{ChangeInfo, ItemState};
use crate::header::HeaderError;
use crate::trust::KeyError;
use chrono::{DateTime, Utc};

mod batch;

pub use batch::Batch;
pub(crate) use batch::Signatures;

use crate::{
    ChangeSig, DocError, FieldError, Fields, Header, ItemDoc, Mechanism, Peer, PublicKey, Role,
    Roster, SignedHeader, Verified, may_write,
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
    /// A signer's key is certified, but not at the time it signed, or it was revoked.
    #[error(transparent)]
    Key(KeyError),
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
    check_signed_for("the header", &header.creator, &header.owner, header.created, roster)?;
    check_consents(header, roster)
}

/// Checks that every co-owner of `header` (but a proposal's addressee) gave its consent: one
/// that verifies ([`crate::consent::check`]), signed by a known member node of that co-owner.
///
/// # Errors
/// [`VerifyError::Header`] for a missing or invalid consent, else as [`check_creator`].
pub fn check_consents(header: &Header, roster: &Roster) -> Result<(), VerifyError> {
    crate::consent::check(header).map_err(HeaderError::Field)?;
    header.consents.iter().try_for_each(|c| {
        let what = "a co-owner's consent";
        check_signed_for(what, &c.signer, &c.mechanism, header.created, roster)
    })
}

/// The node `key` is at `at`, as `roster` knows it.
fn signer(key: &PublicKey, at: DateTime<Utc>, roster: &Roster) -> Result<Peer, VerifyError> {
    roster.resolve(key, at).map_err(|e| match e {
        KeyError::Unknown(key) => VerifyError::UnknownSigner(key),
        other => VerifyError::Key(other),
    })
}

/// When a change says it was made; a time outside chrono's range is refused as no time at all.
fn change_time(change: &ChangeInfo) -> Result<DateTime<Utc>, VerifyError> {
    DateTime::from_timestamp(change.time, 0)
        .ok_or_else(|| VerifyError::BadSignature(change.hash.to_string()))
}

fn check_signed_for(
    what: &'static str,
    key: &PublicKey,
    claimed: &Mechanism,
    at: DateTime<Utc>,
    roster: &Roster,
) -> Result<(), VerifyError> {
    let peer = signer(key, at, roster)?;
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

fn check_writer(
    header: &Header,
    key: &PublicKey,
    at: DateTime<Utc>,
    roster: &Roster,
) -> Result<(), VerifyError> {
    let peer = signer(key, at, roster)?;
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

/// The hashes of the changes of an item a node holds already: they were checked when they
/// arrived, so only their signatures are checked again, not their writers. A change by a key
/// revoked since is kept where it was taken before the revocation; nowhere else.
pub type Held = std::collections::HashSet<[u8; 32]>;

/// Checks every change of `doc`: signed by the key its actor id starts with, with a valid
/// signature over this item's id, by a node whose mechanism may write the item (at the time
/// the change says it was made, and not revoked), unless it is `held` already.
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
    held: &Held,
) -> Result<Vec<ChangeSig>, VerifyError> {
    verify_changes_with(header, &doc.changes(), sigs, roster, held, &mut Signatures::Now)
}

/// [`verify_changes`] of a document's `changes`, its signatures checked by `signatures`.
fn verify_changes_with(
    header: &Verified<Header>,
    changes: &[ChangeInfo],
    sigs: &[ChangeSig],
    roster: &Roster,
    held: &Held,
    signatures: &mut Signatures<'_>,
) -> Result<Vec<ChangeSig>, VerifyError> {
    let by_hash: HashMap<[u8; 32], &ChangeSig> = sigs.iter().map(|s| (s.hash, s)).collect();
    let mut kept = Vec::new();
    for change in changes {
        let hash = change.hash;
        let sig = by_hash.get(&hash.0).ok_or_else(|| VerifyError::Unsigned(hash.to_string()))?;
        let actor_is_signer = change.actor.to_bytes().get(..32) == Some(&sig.signer.0[..]);
        let bad = || VerifyError::BadSignature(hash.to_string());
        if !actor_is_signer || !sig.verifies_with(header.id, signatures, bad) {
            return Err(bad());
        }
        if !held.contains(&hash.0) {
            check_writer(header, &sig.signer, change_time(change)?, roster)?;
        }
        kept.push((*sig).clone());
    }
    Ok(kept)
}

/// Checks again, against `roster`, that the creator and every signer of a verified item may
/// write it (but for the changes `held` already): for an item verified against an older copy
/// of the roster. No signature is checked.
///
/// # Errors
/// The first signer the roster does not know or does not allow.
pub fn check_signers(item: &VerifiedItem, roster: &Roster, held: &Held) -> Result<(), VerifyError> {
    if held.is_empty() {
        check_creator(&item.header, roster)?;
    }
    let signers: HashMap<[u8; 32], PublicKey> =
        item.sigs.iter().map(|s| (s.hash, s.signer)).collect();
    for change in item.changes.iter().filter(|c| !held.contains(&c.hash.0)) {
        let signer = signers
            .get(&change.hash.0)
            .ok_or_else(|| VerifyError::Unsigned(change.hash.to_string()))?;
        check_writer(&item.header, signer, change_time(change)?, roster)?;
    }
    Ok(())
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
    /// The changes of `doc`, as verification listed them.
    pub changes: Vec<ChangeInfo>,
    /// The state of `doc`, as verification read it.
    pub state: ItemState,
    /// The saved document as it arrived, which loads to `doc`: stored as it is, it needs no
    /// saving again.
    pub saved: Vec<u8>,
}

/// Verifies an item as it arrives from a file or a peer, before it touches any state. `held`
/// are the changes of it this node holds already (see [`Held`]); the header's creator is
/// checked only for an item the node does not hold yet.
///
/// # Errors
/// The first thing that fails.
pub fn verify_item(
    signed_header: &SignedHeader,
    doc_bytes: &[u8],
    sigs: &[ChangeSig],
    roster: &Roster,
    held: &Held,
) -> Result<VerifiedItem, VerifyError> {
    verify_item_with(signed_header, doc_bytes, sigs, roster, held, &mut Signatures::Now)
}

/// [`verify_item`], its signatures checked by `signatures` (at once, or gathered for a batch).
fn verify_item_with(
    signed_header: &SignedHeader,
    doc_bytes: &[u8],
    sigs: &[ChangeSig],
    roster: &Roster,
    held: &Held,
    signatures: &mut Signatures<'_>,
) -> Result<VerifiedItem, VerifyError> {
    let header = signed_header.verify_with(signatures)?;
    if held.is_empty() {
        check_creator(&header, roster)?;
    }
    let doc = ItemDoc::load(doc_bytes)?;
    let changes = doc.changes();
    let sigs = verify_changes_with(&header, &changes, sigs, roster, held, signatures)?;
    let state = doc.read()?;
    check_fields(&header, &state.fields)?;
    let signed_header = signed_header.clone();
    Ok(VerifiedItem { header, signed_header, doc, sigs, changes, state, saved: doc_bytes.to_vec() })
}

#[cfg(test)]
mod tests;
