//! Items verified together give the answers they give one by one, whatever fails where: a
//! forged signature in the middle of a batch refuses that item alone, with the same error.

use crate::test_support::*;
use crate::verify::{Batch, Held, VerifiedItem, VerifyError, verify_item};
use crate::{Card, ChangeSig, Edit, ItemDoc, Kind, Label, Role, Roster, SignedHeader};

/// An item as it travels.
#[derive(Clone)]
struct Travelling {
    signed: SignedHeader,
    doc: Vec<u8>,
    sigs: Vec<ChangeSig>,
}

fn roster() -> Roster {
    let mut roster = Roster::new();
    for (seed, mechanism) in [(OHCHR_1, "ohchr"), (OHCHR_2, "ohchr"), (ACHPR, "achpr")] {
        let key = public(seed);
        roster.insert(Card {
            mechanism: mech(mechanism),
            name: None,
            role: Role::Member,
            key,
            addrs: vec![],
        });
    }
    roster
}

/// Item `n`: a green report of ohchr's, created by one of its nodes and edited by the other.
fn item(n: u8) -> Travelling {
    let mut header = header(Kind::Report, Label::Green, OHCHR_1);
    header.id = id(n);
    let signed = header.clone().sign(&key(OHCHR_1));
    let mut doc = ItemDoc::new();
    let mut sigs = Vec::new();
    for (k, (seed, title)) in
        [(OHCHR_1, "Report"), (OHCHR_2, "Report, corrected")].iter().enumerate()
    {
        let mut f = fields(Kind::Report);
        f.title.value = format!("{title} {n}");
        let edit = Edit { fields: Some(&f), withdraw: false, now: at(k as i64), session: [0; 8] };
        sigs.push(doc.write(&key(*seed), header.id, edit).unwrap().unwrap());
    }
    Travelling { signed, doc: doc.save(), sigs }
}

fn items(n: u8) -> Vec<Travelling> {
    (1..=n).map(item).collect()
}

/// `item` with its last change signed by a key other than its signer's.
fn forged_change(mut item: Travelling) -> Travelling {
    let last = item.sigs.last_mut().unwrap();
    let id = item.signed.verify().unwrap().id;
    last.signature = crate::change::sign(&key(STRANGER), id, last.hash).signature;
    item
}

/// `item` with its header signed by a key other than its creator's.
fn forged_header(mut item: Travelling) -> Travelling {
    use ed25519_dalek::Signer as _;
    let message = [&b"liaison/header/v1\0"[..], &item.signed.bytes].concat();
    item.signed.signature = key(STRANGER).sign(&message).to_bytes();
    item
}

/// `item` with its header signed by its creator, with an `R` carrying a small-order part.
fn odd_header(mut item: Travelling) -> Travelling {
    let message = [&b"liaison/header/v1\0"[..], &item.signed.bytes].concat();
    item.signed.signature = with_small_order_r(OHCHR_1, &message);
    item
}

fn one_by_one(items: &[Travelling]) -> Vec<Result<VerifiedItem, VerifyError>> {
    let roster = roster();
    items.iter().map(|i| verify_item(&i.signed, &i.doc, &i.sigs, &roster, &Held::new())).collect()
}

fn batched(items: &[Travelling]) -> Vec<Result<VerifiedItem, VerifyError>> {
    let roster = roster();
    let mut batch = Batch::new();
    let added: Vec<_> = items
        .iter()
        .map(|i| batch.add(&i.signed, &i.doc, &i.sigs, &roster, &Held::new()))
        .collect();
    assert_eq!(batch.len(), added.iter().filter(|a| a.is_ok()).count());
    let mut finished = batch.finish(rand::rng()).into_iter();
    added.into_iter().map(|a| a.and_then(|()| finished.next().unwrap())).collect()
}

/// The two ways give the same answer for every item: the same item, or the same error.
#[track_caller]
fn check(items: &[Travelling]) -> Vec<Result<VerifiedItem, VerifyError>> {
    let (alone, together) = (one_by_one(items), batched(items));
    assert_eq!(alone.len(), together.len());
    for (n, (a, b)) in alone.iter().zip(&together).enumerate() {
        match (a, b) {
            (Ok(a), Ok(b)) => {
                assert_eq!(
                    (&a.header, &a.signed_header, &a.sigs),
                    (&b.header, &b.signed_header, &b.sigs)
                );
                assert_eq!(a.doc.heads(), b.doc.heads());
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "item {n}"),
            _ => panic!("item {n}: one by one {a:?}, together {b:?}"),
        }
    }
    together
}

#[test]
fn genuine_items_verify_together_as_one_by_one() {
    let verified = check(&items(9));
    assert!(verified.iter().all(Result::is_ok));
}

#[test]
fn a_forged_change_in_the_middle_refuses_that_item_alone() {
    let mut all = items(9);
    all[4] = forged_change(all[4].clone());
    let verified = check(&all);
    for (n, v) in verified.iter().enumerate() {
        match v {
            Err(VerifyError::BadSignature(hash)) if n == 4 => {
                assert_eq!(*hash, hex::encode(all[4].sigs[1].hash));
            }
            Ok(item) if n != 4 => assert_eq!(item.header.id, id(n as u8 + 1)),
            other => panic!("item {n}: {other:?}"),
        }
    }
}

#[test]
fn a_forged_header_in_the_middle_refuses_that_item_alone() {
    let mut all = items(9);
    all[3] = forged_header(all[3].clone());
    let verified = check(&all);
    assert!(matches!(verified[3], Err(VerifyError::Header(_))), "{:?}", verified[3]);
    assert_eq!(verified.iter().filter(|v| v.is_ok()).count(), 8);
}

#[test]
fn each_item_gets_the_error_of_what_one_by_one_meets_first() {
    let mut all = items(12);
    all[1] = forged_header(all[1].clone());
    all[5] = forged_change(all[5].clone());
    all[6] = forged_header(forged_change(all[6].clone()));
    // A forged header on a document that does not load: the header is checked first.
    all[8] = forged_header(all[8].clone());
    all[8].doc = b"garbage".to_vec();
    // A document that does not load, its signatures good.
    all[9].doc = b"garbage".to_vec();
    // A change claiming a signer other than its actor, its signature that signer's.
    all[10].sigs[1] = crate::change::sign(&key(COE), id(11), all[10].sigs[1].hash);
    let verified = check(&all);
    let refused: Vec<usize> = (0..all.len()).filter(|n| verified[*n].is_err()).collect();
    assert_eq!(refused, [1, 5, 6, 8, 9, 10]);
}

#[test]
fn a_batch_of_nothing_is_nothing() {
    assert!(Batch::new().is_empty());
    assert!(Batch::new().finish(rand::rng()).is_empty());
}

#[test]
fn a_header_signed_with_a_small_order_part_in_r_is_decided_as_one_by_one() {
    // Wherever it sits in a batch, among good and bad items, it gets the answer it gets alone.
    for at in [0, 4, 8] {
        let mut all = items(9);
        all[at] = odd_header(all[at].clone());
        all[(at + 3) % 9] = forged_change(all[(at + 3) % 9].clone());
        let verified = check(&all);
        assert!(verified[at].is_ok(), "{:?}", verified[at]);
        assert_eq!(verified.iter().filter(|v| v.is_ok()).count(), 8);
    }
}
