//! Unit tests of the protocol crate: the wire format (golden bytes, round trips, hostile input),
//! values, field validation, labels and policy, signed headers, item documents and verification.
//!
//! Keys are seeded (`SigningKey::from_bytes(&[n; 32])`) and times fixed, so every signature and
//! every encoding is reproducible.

/// Keys, mechanisms, headers and fields shared by every section.
mod support {
    use chrono::{DateTime, NaiveDate, Utc};
    use ed25519_dalek::SigningKey;

    use crate::item::{Contact, Event, Report, Visit};
    use crate::{
        ContactRole, DocType, EventCategory, EventStatus, Fields, Header, ItemId, Kind, Label,
        Mechanism, PublicKey, SCHEMA_VERSION, StatusStep, Text, VisitCountry, VisitStatus,
        VisitType, When,
    };

    /// An ohchr member node.
    pub(super) const OHCHR_1: u8 = 1;
    /// A second ohchr member node.
    pub(super) const OHCHR_2: u8 = 2;
    /// An achpr member node.
    pub(super) const ACHPR: u8 = 3;
    /// A coe member node.
    pub(super) const COE: u8 = 4;
    /// A mirror run under the ohchr code.
    pub(super) const OHCHR_MIRROR: u8 = 5;
    /// A node in nobody's roster.
    pub(super) const STRANGER: u8 = 9;

    pub(super) fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    pub(super) fn public(seed: u8) -> PublicKey {
        PublicKey::from(&key(seed).verifying_key())
    }

    pub(super) fn mech(code: &str) -> Mechanism {
        code.parse().unwrap()
    }

    pub(super) fn id(n: u8) -> ItemId {
        ItemId::from_random_bytes([n; 16])
    }

    pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// A fixed time, `minutes` after 2027-01-15T09:00:00Z.
    pub(super) fn at(minutes: i64) -> DateTime<Utc> {
        "2027-01-15T09:00:00Z".parse::<DateTime<Utc>>().unwrap()
            + chrono::Duration::minutes(minutes)
    }

    pub(super) fn text(value: &str) -> Text {
        Text { value: value.to_owned(), lang: "en".parse().unwrap() }
    }

    /// A valid header of an item owned by ohchr, created by `creator`; amber items go to coe.
    pub(super) fn header(kind: Kind, label: Label, creator: u8) -> Header {
        Header {
            v: SCHEMA_VERSION,
            id: id(0x42),
            kind,
            owner: mech("ohchr"),
            co_owners: vec![],
            label,
            audience: if label == Label::Amber { vec![mech("coe")] } else { vec![] },
            created: at(0),
            creator: public(creator),
            supersedes: None,
            consents: Vec::new(),
        }
    }

    /// Valid fields of an item of `kind`, with every required field set.
    pub(super) fn fields(kind: Kind) -> Fields {
        let mut f = Fields::new(text("Visit to Tunisia"));
        match kind {
            Kind::Event => {
                f.event = Some(Event {
                    category: EventCategory::Session,
                    start: When::Date(date(2027, 3, 3)),
                    end: Some(When::Date(date(2027, 3, 5))),
                    status: EventStatus::Confirmed,
                    location: None,
                    session: Some("HRC 61".to_owned()),
                    related: vec![],
                })
            }
            Kind::Visit => {
                f.visit = Some(Visit {
                    mandate: "SR on torture".to_owned(),
                    country: VisitCountry::Code("TN".parse().unwrap()),
                    sites: vec![],
                    visit_type: VisitType::Official,
                    status: VisitStatus::Requested,
                    status_history: vec![StatusStep {
                        status: VisitStatus::Requested,
                        date: date(2026, 11, 2),
                        note: None,
                    }],
                    planned: None,
                    actual: None,
                    joint_with: vec![],
                    call_for_input: None,
                    report: None,
                    programme: vec![],
                    notes: None,
                })
            }
            Kind::Report => {
                f.report = Some(Report {
                    symbol: Some("A/HRC/23/18".to_owned()),
                    doc_type: DocType::MissionReport,
                    issued: date(2027, 6, 1),
                    files: vec![],
                    summary: None,
                    related_visit: None,
                })
            }
            Kind::Contact => {
                f.contact = Some(Contact {
                    role: ContactRole::FocalPoint,
                    function_title: "Focal point for regional mechanisms".to_owned(),
                    org_unit: "Special Procedures Branch".to_owned(),
                    person_name: None,
                    public_name_consent: false,
                    emails: vec!["sp-focal@ohchr.org".to_owned()],
                    phones: vec!["+41229179000".to_owned()],
                    coverage_countries: vec![],
                    coverage_themes: vec![],
                    valid_from: None,
                    valid_until: None,
                })
            }
            Kind::Proposal => {
                f.proposal = Some(crate::Proposal {
                    visit: ItemId::from_random_bytes([1; 16]),
                    with: ItemId::from_random_bytes([2; 16]),
                    to: "achpr".parse().unwrap(),
                    status: crate::ProposalStatus::Open,
                    note: None,
                    joint: None,
                    consent: None,
                })
            }
        }
        f
    }
}

/// Golden bytes: the wire format must not change by accident. If one of these fails, the change
/// breaks every stored item and every peer running the previous build.
mod golden {
    use super::support::*;
    use crate::codec::{self, MAX_CARD_BYTES, MAX_HEADER_BYTES};
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
}

/// Property tests: round trips, size limits, and hostile bytes that must never panic.
mod props {
    use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
    use proptest::collection::vec;
    use proptest::option;
    use proptest::prelude::*;
    use proptest::sample::select;

    use super::support::*;
    use crate::codec::{self, DecodeError, MAX_CARD_BYTES, MAX_HEADER_BYTES};
    use crate::item::{Contact, Event, Report, Visit};
    use crate::{
        CallForInput, Card, ContactRole, CountryCode, DocType, Edit, EventCategory, EventStatus,
        Fields, Header, ItemDoc, ItemId, Kind, Label, LangTag, Link, Location, Mechanism, Planned,
        ProgrammeEntry, PublicKey, ReportFile, Role, SignedHeader, Site, Span, StatusStep, Text,
        VisitCountry, VisitStatus, VisitType, When,
    };

    fn arb_mechanism() -> impl Strategy<Value = Mechanism> {
        "[a-z][a-z0-9-]{1,31}".prop_map(|s| s.parse().unwrap())
    }

    fn arb_id() -> impl Strategy<Value = ItemId> {
        any::<[u8; 16]>().prop_map(ItemId::from_random_bytes)
    }

    fn arb_utc() -> impl Strategy<Value = DateTime<Utc>> {
        (0i64..=253_402_300_799, 0u32..1_000_000_000)
            .prop_map(|(secs, nanos)| DateTime::from_timestamp(secs, nanos).unwrap())
    }

    fn arb_date() -> impl Strategy<Value = NaiveDate> {
        (1900i32..2100, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| date(y, m, d))
    }

    fn arb_string() -> impl Strategy<Value = String> {
        "\\PC{0,12}"
    }

    fn arb_country() -> impl Strategy<Value = CountryCode> {
        select(&["TN", "CO", "VE", "AU", "NR", "FR", "CH", "MX", "ZA", "BR"][..])
            .prop_map(|c| c.parse().unwrap())
    }

    fn arb_lang() -> impl Strategy<Value = LangTag> {
        select(&["en", "fr", "es", "ar", "ru", "zh-Hans", "pt-BR"][..])
            .prop_map(|l| l.parse().unwrap())
    }

    fn arb_when() -> impl Strategy<Value = When> {
        prop_oneof![
            arb_date().prop_map(When::Date),
            (arb_utc(), -14 * 60..=14 * 60i32).prop_map(|(t, minutes)| {
                When::DateTime(t.with_timezone(&FixedOffset::east_opt(minutes * 60).unwrap()))
            }),
        ]
    }

    fn arb_planned() -> impl Strategy<Value = Planned> {
        prop_oneof![
            (arb_date(), 0u64..400).prop_map(|(start, days)| {
                Planned::days(start, start + chrono::Days::new(days)).unwrap()
            }),
            (1900i32..2100, 1u32..=4)
                .prop_map(|(y, q)| Planned::parse_coarse(&format!("{y}-Q{q}")).unwrap()),
            (1900i32..2100, 1u32..=12)
                .prop_map(|(y, m)| Planned::parse_coarse(&format!("{y}-{m:02}")).unwrap()),
            (1900i32..2100).prop_map(|y| Planned::parse_coarse(&y.to_string()).unwrap()),
        ]
    }

    fn arb_header() -> impl Strategy<Value = Header> {
        (
            any::<u16>(),
            arb_id(),
            select(Kind::ALL),
            arb_mechanism(),
            vec(arb_mechanism(), 0..3),
            select(&Label::ALL[..]),
            vec(arb_mechanism(), 0..3),
            arb_utc(),
            any::<[u8; 32]>(),
            option::of(arb_id()),
        )
            .prop_map(
                |(v, id, kind, owner, co_owners, label, audience, created, creator, supersedes)| {
                    Header {
                        v,
                        id,
                        kind,
                        owner,
                        co_owners,
                        label,
                        audience,
                        created,
                        creator: PublicKey(creator),
                        supersedes,
                        consents: Vec::new(),
                    }
                },
            )
    }

    fn arb_link() -> impl Strategy<Value = Link> {
        (arb_string(), arb_string(), option::of(arb_lang())).prop_map(|(rel, href, lang)| Link {
            rel,
            href,
            lang,
        })
    }

    fn arb_event() -> impl Strategy<Value = Event> {
        (
            select(EventCategory::ALL),
            arb_when(),
            option::of(arb_when()),
            select(EventStatus::ALL),
            option::of((option::of(arb_string()), option::of(arb_country()))),
            option::of(arb_string()),
            vec(arb_id(), 0..3),
        )
            .prop_map(|(category, start, end, status, location, session, related)| Event {
                category,
                start,
                end,
                status,
                location: location.map(|(text, country)| Location { text, country }),
                session,
                related,
            })
    }

    fn arb_visit() -> impl Strategy<Value = Visit> {
        let country = prop_oneof![
            Just(VisitCountry::Undisclosed),
            arb_country().prop_map(VisitCountry::Code)
        ];
        let step = (select(VisitStatus::ALL), arb_date(), option::of(arb_string()))
            .prop_map(|(status, date, note)| StatusStep { status, date, note });
        let span =
            (arb_date(), arb_date()).prop_map(|(a, b)| Span { start: a.min(b), end: a.max(b) });
        let call =
            (arb_date(), arb_string()).prop_map(|(deadline, url)| CallForInput { deadline, url });
        let entry = (arb_date(), arb_string(), arb_string())
            .prop_map(|(date, place, meeting)| ProgrammeEntry { date, place, meeting });
        let site = (arb_country(), option::of(arb_string()))
            .prop_map(|(country, place)| Site { country, place });
        (
            (
                arb_string(),
                country,
                vec(site, 0..3),
                select(VisitType::ALL),
                select(VisitStatus::ALL),
                vec(step, 0..4),
            ),
            (
                option::of(arb_planned()),
                option::of(span),
                vec(arb_id(), 0..3),
                option::of(call),
                option::of(arb_string()),
                vec(entry, 0..3),
                option::of(arb_string()),
            ),
        )
            .prop_map(
                |(
                    (mandate, country, sites, visit_type, status, status_history),
                    (planned, actual, joint_with, call_for_input, report, programme, notes),
                )| Visit {
                    mandate,
                    country,
                    sites,
                    visit_type,
                    status,
                    status_history,
                    planned,
                    actual,
                    joint_with,
                    call_for_input,
                    report,
                    programme,
                    notes,
                },
            )
    }

    fn arb_report() -> impl Strategy<Value = Report> {
        let file = (arb_lang(), arb_string(), option::of(arb_string()), option::of("[0-9a-f]{64}"))
            .prop_map(|(lang, url, media_type, sha256)| ReportFile {
                lang,
                url,
                media_type,
                sha256,
            });
        (
            option::of(arb_string()),
            select(DocType::ALL),
            arb_date(),
            vec(file, 0..3),
            option::of(arb_string()),
            option::of(arb_id()),
        )
            .prop_map(|(symbol, doc_type, issued, files, summary, related_visit)| Report {
                symbol,
                doc_type,
                issued,
                files,
                summary,
                related_visit,
            })
    }

    fn arb_contact() -> impl Strategy<Value = Contact> {
        (
            select(ContactRole::ALL),
            arb_string(),
            arb_string(),
            option::of(arb_string()),
            any::<bool>(),
            vec(arb_string(), 0..3),
            vec(arb_string(), 0..3),
            vec(arb_country(), 0..3),
            vec(arb_string(), 0..3),
            option::of(arb_date()),
            option::of(arb_date()),
        )
            .prop_map(
                |(
                    role,
                    function_title,
                    org_unit,
                    person_name,
                    public_name_consent,
                    emails,
                    phones,
                    coverage_countries,
                    coverage_themes,
                    valid_from,
                    valid_until,
                )| Contact {
                    role,
                    function_title,
                    org_unit,
                    person_name,
                    public_name_consent,
                    emails,
                    phones,
                    coverage_countries,
                    coverage_themes,
                    valid_from,
                    valid_until,
                },
            )
    }

    /// Fields of a random kind, with random common fields.
    fn arb_fields() -> impl Strategy<Value = Fields> {
        let common = (
            arb_string(),
            arb_lang(),
            vec(arb_country(), 0..3),
            vec(arb_string(), 0..3),
            vec(arb_link(), 0..3),
            option::of(arb_utc()),
        );
        let details = prop_oneof![
            arb_event().prop_map(|e| (Some(e), None, None, None)),
            arb_visit().prop_map(|v| (None, Some(v), None, None)),
            arb_report().prop_map(|r| (None, None, Some(r), None)),
            arb_contact().prop_map(|c| (None, None, None, Some(c))),
        ];
        (common, details).prop_map(
            |(
                (title, lang, countries, themes, links, embargo_until),
                (event, visit, report, contact),
            )| Fields {
                title: Text { value: title, lang },
                countries,
                themes,
                links,
                embargo_until,
                event,
                visit,
                report,
                contact,
                proposal: None,
            },
        )
    }

    fn arb_card() -> impl Strategy<Value = Card> {
        (
            arb_mechanism(),
            option::of("\\PC{0,40}"),
            prop_oneof![Just(Role::Member), Just(Role::Mirror)],
            any::<[u8; 32]>(),
            vec("/ip[46]/[0-9a-f.:]{1,39}/tcp/[0-9]{1,5}", 0..4),
        )
            .prop_map(|(mechanism, name, role, key, addrs)| Card {
                mechanism,
                name,
                role,
                key: PublicKey(key),
                addrs,
            })
    }

    /// A card text with a valid checksum around `payload`, to reach the CBOR decoder.
    fn card_around(payload: &[u8]) -> String {
        use sha2::Digest as _;
        let mut bytes = payload.to_vec();
        bytes.extend_from_slice(&sha2::Sha256::digest(payload)[..4]);
        format!("liaison1:{}", data_encoding::BASE64URL_NOPAD.encode(&bytes))
    }

    /// `bytes` with each `(position, xor)` applied, positions taken modulo the length.
    fn mutate(mut bytes: Vec<u8>, flips: &[(usize, u8)]) -> Vec<u8> {
        for &(at, xor) in flips {
            let len = bytes.len();
            bytes[at % len] ^= xor.max(1);
        }
        bytes
    }

    fn saved_doc() -> Vec<u8> {
        let mut doc = ItemDoc::new();
        doc.write(
            &key(OHCHR_1),
            id(1),
            Edit {
                fields: Some(&fields(Kind::Visit)),
                withdraw: false,
                now: at(0),
                session: [0; 8],
            },
        )
        .unwrap();
        let mut f = fields(Kind::Visit);
        f.title.value = "Visit to Tunisia, accepted".to_owned();
        doc.write(
            &key(ACHPR),
            id(1),
            Edit { fields: Some(&f), withdraw: false, now: at(5), session: [0; 8] },
        )
        .unwrap();
        doc.save()
    }

    proptest! {
        #[test]
        fn header_round_trips_through_cbor(header in arb_header()) {
            let bytes = codec::encode(&header);
            prop_assert!(bytes.len() <= MAX_HEADER_BYTES);
            prop_assert_eq!(codec::decode::<Header>(&bytes, MAX_HEADER_BYTES).unwrap(), header);
        }

        #[test]
        fn fields_round_trip_through_json(fields in arb_fields()) {
            prop_assert!(fields.kind().is_some());
            let json = serde_json::to_string(&fields).unwrap();
            prop_assert_eq!(serde_json::from_str::<Fields>(&json).unwrap(), fields);
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

        #[test]
        fn random_bytes_never_panic_header_decode(bytes in vec(any::<u8>(), 0..600)) {
            let _ = codec::decode::<Header>(&bytes, MAX_HEADER_BYTES);
        }

        #[test]
        fn mutated_header_bytes_never_panic_decode(
            header in arb_header(),
            flips in vec((any::<usize>(), any::<u8>()), 1..4),
        ) {
            let _ = codec::decode::<Header>(&mutate(codec::encode(&header), &flips), MAX_HEADER_BYTES);
        }

        #[test]
        fn random_text_never_panics_card_decode(text in "\\PC{0,200}") {
            prop_assert!(Card::decode(&text).is_err() || text.trim().starts_with("liaison1:"));
            let _ = Card::decode(&format!("liaison1:{text}"));
        }

        #[test]
        fn random_payload_with_a_good_checksum_never_panics_card_decode(payload in vec(any::<u8>(), 0..MAX_CARD_BYTES + 8)) {
            let _ = Card::decode(&card_around(&payload));
        }

        #[test]
        fn random_bytes_never_panic_signed_header_verify(
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

    proptest! {
        // Automerge work is slower; fewer cases suffice for these.
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn random_bytes_never_panic_doc_load(bytes in vec(any::<u8>(), 0..600)) {
            if let Ok(doc) = ItemDoc::load(&bytes) {
                let _ = doc.read();
                let _ = doc.changes();
            }
        }

        #[test]
        fn mutated_documents_never_panic_doc_load(
            flips in vec((any::<usize>(), any::<u8>()), 1..4),
            cut in any::<usize>(),
        ) {
            let saved = saved_doc();
            let mut bytes = mutate(saved.clone(), &flips);
            bytes.truncate(cut % (saved.len() + 1));
            for candidate in [mutate(saved, &flips), bytes] {
                if let Ok(doc) = ItemDoc::load(&candidate) {
                    let _ = doc.read();
                    let _ = doc.changes();
                }
            }
        }

        #[test]
        fn fields_survive_a_write_and_read_of_the_document(fields in arb_fields()) {
            let mut doc = ItemDoc::new();
            doc.write(&key(OHCHR_1), id(1), Edit { fields: Some(&fields), withdraw: false, now: at(0), session: [0; 8] }).unwrap();
            prop_assert_eq!(&doc.read().unwrap().fields, &fields);
            let reloaded = ItemDoc::load(&doc.save()).unwrap();
            prop_assert_eq!(reloaded.read().unwrap().fields, fields);
        }

        #[test]
        fn a_second_write_replaces_the_first_exactly(first in arb_fields(), second in arb_fields()) {
            let mut doc = ItemDoc::new();
            doc.write(&key(OHCHR_1), id(1), Edit { fields: Some(&first), withdraw: false, now: at(0), session: [0; 8] }).unwrap();
            let sig = doc.write(&key(OHCHR_1), id(1), Edit { fields: Some(&second), withdraw: false, now: at(1), session: [0; 8] }).unwrap();
            let state = doc.read().unwrap();
            prop_assert_eq!(&state.fields, &second);
            prop_assert_eq!(sig.is_some(), first != second);
            prop_assert_eq!(state.revision, u64::from(first != second));
        }
    }
}

/// Values: countries, language tags, dates, forecasts, addresses.
mod values {
    use std::str::FromStr;

    use super::support::*;
    use crate::values::{check_email, check_phone, check_url};
    use crate::{CountryCode, FieldError, LangTag, Planned, Precision, VisitCountry, When};

    /// Parses `input`, expecting a refusal naming `field`.
    #[track_caller]
    fn refused<T: FromStr<Err = FieldError> + std::fmt::Debug>(
        input: &str,
        field: &str,
    ) -> FieldError {
        let err = input.parse::<T>().expect_err(input);
        assert_eq!(err.field, field, "{input:?}: {err}");
        assert_eq!(err.value, input, "the error shows the value as given");
        err
    }

    #[test]
    fn country_codes_are_checked_against_iso_3166() {
        let tn: CountryCode = "TN".parse().unwrap();
        assert_eq!(tn.as_str(), "TN");
        assert_eq!(tn.alpha3(), "TUN");
        assert_eq!(tn.name(), "Tunisia");
        for bad in ["XX", "ZZ", "TUN", "", "T", "1N", "T N"] {
            refused::<CountryCode>(bad, "country");
        }
    }

    #[test]
    fn lowercase_country_codes_are_accepted_and_normalised() {
        let tn: CountryCode = "tn".parse().unwrap();
        assert_eq!(tn, "TN".parse().unwrap());
        assert_eq!(tn.to_string(), "TN");
        assert_eq!(serde_json::from_str::<CountryCode>("\"co\"").unwrap().as_str(), "CO");
        assert_eq!(serde_json::to_string(&tn).unwrap(), "\"TN\"");
    }

    #[test]
    fn country_codes_from_json_are_checked_too() {
        assert!(serde_json::from_str::<CountryCode>("\"XX\"").is_err());
    }

    #[test]
    fn visit_country_may_be_undisclosed() {
        for s in ["undisclosed", "Undisclosed"] {
            let c: VisitCountry = s.parse().unwrap();
            assert_eq!(c, VisitCountry::Undisclosed);
            assert_eq!(c.code(), None);
            assert_eq!(c.to_string(), "undisclosed");
        }
        let tn: VisitCountry = "tn".parse().unwrap();
        assert_eq!(tn.code(), Some("TN".parse().unwrap()));
        let err = refused::<VisitCountry>("XX", "country");
        assert!(err.allowed.contains("undisclosed"), "{err}");
        let json = serde_json::to_string(&VisitCountry::Undisclosed).unwrap();
        assert_eq!(serde_json::from_str::<VisitCountry>(&json).unwrap(), VisitCountry::Undisclosed);
    }

    #[test]
    fn bcp47_tags_are_accepted() {
        for tag in ["en", "fr", "ar", "pt-BR", "zh-Hans", "es-419"] {
            assert_eq!(tag.parse::<LangTag>().unwrap().as_str(), tag);
        }
        assert_eq!(LangTag::default().as_str(), "en");
    }

    #[test]
    fn words_and_fragments_are_not_language_tags() {
        for bad in ["english", "e", "", "en_US", "en-", "123"] {
            refused::<LangTag>(bad, "lang");
        }
    }

    #[test]
    fn when_parses_a_date_or_an_rfc3339_date_time() {
        assert_eq!(When::parse("start", "2027-03-03").unwrap(), When::Date(date(2027, 3, 3)));
        let t = When::parse("start", "2027-03-03T10:00:00+01:00").unwrap();
        assert!(matches!(t, When::DateTime(dt) if dt.to_rfc3339() == "2027-03-03T10:00:00+01:00"));
        assert_eq!(t.date(), date(2027, 3, 3));
        // The day is the day where the event is, not in UTC.
        let late = When::parse("end", "2027-03-03T23:30:00-05:00").unwrap();
        assert_eq!(late.date(), date(2027, 3, 3));
    }

    #[test]
    fn when_refuses_impossible_dates_and_times_without_offset() {
        for bad in ["2027-02-30", "2027-03-03T10:00:00", "03/03/2027", "tomorrow", ""] {
            let err = When::parse("start", bad).expect_err(bad);
            assert_eq!(err.field, "start", "{bad:?}");
        }
    }

    #[test]
    fn coarse_forecasts_span_their_whole_period() {
        #[track_caller]
        fn check(input: &str, start: (i32, u32, u32), end: (i32, u32, u32), precision: Precision) {
            let p = Planned::parse_coarse(input).unwrap();
            assert_eq!(
                (p.start, p.end, p.precision),
                (date(start.0, start.1, start.2), date(end.0, end.1, end.2), precision)
            );
            assert_eq!(p.validate(), Ok(()));
            assert_eq!(
                Planned::parse_coarse(&p.to_string()).unwrap(),
                p,
                "display round trip of {input}"
            );
        }
        check("2027-Q2", (2027, 4, 1), (2027, 6, 30), Precision::Quarter);
        check("2027-q4", (2027, 10, 1), (2027, 12, 31), Precision::Quarter);
        check("2027-Q1", (2027, 1, 1), (2027, 3, 31), Precision::Quarter);
        check("2027-05", (2027, 5, 1), (2027, 5, 31), Precision::Month);
        check("2027-02", (2027, 2, 1), (2027, 2, 28), Precision::Month);
        check("2028-02", (2028, 2, 1), (2028, 2, 29), Precision::Month);
        check("2027-12", (2027, 12, 1), (2027, 12, 31), Precision::Month);
        check("2027", (2027, 1, 1), (2027, 12, 31), Precision::Year);
    }

    #[test]
    fn malformed_forecasts_are_refused() {
        for bad in [
            "2027-Q5", "2027-Q0", "2027-13", "2027-00", "27", "soon", "", "2027-5", "2027-W20",
            "Q2-2027", "10000",
        ] {
            let err = Planned::parse_coarse(bad).expect_err(bad);
            assert_eq!(err.field, "planned", "{bad:?}");
        }
    }

    #[test]
    fn planned_days_refuse_an_end_before_the_start() {
        let p = Planned::days(date(2027, 5, 10), date(2027, 5, 14)).unwrap();
        assert_eq!(p.precision, Precision::Day);
        assert_eq!(p.to_string(), "2027-05-10..2027-05-14");
        assert!(Planned::days(date(2027, 5, 10), date(2027, 5, 10)).is_ok());
        let err = Planned::days(date(2027, 5, 14), date(2027, 5, 10)).unwrap_err();
        assert_eq!(err.field, "planned.end");
    }

    #[test]
    fn coarse_forecasts_that_do_not_cover_their_period_are_refused() {
        let p = Planned {
            start: date(2027, 5, 2),
            end: date(2027, 5, 31),
            precision: Precision::Month,
        };
        assert_eq!(p.validate().unwrap_err().field, "planned");
        let q = Planned {
            start: date(2027, 4, 1),
            end: date(2027, 5, 31),
            precision: Precision::Quarter,
        };
        assert_eq!(q.validate().unwrap_err().field, "planned");
    }

    #[test]
    fn phone_numbers_must_be_e164() {
        for good in ["+41229179000", "+12345678", "+123456789012345"] {
            assert_eq!(check_phone("phone", good), Ok(()), "{good}");
        }
        for bad in [
            "0041229179000",
            "+0412291790",
            "+41 22 917 9000",
            "+1234567",
            "+1234567890123456",
            "41229179000",
            "+",
        ] {
            assert_eq!(check_phone("phone", bad).unwrap_err().field, "phone", "{bad}");
        }
    }

    #[test]
    fn email_addresses_must_be_addresses() {
        assert_eq!(check_email("email", "cpt.secretariat@coe.int"), Ok(()));
        for bad in ["cpt.secretariat", "a@", "@coe.int", "two words@coe.int", ""] {
            assert_eq!(check_email("email", bad).unwrap_err().field, "email", "{bad}");
        }
    }

    #[test]
    fn urls_must_be_absolute_http_or_https() {
        for good in ["https://www.ohchr.org/en/countries/tunisia", "http://192.0.2.1:8080/x"] {
            assert_eq!(check_url("url", good), Ok(()), "{good}");
        }
        for bad in [
            "ftp://ohchr.org/x",
            "javascript:alert(1)",
            "/en/countries",
            "ohchr.org",
            "https://",
            "mailto:a@b.org",
            "",
        ] {
            assert_eq!(check_url("url", bad).unwrap_err().field, "url", "{bad}");
        }
    }
}

/// `Fields::validate`: every refusal names the field at fault.
mod validation {
    use super::support::*;
    use crate::item::{MAX_LIST, MAX_TEXT};
    use crate::{
        Fields, Kind, Label, Location, Planned, Precision, ProgrammeEntry, ReportFile, Span, When,
    };

    /// Starts from valid fields of `kind`, applies `edit`, and expects the refusal to name
    /// `field` (or acceptance when `field` is `None`).
    #[track_caller]
    fn check(kind: Kind, label: Label, edit: impl FnOnce(&mut Fields), field: Option<&str>) {
        let mut f = fields(kind);
        assert_eq!(f.validate(kind, label), Ok(()), "the starting fields are valid");
        edit(&mut f);
        match (f.validate(kind, label), field) {
            (Ok(()), None) => {}
            (Err(e), Some(field)) => assert_eq!(e.field, field, "{e}"),
            (got, want) => panic!("expected refusal of {want:?}, got {got:?}"),
        }
    }

    fn visit(f: &mut Fields) -> &mut crate::Visit {
        f.visit.as_mut().unwrap()
    }

    fn event(f: &mut Fields) -> &mut crate::Event {
        f.event.as_mut().unwrap()
    }

    fn contact(f: &mut Fields) -> &mut crate::Contact {
        f.contact.as_mut().unwrap()
    }

    fn report(f: &mut Fields) -> &mut crate::Report {
        f.report.as_mut().unwrap()
    }

    fn programme() -> Vec<ProgrammeEntry> {
        vec![ProgrammeEntry {
            date: date(2027, 5, 11),
            place: "Mornaguia prison".to_owned(),
            meeting: "Interviews with detainees".to_owned(),
        }]
    }

    #[test]
    fn valid_fields_of_every_kind_pass_under_every_label() {
        for kind in Kind::ALL.iter().filter(|k| **k != Kind::Proposal) {
            for label in Label::ALL {
                assert_eq!(fields(*kind).validate(*kind, label), Ok(()), "{kind} {label}");
            }
        }
    }

    #[test]
    fn a_joint_visit_proposal_is_amber_strict_only() {
        for label in Label::ALL {
            let result = fields(Kind::Proposal).validate(Kind::Proposal, label);
            assert_eq!(result.is_ok(), label == Label::AmberStrict, "{label}");
        }
    }

    #[test]
    fn the_narrower_label_never_widens() {
        use crate::label::{narrower, within};
        let (only_a, only_c, both) =
            (vec![mech("achpr")], vec![mech("coe")], vec![mech("achpr"), mech("coe")]);
        let amber = |m: &Vec<crate::Mechanism>| (Label::Amber, m.clone());
        assert_eq!(narrower((Label::Green, &[]), (Label::Amber, &only_a)), amber(&only_a));
        assert_eq!(narrower((Label::Clear, &[]), (Label::Green, &[])), (Label::Green, vec![]));
        assert_eq!(narrower((Label::Amber, &both), (Label::Amber, &only_c)), amber(&only_c));
        assert_eq!(
            narrower((Label::Amber, &only_a), (Label::Amber, &only_c)),
            (Label::AmberStrict, vec![])
        );
        assert_eq!(narrower((Label::Red, &[]), (Label::Clear, &[])), (Label::Red, vec![]));
        assert!(within((Label::AmberStrict, &[]), (Label::Amber, &only_a)));
        assert!(!within((Label::Green, &[]), (Label::Amber, &only_a)));
        assert!(!within((Label::Amber, &both), (Label::Amber, &only_a)));
        assert!(within((Label::Amber, &only_a), (Label::Amber, &both)));
    }

    #[test]
    fn details_of_another_kind_are_refused() {
        check(Kind::Event, Label::Green, |f| *f = fields(Kind::Visit), Some("fields"));
        check(Kind::Event, Label::Green, |f| f.visit = fields(Kind::Visit).visit, Some("fields"));
        check(Kind::Report, Label::Green, |f| f.report = None, Some("fields"));
    }

    #[test]
    fn an_empty_title_is_refused() {
        check(Kind::Report, Label::Green, |f| f.title.value = " \n".to_owned(), Some("title"));
    }

    #[test]
    fn an_event_ending_before_it_starts_is_refused() {
        check(
            Kind::Event,
            Label::Green,
            |f| event(f).end = Some(When::Date(date(2027, 3, 2))),
            Some("end"),
        );
        check(
            Kind::Event,
            Label::Green,
            |f| event(f).end = Some(When::Date(date(2027, 3, 3))),
            None,
        );
        let at = |s: &str| When::parse("start", s).unwrap();
        check(
            Kind::Event,
            Label::Green,
            |f| {
                event(f).start = at("2027-03-03T10:00:00+01:00");
                event(f).end = Some(at("2027-03-03T09:30:00+01:00"));
            },
            Some("end"),
        );
        // Date-times compare as instants: 09:30Z is 10:30 in Geneva.
        check(
            Kind::Event,
            Label::Green,
            |f| {
                event(f).start = at("2027-03-03T10:00:00+01:00");
                event(f).end = Some(at("2027-03-03T09:30:00Z"));
            },
            None,
        );
    }

    #[test]
    fn an_event_mixing_dates_and_date_times_is_refused() {
        let dt = When::parse("end", "2027-03-05T18:00:00+01:00").unwrap();
        check(Kind::Event, Label::Green, |f| event(f).end = Some(dt), Some("end"));
        check(
            Kind::Event,
            Label::Green,
            |f| {
                event(f).start = dt;
                event(f).end = Some(When::Date(date(2027, 3, 6)));
            },
            Some("end"),
        );
    }

    #[test]
    fn a_visit_that_actually_ended_before_it_started_is_refused() {
        let span = |start, end| Some(Span { start, end });
        check(
            Kind::Visit,
            Label::Green,
            |f| visit(f).actual = span(date(2027, 5, 14), date(2027, 5, 10)),
            Some("actual.end"),
        );
        check(
            Kind::Visit,
            Label::Green,
            |f| visit(f).actual = span(date(2027, 5, 10), date(2027, 5, 14)),
            None,
        );
    }

    #[test]
    fn a_planned_span_is_checked_inside_fields() {
        let bad = Planned {
            start: date(2027, 5, 3),
            end: date(2027, 5, 31),
            precision: Precision::Month,
        };
        check(Kind::Visit, Label::Green, |f| visit(f).planned = Some(bad), Some("planned"));
    }

    #[test]
    fn programme_and_notes_are_refused_on_clear_and_green_items() {
        for label in [Label::Clear, Label::Green] {
            check(Kind::Visit, label, |f| visit(f).programme = programme(), Some("programme"));
            check(
                Kind::Visit,
                label,
                |f| visit(f).notes = Some("State reluctant".to_owned()),
                Some("notes"),
            );
        }
    }

    #[test]
    fn programme_and_notes_are_allowed_on_amber_amber_strict_and_red_items() {
        for label in [Label::Amber, Label::AmberStrict, Label::Red] {
            check(
                Kind::Visit,
                label,
                |f| {
                    visit(f).programme = programme();
                    visit(f).notes = Some("State reluctant".to_owned());
                },
                None,
            );
        }
    }

    #[test]
    fn a_person_name_on_a_clear_contact_needs_consent() {
        let name = |f: &mut Fields| contact(f).person_name = Some("Jane Doe".to_owned());
        check(Kind::Contact, Label::Clear, name, Some("name"));
        check(
            Kind::Contact,
            Label::Clear,
            |f| {
                name(f);
                contact(f).public_name_consent = true;
            },
            None,
        );
        check(Kind::Contact, Label::Green, name, None);
    }

    #[test]
    fn bad_contact_addresses_are_refused() {
        check(
            Kind::Contact,
            Label::Green,
            |f| contact(f).emails.push("jane at ohchr".to_owned()),
            Some("email"),
        );
        check(
            Kind::Contact,
            Label::Green,
            |f| contact(f).phones.push("022 917 9000".to_owned()),
            Some("phone"),
        );
        check(
            Kind::Contact,
            Label::Green,
            |f| {
                contact(f).valid_from = Some(date(2027, 1, 1));
                contact(f).valid_until = Some(date(2026, 12, 31));
            },
            Some("valid_until"),
        );
    }

    #[test]
    fn bad_report_files_are_refused() {
        let file = |url: &str, sha256: Option<&str>| ReportFile {
            lang: "fr".parse().unwrap(),
            url: url.to_owned(),
            media_type: Some("application/pdf".to_owned()),
            sha256: sha256.map(str::to_owned),
        };
        let good_sha = "ab".repeat(32);
        check(
            Kind::Report,
            Label::Clear,
            |f| report(f).files.push(file("https://x.org/r.pdf", Some(&good_sha))),
            None,
        );
        check(
            Kind::Report,
            Label::Clear,
            |f| report(f).files.push(file("x.org/r.pdf", None)),
            Some("files.url"),
        );
        for bad in ["ab".repeat(31), "zz".repeat(32), "ab".repeat(33)] {
            check(
                Kind::Report,
                Label::Clear,
                |f| report(f).files.push(file("https://x.org/r.pdf", Some(&bad))),
                Some("files.sha256"),
            );
        }
    }

    #[test]
    fn bad_links_are_refused() {
        let link = |href: &str| crate::Link {
            rel: "related".to_owned(),
            href: href.to_owned(),
            lang: None,
        };
        check(Kind::Event, Label::Green, |f| f.links.push(link("https://www.ohchr.org")), None);
        check(
            Kind::Event,
            Label::Green,
            |f| f.links.push(link("ftp://ohchr.org")),
            Some("links.href"),
        );
    }

    #[test]
    fn lists_longer_than_max_list_are_refused() {
        let themes = |n: usize| (0..n).map(|i| format!("theme {i}")).collect::<Vec<_>>();
        check(Kind::Report, Label::Green, |f| f.themes = themes(MAX_LIST), None);
        check(Kind::Report, Label::Green, |f| f.themes = themes(MAX_LIST + 1), Some("themes"));
        let tn = "TN".parse().unwrap();
        check(
            Kind::Contact,
            Label::Green,
            |f| contact(f).coverage_countries = vec![tn; MAX_LIST + 1],
            Some("coverage_countries"),
        );
        check(
            Kind::Event,
            Label::Green,
            |f| event(f).related = vec![id(1); MAX_LIST + 1],
            Some("related"),
        );
    }

    #[test]
    fn text_longer_than_max_text_is_refused() {
        check(Kind::Report, Label::Green, |f| f.title.value = "a".repeat(MAX_TEXT), None);
        check(
            Kind::Report,
            Label::Green,
            |f| f.title.value = "a".repeat(MAX_TEXT + 1),
            Some("title"),
        );
        // Bytes, not characters: 'é' is two bytes.
        check(
            Kind::Report,
            Label::Green,
            |f| f.title.value = "é".repeat(MAX_TEXT / 2 + 1),
            Some("title"),
        );
        check(
            Kind::Visit,
            Label::Green,
            |f| visit(f).mandate = "a".repeat(MAX_TEXT + 1),
            Some("mandate"),
        );
        check(
            Kind::Report,
            Label::Green,
            |f| report(f).summary = Some("a".repeat(MAX_TEXT + 1)),
            Some("summary"),
        );
    }

    #[test]
    fn control_characters_are_refused_but_newlines_and_tabs_are_not() {
        check(
            Kind::Report,
            Label::Green,
            |f| f.title.value = "line one\nline\ttwo".to_owned(),
            None,
        );
        for bad in ["bell\u{7}", "esc\u{1b}[31m", "nul\0", "cr\r", "del\u{7f}", "c1\u{85}"] {
            check(Kind::Report, Label::Green, |f| f.title.value = bad.to_owned(), Some("title"));
        }
        check(
            Kind::Visit,
            Label::Amber,
            |f| visit(f).notes = Some("x\u{1b}".to_owned()),
            Some("notes"),
        );
        check(
            Kind::Event,
            Label::Green,
            |f| {
                event(f).location =
                    Some(Location { text: Some("Geneva\u{8}".to_owned()), country: None })
            },
            Some("location"),
        );
    }
}

/// Labels and the policy: who may receive an item, who may write it.
mod policy {
    use super::support::*;
    use crate::label::{check_audience, describe_audience};
    use crate::{Header, Kind, Label, Peer, Role, may_receive, may_write};

    /// The peers of the table, in column order.
    const PEERS: [(&str, &str, Role); 6] = [
        ("owner member", "ohchr", Role::Member),
        ("co-owner member", "achpr", Role::Member),
        ("audience member", "coe", Role::Member),
        ("other member", "iachr", Role::Member),
        ("mirror of the owner", "ohchr", Role::Mirror),
        ("mirror", "hrw", Role::Mirror),
    ];

    fn peer(mechanism: &str, role: Role) -> Peer {
        Peer { mechanism: mech(mechanism), role }
    }

    /// An item owned by ohchr, co-owned by achpr, going to coe when amber.
    fn joint(label: Label) -> Header {
        let mut h = header(Kind::Report, label, OHCHR_1);
        if label != Label::Red {
            h.co_owners = vec![mech("achpr")];
            h.consents =
                vec![crate::Consent::sign(&key(ACHPR), h.id, h.kind, &h.owner, &mech("achpr"))];
        }
        assert_eq!(h.validate(), Ok(()));
        h
    }

    #[test]
    fn may_receive_follows_the_label_for_every_kind_of_peer() {
        let t = true;
        let f = false;
        let table = [
            // owner, co-owner, audience, other, owner's mirror, mirror
            (Label::Clear, [t, t, t, t, t, t]),
            (Label::Green, [t, t, t, t, f, f]),
            (Label::Amber, [t, t, t, f, f, f]),
            (Label::AmberStrict, [t, t, f, f, f, f]),
            (Label::Red, [f, f, f, f, f, f]),
        ];
        for (label, row) in table {
            let header = joint(label);
            for ((name, mechanism, role), expected) in PEERS.iter().zip(row) {
                assert_eq!(
                    may_receive(&header, &peer(mechanism, *role)),
                    expected,
                    "{label} to {name}"
                );
            }
        }
    }

    #[test]
    fn red_goes_to_no_other_node_even_with_co_owners_in_a_forged_header() {
        let mut header = joint(Label::Red);
        header.co_owners = vec![mech("achpr")];
        assert!(header.validate().is_err());
        for (name, mechanism, role) in PEERS {
            assert!(!may_receive(&header, &peer(mechanism, role)), "red to {name}");
        }
    }

    #[test]
    fn only_members_of_the_owner_and_co_owners_may_write() {
        // owner, co-owner, audience, other, owner's mirror, mirror
        let expected = [true, true, false, false, false, false];
        for label in Label::ALL {
            let header = joint(label);
            let co_owned = !header.co_owners.is_empty();
            for ((name, mechanism, role), may) in PEERS.iter().zip(expected) {
                let may = may && (co_owned || *mechanism == "ohchr");
                assert_eq!(
                    may_write(&header, &peer(mechanism, *role)),
                    may,
                    "{label}: {name} writes"
                );
            }
        }
    }

    #[test]
    fn amber_needs_an_audience() {
        let err = check_audience(Label::Amber, &[]).unwrap_err();
        assert_eq!(err.field, "audience");
        assert_eq!(check_audience(Label::Amber, &[mech("coe"), mech("achpr")]), Ok(()));
    }

    #[test]
    fn only_amber_has_an_audience() {
        for label in [Label::Clear, Label::Green, Label::AmberStrict, Label::Red] {
            assert_eq!(check_audience(label, &[]), Ok(()), "{label}");
            let err = check_audience(label, &[mech("coe")]).unwrap_err();
            assert_eq!((err.field.as_str(), err.value.as_str()), ("audience", "coe"), "{label}");
        }
    }

    #[test]
    fn describe_audience_names_who_may_see_the_item() {
        let amber = describe_audience(&joint(Label::Amber));
        for m in ["ohchr", "achpr", "coe"] {
            assert!(amber.contains(m), "{amber}");
        }
        let strict = describe_audience(&joint(Label::AmberStrict));
        assert!(
            strict.contains("ohchr") && strict.contains("achpr") && !strict.contains("coe"),
            "{strict}"
        );
        assert!(describe_audience(&joint(Label::Clear)).contains("mirrors"));
        assert!(describe_audience(&joint(Label::Green)).contains("no mirror"));
        assert!(describe_audience(&joint(Label::Red)).contains("this node only"));
    }

    #[test]
    fn labels_parse_and_print_the_same_words() {
        for label in Label::ALL {
            assert_eq!(label.as_str().parse::<Label>(), Ok(label));
            assert_eq!(serde_json::to_string(&label).unwrap(), format!("\"{label}\""));
        }
        assert_eq!(Label::default(), Label::Green);
        assert_eq!("AMBER".parse::<Label>().unwrap_err().field, "label");
        assert_eq!("tlp:amber".parse::<Label>().unwrap_err().field, "label");
    }
}

/// Signed headers.
mod headers {
    use ed25519_dalek::{Signer as _, SigningKey};

    use super::support::*;
    use crate::codec::{self, DecodeError};
    use crate::header::HeaderError;
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
}

/// Item documents: writes, revisions, withdrawal, persistence and concurrent edits.
mod docs {
    use std::collections::{BTreeSet, HashMap};

    use super::support::*;
    use crate::{ChangeSig, DocError, Edit, Fields, ItemDoc, Kind, StatusStep, VisitStatus};

    /// Writes `fields` (and a withdrawal if asked) with node `seed`, `minutes` after the start.
    fn write(
        doc: &mut ItemDoc,
        seed: u8,
        fields: Option<&Fields>,
        withdraw: bool,
        minutes: i64,
    ) -> Option<ChangeSig> {
        doc.write(&key(seed), id(1), Edit { fields, withdraw, now: at(minutes), session: [0; 8] })
            .unwrap()
    }

    fn created() -> (ItemDoc, ChangeSig) {
        let mut doc = ItemDoc::new();
        let sig = write(&mut doc, OHCHR_1, Some(&fields(Kind::Visit)), false, 0).unwrap();
        (doc, sig)
    }

    fn step(status: VisitStatus, day: u32, note: &str) -> StatusStep {
        StatusStep { status, date: date(2027, 1, day), note: Some(note.to_owned()) }
    }

    #[test]
    fn the_first_write_creates_revision_zero() {
        let (doc, sig) = created();
        let state = doc.read().unwrap();
        assert_eq!(state.fields, fields(Kind::Visit));
        assert_eq!(
            (state.revision, state.created, state.updated, state.withdrawn),
            (0, at(0), at(0), false)
        );
        assert_eq!(sig.signer, public(OHCHR_1));
        assert!(sig.verifies(id(1)));
        assert_eq!(doc.changes().len(), 1);
        assert_eq!(doc.changes()[0].hash.0, sig.hash);
        assert_eq!(doc.changes()[0].time, at(0).timestamp());
    }

    #[test]
    fn an_update_that_changes_something_bumps_the_revision_and_updated() {
        let (mut doc, first) = created();
        let mut f = fields(Kind::Visit);
        f.title.value = "Visit to Tunisia (accepted)".to_owned();
        let second = write(&mut doc, OHCHR_1, Some(&f), false, 30).unwrap();
        assert_ne!(first.hash, second.hash);
        let state = doc.read().unwrap();
        assert_eq!(state.fields, f);
        assert_eq!((state.revision, state.created, state.updated), (1, at(0), at(30)));
    }

    #[test]
    fn an_update_that_changes_nothing_makes_no_change() {
        let (mut doc, _) = created();
        let heads = doc.heads();
        assert_eq!(write(&mut doc, OHCHR_1, Some(&fields(Kind::Visit)), false, 30), None);
        assert_eq!(write(&mut doc, OHCHR_1, None, false, 40), None);
        let state = doc.read().unwrap();
        assert_eq!((state.revision, state.updated), (0, at(0)));
        assert_eq!(doc.heads(), heads);
    }

    #[test]
    fn withdraw_marks_the_item_withdrawn_once() {
        let (mut doc, _) = created();
        assert!(write(&mut doc, OHCHR_1, None, true, 60).is_some());
        let state = doc.read().unwrap();
        assert!(state.withdrawn);
        assert_eq!((state.revision, state.updated), (1, at(60)));
        assert_eq!(state.fields, fields(Kind::Visit), "withdrawal keeps the fields");
        assert_eq!(
            write(&mut doc, OHCHR_1, None, true, 90),
            None,
            "withdrawing again changes nothing"
        );
    }

    #[test]
    fn save_and_load_keep_the_state() {
        let (mut doc, _) = created();
        let mut f = fields(Kind::Visit);
        f.countries = vec!["TN".parse().unwrap(), "LY".parse().unwrap()];
        write(&mut doc, ACHPR, Some(&f), true, 10).unwrap();
        let loaded = ItemDoc::load(&doc.save()).unwrap();
        assert_eq!(loaded.read().unwrap(), doc.read().unwrap());
        assert_eq!(loaded.heads(), doc.heads());
    }

    #[test]
    fn removing_optional_fields_removes_them_from_the_document() {
        let (mut doc, _) = created();
        let full = doc.read().unwrap().fields;
        let mut f = full.clone();
        f.visit.as_mut().unwrap().status_history.clear();
        f.themes = vec!["torture".to_owned()];
        write(&mut doc, OHCHR_1, Some(&f), false, 10).unwrap();
        assert_eq!(doc.read().unwrap().fields, f);
        write(&mut doc, OHCHR_1, Some(&full), false, 20).unwrap();
        assert_eq!(doc.read().unwrap().fields, full);
        assert_eq!(doc.read().unwrap().revision, 2);
    }

    #[test]
    fn loading_refuses_oversized_and_garbage_bytes() {
        let big = vec![0; crate::codec::MAX_DOC_BYTES + 1];
        assert!(matches!(ItemDoc::load(&big), Err(DocError::TooLarge { len }) if len == big.len()));
        assert!(matches!(ItemDoc::load(b"not automerge"), Err(DocError::Load(_))));
    }

    #[test]
    fn a_document_without_an_item_is_refused_on_read() {
        assert!(matches!(ItemDoc::new().read(), Err(DocError::Shape(_))));
    }

    #[test]
    fn concurrent_edits_by_two_nodes_merge_keeping_both() {
        let (base, base_sig) = created();
        let original = fields(Kind::Visit);

        let mut a = base.clone();
        let mut fa = original.clone();
        fa.title.value = "Visit to Tunisia, accepted".to_owned();
        fa.visit.as_mut().unwrap().status_history.push(step(
            VisitStatus::Accepted,
            20,
            "note verbale",
        ));
        let sig_a = write(&mut a, OHCHR_1, Some(&fa), false, 10).unwrap();

        let mut b = base.clone();
        let mut fb = original.clone();
        fb.countries = vec!["TN".parse().unwrap()];
        fb.visit.as_mut().unwrap().mandate = "SR on torture, with the CPA".to_owned();
        fb.visit.as_mut().unwrap().status_history.push(step(
            VisitStatus::ReminderSent,
            18,
            "second reminder",
        ));
        let sig_b = write(&mut b, ACHPR, Some(&fb), false, 20).unwrap();

        let mut ab = a.clone();
        ab.merge(&mut b.clone()).unwrap();
        let mut ba = b.clone();
        ba.merge(&mut a.clone()).unwrap();
        let state = ab.read().unwrap();
        assert_eq!(state, ba.read().unwrap(), "both merge orders converge");

        assert_eq!(state.fields.title, fa.title);
        assert_eq!(state.fields.countries, fb.countries);
        let visit = state.fields.visit.as_ref().unwrap();
        assert_eq!(visit.mandate, fb.visit.as_ref().unwrap().mandate);
        let history = &visit.status_history;
        assert_eq!(history.len(), 3, "{history:?}");
        assert_eq!(history[0], original.visit.as_ref().unwrap().status_history[0]);
        assert!(history.contains(&step(VisitStatus::Accepted, 20, "note verbale")));
        assert!(history.contains(&step(VisitStatus::ReminderSent, 18, "second reminder")));
        assert_eq!(state.revision, 2, "each concurrent edit counts");
        assert!(state.updated == at(10) || state.updated == at(20));

        // Every change's actor is the key that signed it.
        let sigs: HashMap<[u8; 32], ChangeSig> =
            [base_sig, sig_a, sig_b].into_iter().map(|s| (s.hash, s)).collect();
        let mut actors = BTreeSet::new();
        for change in ab.changes() {
            let sig = &sigs[&change.hash.0];
            assert_eq!(&change.actor.to_bytes()[..32], &sig.signer.0[..]);
            assert!(sig.verifies(id(1)));
            actors.insert(sig.signer);
        }
        assert_eq!(actors, BTreeSet::from([public(OHCHR_1), public(ACHPR)]));
    }

    #[test]
    fn concurrent_first_entries_of_an_empty_list_are_both_kept() {
        let (base, _) = created();
        let original = base.read().unwrap().fields;
        assert!(original.visit.as_ref().unwrap().sites.is_empty());
        let site = |cc: &str| crate::Site { country: cc.parse().unwrap(), place: None };
        let mut a = base.clone();
        let mut fa = original.clone();
        fa.visit.as_mut().unwrap().sites.push(site("NR"));
        write(&mut a, OHCHR_1, Some(&fa), false, 1).unwrap();
        let mut b = base.clone();
        let mut fb = original.clone();
        fb.visit.as_mut().unwrap().sites.push(site("AU"));
        write(&mut b, ACHPR, Some(&fb), false, 2).unwrap();
        a.merge(&mut b).unwrap();
        let sites = a.read().unwrap().fields.visit.unwrap().sites;
        assert_eq!(sites.len(), 2, "{sites:?}");
    }

    #[test]
    fn two_histories_under_one_key_still_merge() {
        // A restored backup writes again under the same key: the session suffix keeps the
        // actors apart, so automerge sees no duplicate sequence numbers.
        let (base, _) = created();
        let mut f = base.read().unwrap().fields;
        let mut a = base.clone();
        let mut b = base.clone();
        f.title.value = "one".to_owned();
        a.write(
            &key(OHCHR_1),
            id(1),
            Edit { fields: Some(&f), withdraw: false, now: at(1), session: [1; 8] },
        )
        .unwrap();
        f.themes = vec!["detention".to_owned()];
        b.write(
            &key(OHCHR_1),
            id(1),
            Edit { fields: Some(&f), withdraw: false, now: at(2), session: [2; 8] },
        )
        .unwrap();
        a.merge(&mut b).unwrap();
        assert_eq!(a.read().unwrap().revision, 2);
    }
}

/// Whole items against a roster: creator, signatures and writers.
mod verification {
    use super::support::*;
    use crate::verify::{check_creator, verify_changes, verify_item};
    use crate::{
        Card, ChangeSig, Edit, Header, ItemDoc, Kind, Label, Role, Roster, SignedHeader,
        VerifiedItem, VerifyError,
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
                    crate::Consent::sign(
                        &key(seed),
                        header.id,
                        header.kind,
                        &header.owner,
                        &mech(m),
                    )
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
            verify_item(&self.signed, &self.doc.save(), &self.sigs, &roster())
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
        let verified = verify_item(&item.signed, &item.doc.save(), &sigs, &roster()).unwrap();
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
            let result = verify_item(&item.signed, &item.doc.save(), &bad, &roster());
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
        assert!(
            matches!(item.verify(), Err(VerifyError::UnknownSigner(k)) if k == public(STRANGER))
        );
    }

    #[test]
    fn signatures_replayed_onto_another_item_are_refused() {
        let original = Item::create(OHCHR_1, &[]);
        let mut other = original.header.clone();
        other.id = id(0x43);
        let other = other.sign(&key(OHCHR_1));
        assert!(other.verify().is_ok());
        let result = verify_item(&other, &original.doc.save(), &original.sigs, &roster());
        assert!(matches!(result, Err(VerifyError::BadSignature(_))), "{result:?}");
    }

    #[test]
    fn verify_changes_checks_each_change_against_the_verified_header() {
        let mut item = Item::create(OHCHR_1, &["achpr"]);
        item.edit(ACHPR, "Joint report");
        let header = item.signed.verify().unwrap();
        assert_eq!(verify_changes(&header, &item.doc, &item.sigs, &roster()).unwrap(), item.sigs);
        let mut without_achpr = roster();
        without_achpr.remove(&public(ACHPR));
        let result = verify_changes(&header, &item.doc, &item.sigs, &without_achpr);
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
        let result = verify_item(&signed, &item.doc.save(), &item.sigs, &roster());
        assert!(matches!(result, Err(VerifyError::Header(_))), "{result:?}");
    }

    #[test]
    fn an_item_whose_document_does_not_load_is_refused() {
        let item = Item::create(OHCHR_1, &[]);
        let result = verify_item(&item.signed, b"garbage", &item.sigs, &roster());
        assert!(matches!(result, Err(VerifyError::Doc(_))), "{result:?}");
    }
}
