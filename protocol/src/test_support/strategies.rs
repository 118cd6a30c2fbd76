//! proptest strategies for every wire type, and helpers to damage encoded bytes.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

use super::*;

use crate::item::{Contact, Event, Report, Visit};
use crate::{
    CallForInput, Card, ContactRole, CountryCode, DocType, Edit, EventCategory, EventStatus,
    Fields, Header, ItemDoc, ItemId, Kind, Label, LangTag, Link, Location, Mechanism, Planned,
    ProgrammeEntry, PublicKey, ReportFile, Role, Site, Span, StatusStep, Text, VisitCountry,
    VisitStatus, VisitType, When,
};

pub(crate) fn arb_mechanism() -> impl Strategy<Value = Mechanism> {
    "[a-z][a-z0-9-]{1,31}".prop_map(|s| s.parse().unwrap())
}

pub(crate) fn arb_id() -> impl Strategy<Value = ItemId> {
    any::<[u8; 16]>().prop_map(ItemId::from_random_bytes)
}

pub(crate) fn arb_utc() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..=253_402_300_799, 0u32..1_000_000_000)
        .prop_map(|(secs, nanos)| DateTime::from_timestamp(secs, nanos).unwrap())
}

pub(crate) fn arb_date() -> impl Strategy<Value = NaiveDate> {
    (1900i32..2100, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| date(y, m, d))
}

pub(crate) fn arb_string() -> impl Strategy<Value = String> {
    "\\PC{0,12}"
}

pub(crate) fn arb_country() -> impl Strategy<Value = CountryCode> {
    select(&["TN", "CO", "VE", "AU", "NR", "FR", "CH", "MX", "ZA", "BR"][..])
        .prop_map(|c| c.parse().unwrap())
}

pub(crate) fn arb_lang() -> impl Strategy<Value = LangTag> {
    select(&["en", "fr", "es", "ar", "ru", "zh-Hans", "pt-BR"][..]).prop_map(|l| l.parse().unwrap())
}

pub(crate) fn arb_when() -> impl Strategy<Value = When> {
    prop_oneof![
        arb_date().prop_map(When::Date),
        (arb_utc(), -14 * 60..=14 * 60i32).prop_map(|(t, minutes)| {
            When::DateTime(t.with_timezone(&FixedOffset::east_opt(minutes * 60).unwrap()))
        }),
    ]
}

pub(crate) fn arb_planned() -> impl Strategy<Value = Planned> {
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

pub(crate) fn arb_header() -> impl Strategy<Value = Header> {
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

pub(crate) fn arb_link() -> impl Strategy<Value = Link> {
    (arb_string(), arb_string(), option::of(arb_lang())).prop_map(|(rel, href, lang)| Link {
        rel,
        href,
        lang,
    })
}

pub(crate) fn arb_event() -> impl Strategy<Value = Event> {
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

pub(crate) fn arb_visit() -> impl Strategy<Value = Visit> {
    let country =
        prop_oneof![Just(VisitCountry::Undisclosed), arb_country().prop_map(VisitCountry::Code)];
    let step = (select(VisitStatus::ALL), arb_date(), option::of(arb_string()))
        .prop_map(|(status, date, note)| StatusStep { status, date, note });
    let span = (arb_date(), arb_date()).prop_map(|(a, b)| Span { start: a.min(b), end: a.max(b) });
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

pub(crate) fn arb_report() -> impl Strategy<Value = Report> {
    let file = (arb_lang(), arb_string(), option::of(arb_string()), option::of("[0-9a-f]{64}"))
        .prop_map(|(lang, url, media_type, sha256)| ReportFile { lang, url, media_type, sha256 });
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

pub(crate) fn arb_contact() -> impl Strategy<Value = Contact> {
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
pub(crate) fn arb_fields() -> impl Strategy<Value = Fields> {
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
    let languages = (
        btree_map(arb_lang(), arb_string(), 0..3),
        option::of(arb_string()),
        btree_map(arb_lang(), arb_string(), 0..3),
    );
    (common, details, languages).prop_map(
        |(
            (title, lang, countries, themes, links, embargo_until),
            (event, visit, report, contact),
            (title_in, summary, summary_in),
        )| Fields {
            title: Text { value: title, lang },
            title_in,
            summary,
            summary_in,
            countries,
            themes,
            links,
            embargo_until,
            event,
            visit,
            report,
            contact,
            proposal: None,
            recommendation: None,
        },
    )
}

pub(crate) fn arb_card() -> impl Strategy<Value = Card> {
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
pub(crate) fn card_around(payload: &[u8]) -> String {
    use sha2::Digest as _;
    let mut bytes = payload.to_vec();
    bytes.extend_from_slice(&sha2::Sha256::digest(payload)[..4]);
    format!("liaison1:{}", data_encoding::BASE64URL_NOPAD.encode(&bytes))
}

/// `bytes` with each `(position, xor)` applied, positions taken modulo the length.
pub(crate) fn mutate(mut bytes: Vec<u8>, flips: &[(usize, u8)]) -> Vec<u8> {
    for &(at, xor) in flips {
        let len = bytes.len();
        bytes[at % len] ^= xor.max(1);
    }
    bytes
}

pub(crate) fn saved_doc() -> Vec<u8> {
    let mut doc = ItemDoc::new();
    doc.write(
        &key(OHCHR_1),
        id(1),
        Edit { fields: Some(&fields(Kind::Visit)), withdraw: false, now: at(0), session: [0; 8] },
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
