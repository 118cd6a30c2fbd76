//! Trust statements: signatures bound to their kind and signer, text forms that catch damage,
//! keysets that refuse what their authority did not sign, anchors that answer who a key is,
//! and Merkle proofs that hold for every leaf of every tree size and for nothing else.

use chrono::Duration;

use super::*;
use crate::test_support::*;
use crate::{Role, codec};

const OHCHR_AUTHORITY: u8 = 21;
const ACHPR_AUTHORITY: u8 = 22;

fn authority_card(seed: u8, code: &str) -> AuthorityCard {
    AuthorityCard { v: STATEMENT_VERSION, mechanism: mech(code), key: public(seed), name: None }
}

fn cert(node: u8, code: &str, authority: u8) -> Certificate {
    Certificate {
        v: STATEMENT_VERSION,
        mechanism: mech(code),
        role: Role::Member,
        key: public(node),
        name: Some("New York".to_owned()),
        not_before: at(0),
        not_after: Some(at(60 * 24 * 365)),
        authority: public(authority),
    }
}

fn revocation(node: u8, code: &str, authority: u8, reason: Reason) -> Revocation {
    Revocation {
        v: STATEMENT_VERSION,
        mechanism: mech(code),
        key: public(node),
        reason,
        revoked_at: at(60),
        authority: public(authority),
    }
}

fn keyset(certs: Vec<Signed>, revocations: Vec<Signed>) -> Keyset {
    Keyset {
        v: STATEMENT_VERSION,
        mechanism: mech("ohchr"),
        authority: public(OHCHR_AUTHORITY),
        issued: at(0),
        expires: at(60 * 24 * 30),
        certificates: certs,
        revocations,
    }
}

fn ohchr_anchors() -> Anchors {
    let mut anchors = Anchors::new();
    anchors.anchor(&authority_card(OHCHR_AUTHORITY, "ohchr"));
    anchors
}

#[test]
fn a_signed_certificate_verifies_and_any_changed_byte_is_refused() {
    let signed = Signed::sign(&cert(OHCHR_2, "ohchr", OHCHR_AUTHORITY), &key(OHCHR_AUTHORITY));
    assert_eq!(*signed.verify::<Certificate>().unwrap(), cert(OHCHR_2, "ohchr", OHCHR_AUTHORITY));
    for i in 0..signed.bytes.len() {
        let mut bad = signed.clone();
        bad.bytes[i] ^= 1;
        assert!(bad.verify::<Certificate>().is_err(), "byte {i} changed");
    }
    let mut bad = signed.clone();
    bad.signature[5] ^= 1;
    assert!(matches!(bad.verify::<Certificate>(), Err(TrustError::Signature(_))));
}

#[test]
fn a_signature_is_bound_to_its_kind_of_statement_and_its_signer() {
    // A certificate signed by a node key for itself names an authority that did not sign it.
    let mut forged = cert(OHCHR_2, "ohchr", OHCHR_AUTHORITY);
    let signed =
        Signed::sign(&Certificate { authority: public(OHCHR_1), ..forged.clone() }, &key(OHCHR_1));
    forged.authority = public(OHCHR_AUTHORITY);
    let claimed = Signed { bytes: codec::encode(&forged), signature: signed.signature };
    assert!(claimed.verify::<Certificate>().is_err());
    // A revocation's signature does not make its bytes a certificate's, nor the other way.
    let r = Signed::sign(
        &revocation(OHCHR_2, "ohchr", OHCHR_AUTHORITY, Reason::Retired),
        &key(OHCHR_AUTHORITY),
    );
    assert!(r.verify::<Certificate>().is_err());
    let c = Signed::sign(&cert(OHCHR_2, "ohchr", OHCHR_AUTHORITY), &key(OHCHR_AUTHORITY));
    assert!(c.verify::<Revocation>().is_err());
}

#[test]
fn a_certificate_that_ends_before_it_starts_or_certifies_its_authority_is_refused() {
    let mut c = cert(OHCHR_2, "ohchr", OHCHR_AUTHORITY);
    c.not_after = Some(c.not_before);
    let err = Signed::sign(&c, &key(OHCHR_AUTHORITY)).verify::<Certificate>().unwrap_err();
    assert!(err.to_string().contains("not_after"), "{err}");
    let own = cert(OHCHR_AUTHORITY, "ohchr", OHCHR_AUTHORITY);
    assert!(Signed::sign(&own, &key(OHCHR_AUTHORITY)).verify::<Certificate>().is_err());
}

#[test]
fn text_forms_round_trip_and_catch_damage() {
    let card = authority_card(OHCHR_AUTHORITY, "ohchr");
    let text = card.encode();
    assert!(text.starts_with(AUTHORITY_PREFIX));
    assert_eq!(AuthorityCard::decode(&format!("  {text}\n")).unwrap(), card);
    let mut damaged = text.clone().into_bytes();
    let last = damaged.len() - 3;
    damaged[last] = if damaged[last] == b'A' { b'B' } else { b'A' };
    let err = AuthorityCard::decode(std::str::from_utf8(&damaged).unwrap()).unwrap_err();
    assert!(err.to_string().contains("copy the whole line"), "{err}");
    assert!(AuthorityCard::decode(&text.replace(AUTHORITY_PREFIX, "liaison1:")).is_err());

    let signed = Signed::sign(&cert(OHCHR_2, "ohchr", OHCHR_AUTHORITY), &key(OHCHR_AUTHORITY));
    let line = signed.encode(CERT_PREFIX);
    assert_eq!(Signed::decode(&line, CERT_PREFIX, "certificate").unwrap(), signed);
    assert!(Signed::decode(&line, REVOCATION_PREFIX, "revocation").is_err());
}

#[test]
fn anchors_know_certified_keys_only_within_their_time_and_until_revoked() {
    let mut anchors = ohchr_anchors();
    assert_eq!(anchors.node(&public(OHCHR_2), at(10)), Err(KeyError::Unknown(public(OHCHR_2))));
    anchors
        .add_certificate(&Signed::sign(
            &cert(OHCHR_2, "ohchr", OHCHR_AUTHORITY),
            &key(OHCHR_AUTHORITY),
        ))
        .unwrap();
    let peer = anchors.node(&public(OHCHR_2), at(10)).unwrap();
    assert_eq!((peer.mechanism, peer.role), (mech("ohchr"), Role::Member));
    assert!(matches!(anchors.node(&public(OHCHR_2), at(-1)), Err(KeyError::NotValid { .. })));
    let end = at(60 * 24 * 365);
    assert!(matches!(anchors.node(&public(OHCHR_2), end), Err(KeyError::NotValid { .. })));
    let r = revocation(OHCHR_2, "ohchr", OHCHR_AUTHORITY, Reason::Compromised);
    anchors.add_revocation(&Signed::sign(&r, &key(OHCHR_AUTHORITY))).unwrap();
    // Refused whatever time is claimed, also before the revocation.
    for minutes in [1, 59, 61, 1000] {
        assert!(matches!(
            anchors.node(&public(OHCHR_2), at(minutes)),
            Err(KeyError::Revoked { .. })
        ));
    }
}

#[test]
fn statements_for_another_mechanism_or_by_an_unanchored_authority_are_refused() {
    let mut anchors = ohchr_anchors();
    // achpr's authority is not anchored.
    let achpr = Signed::sign(&cert(ACHPR, "achpr", ACHPR_AUTHORITY), &key(ACHPR_AUTHORITY));
    let err = anchors.add_certificate(&achpr).unwrap_err();
    assert!(err.to_string().contains("no authority of achpr"), "{err}");
    // ohchr's authority certifying a key for achpr.
    let other = Signed::sign(&cert(ACHPR, "achpr", OHCHR_AUTHORITY), &key(OHCHR_AUTHORITY));
    assert!(anchors.add_certificate(&other).is_err());
    // An authority card of achpr does not let ohchr's authority speak for achpr.
    anchors.anchor(&authority_card(ACHPR_AUTHORITY, "achpr"));
    assert!(anchors.add_certificate(&other).is_err());
    assert!(anchors.add_certificate(&achpr).is_ok());
    let revoke_other = revocation(ACHPR, "achpr", OHCHR_AUTHORITY, Reason::Retired);
    assert!(anchors.add_revocation(&Signed::sign(&revoke_other, &key(OHCHR_AUTHORITY))).is_err());
    assert!(anchors.node(&public(ACHPR), at(5)).is_ok());
}

#[test]
fn a_keyset_opens_only_whole_signed_current_and_by_one_authority() {
    let c = Signed::sign(&cert(OHCHR_2, "ohchr", OHCHR_AUTHORITY), &key(OHCHR_AUTHORITY));
    let r = Signed::sign(
        &revocation(OHCHR_1, "ohchr", OHCHR_AUTHORITY, Reason::Retired),
        &key(OHCHR_AUTHORITY),
    );
    let file =
        KeysetFile::new(&Signed::sign(&keyset(vec![c.clone()], vec![r]), &key(OHCHR_AUTHORITY)));
    let json = serde_json::to_string(&file).unwrap();
    let read: KeysetFile = serde_json::from_str(&json).unwrap();
    let opened = read.open(at(10)).unwrap();
    assert_eq!(opened.certificates.len(), 1);
    assert_eq!(opened.revocations[0].key, public(OHCHR_1));
    let expired = read.open(at(60 * 24 * 30)).unwrap_err();
    assert!(expired.to_string().contains("expired"), "{expired}");

    let mut anchors = Anchors::new();
    assert!(anchors.add_keyset(&read, false, at(10)).is_err(), "not anchored, not chosen");
    anchors.add_keyset(&read, true, at(10)).unwrap();
    assert!(anchors.node(&public(OHCHR_2), at(10)).is_ok());
    assert!(matches!(anchors.node(&public(OHCHR_1), at(10)), Err(KeyError::Unknown(_))));

    // A certificate by another authority inside ohchr's keyset.
    let stray = Signed::sign(&cert(COE, "ohchr", ACHPR_AUTHORITY), &key(ACHPR_AUTHORITY));
    let bad =
        KeysetFile::new(&Signed::sign(&keyset(vec![c, stray], vec![]), &key(OHCHR_AUTHORITY)));
    assert!(bad.open(at(10)).is_err());
    // Another format, a signature by someone else.
    assert!(KeysetFile { format: "liaison-keyset/9".into(), ..read.clone() }.open(at(10)).is_err());
    let by_node = Signed::sign(
        &Keyset { authority: public(OHCHR_1), ..keyset(vec![], vec![]) },
        &key(OHCHR_1),
    );
    let mut swapped = KeysetFile::new(&by_node);
    swapped.signature = read.signature.clone();
    assert!(swapped.open(at(10)).is_err());
}

#[test]
fn every_leaf_of_every_tree_size_proves_and_nothing_else_does() {
    for n in 0..40usize {
        let leaves: Vec<[u8; 32]> =
            (0..n).map(|i| leaf_hash(id(i as u8), &[i as u8; 32])).collect();
        let root = merkle_root(&leaves);
        assert!(prove(&leaves, n).is_none());
        for (i, leaf) in leaves.iter().enumerate() {
            let proof = prove(&leaves, i).unwrap();
            assert!(proof.verifies(leaf, &root), "leaf {i} of {n}");
            let other = leaf_hash(id(i as u8), &[0xff; 32]);
            assert!(!proof.verifies(&other, &root), "another state of leaf {i} of {n}");
            if n > 1 {
                let moved = Proof { index: ((i + 1) % n) as u64, ..proof.clone() };
                assert!(!moved.verifies(leaf, &root), "leaf {i} of {n} at another place");
                let mut bent = proof.clone();
                bent.path[0][0] ^= 1;
                assert!(!bent.verifies(leaf, &root), "a changed path for leaf {i} of {n}");
            }
        }
    }
}

/// RFC 9162's tree shape, pinned: a leaf is `H(0 || data)`, a node `H(1 || l || r)`, and five
/// leaves split as four and one. A Python reader follows the same bytes.
#[test]
fn the_merkle_tree_is_rfc_9162s() {
    use sha2::{Digest, Sha256};
    let h = |parts: &[&[u8]]| -> [u8; 32] {
        let mut s = Sha256::new();
        for p in parts {
            s.update(p);
        }
        s.finalize().into()
    };
    let leaves: Vec<[u8; 32]> = (0..5u8).map(|i| leaf_hash(id(i), &[i; 32])).collect();
    assert_eq!(leaves[2], h(&[&[0], id(2).as_bytes(), &[2; 32]]));
    let n01 = h(&[&[1], &leaves[0], &leaves[1]]);
    let n23 = h(&[&[1], &leaves[2], &leaves[3]]);
    let n0123 = h(&[&[1], &n01, &n23]);
    assert_eq!(merkle_root(&leaves), h(&[&[1], &n0123, &leaves[4]]));
    assert_eq!(merkle_root(&[]), h(&[]));
    assert_eq!(prove(&leaves, 4).unwrap().path, vec![n0123]);
}

#[test]
fn a_checkpoint_verifies_and_binds_its_root_and_time() {
    let leaves: Vec<[u8; 32]> = (0..3u8).map(|i| leaf_hash(id(i), &[i; 32])).collect();
    let checkpoint = Checkpoint {
        v: STATEMENT_VERSION,
        mechanism: mech("ohchr"),
        signer: public(OHCHR_1),
        time: at(0) + Duration::hours(1),
        count: 3,
        root: merkle_root(&leaves),
    };
    let signed = Signed::sign(&checkpoint, &key(OHCHR_1));
    assert_eq!(*signed.verify::<Checkpoint>().unwrap(), checkpoint);
    let later = Checkpoint { time: checkpoint.time + Duration::hours(1), ..checkpoint.clone() };
    let replayed = Signed { bytes: codec::encode(&later), signature: signed.signature };
    assert!(replayed.verify::<Checkpoint>().is_err());
}
