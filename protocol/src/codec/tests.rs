//! Golden bytes: the wire format must not change by accident. If one of these fails, the change
//! breaks every stored item and every peer running the previous build.

use crate::codec::{self, MAX_CARD_BYTES, MAX_HEADER_BYTES};
use crate::test_support::*;
use crate::{Card, ChangeSig, Header, Kind, Label, Role, SCHEMA_VERSION, SignedHeader, change};

/// A header with every optional field set.
fn fixed_header() -> Header {
    Header {
        v: SCHEMA_VERSION,
        id: id(0x11),
        kind: Kind::Visit,
        owner: mech("ohchr"),
        co_owners: vec![mech("achpr")],
        label: Label::Amber,
        audience: vec![mech("coe")],
        created: at(0),
        creator: public(OHCHR_1),
        supersedes: Some(id(0x22)),
        consents: Vec::new(),
    }
}

fn fixed_card() -> Card {
    Card {
        mechanism: mech("ohchr"),
        name: Some("OHCHR Geneva".to_owned()),
        role: Role::Member,
        key: public(OHCHR_1),
        addrs: vec!["/ip4/192.0.2.1/tcp/4001".to_owned()],
    }
}

const HEADER_CBOR: &str = concat!(
    "aa6176016269645011111111111141119111111111111111646b696e64657669736974656f776e6572656f",
    "6863687269636f5f6f776e65727381656163687072656c6162656c65616d6265726861756469656e6365",
    "8163636f65676372656174656474323032372d30312d31355430393a30303a30305a6763726561746f72",
    "58208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c6a73757065727365",
    "646573502222222222224222a222222222222222",
);

/// `{"bytes": <HEADER_CBOR>, "signature": <64 bytes>}`.
const SIGNED_HEADER_CBOR: &str = concat!(
    "a265627974657358bd",
    "aa6176016269645011111111111141119111111111111111646b696e64657669736974656f776e6572656f",
    "6863687269636f5f6f776e65727381656163687072656c6162656c65616d6265726861756469656e6365",
    "8163636f65676372656174656474323032372d30312d31355430393a30303a30305a6763726561746f72",
    "58208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c6a73757065727365",
    "646573502222222222224222a222222222222222",
    "697369676e61747572655840",
    "88066e632147eda32ac362fc296585380a265ef08e0dd70f8f768dd3fbf45007816e50221299a588fd5f",
    "6908b75db0f8c2786008b66d4480a229af0cafca1f0c",
);

/// The signature by node 1 of change hash `[7; 32]` of item `id(0x11)`.
const CHANGE_SIG_CBOR: &str = concat!(
    "a3646861736858200707070707070707070707070707070707070707070707070707070707070707667369",
    "676e657258208a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c69736967",
    "6e61747572655840d6ca9b5161043d8a685fa756693d54f15c529fa2de9c9a654453ce5e89805ed91d69",
    "64e6702b32d64aeb5e86a434761366a6e0606b94a9402640c32be200c500",
);

const CARD_TEXT: &str = concat!(
    "liaison1:pWltZWNoYW5pc21lb2hjaHJkbmFtZWxPSENIUiBHZW5ldmFkcm9sZWZtZW1iZXJja2V5WCCKiOPd",
    "dAnxlf1S2y08ul1yymcJvx2UEhvzdIgBtA9vXGVhZGRyc4F3L2lwNC8xOTIuMC4yLjEvdGNwLzQwMDE6gA_0",
);

#[test]
fn header_cbor_is_pinned() {
    let header = fixed_header();
    let bytes = codec::encode(&header);
    assert_eq!(hex::encode(&bytes), HEADER_CBOR);
    assert_eq!(codec::decode::<Header>(&bytes, MAX_HEADER_BYTES).unwrap(), header);
}

#[test]
fn signed_header_cbor_is_pinned() {
    let signed = fixed_header().sign(&key(OHCHR_1));
    let bytes = codec::encode(&signed);
    assert_eq!(hex::encode(&bytes), SIGNED_HEADER_CBOR);
    let decoded: SignedHeader = codec::decode(&bytes, 2 * MAX_HEADER_BYTES).unwrap();
    assert_eq!(decoded, signed);
    assert_eq!(decoded.verify().unwrap().into_inner(), fixed_header());
}

#[test]
fn change_sig_cbor_is_pinned() {
    let sig = change::sign(&key(OHCHR_1), id(0x11), [7; 32]);
    let bytes = codec::encode(&sig);
    assert_eq!(hex::encode(&bytes), CHANGE_SIG_CBOR);
    let decoded: ChangeSig = codec::decode(&bytes, 256).unwrap();
    assert_eq!(decoded, sig);
    assert!(decoded.verifies(id(0x11)));
}

#[test]
fn card_text_is_pinned() {
    let card = fixed_card();
    assert_eq!(card.encode(), CARD_TEXT);
    assert_eq!(Card::decode(CARD_TEXT).unwrap(), card);
    assert!(CARD_TEXT.len() < MAX_CARD_BYTES);
}

#[test]
fn card_decode_tolerates_surrounding_whitespace() {
    assert_eq!(Card::decode(&format!("  {CARD_TEXT}\n")).unwrap(), fixed_card());
}

#[test]
fn card_with_a_changed_character_is_refused_by_its_checksum() {
    // Change one payload character (not the last, whose low bits base64 ignores).
    let mut text = CARD_TEXT.to_owned().into_bytes();
    let i = "liaison1:".len() + 20;
    text[i] = if text[i] == b'A' { b'B' } else { b'A' };
    let err = Card::decode(std::str::from_utf8(&text).unwrap()).unwrap_err();
    assert_eq!(err.field, "card");
    assert!(err.allowed.contains("checksum"), "{err}");
}

#[test]
fn card_without_its_prefix_or_cut_short_is_refused() {
    for text in
        [&CARD_TEXT["liaison1:".len()..], &CARD_TEXT[..CARD_TEXT.len() - 3], "liaison1:", ""]
    {
        assert_eq!(Card::decode(text).unwrap_err().field, "card", "{text:?}");
    }
}

/// Round trips and hostile input through the size-limited decoder.
mod props {
    use proptest::collection::vec;
    use proptest::prelude::*;

    use crate::codec::{self, DecodeError, MAX_CARD_BYTES, MAX_HEADER_BYTES};
    use crate::test_support::strategies::*;
    use crate::{Card, Header};

    proptest! {
        #[test]
        fn header_round_trips_through_cbor(header in arb_header()) {
            let bytes = codec::encode(&header);
            prop_assert!(bytes.len() <= MAX_HEADER_BYTES);
            prop_assert_eq!(codec::decode::<Header>(&bytes, MAX_HEADER_BYTES).unwrap(), header);
        }

        #[test]
        fn card_round_trips_through_its_text(card in arb_card()) {
            let text = card.encode();
            prop_assert!(text.starts_with("liaison1:"));
            prop_assert_eq!(Card::decode(&text).unwrap(), card);
        }

        #[test]
        fn decode_refuses_oversized_input_before_parsing(header in arb_header(), short in 1usize..16) {
            // Valid CBOR one byte (or more) over the limit is refused by size, not parsed.
            let bytes = codec::encode(&header);
            let max = bytes.len().saturating_sub(short);
            match codec::decode::<Header>(&bytes, max) {
                Err(DecodeError::TooLarge { len, max: limit }) => {
                    prop_assert_eq!(len, bytes.len());
                    prop_assert_eq!(limit, max);
                }
                other => prop_assert!(false, "expected TooLarge, got {:?}", other),
            }
            prop_assert!(codec::decode::<Header>(&bytes, bytes.len()).is_ok());
        }

        #[test]
        fn decode_refuses_oversized_garbage_as_too_large(max in 0usize..512, extra in 1usize..64, fill in any::<u8>()) {
            let bytes = vec![fill; max + extra];
            let too_large = matches!(
                codec::decode::<Header>(&bytes, max),
                Err(DecodeError::TooLarge { len, max: m }) if len == max + extra && m == max
            );
            prop_assert!(too_large);
        }

        /// Whatever random bytes decode to is a header that survives its own round trip.
        #[test]
        fn random_bytes_decode_to_an_error_or_a_stable_header(bytes in vec(any::<u8>(), 0..600)) {
            if let Ok(header) = codec::decode::<Header>(&bytes, MAX_HEADER_BYTES) {
                let again = codec::decode::<Header>(&codec::encode(&header), MAX_HEADER_BYTES);
                prop_assert_eq!(again.unwrap(), header);
            }
        }

        /// A damaged header either fails to decode or decodes to a header that round-trips.
        #[test]
        fn mutated_header_bytes_decode_to_an_error_or_a_stable_header(
            header in arb_header(),
            flips in vec((any::<usize>(), any::<u8>()), 1..4),
        ) {
            let damaged = mutate(codec::encode(&header), &flips);
            if let Ok(decoded) = codec::decode::<Header>(&damaged, MAX_HEADER_BYTES) {
                let again = codec::decode::<Header>(&codec::encode(&decoded), MAX_HEADER_BYTES);
                prop_assert_eq!(again.unwrap(), decoded);
            }
        }

        #[test]
        fn random_text_is_no_card(text in "\\PC{0,200}") {
            prop_assert!(Card::decode(&text).is_err() || text.trim().starts_with("liaison1:"));
            if let Ok(card) = Card::decode(&format!("liaison1:{text}")) {
                prop_assert_eq!(Card::decode(&card.encode()).unwrap(), card);
            }
        }

        /// Past the checksum, random CBOR is refused, or is a card that round-trips.
        #[test]
        fn random_payload_with_a_good_checksum_is_refused_or_a_stable_card(payload in vec(any::<u8>(), 0..MAX_CARD_BYTES + 8)) {
            if let Ok(card) = Card::decode(&card_around(&payload)) {
                prop_assert_eq!(Card::decode(&card.encode()).unwrap(), card);
            }
            if payload.len() > MAX_CARD_BYTES {
                prop_assert!(Card::decode(&card_around(&payload)).is_err());
            }
        }
    }
}
