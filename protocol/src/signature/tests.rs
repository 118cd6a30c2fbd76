//! The rule decides every signature alike, alone and in any batch, including the odd ones a
//! key holder can build on purpose.

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;

use super::{Item, all_verify, usable};
use crate::PublicKey;
use crate::test_support::{OHCHR_1, OHCHR_2, key, public, small_order_point, with_small_order_r};
use ed25519_dalek::Signer as _;

fn honest(seed: u8, message: &[u8]) -> [u8; 64] {
    key(seed).sign(message).to_bytes()
}

fn item(seed: u8, message: &[u8], signature: &[u8; 64]) -> Item {
    Item::new(&public(seed), message, signature)
}

#[test]
fn an_honest_signature_verifies_and_a_wrong_one_does_not() {
    let signature = honest(OHCHR_1, b"visit");
    assert!(public(OHCHR_1).verifies(b"visit", &signature));
    assert!(!public(OHCHR_1).verifies(b"visits", &signature));
    assert!(!public(OHCHR_2).verifies(b"visit", &signature));
    assert!(item(OHCHR_1, b"visit", &signature).verifies());
    assert!(!item(OHCHR_1, b"visits", &signature).verifies());
}

#[test]
fn a_signature_whose_r_has_a_small_order_part_is_decided_alike_alone_and_in_every_batch() {
    let odd = with_small_order_r(OHCHR_1, b"odd");
    // The unbatched equation refuses it; the rule accepts it, alone and in any company.
    let strict = public(OHCHR_1).verifying_key().unwrap();
    assert!(strict.verify_strict(b"odd", &ed25519_dalek::Signature::from_bytes(&odd)).is_err());
    assert!(public(OHCHR_1).verifies(b"odd", &odd));
    assert!(item(OHCHR_1, b"odd", &odd).verifies());
    for company in 0..16u8 {
        let mut items = vec![item(OHCHR_1, b"odd", &odd)];
        for n in 0..company {
            let (seed, message) = (if n % 2 == 0 { OHCHR_1 } else { OHCHR_2 }, [n]);
            items.push(item(seed, &message, &honest(seed, &message)));
        }
        assert!(all_verify(items, rand::rng()), "with {company} others");
    }
    // And a change of message still fails it, alone and in a batch.
    assert!(!public(OHCHR_1).verifies(b"odd!", &odd));
    assert!(!all_verify([item(OHCHR_1, b"odd!", &odd)], rand::rng()));
}

#[test]
fn a_bad_signature_fails_every_batch_it_is_in() {
    let bad = honest(OHCHR_1, b"one thing");
    for company in 0..16u8 {
        let mut items: Vec<Item> =
            (0..company).map(|n| item(OHCHR_2, &[n], &honest(OHCHR_2, &[n]))).collect();
        items.insert(usize::from(company) / 2, item(OHCHR_1, b"another", &bad));
        assert!(!all_verify(items, rand::rng()), "with {company} others");
    }
}

#[test]
fn a_small_order_key_signs_nothing() {
    // For the identity as a key, `R = [s]B` satisfies the equation for any message: anyone
    // could sign anything. Such keys are refused before any equation.
    let identity = PublicKey(EdwardsPoint::default().compress().to_bytes());
    let quarter = PublicKey(small_order_point().compress().to_bytes());
    let s = Scalar::from_bytes_mod_order([3; 32]);
    let mut forged = [0; 64];
    forged[..32].copy_from_slice(EdwardsPoint::mul_base(&s).compress().as_bytes());
    forged[32..].copy_from_slice(s.as_bytes());
    for key in [identity, quarter] {
        assert!(!usable(&key));
        assert!(!key.verifies(b"anything", &forged));
    }
    assert!(usable(&public(OHCHR_1)));
}
