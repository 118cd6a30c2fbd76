//! Whole items against a roster: creator, signatures and writers.

use crate::test_support::*;
use crate::verify::{Held, check_creator, verify_changes, verify_item};
use crate::{
    Card, ChangeSig, Edit, Header, ItemDoc, Kind, Label, Role, Roster, SignedHeader, VerifiedItem,
    VerifyError,
};

fn card(seed: u8, mechanism: &str, role: Role) -> Card {
    Card { mechanism: mech(mechanism), name: None, role, key: public(seed), addrs: vec![] }
}

/// Two ohchr members, an achpr and a coe member, and a mirror under the ohchr code.
fn roster() -> Roster {
    let mut roster = Roster::new();
    roster.insert(card(OHCHR_1, "ohchr", Role::Member));
    roster.insert(card(OHCHR_2, "ohchr", Role::Member));
    roster.insert(card(ACHPR, "achpr", Role::Member));
    roster.insert(card(COE, "coe", Role::Member));
    roster.insert(card(OHCHR_MIRROR, "ohchr", Role::Mirror));
    roster
}

/// An item as it travels: signed header, document and change signatures.
struct Item {
    header: Header,
    signed: SignedHeader,
    doc: ItemDoc,
    sigs: Vec<ChangeSig>,
}

impl Item {
    /// A green report owned by ohchr (co-owned by `co_owners`), created by node `creator`.
    fn create(creator: u8, co_owners: &[&str]) -> Self {
        let mut header = header(Kind::Report, Label::Green, creator);
        header.co_owners = co_owners.iter().map(|m| mech(m)).collect();
        header.consents = co_owners
            .iter()
            .map(|m| {
                let seed = if *m == "achpr" { ACHPR } else { COE };
                crate::Consent::sign(&key(seed), header.id, header.kind, &header.owner, &mech(m))
            })
            .collect();
        let signed = header.clone().sign(&key(creator));
        let mut item = Item { header, signed, doc: ItemDoc::new(), sigs: vec![] };
        item.edit(creator, "Report on the visit to Tunisia");
        item
    }

    /// Node `seed` sets the title.
    fn edit(&mut self, seed: u8, title: &str) {
        let mut f = fields(Kind::Report);
        f.title.value = title.to_owned();
        let n = i64::try_from(self.sigs.len()).unwrap();
        let edit = Edit { fields: Some(&f), withdraw: false, now: at(n), session: [0; 8] };
        self.sigs.push(self.doc.write(&key(seed), self.header.id, edit).unwrap().unwrap());
    }

    fn verify(&self) -> Result<VerifiedItem, VerifyError> {
        verify_item(&self.signed, &self.doc.save(), &self.sigs, &roster(), &Held::new())
    }
}

#[track_caller]
fn assert_not_allowed(result: Result<VerifiedItem, VerifyError>, seed: u8, mechanism: &str) {
    match result {
        Err(VerifyError::NotAllowed { key, mechanism: m, owner }) => {
            assert_eq!((key, m.as_str(), owner.as_str()), (public(seed), mechanism, "ohchr"));
        }
        other => panic!("expected NotAllowed, got {other:?}"),
    }
}

#[test]
fn a_genuine_item_verifies() {
    let mut item = Item::create(OHCHR_1, &[]);
    item.edit(OHCHR_2, "Report on the visit to Tunisia (corrected)");
    let verified = item.verify().unwrap();
    assert_eq!(*verified.header, item.header);
    assert_eq!(verified.sigs, item.sigs);
    assert_eq!(verified.doc.read().unwrap(), item.doc.read().unwrap());
    assert_eq!(verified.signed_header, item.signed);
}

#[test]
fn signatures_of_other_changes_are_dropped() {
    let item = Item::create(OHCHR_1, &[]);
    let mut sigs = item.sigs.clone();
    sigs.push(crate::change::sign(&key(OHCHR_1), item.header.id, [9; 32]));
    let verified =
        verify_item(&item.signed, &item.doc.save(), &sigs, &roster(), &Held::new()).unwrap();
    assert_eq!(verified.sigs, item.sigs);
}

#[test]
fn a_change_by_another_mechanism_is_refused() {
    let mut item = Item::create(OHCHR_1, &[]);
    item.edit(COE, "Rewritten by coe");
    assert_not_allowed(item.verify(), COE, "coe");
}

#[test]
fn a_change_by_a_co_owner_is_accepted() {
    let mut item = Item::create(OHCHR_1, &["achpr"]);
    item.edit(ACHPR, "Joint report on the visit to Tunisia");
    assert!(item.verify().is_ok());
    // The same change on an item achpr does not co-own is refused.
    let mut solo = Item::create(OHCHR_1, &[]);
    solo.edit(ACHPR, "Joint report on the visit to Tunisia");
    assert_not_allowed(solo.verify(), ACHPR, "achpr");
}

#[test]
fn a_change_by_a_mirror_is_refused_even_under_the_owner_code() {
    let mut item = Item::create(OHCHR_1, &[]);
    item.edit(OHCHR_MIRROR, "Edited by a mirror");
    assert_not_allowed(item.verify(), OHCHR_MIRROR, "ohchr");
}

#[test]
fn a_corrupted_change_signature_is_refused() {
    let mut item = Item::create(OHCHR_1, &[]);
    item.edit(OHCHR_1, "Second version");
    for i in [0, 31, 63] {
        let mut bad = item.sigs.clone();
        bad[1].signature[i] ^= 0x04;
        let result = verify_item(&item.signed, &item.doc.save(), &bad, &roster(), &Held::new());
        assert!(matches!(result, Err(VerifyError::BadSignature(_))), "byte {i}: {result:?}");
    }
}

#[test]
fn a_change_signed_by_another_key_than_its_actor_is_refused() {
    // ohchr node 2 may write the item, but it did not make this change.
    let mut item = Item::create(OHCHR_1, &[]);
    item.edit(OHCHR_1, "Second version");
    item.sigs[1] = crate::change::sign(&key(OHCHR_2), item.header.id, item.sigs[1].hash);
    assert!(matches!(item.verify(), Err(VerifyError::BadSignature(_))));
}

#[test]
fn an_unsigned_change_is_refused() {
    let mut item = Item::create(OHCHR_1, &[]);
    item.edit(OHCHR_1, "Second version");
    let hash = item.sigs.pop().unwrap().hash;
    match item.verify() {
        Err(VerifyError::Unsigned(h)) => assert_eq!(h, hex::encode(hash)),
        other => panic!("expected Unsigned, got {other:?}"),
    }
}

#[test]
fn a_change_by_a_node_outside_the_roster_is_refused() {
    let mut item = Item::create(OHCHR_1, &[]);
    item.edit(STRANGER, "Edited by a stranger");
    assert!(matches!(item.verify(), Err(VerifyError::UnknownSigner(k)) if k == public(STRANGER)));
}

#[test]
fn signatures_replayed_onto_another_item_are_refused() {
    let original = Item::create(OHCHR_1, &[]);
    let mut other = original.header.clone();
    other.id = id(0x43);
    let other = other.sign(&key(OHCHR_1));
    assert!(other.verify().is_ok());
    let result = verify_item(&other, &original.doc.save(), &original.sigs, &roster(), &Held::new());
    assert!(matches!(result, Err(VerifyError::BadSignature(_))), "{result:?}");
}

#[test]
fn verify_changes_checks_each_change_against_the_verified_header() {
    let mut item = Item::create(OHCHR_1, &["achpr"]);
    item.edit(ACHPR, "Joint report");
    let header = item.signed.verify().unwrap();
    assert_eq!(
        verify_changes(&header, &item.doc, &item.sigs, &roster(), &Held::new()).unwrap(),
        item.sigs
    );
    let mut without_achpr = roster();
    without_achpr.remove(&public(ACHPR));
    let result = verify_changes(&header, &item.doc, &item.sigs, &without_achpr, &Held::new());
    assert!(matches!(result, Err(VerifyError::UnknownSigner(k)) if k == public(ACHPR)));
}

#[test]
fn the_creator_must_be_a_member_node_of_the_owner_not_of_a_co_owner() {
    #[track_caller]
    fn creator(seed: u8, co_owners: &[&str]) -> Result<(), VerifyError> {
        let mut h = header(Kind::Event, Label::Green, seed);
        h.co_owners = co_owners.iter().map(|m| mech(m)).collect();
        check_creator(&h.sign(&key(seed)).verify().unwrap(), &roster())
    }
    assert!(creator(OHCHR_1, &[]).is_ok());
    // A co-owner's node claiming the owner's authorship, even with its own consent.
    assert!(matches!(creator(ACHPR, &["achpr"]), Err(VerifyError::Forged { .. })));
    // A co-owner named without consent, or with a consent by a node of another mechanism.
    assert!(matches!(creator(OHCHR_1, &["achpr"]), Err(VerifyError::Header(_))));
    let mut h = header(Kind::Event, Label::Green, OHCHR_1);
    h.co_owners = vec![mech("achpr")];
    h.consents = vec![crate::Consent::sign(&key(COE), h.id, h.kind, &h.owner, &mech("achpr"))];
    let result = check_creator(&h.sign(&key(OHCHR_1)).verify().unwrap(), &roster());
    assert!(matches!(result, Err(VerifyError::Forged { .. })), "{result:?}");
    assert!(matches!(creator(ACHPR, &[]), Err(VerifyError::Forged { .. })));
    assert!(matches!(creator(COE, &[]), Err(VerifyError::Forged { .. })));
    assert!(matches!(creator(OHCHR_MIRROR, &[]), Err(VerifyError::Forged { .. })));
    assert!(
        matches!(creator(STRANGER, &[]), Err(VerifyError::UnknownSigner(k)) if k == public(STRANGER))
    );
}

#[test]
fn an_item_whose_header_was_tampered_with_is_refused() {
    let item = Item::create(OHCHR_1, &[]);
    let mut signed = item.signed.clone();
    signed.signature[0] ^= 1;
    let result = verify_item(&signed, &item.doc.save(), &item.sigs, &roster(), &Held::new());
    assert!(matches!(result, Err(VerifyError::Header(_))), "{result:?}");
}

#[test]
fn an_item_whose_document_does_not_load_is_refused() {
    let item = Item::create(OHCHR_1, &[]);
    let result = verify_item(&item.signed, b"garbage", &item.sigs, &roster(), &Held::new());
    assert!(matches!(result, Err(VerifyError::Doc(_))), "{result:?}");
}

/// The ohchr authority, anchored, and what it signs.
mod authority {
    use super::*;
    use crate::trust::{
        AuthorityCard, Certificate, KeyError, Reason, Revocation, STATEMENT_VERSION, Signed,
    };

    const OHCHR_AUTHORITY: u8 = 21;

    /// The usual roster, with the ohchr authority anchored and `STRANGER` certified by it as an
    /// ohchr member from `from` minutes on.
    fn anchored(from: i64) -> Roster {
        let mut roster = roster();
        let card = AuthorityCard {
            v: STATEMENT_VERSION,
            mechanism: mech("ohchr"),
            key: public(OHCHR_AUTHORITY),
            name: None,
        };
        roster.anchors_mut().anchor(&card);
        let cert = Certificate {
            v: STATEMENT_VERSION,
            mechanism: mech("ohchr"),
            role: Role::Member,
            key: public(STRANGER),
            name: Some("OHCHR New York".to_owned()),
            not_before: at(from),
            not_after: None,
            authority: public(OHCHR_AUTHORITY),
        };
        roster.anchors_mut().add_statement(&Signed::sign(&cert, &key(OHCHR_AUTHORITY))).unwrap();
        roster
    }

    fn revoke(roster: &mut Roster, seed: u8, reason: Reason) {
        let revocation = Revocation {
            v: STATEMENT_VERSION,
            mechanism: mech("ohchr"),
            key: public(seed),
            reason,
            revoked_at: at(60),
            authority: public(OHCHR_AUTHORITY),
        };
        let signed = Signed::sign(&revocation, &key(OHCHR_AUTHORITY));
        roster.anchors_mut().add_statement(&signed).unwrap();
    }

    fn verify(item: &Item, roster: &Roster, held: &Held) -> Result<VerifiedItem, VerifyError> {
        verify_item(&item.signed, &item.doc.save(), &item.sigs, roster, held)
    }

    #[test]
    fn a_node_certified_by_the_owners_authority_writes_like_a_pinned_one() {
        let mut item = Item::create(OHCHR_1, &[]);
        item.edit(STRANGER, "Report on the visit to Tunisia, annex added");
        assert!(verify(&item, &anchored(0), &Held::new()).is_ok());
        // Not in the roster at all without the certificate.
        assert!(
            matches!(item.verify(), Err(VerifyError::UnknownSigner(k)) if k == public(STRANGER))
        );
    }

    #[test]
    fn a_change_made_outside_the_certificates_time_is_refused() {
        let mut item = Item::create(OHCHR_1, &[]);
        item.edit(STRANGER, "Written a minute in, before the certificate held");
        let result = verify(&item, &anchored(30), &Held::new());
        assert!(
            matches!(result, Err(VerifyError::Key(KeyError::NotValid { key, .. })) if key == public(STRANGER)),
            "{result:?}"
        );
    }

    #[test]
    fn a_revoked_key_is_refused_whatever_time_its_change_claims_but_what_was_held_stays() {
        for reason in [Reason::Compromised, Reason::Retired] {
            let mut item = Item::create(OHCHR_1, &[]);
            // Claims minute 1, long before the revocation at minute 60.
            item.edit(OHCHR_2, "Report on the visit to Tunisia (withdrawn findings)");
            let mut roster = anchored(0);
            assert!(verify(&item, &roster, &Held::new()).is_ok());
            revoke(&mut roster, OHCHR_2, reason);
            let result = verify(&item, &roster, &Held::new());
            assert!(
                matches!(result, Err(VerifyError::Key(KeyError::Revoked { key, .. })) if key == public(OHCHR_2)),
                "{reason}: {result:?}"
            );
            // A node that took the change before the revocation keeps it, and checks the rest.
            let held: Held = item.sigs.iter().map(|s| s.hash).collect();
            assert!(verify(&item, &roster, &held).is_ok());
            item.edit(OHCHR_2, "A new change by the revoked key");
            assert!(matches!(verify(&item, &roster, &held), Err(VerifyError::Key(_))));
        }
    }

    #[test]
    fn a_revocation_by_another_mechanisms_authority_does_not_touch_a_key() {
        let mut roster = anchored(0);
        let achpr = AuthorityCard {
            v: STATEMENT_VERSION,
            mechanism: mech("achpr"),
            key: public(22),
            name: None,
        };
        roster.anchors_mut().anchor(&achpr);
        let revocation = Revocation {
            v: STATEMENT_VERSION,
            mechanism: mech("achpr"),
            key: public(OHCHR_2),
            reason: Reason::Compromised,
            revoked_at: at(60),
            authority: public(22),
        };
        roster.anchors_mut().add_statement(&Signed::sign(&revocation, &key(22))).unwrap();
        let mut item = Item::create(OHCHR_1, &[]);
        item.edit(OHCHR_2, "Still an ohchr node");
        assert!(verify(&item, &roster, &Held::new()).is_ok());
    }
}
