//! Co-ownership consent: a node's signed statement that its mechanism agrees to co-own one
//! item, so an item's header can name a co-owner only with that co-owner's word.
//!
//! A consent is carried in the item's header and can be checked by anyone holding the item:
//! its signature, over `"liaison/consent/v1\0"` and the CBOR of the item id, kind, owner and
//! co-owner, verifies with the signer's key. Which mechanism that key belongs to is the roster's
//! question ([`crate::verify::check_creator`]).

use ed25519_dalek::{Signer as _, SigningKey};
use serde::{Deserialize, Serialize};

use crate::{FieldError, Header, ItemId, Kind, Mechanism, PublicKey, codec};

/// Domain separation for consent signatures.
const CONSENT_CONTEXT: &[u8] = b"liaison/consent/v1\0";

/// A co-owner's consent to be named on one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// The mechanism that agrees to co-own the item.
    pub mechanism: Mechanism,
    /// The node of that mechanism that signed.
    pub signer: PublicKey,
    /// ed25519 by `signer` over `"liaison/consent/v1\0" || CBOR [id, kind, owner, mechanism]`.
    #[serde(with = "crate::header::signature_bytes")]
    pub signature: [u8; 64],
}

/// What a consent signs: the item it is for and who owns it.
fn statement(id: ItemId, kind: Kind, owner: &Mechanism, mechanism: &Mechanism) -> Vec<u8> {
    let body = codec::encode(&(id, kind, owner, mechanism));
    [CONSENT_CONTEXT, &body].concat()
}

impl Consent {
    /// The consent of `mechanism`, signed by its node's `key`, to co-own item `id` of `kind`
    /// owned by `owner`.
    pub fn sign(
        key: &SigningKey,
        id: ItemId,
        kind: Kind,
        owner: &Mechanism,
        mechanism: &Mechanism,
    ) -> Self {
        let signature = key.sign(&statement(id, kind, owner, mechanism)).to_bytes();
        Self {
            mechanism: mechanism.clone(),
            signer: PublicKey::from(&key.verifying_key()),
            signature,
        }
    }

    /// Whether the signature verifies for item `id` of `kind` owned by `owner`.
    pub fn verifies(&self, id: ItemId, kind: Kind, owner: &Mechanism) -> bool {
        self.signer.verifies(&statement(id, kind, owner, &self.mechanism), &self.signature)
    }
}

/// Whether `header` is a joint-visit proposal naming exactly one co-owner, its addressee: the
/// one co-owner named without consent (the addressee answers by writing the proposal, and an
/// `amber-strict` proposal reaches no one else). That the co-owner is the proposal's `to` is
/// checked with the fields ([`crate::verify::check_fields`]).
pub fn is_proposal_addressee(header: &Header) -> bool {
    header.kind == Kind::Proposal && header.co_owners.len() == 1 && header.consents.is_empty()
}

/// Checks what needs no roster: every co-owner but a proposal's addressee has exactly one
/// consent, each consent is for a co-owner and verifies for this item, and none is signed by
/// the header's creator (a node of the owner cannot consent for another mechanism).
///
/// # Errors
/// The first co-owner without a valid consent, or a consent for no co-owner.
pub fn check(header: &Header) -> Result<(), FieldError> {
    if is_proposal_addressee(header) {
        return Ok(());
    }
    for c in &header.consents {
        if !header.co_owners.contains(&c.mechanism) {
            return Err(FieldError::new(
                "consents",
                &c.mechanism,
                "a consent is for a co-owner the header names",
            ));
        }
        if c.signer == header.creator || !c.verifies(header.id, header.kind, &header.owner) {
            return Err(FieldError::new(
                "consents",
                &c.mechanism,
                "a co-owner's consent is signed by a node of that co-owner, for this item",
            ));
        }
    }
    for m in &header.co_owners {
        let n = header.consents.iter().filter(|c| &c.mechanism == m).count();
        if n != 1 {
            return Err(FieldError::new(
                "co_owners",
                m,
                "a co-owner is named only with its signed consent (an accepted joint-visit \
                 proposal gives it)",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Label, SCHEMA_VERSION};

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    fn header(kind: Kind, co_owners: &[&str], consents: Vec<Consent>) -> Header {
        Header {
            v: SCHEMA_VERSION,
            id: ItemId::from_random_bytes([3; 16]),
            kind,
            owner: "ohchr".parse().unwrap(),
            co_owners: co_owners.iter().map(|m| m.parse().unwrap()).collect(),
            label: Label::AmberStrict,
            audience: Vec::new(),
            created: "2027-01-15T09:00:00Z".parse().unwrap(),
            creator: (&key(1).verifying_key()).into(),
            supersedes: None,
            consents,
        }
    }

    fn consent(k: u8, kind: Kind, mechanism: &str) -> Consent {
        let h = header(kind, &[], Vec::new());
        Consent::sign(&key(k), h.id, kind, &h.owner, &mechanism.parse().unwrap())
    }

    #[test]
    fn a_co_owner_needs_its_own_consent_for_this_item() {
        let coe = consent(2, Kind::Visit, "coe");
        assert!(check(&header(Kind::Visit, &["coe"], vec![coe.clone()])).is_ok());
        assert!(check(&header(Kind::Visit, &["coe"], Vec::new())).is_err(), "no consent");
        assert!(check(&header(Kind::Event, &["coe"], vec![coe.clone()])).is_err(), "other kind");
        let by_creator = consent(1, Kind::Visit, "coe");
        assert!(check(&header(Kind::Visit, &["coe"], vec![by_creator])).is_err(), "self-signed");
        let achpr = consent(2, Kind::Visit, "achpr");
        assert!(check(&header(Kind::Visit, &["coe"], vec![coe.clone(), achpr])).is_err());
        let mut forged = coe;
        forged.mechanism = "achpr".parse().unwrap();
        assert!(check(&header(Kind::Visit, &["achpr"], vec![forged])).is_err(), "altered");
    }

    #[test]
    fn only_a_proposal_names_one_co_owner_without_consent() {
        assert!(check(&header(Kind::Proposal, &["coe"], Vec::new())).is_ok());
        assert!(check(&header(Kind::Proposal, &["coe", "achpr"], Vec::new())).is_err());
    }
}
