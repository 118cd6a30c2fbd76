//! What the protocol crate's unit tests share: seeded keys, fixed times, valid headers and
//! fields, and proptest strategies for every wire type.
//!
//! Keys are seeded (`SigningKey::from_bytes(&[n; 32])`) and times fixed, so every signature
//! and every encoding is reproducible.

use chrono::{DateTime, NaiveDate, Utc};
use ed25519_dalek::SigningKey;

use crate::item::{Contact, Event, Report, Visit};
use crate::{
    ContactRole, DocType, EventCategory, EventStatus, Fields, Header, ItemId, Kind, Label,
    Mechanism, PublicKey, SCHEMA_VERSION, StatusStep, Text, VisitCountry, VisitStatus, VisitType,
    When,
};

/// An ohchr member node.
pub(crate) const OHCHR_1: u8 = 1;
/// A second ohchr member node.
pub(crate) const OHCHR_2: u8 = 2;
/// An achpr member node.
pub(crate) const ACHPR: u8 = 3;
/// A coe member node.
pub(crate) const COE: u8 = 4;
/// A mirror run under the ohchr code.
pub(crate) const OHCHR_MIRROR: u8 = 5;
/// A node in nobody's roster.
pub(crate) const STRANGER: u8 = 9;

pub(crate) fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

pub(crate) fn public(seed: u8) -> PublicKey {
    PublicKey::from(&key(seed).verifying_key())
}

/// A point of order 4: `y = 0`.
pub(crate) fn small_order_point() -> curve25519_dalek::EdwardsPoint {
    curve25519_dalek::edwards::CompressedEdwardsY([0; 32]).decompress().expect("on the curve")
}

/// A signature by `seed`'s key over `message` that satisfies the cofactored equation but not
/// the unbatched one (its `R` is `[r]B` plus a point of order 4): only the key's holder can make
/// one, and only on purpose.
pub(crate) fn with_small_order_r(seed: u8, message: &[u8]) -> [u8; 64] {
    use curve25519_dalek::{EdwardsPoint, Scalar};
    use sha2::{Digest as _, Sha512};
    let r = Scalar::from_bytes_mod_order([7; 32]);
    let big_r = (EdwardsPoint::mul_base(&r) + small_order_point()).compress();
    let hash: [u8; 64] = Sha512::new()
        .chain_update(big_r.as_bytes())
        .chain_update(public(seed).0)
        .chain_update(message)
        .finalize()
        .into();
    let s = r + Scalar::from_bytes_mod_order_wide(&hash) * key(seed).to_scalar();
    let mut signature = [0; 64];
    signature[..32].copy_from_slice(big_r.as_bytes());
    signature[32..].copy_from_slice(s.as_bytes());
    signature
}

pub(crate) fn mech(code: &str) -> Mechanism {
    code.parse().unwrap()
}

pub(crate) fn id(n: u8) -> ItemId {
    ItemId::from_random_bytes([n; 16])
}

pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A fixed time, `minutes` after 2027-01-15T09:00:00Z.
pub(crate) fn at(minutes: i64) -> DateTime<Utc> {
    "2027-01-15T09:00:00Z".parse::<DateTime<Utc>>().unwrap() + chrono::Duration::minutes(minutes)
}

pub(crate) fn text(value: &str) -> Text {
    Text { value: value.to_owned(), lang: "en".parse().unwrap() }
}

/// A valid header of an item owned by ohchr, created by `creator`; amber items go to coe.
pub(crate) fn header(kind: Kind, label: Label, creator: u8) -> Header {
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
pub(crate) fn fields(kind: Kind) -> Fields {
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
                subject: crate::ProposalSubject::JointVisit,
                visit: ItemId::from_random_bytes([1; 16]),
                with: ItemId::from_random_bytes([2; 16]),
                to: "achpr".parse().unwrap(),
                status: crate::ProposalStatus::Open,
                note: None,
                joint: None,
                consent: None,
                later: Vec::new(),
            })
        }
        Kind::Recommendation => {
            let mut r = crate::Recommendation::new(
                "Treaty bodies",
                "Committee against Torture",
                "CAT/C/TUN/CO/3",
            );
            r.paragraph = Some("12 (b)".to_owned());
            r.date = Some(date(2023, 5, 12));
            f.title = text("Ensure that all detainees have access to a lawyer from the outset");
            f.countries = vec!["TN".parse().unwrap()];
            f.recommendation = Some(r);
        }
    }
    f
}

pub(crate) mod strategies;
