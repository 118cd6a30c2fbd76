//! Tests of catalogue reconciliation and the sync messages: fingerprints and splits, the wire
//! format (golden bytes, byte strings, size limit), refusal of hostile turns, and two reconcilers
//! driven against each other on random catalogues until both know every difference.

use std::collections::BTreeSet;

use proptest::collection::vec;
use proptest::prelude::*;
use sha2::{Digest as _, Sha256};

use super::*;
use crate::codec::DecodeError;

/// Deterministic ids and digests, and two reconcilers talking through the wire format.
mod support {
    use super::*;

    fn sha(parts: &[&[u8]]) -> [u8; 32] {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update(part);
        }
        hasher.finalize().into()
    }

    /// The `n`th id of a family; `prefix` pins its first byte to cluster ids in one range.
    pub(super) fn id(family: u64, n: u64, prefix: Option<u8>) -> ItemId {
        let hash = sha(&[b"id", &family.to_le_bytes(), &n.to_le_bytes()]);
        let mut bytes: [u8; 16] = hash[..16].try_into().unwrap();
        if let Some(prefix) = prefix {
            bytes[0] = prefix;
        }
        ItemId::from_random_bytes(bytes)
    }

    pub(super) fn digest(n: u64) -> [u8; 32] {
        sha(&[b"digest", &n.to_le_bytes()])
    }

    /// The items of two catalogues: shared ones, ones on one side only, and shared ids whose
    /// digests differ.
    #[derive(Debug, Clone, Copy)]
    pub(super) struct Shape {
        pub(super) seed: u64,
        pub(super) shared: u64,
        pub(super) only_a: u64,
        pub(super) only_b: u64,
        pub(super) changed: u64,
        /// Put A's own items near the start and B's near the end of the id space.
        pub(super) clustered: bool,
    }

    pub(super) fn catalogues(shape: Shape) -> (Catalog, Catalog) {
        let Shape { seed, shared, only_a, only_b, changed, clustered } = shape;
        let family = seed * 8;
        let mut a: Catalog = (0..shared).map(|n| (id(family, n, None), digest(n))).collect();
        let mut b = a.clone();
        let (prefix_a, prefix_b) = if clustered { (Some(0x00), Some(0xff)) } else { (None, None) };
        a.extend((0..only_a).map(|n| (id(family + 1, n, prefix_a), digest(n))));
        b.extend((0..only_b).map(|n| (id(family + 2, n, prefix_b), digest(n))));
        for n in 0..changed {
            let id = id(family + 3, n, None);
            a.insert(id, digest(n));
            b.insert(id, digest(n + 1));
        }
        (a, b)
    }

    /// The ids only `from` holds: `to` must get them.
    pub(super) fn missing(from: &Catalog, to: &Catalog) -> BTreeSet<ItemId> {
        let entries = from.entries(&Range::all()).into_iter();
        entries.filter(|(id, _)| to.digest(id).is_none()).map(|(id, _)| id).collect()
    }

    /// The ids both hold with different digests: one side must fetch and merge them.
    pub(super) fn differing(a: &Catalog, b: &Catalog) -> BTreeSet<ItemId> {
        let entries = a.entries(&Range::all()).into_iter();
        entries.filter(|(id, d)| b.digest(id).is_some_and(|o| o != d)).map(|(id, _)| id).collect()
    }

    /// What a session between A (initiator) and B produced.
    #[derive(Debug, Default)]
    pub(super) struct Session {
        /// Calls to `respond`, both sides, the last one returning no reply.
        pub(super) responds: usize,
        /// Messages A sent: its start and each request after.
        pub(super) round_trips: usize,
        /// Encoded bytes of every `Reconcile` sent, both ways.
        pub(super) bytes: usize,
        pub(super) a: Step,
        pub(super) b: Step,
    }

    const MAX_RESPONDS: usize = 50_000;

    /// Drives A and B, each message going through its CBOR encoding, until a reply is `None`.
    pub(super) fn drive<'x>(
        a: (impl Into<View<'x>>, Reconciler),
        b: (impl Into<View<'x>>, Reconciler),
    ) -> Session {
        let (a, b): ((View<'x>, _), (View<'x>, _)) = ((a.0.into(), a.1), (b.0.into(), b.1));
        let mut session = Session::default();
        let mut message = a.1.start(a.0);
        session.round_trips = 1;
        let mut from_a = true;
        loop {
            message = through_wire(message, from_a, &mut session.bytes);
            let (catalog, reconciler) = if from_a { b } else { a };
            let step = reconciler.respond(catalog, &message).unwrap();
            session.responds += 1;
            assert!(session.responds < MAX_RESPONDS, "no end in sight");
            let collected = if from_a { &mut session.b } else { &mut session.a };
            collected.send.extend(step.send);
            collected.fetch.extend(step.fetch);
            let Some(reply) = step.reply else { return session };
            check(&reply).unwrap();
            assert!(reply.ranges.len() <= reconciler.reply_ranges());
            from_a = !from_a;
            session.round_trips += usize::from(from_a);
            message = reply;
        }
    }

    fn through_wire(message: Reconcile, from_a: bool, bytes: &mut usize) -> Reconcile {
        let encoded = if from_a {
            SyncRequest::Reconcile(message.clone()).encode()
        } else {
            SyncResponse::Reconcile(message.clone()).encode()
        };
        assert!(encoded.len() <= MAX_MESSAGE_BYTES);
        *bytes += encoded.len();
        let decoded = if from_a {
            match SyncRequest::decode(&encoded).unwrap() {
                SyncRequest::Reconcile(decoded) => decoded,
                other => panic!("decoded {other:?}"),
            }
        } else {
            match SyncResponse::decode(&encoded).unwrap() {
                SyncResponse::Reconcile(decoded) => decoded,
                other => panic!("decoded {other:?}"),
            }
        };
        assert_eq!(decoded, message);
        decoded
    }

    /// Every transfer needed is found, none that is not, and (without `repeats`) each just once:
    /// what one side lacks is offered or fetched, what both hold differently is fetched by one
    /// of them, at the peer's digest.
    pub(super) fn assert_complete(a: &Catalog, b: &Catalog, session: &Session, repeats: bool) {
        let differ = differing(a, b);
        let mut listed = 0;
        let mut fetched_differ = BTreeSet::new();
        for (from, to, offered, fetched) in
            [(a, b, &session.a.send, &session.b.fetch), (b, a, &session.b.send, &session.a.fetch)]
        {
            for (id, digest) in fetched {
                assert_eq!(from.digest(id), Some(digest), "fetched at another digest");
            }
            let ids: Vec<ItemId> =
                offered.iter().copied().chain(fetched.iter().map(|(id, _)| *id)).collect();
            listed += ids.len();
            let found: BTreeSet<ItemId> = ids.into_iter().collect();
            fetched_differ.extend(found.intersection(&differ).copied());
            let lacking: BTreeSet<ItemId> = found.difference(&differ).copied().collect();
            assert_eq!(lacking, missing(from, to));
        }
        assert_eq!(fetched_differ, differ);
        for id in session.a.send.iter().chain(&session.b.send) {
            assert!(!differ.contains(id), "a differing item is fetched, never offered");
        }
        if !repeats {
            let needed = missing(a, b).len() + missing(b, a).len() + differ.len();
            assert_eq!(listed, needed, "an id was listed twice");
        }
    }
}

use support::*;

fn big() -> Catalog {
    (0..100_000).map(|n| (id(1, n, None), digest(n))).collect()
}

mod catalogue {
    use super::*;

    #[test]
    fn heads_digest_ignores_order_and_repeats() {
        let heads = [1u8, 2, 3].map(|n| automerge::ChangeHash([n; 32]));
        let shuffled = [heads[2], heads[0], heads[1], heads[0]];
        assert_eq!(heads_digest(&heads), heads_digest(&shuffled));
        assert_ne!(heads_digest(&heads), heads_digest(&heads[..2]));
    }

    #[test]
    fn range_is_half_open() {
        let range = Range { lo: [0x10; 16], hi: Some([0x20; 16]) };
        assert!(range.contains(&ItemId::from_bytes([0x10; 16])));
        assert!(!range.contains(&ItemId::from_bytes([0x20; 16])));
        assert!(!range.contains(&ItemId::from_bytes([0x0f; 16])));
        assert!(Range::all().contains(&ItemId::from_bytes([0xff; 16])));
        assert!(Range { lo: [1; 16], hi: Some([1; 16]) }.is_empty());
        assert!(!Range::all().is_empty());
    }

    #[test]
    fn fingerprint_depends_on_the_set_not_the_insertion_order() {
        let items: Vec<_> = (0..50).map(|n| (id(0, n, None), digest(n))).collect();
        let forward: Catalog = items.iter().copied().collect();
        let backward: Catalog = items.iter().rev().copied().collect();
        assert_eq!(forward.fingerprint(&Range::all()), backward.fingerprint(&Range::all()));
        assert_eq!(forward.fingerprint(&Range::all()).count, 50);
    }

    #[test]
    fn fingerprint_follows_inserts_removes_and_digest_changes() {
        let mut catalog: Catalog = (0..50).map(|n| (id(0, n, None), digest(n))).collect();
        let before = catalog.fingerprint(&Range::all());
        assert_eq!(catalog.insert(id(0, 7, None), digest(1000)), Some(digest(7)));
        assert_ne!(catalog.fingerprint(&Range::all()), before);
        catalog.insert(id(0, 7, None), digest(7));
        assert_eq!(catalog.fingerprint(&Range::all()), before);
        catalog.insert(id(0, 99, None), digest(99));
        assert_ne!(catalog.fingerprint(&Range::all()), before);
        assert_eq!(catalog.remove(&id(0, 99, None)), Some(digest(99)));
        assert_eq!(catalog.fingerprint(&Range::all()), before);
        assert_eq!(Catalog::new().fingerprint(&Range::all()), Fingerprint::default());
    }

    #[test]
    fn empty_range_holds_nothing() {
        let catalog: Catalog = (0..10).map(|n| (id(0, n, None), digest(n))).collect();
        let empty = Range { lo: [0x80; 16], hi: Some([0x10; 16]) };
        assert_eq!(catalog.fingerprint(&empty).count, 0);
        assert!(catalog.entries(&empty).is_empty());
        assert_eq!(catalog.split(&empty, 4), vec![empty]);
    }

    #[test]
    fn split_of_fewer_than_two_items_is_the_range_itself() {
        let catalog: Catalog = [(id(0, 1, None), digest(1))].into_iter().collect();
        assert_eq!(catalog.split(&Range::all(), 16), vec![Range::all()]);
        assert_eq!(Catalog::new().split(&Range::all(), 16), vec![Range::all()]);
        assert_eq!(catalog.split(&Range::all(), 0), vec![Range::all()]);
    }

    proptest! {
        /// The fingerprint of everything is kept item by item: it must equal a scan, here the
        /// two halves around any bound scanned and combined.
        #[test]
        fn the_kept_total_equals_a_scan(
            ops in vec((0u64..60, 0u64..4, any::<bool>()), 0..200),
            cut in any::<[u8; 16]>(),
        ) {
            let mut catalog = Catalog::new();
            for (n, d, insert) in ops {
                if insert {
                    catalog.insert(id(0, n, None), digest(d));
                } else {
                    catalog.remove(&id(0, n, None));
                }
            }
            let low = catalog.fingerprint(&Range { lo: [0; 16], hi: Some(cut) });
            let high = catalog.fingerprint(&Range { lo: cut, hi: None });
            let mut xor = low.xor;
            for (a, b) in xor.iter_mut().zip(high.xor) {
                *a ^= b;
            }
            let scanned = Fingerprint { xor, count: low.count + high.count };
            prop_assert_eq!(catalog.fingerprint(&Range::all()), scanned);
            prop_assert_eq!(scanned.count as usize, catalog.len());
        }
    }

    proptest! {
        #[test]
        fn split_covers_the_range_exactly_in_balanced_non_empty_parts(
            len in 0u64..3000,
            parts in 0usize..40,
            lo in any::<[u8; 16]>(),
            hi in proptest::option::of(any::<[u8; 16]>()),
        ) {
            let catalog: Catalog = (0..len).map(|n| (id(0, n, None), digest(n))).collect();
            let range = Range { lo, hi: hi.filter(|hi| *hi > lo) };
            let pieces = catalog.split(&range, parts);
            let n = catalog.entries(&range).len();
            prop_assert!(pieces.len() <= parts.max(1));
            prop_assert_eq!(pieces.first().map(|p| p.lo), Some(range.lo));
            prop_assert_eq!(pieces.last().map(|p| p.hi), Some(range.hi));
            for pair in pieces.windows(2) {
                prop_assert_eq!(pair[0].hi, Some(pair[1].lo));
            }
            let sizes: Vec<usize> = pieces.iter().map(|p| catalog.entries(p).len()).collect();
            prop_assert_eq!(sizes.iter().sum::<usize>(), n);
            if pieces.len() > 1 {
                let (least, most) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                prop_assert!(*least >= 1 && most - least <= 1, "{sizes:?}");
            }
        }
    }
}

/// The wire format must not change by accident: a peer running the previous build would no
/// longer understand us.
mod wire {
    use super::*;

    fn fixed_request() -> SyncRequest {
        let (a, b) = ([0x11; 16], [0x22; 16]);
        SyncRequest::Reconcile(Reconcile {
            ranges: vec![
                RangeMsg::Fingerprint {
                    range: Range { lo: [0; 16], hi: Some(a) },
                    fingerprint: Fingerprint { xor: [0xab; 32], count: 3 },
                },
                RangeMsg::Items {
                    range: Range { lo: a, hi: Some(b) },
                    entries: vec![(ItemId::from_bytes([0x12; 16]), [7; 32])],
                },
                RangeMsg::Done { range: Range { lo: b, hi: None } },
            ],
        })
    }

    fn fixed_ack() -> SyncResponse {
        SyncResponse::Ack {
            accepted: 2,
            refused: vec![(ItemId::from_bytes([0x33; 16]), "red".to_owned())],
        }
    }

    /// `{"reconcile": {"ranges": [{"fingerprint": ..}, {"items": ..}, {"done": ..}]}}`.
    const REQUEST_CBOR: &str = concat!(
        "a1697265636f6e63696c65a16672616e67657383a16b66696e6765727072696e74a26572616e6765a2626c",
        "6f500000000000000000000000000000000062686950111111111111111111111111111111116b66696e67",
        "65727072696e74a263786f725820ababababababababababababababababababababababababababababab",
        "ababab65636f756e7403a1656974656d73a26572616e6765a2626c6f501111111111111111111111111111",
        "1111626869502222222222222222222222222222222267656e747269657381825012121212121212121212",
        "12121212121258200707070707070707070707070707070707070707070707070707070707070707a16464",
        "6f6e65a16572616e6765a2626c6f5022222222222222222222222222222222626869f6",
    );

    /// `{"ack": {"accepted": 2, "refused": [[id, "red"]]}}`.
    const ACK_CBOR: &str = concat!(
        "a16361636ba268616363657074656402677265667573656481825033333333333333333333333333333333",
        "63726564",
    );

    #[test]
    fn reconcile_request_cbor_is_pinned() {
        let bytes = fixed_request().encode();
        assert_eq!(hex::encode(&bytes), REQUEST_CBOR);
        assert_eq!(SyncRequest::decode(&bytes).unwrap(), fixed_request());
    }

    /// `{"offer": [[id, digest]]}`.
    const OFFER_CBOR: &str = concat!(
        "a1656f66666572818250444444444444444444444444444444445820090909090909090909090909090909",
        "0909090909090909090909090909090909",
    );

    #[test]
    fn offer_request_cbor_is_pinned() {
        let offer = SyncRequest::Offer(vec![(ItemId::from_bytes([0x44; 16]), [9; 32])]);
        let bytes = offer.encode();
        assert_eq!(hex::encode(&bytes), OFFER_CBOR);
        assert_eq!(SyncRequest::decode(&bytes).unwrap(), offer);
    }

    #[test]
    fn ack_response_cbor_is_pinned() {
        let bytes = fixed_ack().encode();
        assert_eq!(hex::encode(&bytes), ACK_CBOR);
        assert_eq!(SyncResponse::decode(&bytes).unwrap(), fixed_ack());
    }

    #[test]
    fn ids_digests_and_fingerprints_are_byte_strings() {
        let text = hex::encode(fixed_request().encode());
        // A 16-byte string header then the bytes, and a 32-byte one: never arrays of integers.
        assert!(text.contains(&format!("50{}", "12".repeat(16))));
        assert!(text.contains(&format!("5820{}", "07".repeat(32))));
        assert!(text.contains(&format!("5820{}", "ab".repeat(32))));
    }

    #[test]
    fn every_message_round_trips() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
        let header = crate::Header {
            v: crate::SCHEMA_VERSION,
            id: id(0, 0, None),
            kind: crate::Kind::Report,
            owner: "ohchr".parse().unwrap(),
            co_owners: vec![],
            label: crate::Label::Clear,
            audience: vec![],
            created: "2027-01-15T09:00:00Z".parse().unwrap(),
            creator: (&key.verifying_key()).into(),
            supersedes: None,
            consents: Vec::new(),
        };
        let sig = crate::change::sign(&key, id(0, 0, None), [9; 32]);
        let payload =
            ItemPayload { header: header.sign(&key), doc: vec![1, 2, 3], sigs: vec![sig] };
        let requests = [
            fixed_request(),
            SyncRequest::Push(vec![payload.clone()]),
            SyncRequest::Fetch(vec![id(0, 1, None)]),
        ];
        for request in requests {
            assert_eq!(SyncRequest::decode(&request.encode()).unwrap(), request);
        }
        let responses = [
            SyncResponse::Reconcile(Reconcile::default()),
            SyncResponse::Items(vec![payload]),
            fixed_ack(),
            SyncResponse::Refused("not in the roster".to_owned()),
        ];
        for response in responses {
            assert_eq!(SyncResponse::decode(&response.encode()).unwrap(), response);
        }
    }

    #[test]
    fn oversized_message_is_refused_before_parsing() {
        let bytes = vec![0; MAX_MESSAGE_BYTES + 1];
        assert!(matches!(SyncRequest::decode(&bytes), Err(DecodeError::TooLarge { .. })));
        assert!(matches!(SyncResponse::decode(&bytes), Err(DecodeError::TooLarge { .. })));
    }

    #[test]
    fn wrong_length_fingerprint_is_refused() {
        let text = hex::encode(fixed_request().encode());
        let short = text.replacen(&format!("5820{}", "ab".repeat(32)), "4100", 1);
        let bytes = hex::decode(short).unwrap();
        assert!(matches!(SyncRequest::decode(&bytes), Err(DecodeError::Cbor(_))));
    }
}

/// Turns that would make us do unbounded work, or that break the ordering rules, are refused.
mod hostile {
    use super::*;

    fn done(lo: u8, hi: Option<u8>) -> RangeMsg {
        RangeMsg::Done { range: Range { lo: [lo; 16], hi: hi.map(|hi| [hi; 16]) } }
    }

    fn respond(ranges: Vec<RangeMsg>) -> Result<Step, SyncError> {
        Reconciler::default().respond(&big_enough(), &Reconcile { ranges })
    }

    fn big_enough() -> Catalog {
        (0..100).map(|n| (id(0, n, None), digest(n))).collect()
    }

    #[test]
    fn too_many_ranges_are_refused() {
        let ranges = (0..=MAX_RANGES).map(|n| RangeMsg::Done {
            range: Range {
                lo: u128::try_from(n).unwrap().to_be_bytes(),
                hi: Some(u128::try_from(n + 1).unwrap().to_be_bytes()),
            },
        });
        let err = respond(ranges.collect()).unwrap_err();
        assert_eq!(err, SyncError::TooManyRanges { len: MAX_RANGES + 1, max: MAX_RANGES });
    }

    #[test]
    fn too_long_an_item_list_is_refused() {
        let mut entries: Vec<_> =
            (0..=MAX_ITEMS_ENTRIES as u64).map(|n| (id(5, n, None), digest(n))).collect();
        entries.sort();
        let ranges = vec![RangeMsg::Items { range: Range::all(), entries }];
        let err = respond(ranges).unwrap_err();
        let max = MAX_ITEMS_ENTRIES;
        assert_eq!(err, SyncError::TooManyEntries { len: max + 1, max });
    }

    #[test]
    fn too_many_entries_in_all_are_refused() {
        let mut ids: Vec<_> =
            (0..MAX_RECONCILE_ENTRIES as u64 + 1).map(|n| id(5, n, None)).collect();
        ids.sort();
        let ranges = ids.chunks(MAX_ITEMS_ENTRIES).map(|chunk| RangeMsg::Items {
            range: Range { lo: *chunk[0].as_bytes(), hi: None },
            entries: chunk.iter().map(|id| (*id, [0; 32])).collect(),
        });
        // Make the ranges adjacent: each ends where the next starts.
        let mut ranges: Vec<RangeMsg> = ranges.collect();
        let starts: Vec<_> = ranges.iter().skip(1).map(|r| Some(r.range().lo)).collect();
        for (message, hi) in ranges.iter_mut().zip(starts) {
            if let RangeMsg::Items { range, .. } = message {
                range.hi = hi;
            }
        }
        assert!(matches!(respond(ranges), Err(SyncError::TooManyEntries { .. })));
    }

    #[test]
    fn overlapping_unordered_or_empty_ranges_are_refused() {
        for ranges in [
            vec![done(0x10, Some(0x30)), done(0x20, Some(0x40))],
            vec![done(0x30, Some(0x40)), done(0x10, Some(0x20))],
            vec![done(0x10, None), done(0x20, Some(0x30))],
            vec![done(0x20, Some(0x20))],
            vec![done(0x30, Some(0x20))],
        ] {
            assert_eq!(respond(ranges).unwrap_err(), SyncError::BadRanges);
        }
    }

    #[test]
    fn adjacent_ranges_are_accepted() {
        let ranges = vec![done(0, Some(0x10)), done(0x10, Some(0x20)), done(0x20, None)];
        assert_eq!(respond(ranges).unwrap(), Step::default());
    }

    #[test]
    fn item_lists_out_of_order_repeated_or_outside_their_range_are_refused() {
        let low = ItemId::from_bytes([0x10; 16]);
        let high = ItemId::from_bytes([0x20; 16]);
        let range = Range { lo: [0x08; 16], hi: Some([0x30; 16]) };
        for (range, ids) in [
            (range, vec![high, low]),
            (range, vec![low, low]),
            (Range { lo: [0x11; 16], hi: None }, vec![low]),
            (Range { lo: [0; 16], hi: Some([0x20; 16]) }, vec![low, high]),
        ] {
            let entries = ids.into_iter().map(|id| (id, [0; 32])).collect();
            let err = respond(vec![RangeMsg::Items { range, entries }]).unwrap_err();
            assert_eq!(err, SyncError::BadEntries);
        }
    }

    /// A bound from two bytes, so that random ranges often overlap or touch.
    fn bound(high: u16) -> [u8; 16] {
        let mut bytes = [0; 16];
        bytes[..2].copy_from_slice(&high.to_be_bytes());
        bytes
    }

    /// A message about `range` of kind `kind % 3`; item lists draw on the ids of `big_enough`,
    /// some with the same digests.
    fn message(range: Range, kind: u8, xor: [u8; 32], count: u64, picks: &[u64]) -> RangeMsg {
        match kind % 3 {
            0 => RangeMsg::Fingerprint { range, fingerprint: Fingerprint { xor, count } },
            1 => RangeMsg::Items {
                range,
                entries: picks
                    .iter()
                    .map(|n| (id(0, n / 2, None), digest(n / 2 + n % 2)))
                    .collect(),
            },
            _ => RangeMsg::Done { range },
        }
    }

    /// Anything: ranges in any order, lists unsorted.
    fn arb_any_turn() -> impl Strategy<Value = Reconcile> {
        let range = (any::<u16>(), proptest::option::of(any::<u16>()))
            .prop_map(|(lo, hi)| Range { lo: bound(lo), hi: hi.map(bound) });
        let message = (range, any::<u8>(), any::<[u8; 32]>(), 0u64..5, vec(0u64..200, 0..40))
            .prop_map(|(range, kind, xor, count, picks)| message(range, kind, xor, count, &picks));
        vec(message, 0..20).prop_map(|ranges| Reconcile { ranges })
    }

    /// A turn an honest peer could send: adjacent ranges in order, lists sorted and inside.
    fn arb_valid_turn() -> impl Strategy<Value = Reconcile> {
        let kinds = vec((any::<u8>(), any::<[u8; 32]>(), 0u64..5, vec(0u64..200, 0..40)), 20);
        (proptest::collection::btree_set(any::<u16>(), 1..20), any::<bool>(), kinds).prop_map(
            |(cuts, open_end, kinds)| {
                let cuts: Vec<_> = cuts.into_iter().map(bound).collect();
                let his = cuts
                    .iter()
                    .skip(1)
                    .map(|hi| Some(*hi))
                    .chain([(!open_end).then_some([0xff; 16])]);
                let ranges =
                    cuts.iter().zip(his).zip(kinds).map(|((lo, hi), (kind, xor, count, picks))| {
                        let range = Range { lo: *lo, hi };
                        let mut message = message(range, kind, xor, count, &picks);
                        if let RangeMsg::Items { entries, .. } = &mut message {
                            entries.retain(|(id, _)| range.contains(id));
                            entries.sort();
                            entries.dedup_by_key(|(id, _)| *id);
                        }
                        message
                    });
                Reconcile { ranges: ranges.collect() }
            },
        )
    }

    proptest! {
        #[test]
        fn any_turn_is_refused_or_answered_with_a_valid_turn(
            incoming in prop_oneof![arb_any_turn(), arb_valid_turn()],
        ) {
            let result = Reconciler::default().respond(&big_enough(), &incoming);
            prop_assert_eq!(result.is_ok(), check(&incoming).is_ok());
            if let Ok(Step { reply: Some(reply), .. }) = result {
                prop_assert!(check(&reply).is_ok());
            }
        }

        #[test]
        fn valid_turns_are_accepted(incoming in arb_valid_turn()) {
            prop_assert!(check(&incoming).is_ok());
        }
    }
}

/// Two reconcilers driven against each other.
mod sessions {
    use super::*;

    #[test]
    fn small_catalogue_starts_with_its_list_and_large_one_with_a_fingerprint() {
        let small: Catalog = (0..32).map(|n| (id(0, n, None), digest(n))).collect();
        let start = Reconciler::default().start(&small);
        assert!(
            matches!(&start.ranges[..], [RangeMsg::Items { entries, .. }] if entries.len() == 32)
        );
        let start = Reconciler::default().start(&big());
        assert!(matches!(&start.ranges[..], [RangeMsg::Fingerprint { .. }]));
    }

    #[test]
    fn identical_catalogues_of_100000_items_settle_in_one_round_trip() {
        let a = big();
        let b = a.clone();
        let reconciler = Reconciler::default();
        let start = reconciler.start(&a);
        assert!(SyncRequest::Reconcile(start.clone()).encode().len() < 200);
        let step = reconciler.respond(&b, &start).unwrap();
        let done = Reconcile { ranges: vec![RangeMsg::Done { range: Range::all() }] };
        assert_eq!(step, Step { reply: Some(done.clone()), send: vec![], fetch: vec![] });
        assert_eq!(reconciler.respond(&a, &done).unwrap(), Step::default());
        let session = drive((&a, reconciler), (&b, reconciler));
        assert_eq!((session.round_trips, session.responds), (1, 2));
    }

    fn assert_few_small_steps(a: &Catalog, b: &Catalog) {
        let session = drive((a, Reconciler::default()), (b, Reconciler::default()));
        assert_complete(a, b, &session, false);
        assert!(session.responds <= 6, "{} responds", session.responds);
        assert!(session.bytes < 16 * 1024, "{} bytes", session.bytes);
    }

    #[test]
    fn one_extra_item_among_100000_is_found_in_a_few_small_steps() {
        let a = big();
        let mut b = a.clone();
        b.insert(id(2, 0, None), digest(0));
        assert_few_small_steps(&a, &b);
        assert_few_small_steps(&b, &a);
    }

    #[test]
    fn one_changed_item_among_100000_is_found_in_a_few_small_steps() {
        let a = big();
        let mut b = a.clone();
        b.insert(id(1, 4242, None), digest(0));
        assert_few_small_steps(&a, &b);
    }

    #[test]
    fn empty_side_gets_everything_in_one_round_trip() {
        let full: Catalog = (0..5000).map(|n| (id(0, n, None), digest(n))).collect();
        let empty = Catalog::new();
        for (a, b) in [(&full, &empty), (&empty, &full)] {
            let session = drive((a, Reconciler::default()), (b, Reconciler::default()));
            assert_complete(a, b, &session, false);
            assert_eq!(session.round_trips, 1);
        }
        let session = drive((&empty, Reconciler::default()), (&empty, Reconciler::default()));
        assert_eq!((session.responds, session.a, session.b), (1, Step::default(), Step::default()));
    }

    #[test]
    fn full_reply_answers_the_ranges_left_over_with_one_spanning_fingerprint() {
        let catalog = big();
        let cuts = catalog.split(&Range::all(), 10);
        let junk = Fingerprint { xor: [1; 32], count: 1 };
        let ranges =
            cuts.iter().map(|range| RangeMsg::Fingerprint { range: *range, fingerprint: junk });
        let incoming = Reconcile { ranges: ranges.collect() };
        let reconciler = Reconciler { max_ranges: 17, ..Reconciler::default() };
        let reply = reconciler.respond(&catalog, &incoming).unwrap().reply.unwrap();
        assert_eq!(reply.ranges.len(), 17);
        let first: Vec<Range> = reply.ranges[..16].iter().map(|m| *m.range()).collect();
        assert_eq!(first, catalog.split(&cuts[0], 16));
        let span = Range { lo: cuts[1].lo, hi: None };
        assert_eq!(
            reply.ranges[16],
            RangeMsg::Fingerprint { range: span, fingerprint: catalog.fingerprint(&span) }
        );
    }

    #[test]
    fn settings_out_of_bounds_are_clamped_and_still_converge() {
        let shape =
            Shape { seed: 3, shared: 300, only_a: 40, only_b: 40, changed: 40, clustered: false };
        let (a, b) = catalogues(shape);
        let silly = Reconciler { split: 0, leaf: 0, max_ranges: 0 };
        let huge = Reconciler { split: usize::MAX, leaf: usize::MAX, max_ranges: usize::MAX };
        for (x, y) in [(silly, silly), (huge, silly), (silly, Reconciler::default())] {
            let session = drive((&a, x), (&b, y));
            assert_complete(&a, &b, &session, true);
        }
    }

    fn arb_count(large: u64) -> impl Strategy<Value = u64> {
        prop_oneof![0u64..8, 0..large]
    }

    fn arb_shape(shared: u64, differing: u64) -> impl Strategy<Value = Shape> {
        let counts = (arb_count(differing), arb_count(differing), arb_count(differing));
        (any::<u64>(), 0..shared, counts, any::<bool>()).prop_map(
            |(seed, shared, (only_a, only_b, changed), clustered)| Shape {
                seed: seed >> 4,
                shared,
                only_a,
                only_b,
                changed,
                clustered,
            },
        )
    }

    fn arb_reconciler(max_ranges: std::ops::Range<usize>) -> impl Strategy<Value = Reconciler> {
        (2usize..20, 1usize..48, max_ranges).prop_map(|(split, leaf, max_ranges)| Reconciler {
            split,
            leaf,
            max_ranges,
        })
    }

    /// The defaults, or other splits and leaves under the full reply cap.
    fn arb_settings() -> impl Strategy<Value = Reconciler> {
        prop_oneof![Just(Reconciler::default()), arb_reconciler(MAX_RANGES..MAX_RANGES + 1)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn sessions_find_every_difference_once_and_nothing_else(
            shape in arb_shape(5000, 1000),
            a_settings in arb_settings(),
            b_settings in arb_settings(),
        ) {
            let (a, b) = catalogues(shape);
            let session = drive((&a, a_settings), (&b, b_settings));
            assert_complete(&a, &b, &session, false);
        }

        /// A view of some classes of a catalogue reconciles exactly as a catalogue of only
        /// those items would, turn for turn: the other classes' items never come up, and its
        /// kept fingerprint of everything is the sum of its classes'.
        #[test]
        fn a_view_of_some_classes_reconciles_as_a_catalogue_of_them(
            shape in arb_shape(2000, 400),
            others in 0u64..400,
        ) {
            let (a, b) = catalogues(shape);
            let mut whole = Catalog::new();
            for (n, (id, digest)) in a.entries(&Range::all()).into_iter().enumerate() {
                whole.insert_in(id, digest, if n % 3 == 0 { 0 } else { 3 });
            }
            for n in 0..others {
                whole.insert_in(id(shape.seed * 8 + 5, n, None), digest(n), 1 + (n % 2) as usize);
            }
            let classes = [true, false, false, true];
            let view = whole.view_of(&classes);
            prop_assert_eq!(view.len(), a.len());
            prop_assert_eq!(view.fingerprint(&Range::all()), a.fingerprint(&Range::all()));
            let plain = drive((&a, Reconciler::default()), (&b, Reconciler::default()));
            let viewed = drive((view, Reconciler::default()), (&b, Reconciler::default()));
            prop_assert_eq!(
                (viewed.round_trips, viewed.bytes, &viewed.a, &viewed.b),
                (plain.round_trips, plain.bytes, &plain.a, &plain.b)
            );
        }

        #[test]
        fn sessions_under_tight_reply_caps_still_find_every_difference(
            shape in arb_shape(800, 200),
            a_settings in arb_reconciler(0..40),
            b_settings in arb_reconciler(0..40),
        ) {
            let (a, b) = catalogues(shape);
            let session = drive((&a, a_settings), (&b, b_settings));
            assert_complete(&a, &b, &session, true);
        }
    }
}
