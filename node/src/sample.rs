//! Realistic sample items for the demo federation and tests: visits, sessions, reports,
//! contacts and recommendations of OHCHR, the African Commission, the Council of Europe and the
//! Inter-American Commission, with every label in use.
//!
//! The recommendations are to Tunisia, from the Committee against Torture, the
//! Universal Periodic Review and the African Commission, in the words such recommendations use;
//! several say the same thing (access to a lawyer from the outset of custody, the definition of
//! torture, protecting defenders), so the matrix clusters them. The demo has OHCHR follow the
//! African Commission's recommendation on access to a lawyer ([`is_followed`]) and assess it
//! ([`follow_up`]).

use chrono::NaiveDate;
use liaison_protocol::{
    CallForInput, Contact, ContactRole, CountryCode, DocType, Event, EventCategory, EventStatus,
    Fields, Implementation, Kind, Label, LangTag, Location, Mechanism, Planned, ProgrammeEntry,
    Recommendation, Report, ReportFile, Site, StatusStep, Text, Upr, UprPosition, Visit,
    VisitCountry, VisitStatus, VisitType, When,
};

use crate::Draft;
use crate::recommend::AssessmentInput;

/// The symbol and paragraph of the African Commission's recommendation that the demo has
/// OHCHR follow.
pub const FOLLOWED: (&str, &str) = ("ACHPR/CO/TUN/2022", "41");

/// Whether `r` is the recommendation the demo has OHCHR follow ([`FOLLOWED`]).
pub fn is_followed(r: &Recommendation) -> bool {
    r.symbol == FOLLOWED.0 && r.paragraph.as_deref() == Some(FOLLOWED.1)
}

/// OHCHR's assessment of the followed recommendation, as the demo records it.
pub fn follow_up() -> AssessmentInput {
    AssessmentInput {
        status: Implementation::PartiallyImplemented,
        date: d("2026-10-15"),
        source: Some("https://www.ohchr.org/en/countries/tunisia".into()),
        note: Some(
            "The law provides for access to a lawyer in police custody; delays in practice \
             are still reported."
                .into(),
        ),
    }
}

/// The mechanisms of the demo federation.
pub const MECHANISMS: [&str; 4] = ["ohchr", "achpr", "coe", "iachr"];

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap_or(NaiveDate::MIN)
}

fn cc(s: &str) -> CountryCode {
    s.parse().unwrap_or_else(|_| unreachable!("sample country codes are valid"))
}

fn m(s: &str) -> Mechanism {
    s.parse().unwrap_or_else(|_| unreachable!("sample mechanism codes are valid"))
}

fn fields(title: &str, lang: &str) -> Fields {
    Fields::new(Text {
        value: title.to_owned(),
        lang: lang.parse().unwrap_or_else(|_| LangTag::default()),
    })
}

fn visit(mandate: &str, country: &str, status: VisitStatus, planned: Option<Planned>) -> Visit {
    let country = if country == "undisclosed" {
        VisitCountry::Undisclosed
    } else {
        VisitCountry::Code(cc(country))
    };
    let mut visit = Visit::new(mandate, country, status);
    visit.status_history =
        vec![StatusStep { status: VisitStatus::Requested, date: d("2025-09-01"), note: None }];
    visit.planned = planned;
    visit
}

fn draft(kind: Kind, fields: Fields, label: Label, audience: &[&str]) -> Draft {
    Draft {
        kind,
        fields,
        label,
        audience: audience.iter().map(|a| m(a)).collect(),
        co_owners: Vec::new(),
        supersedes: None,
    }
}

/// A recommendation to `country` on `theme`: `text` in English, made by `body` (a `mechanism`)
/// in the document `symbol`.
fn recommendation(
    text: &str,
    (mechanism, body, symbol): (&str, &str, &str),
    country: &str,
    theme: &str,
) -> (Fields, Recommendation) {
    let mut f = fields(text, "en");
    f.countries = vec![cc(country)];
    f.themes = vec![theme.into()];
    (f, Recommendation::new(mechanism, body, symbol))
}

/// The clear recommendation item of `f` and `r`.
fn recommended((mut f, r): (Fields, Recommendation)) -> Draft {
    f.recommendation = Some(r);
    draft(Kind::Recommendation, f, Label::Clear, &[])
}

const CAT: (&str, &str, &str) = ("Treaty bodies", "Committee against Torture", "CAT/C/TUN/CO/3");
const UPR_TN: (&str, &str, &str) =
    ("Universal Periodic Review", "Universal Periodic Review", "A/HRC/52/5");
const ACHPR_TN: (&str, &str, &str) =
    ("Regional", "African Commission on Human and Peoples' Rights", FOLLOWED.0);

/// The UN recommendations OHCHR holds (as a UHRI import would bring them).
fn ohchr_recommendations() -> Vec<Draft> {
    let (f, mut safeguards) = recommendation(
        "Ensure that all persons deprived of their liberty are afforded all fundamental legal \
         safeguards from the outset of detention, including prompt access to a lawyer",
        CAT,
        "TN",
        "detention",
    );
    safeguards.text_in.insert(
        "fr".parse().unwrap_or_default(),
        "Veiller à ce que toutes les personnes privées de liberté bénéficient de toutes les \
         garanties juridiques fondamentales dès le début de leur détention, notamment d'un accès \
         rapide à un avocat"
            .into(),
    );
    safeguards.date = Some(d("2016-06-10"));
    safeguards.affected_persons = vec!["Persons deprived of their liberty".into()];
    safeguards.sdg_targets = vec!["16.3".into()];
    let (g, mut definition) = recommendation(
        "Amend the Criminal Code so that the definition of torture is in full conformity with \
         article 1 of the Convention",
        CAT,
        "TN",
        "torture",
    );
    definition.date = Some(d("2016-06-10"));
    let upr = |position| Upr { states: Vec::new(), session: Some("41".into()), position };
    let (h, mut custody) = recommendation(
        "Guarantee prompt access to a lawyer for all persons in police custody from the outset \
         of detention",
        UPR_TN,
        "TN",
        "detention",
    );
    custody.upr = Some(upr(Some(UprPosition::Supported)));
    let (i, mut death) = recommendation(
        "Abolish the death penalty and ratify the Second Optional Protocol to the International \
         Covenant on Civil and Political Rights",
        UPR_TN,
        "TN",
        "death penalty",
    );
    death.upr = Some(upr(Some(UprPosition::Noted)));
    let (j, mut defenders) = recommendation(
        "Protect human rights defenders and journalists from harassment and reprisals",
        UPR_TN,
        "TN",
        "defenders",
    );
    defenders.upr = Some(upr(Some(UprPosition::Supported)));
    [(f, safeguards), (g, definition), (h, custody), (i, death), (j, defenders)]
        .into_iter()
        .map(recommended)
        .collect()
}

/// The African Commission's recommendations, from its concluding observations.
fn achpr_recommendations() -> Vec<Draft> {
    let (f, mut lawyer) = recommendation(
        "Guarantee access to a lawyer for every person deprived of liberty from the outset of \
         police custody, in line with the Luanda Guidelines",
        ACHPR_TN,
        "TN",
        "detention",
    );
    lawyer.paragraph = Some(FOLLOWED.1.into());
    lawyer.date = Some(d("2022-11-10"));
    let (g, mut definition) = recommendation(
        "Amend the Criminal Code to bring the definition of torture into conformity with the \
         Convention and the Robben Island Guidelines",
        ACHPR_TN,
        "TN",
        "torture",
    );
    definition.paragraph = Some("38".into());
    definition.date = Some(d("2022-11-10"));
    let (h, mut defenders) = recommendation(
        "Protect journalists and human rights defenders from harassment, intimidation and \
         reprisals",
        ACHPR_TN,
        "TN",
        "defenders",
    );
    defenders.paragraph = Some("45".into());
    defenders.date = Some(d("2022-11-10"));
    [(f, lawyer), (g, definition), (h, defenders)].into_iter().map(recommended).collect()
}

fn planned(s: &str) -> Option<Planned> {
    Planned::parse_coarse(s).ok()
}

fn days(from: &str, to: &str) -> Option<Planned> {
    Planned::days(d(from), d(to)).ok()
}

/// The sample items `mechanism` publishes (none for a mechanism outside [`MECHANISMS`]).
pub fn drafts(mechanism: &str) -> Vec<Draft> {
    match mechanism {
        "ohchr" => ohchr(),
        "achpr" => achpr(),
        "coe" => coe(),
        "iachr" => iachr(),
        _ => Vec::new(),
    }
}

fn ohchr() -> Vec<Draft> {
    let mut tunisia = fields("SR on torture: visit to Tunisia", "en");
    let mut v =
        visit("SR on torture", "TN", VisitStatus::Scheduled, days("2027-05-03", "2027-05-14"));
    v.call_for_input = Some(CallForInput {
        deadline: d("2027-03-15"),
        url: "https://www.ohchr.org/en/calls-for-input/tunisia-2027".into(),
    });
    tunisia.visit = Some(v);
    tunisia.themes = vec!["torture".into(), "detention".into()];

    let mut undisclosed = fields("SPT: visit to an undisclosed State party", "en");
    undisclosed.visit =
        Some(visit("SPT", "undisclosed", VisitStatus::Accepted, planned("2027-Q3")));

    let mut workshop = fields("Workshop on regional arrangements for human rights", "en");
    workshop.report = Some(Report {
        symbol: Some("A/HRC/23/18".into()),
        doc_type: DocType::ThematicReport,
        issued: d("2013-03-15"),
        files: vec![
            ReportFile { lang: LangTag::default(), url: "https://undocs.org/A/HRC/23/18".into(), media_type: Some("application/pdf".into()), sha256: None },
            ReportFile { lang: "fr".parse().unwrap_or_default(), url: "https://undocs.org/fr/A/HRC/23/18".into(), media_type: Some("application/pdf".into()), sha256: None },
        ],
        summary: Some("Cooperation between UN and regional mechanisms; focal points to share forecasts of visits.".into()),
        related_visit: None,
    });

    let mut draft_report = fields("Draft end-of-visit statement, Tunisia", "en");
    draft_report.countries = vec![cc("TN")];
    draft_report.report = Some(Report {
        symbol: None,
        doc_type: DocType::EndOfVisitStatement,
        issued: d("2027-05-14"),
        files: Vec::new(),
        summary: None,
        related_visit: None,
    });

    let mut strategy = fields("Country engagement strategy, Tunisia (internal)", "en");
    strategy.countries = vec![cc("TN")];
    strategy.report = Some(Report {
        symbol: None,
        doc_type: DocType::Other,
        issued: d("2026-10-01"),
        files: Vec::new(),
        summary: None,
        related_visit: None,
    });

    let mut hrc = fields("Human Rights Council, 61st session", "en");
    hrc.event = Some(Event {
        category: EventCategory::Session,
        start: When::Date(d("2027-02-22")),
        end: Some(When::Date(d("2027-04-02"))),
        status: EventStatus::Confirmed,
        location: Some(Location {
            text: Some("Palais des Nations, Geneva".into()),
            country: Some(cc("CH")),
        }),
        session: Some("HRC 61".into()),
        related: Vec::new(),
    });

    let mut focal = fields("Focal point for regional mechanisms, Special Procedures Branch", "en");
    focal.contact = Some(Contact {
        role: ContactRole::FocalPoint,
        function_title: "Focal point for regional mechanisms".into(),
        org_unit: "Special Procedures Branch".into(),
        person_name: None,
        public_name_consent: false,
        emails: vec!["regional-mechanisms@ohchr.org".into()],
        phones: vec!["+41229179000".into()],
        coverage_countries: Vec::new(),
        coverage_themes: vec!["cooperation".into()],
        valid_from: Some(d("2026-01-01")),
        valid_until: None,
    });

    vec![
        draft(Kind::Visit, tunisia, Label::Clear, &[]),
        draft(Kind::Visit, undisclosed, Label::Green, &[]),
        draft(Kind::Report, workshop, Label::Clear, &[]),
        draft(Kind::Report, draft_report, Label::Amber, &["achpr"]),
        draft(Kind::Report, strategy, Label::AmberStrict, &[]),
        draft(Kind::Event, hrc, Label::Clear, &[]),
        draft(Kind::Contact, focal, Label::Clear, &[]),
    ]
    .into_iter()
    .chain(ohchr_recommendations())
    .collect()
}

fn achpr() -> Vec<Draft> {
    let mut session = fields("ACHPR 80th Ordinary Session", "en");
    session.event = Some(Event {
        category: EventCategory::Session,
        start: When::Date(d("2027-04-21")),
        end: Some(When::Date(d("2027-05-11"))),
        status: EventStatus::Tentative,
        location: Some(Location { text: Some("Banjul".into()), country: Some(cc("GM")) }),
        session: Some("ACHPR 80".into()),
        related: Vec::new(),
    });
    let mut prisons = fields("SR on prisons: promotion mission to Tunisia", "en");
    let mut v = visit(
        "ACHPR SR on prisons and conditions of detention",
        "TN",
        VisitStatus::Accepted,
        planned("2027-05"),
    );
    v.visit_type = VisitType::Promotional;
    prisons.visit = Some(v);
    let mut programme = fields("SR on defenders: mission to Burundi", "fr");
    let mut v = visit(
        "ACHPR SR on human rights defenders",
        "BI",
        VisitStatus::DatesProposed,
        days("2027-06-07", "2027-06-11"),
    );
    v.programme = vec![ProgrammeEntry {
        date: d("2027-06-08"),
        place: "Bujumbura".into(),
        meeting: "Civil society organisations".into(),
    }];
    v.notes = Some("Meet defenders away from official premises.".into());
    programme.visit = Some(v);
    let mut secretary = fields("Secretary to the Commission, ACHPR Secretariat", "en");
    secretary.contact = Some(Contact {
        role: ContactRole::Secretary,
        function_title: "Secretary to the Commission".into(),
        org_unit: "ACHPR Secretariat".into(),
        person_name: None,
        public_name_consent: false,
        emails: vec!["au-banjul@africa-union.org".into()],
        phones: Vec::new(),
        coverage_countries: Vec::new(),
        coverage_themes: Vec::new(),
        valid_from: None,
        valid_until: None,
    });
    vec![
        draft(Kind::Event, session, Label::Clear, &[]),
        draft(Kind::Visit, prisons, Label::Green, &[]),
        draft(Kind::Visit, programme, Label::Amber, &["ohchr"]),
        draft(Kind::Contact, secretary, Label::Green, &[]),
    ]
    .into_iter()
    .chain(achpr_recommendations())
    .collect()
}

fn coe() -> Vec<Draft> {
    let mut cpt = fields("CPT periodic visit to Türkiye", "en");
    let mut v = visit("CPT", "TR", VisitStatus::Scheduled, planned("2027-Q2"));
    v.visit_type = VisitType::Periodic;
    cpt.visit = Some(v);
    let mut report = fields("Report to the Government of France on the CPT visit", "en");
    report.countries = vec![cc("FR")];
    report.report = Some(Report {
        symbol: Some("CPT/Inf (2024) 12".into()),
        doc_type: DocType::MissionReport,
        issued: d("2024-06-20"),
        files: vec![ReportFile {
            lang: LangTag::default(),
            url: "https://rm.coe.int/cpt-inf-2024-12".into(),
            media_type: None,
            sha256: None,
        }],
        summary: None,
        related_visit: None,
    });
    let mut notes = fields("Commissioner: preparatory notes, Georgia", "en");
    let mut v = visit("Commissioner for Human Rights", "GE", VisitStatus::Requested, None);
    v.notes = Some("Draft only: do not circulate.".into());
    notes.visit = Some(v);
    vec![
        draft(Kind::Visit, cpt, Label::Green, &[]),
        draft(Kind::Report, report, Label::Clear, &[]),
        draft(Kind::Visit, notes, Label::Red, &[]),
    ]
}

fn iachr() -> Vec<Draft> {
    let mut cucuta = fields("In loco visit on Venezuela, held in Cúcuta", "es");
    let mut v = visit("IACHR", "VE", VisitStatus::Scheduled, days("2027-03-08", "2027-03-12"));
    v.visit_type = VisitType::InLoco;
    v.sites = vec![Site { country: cc("CO"), place: Some("Cúcuta".into()) }];
    cucuta.visit = Some(v);
    let mut hearing = fields("Public hearings, 195th period of sessions", "es");
    hearing.event = Some(Event {
        category: EventCategory::Hearing,
        start: When::Date(d("2027-02-24")),
        end: Some(When::Date(d("2027-03-06"))),
        status: EventStatus::Confirmed,
        location: Some(Location { text: Some("Washington, D.C.".into()), country: Some(cc("US")) }),
        session: Some("195 POS".into()),
        related: Vec::new(),
    });
    let mut statement = fields("Preliminary observations, Cúcuta", "es");
    statement.countries = vec![cc("VE"), cc("CO")];
    statement.report = Some(Report {
        symbol: None,
        doc_type: DocType::EndOfVisitStatement,
        issued: d("2027-03-12"),
        files: Vec::new(),
        summary: None,
        related_visit: None,
    });
    vec![
        draft(Kind::Visit, cucuta, Label::Clear, &[]),
        draft(Kind::Event, hearing, Label::Clear, &[]),
        draft(Kind::Report, statement, Label::Amber, &["ohchr", "coe"]),
    ]
}
