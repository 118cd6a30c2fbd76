//! Signed headers.

use ed25519_dalek::{Signer as _, SigningKey};

use crate::codec::{self, DecodeError};
use crate::header::HeaderError;
use crate::test_support::*;
use crate::{Header, Kind, Label, SCHEMA_VERSION, SignedHeader};

/// Signs `header` as-is with `key`, whoever its creator is (`Header::sign` asserts they match).
fn sign_as(header: &Header, key: &SigningKey) -> SignedHeader {
    let bytes = codec::encode(header);
    let signature = key.sign(&[&b"liaison/header/v1\0"[..], &bytes].concat()).to_bytes();
    SignedHeader { bytes, signature }
}

#[test]
fn a_signed_header_verifies_to_the_same_header() {
    for label in Label::ALL {
        let header = header(Kind::Visit, label, OHCHR_1);
        let signed = header.clone().sign(&key(OHCHR_1));
        assert_eq!(
            signed,
            sign_as(&header, &key(OHCHR_1)),
            "the signature covers the context and the bytes"
        );
        assert_eq!(signed.verify().unwrap().into_inner(), header);
    }
}

#[test]
fn any_flipped_byte_in_the_header_bytes_is_refused() {
    let signed = header(Kind::Event, Label::Amber, OHCHR_1).sign(&key(OHCHR_1));
    for i in 0..signed.bytes.len() {
        let mut bad = signed.clone();
        bad.bytes[i] ^= 0x01;
        assert!(bad.verify().is_err(), "byte {i} flipped");
    }
}

#[test]
fn any_flipped_byte_in_the_signature_is_refused() {
    let signed = header(Kind::Event, Label::Green, OHCHR_1).sign(&key(OHCHR_1));
    for i in 0..signed.signature.len() {
        let mut bad = signed.clone();
        bad.signature[i] ^= 0x80;
        assert!(
            matches!(bad.verify(), Err(HeaderError::Signature(k)) if k == public(OHCHR_1)),
            "byte {i}"
        );
    }
}

#[test]
fn an_unknown_schema_version_is_refused() {
    let mut h = header(Kind::Report, Label::Green, OHCHR_1);
    h.v = SCHEMA_VERSION + 1;
    match h.sign(&key(OHCHR_1)).verify() {
        Err(HeaderError::Field(e)) => assert_eq!(e.field, "schema version"),
        other => panic!("expected a schema version refusal, got {other:?}"),
    }
}

#[test]
fn a_header_signed_by_another_key_than_its_creator_is_refused() {
    let h = header(Kind::Report, Label::Green, OHCHR_1);
    let signed = sign_as(&h, &key(OHCHR_2));
    assert!(matches!(signed.verify(), Err(HeaderError::Signature(k)) if k == public(OHCHR_1)));
}

#[test]
fn a_creator_that_is_not_a_curve_point_is_refused_without_panicking() {
    let mut h = header(Kind::Report, Label::Green, OHCHR_1);
    // The y coordinate 2 has no matching x on edwards25519.
    let mut not_a_point = [0; 32];
    not_a_point[0] = 2;
    h.creator = crate::PublicKey(not_a_point);
    assert!(h.creator.verifying_key().is_none());
    assert!(matches!(sign_as(&h, &key(OHCHR_1)).verify(), Err(HeaderError::Signature(_))));
}

#[test]
fn headers_with_invalid_labels_or_co_owners_are_refused_even_when_signed() {
    #[track_caller]
    fn check(edit: impl FnOnce(&mut Header), field: &str) {
        let mut h = header(Kind::Visit, Label::Green, OHCHR_1);
        edit(&mut h);
        match h.sign(&key(OHCHR_1)).verify() {
            Err(HeaderError::Field(e)) => assert_eq!(e.field, field, "{e}"),
            other => panic!("expected a refusal of {field}, got {other:?}"),
        }
    }
    check(|h| h.label = Label::Amber, "audience");
    check(|h| h.audience = vec![mech("coe")], "audience");
    check(|h| h.co_owners = vec![mech("ohchr")], "co_owners");
    check(
        |h| {
            h.label = Label::Red;
            h.co_owners = vec![mech("achpr")];
        },
        "co_owners",
    );
}

#[test]
fn header_bytes_with_an_unknown_field_are_refused() {
    let h = header(Kind::Visit, Label::Green, OHCHR_1);
    let mut value: ciborium::Value = ciborium::Value::serialized(&h).unwrap();
    if let ciborium::Value::Map(entries) = &mut value {
        entries.push((
            ciborium::Value::Text("label_override".into()),
            ciborium::Value::Text("clear".into()),
        ));
    }
    let bytes = codec::encode(&value);
    let key = key(OHCHR_1);
    let signature = key.sign(&[&b"liaison/header/v1\0"[..], &bytes].concat()).to_bytes();
    match (SignedHeader { bytes, signature }).verify() {
        Err(HeaderError::Decode(DecodeError::Cbor(e))) => {
            assert!(e.contains("label_override"), "{e}")
        }
        other => panic!("expected a decode refusal, got {other:?}"),
    }
}

#[test]
fn an_oversized_header_is_refused_by_size() {
    let mut h = header(Kind::Visit, Label::Amber, OHCHR_1);
    h.audience = (0..400).map(|i| mech(&format!("mechanism-{i}"))).collect();
    let signed = h.sign(&key(OHCHR_1));
    assert!(matches!(signed.verify(), Err(HeaderError::Decode(DecodeError::TooLarge { .. }))));
}

/// Signatures over random and damaged headers.
mod props {
    use proptest::collection::vec;
    use proptest::prelude::*;

    use crate::SignedHeader;
    use crate::codec;
    use crate::test_support::strategies::*;

    proptest! {
        #[test]
        fn random_bytes_with_a_random_signature_never_verify(
            bytes in vec(any::<u8>(), 0..600),
            signature in any::<[u8; 64]>(),
        ) {
            let signed = SignedHeader { bytes, signature };
            prop_assert!(signed.verify().is_err());
        }

        #[test]
        fn a_real_header_with_a_random_signature_never_verifies(
            header in arb_header(),
            signature in any::<[u8; 64]>(),
            flips in vec((any::<usize>(), any::<u8>()), 0..3),
        ) {
            let bytes = if flips.is_empty() { codec::encode(&header) } else { mutate(codec::encode(&header), &flips) };
            let signed = SignedHeader { bytes, signature };
            prop_assert!(signed.verify().is_err());
        }
    }
}
