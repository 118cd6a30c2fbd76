//! `Fields::validate`: every refusal names the field at fault.

use crate::item::{MAX_LIST, MAX_TEXT};
use crate::test_support::*;
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
    check(Kind::Event, Label::Green, |f| event(f).end = Some(When::Date(date(2027, 3, 3))), None);
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
    let bad =
        Planned { start: date(2027, 5, 3), end: date(2027, 5, 31), precision: Precision::Month };
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
    let link =
        |href: &str| crate::Link { rel: "related".to_owned(), href: href.to_owned(), lang: None };
    check(Kind::Event, Label::Green, |f| f.links.push(link("https://www.ohchr.org")), None);
    check(Kind::Event, Label::Green, |f| f.links.push(link("ftp://ohchr.org")), Some("links.href"));
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
    check(Kind::Report, Label::Green, |f| f.title.value = "a".repeat(MAX_TEXT + 1), Some("title"));
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
    check(Kind::Report, Label::Green, |f| f.title.value = "line one\nline\ttwo".to_owned(), None);
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

#[test]
fn titles_and_summaries_in_other_languages_are_checked() {
    let tag = |t: &str| t.parse::<crate::LangTag>().unwrap();
    let fr = |f: &mut Fields| {
        f.title_in.insert(tag("fr"), "Visite en Tunisie".to_owned());
    };
    check(Kind::Visit, Label::Clear, fr, None);
    // The title's own language belongs in `title`, whatever the case of its tag.
    check(
        Kind::Visit,
        Label::Clear,
        |f| drop(f.title_in.insert(tag("EN"), "x".into())),
        Some("title_in.EN"),
    );
    check(
        Kind::Visit,
        Label::Clear,
        |f| drop(f.title_in.insert(tag("ar"), " ".into())),
        Some("title_in.ar"),
    );
    check(
        Kind::Visit,
        Label::Clear,
        |f| drop(f.title_in.insert(tag("es"), "x".repeat(MAX_TEXT + 1))),
        Some("title_in.es"),
    );
    check(
        Kind::Visit,
        Label::Clear,
        |f| {
            f.title_in.insert(tag("fr"), "a".into());
            f.title_in.insert(tag("FR"), "b".into());
        },
        Some("title_in.fr"),
    );
    check(
        Kind::Event,
        Label::Clear,
        |f| {
            for n in 0..=crate::MAX_TRANSLATIONS {
                f.title_in.insert(tag(&format!("fr-x-{n}")), "t".into());
            }
        },
        Some("title_in"),
    );
    // A summary in other languages needs one in the title's language first: the item's own,
    // or a report's.
    check(
        Kind::Event,
        Label::Clear,
        |f| drop(f.summary_in.insert(tag("fr"), "R".into())),
        Some("summary_in"),
    );
    check(
        Kind::Event,
        Label::Clear,
        |f| {
            f.summary = Some("A session".into());
            f.summary_in.insert(tag("fr"), "Une session".into());
        },
        None,
    );
    check(
        Kind::Report,
        Label::Clear,
        |f| {
            report(f).summary = Some("Findings".into());
            f.summary_in.insert(tag("pt-BR"), "Conclusões".into());
        },
        None,
    );
    check(Kind::Event, Label::Clear, |f| f.summary = Some("\u{7}".into()), Some("summary"));
}

/// The JSON shape of fields, for every kind.
mod props {
    use proptest::prelude::*;

    use crate::Fields;
    use crate::test_support::strategies::*;

    proptest! {
        #[test]
        fn fields_round_trip_through_json(fields in arb_fields()) {
            prop_assert!(fields.kind().is_some());
            let json = serde_json::to_string(&fields).unwrap();
            prop_assert_eq!(serde_json::from_str::<Fields>(&json).unwrap(), fields);
        }
    }
}

fn recommendation(f: &mut Fields) -> &mut crate::Recommendation {
    f.recommendation.as_mut().unwrap()
}

#[test]
fn a_recommendation_names_what_is_wrong() {
    use crate::{Assessment, Implementation};
    let rec = Kind::Recommendation;
    let tag = |t: &str| t.parse::<crate::LangTag>().unwrap();
    let assessment = |source: Option<&str>| Assessment {
        by: mech("ohchr"),
        status: Implementation::PartiallyImplemented,
        date: date(2027, 3, 1),
        source: source.map(str::to_owned),
        note: None,
    };
    let text_in = |f: &mut Fields, texts: &[(&str, &str)]| {
        recommendation(f).text_in =
            texts.iter().map(|(lang, t)| (tag(lang), (*t).to_owned())).collect();
    };
    check(rec, Label::Clear, |f| text_in(f, &[("fr", "Garantir")]), None);
    check(rec, Label::Clear, |f| text_in(f, &[("EN", "Again")]), Some("text_in.EN"));
    check(
        rec,
        Label::Clear,
        |f| text_in(f, &[("fr", "Garantir"), ("FR", "Assurer")]),
        Some("text_in.fr"),
    );
    check(rec, Label::Clear, |f| text_in(f, &[("ar", " ")]), Some("text_in.ar"));
    check(
        rec,
        Label::Clear,
        |f| text_in(f, &[("es", &*"x".repeat(MAX_TEXT + 1))]),
        Some("text_in.es"),
    );
    // The text is the title: its other languages are text_in, never title_in.
    check(
        rec,
        Label::Clear,
        |f| drop(f.title_in.insert(tag("fr"), "Garantir".into())),
        Some("title_in"),
    );
    let mut f = fields(rec);
    text_in(&mut f, &[("fr", "Garantir")]);
    assert_eq!(f.title_translations().get(&tag("fr")).map(String::as_str), Some("Garantir"));
    let mut visit = fields(Kind::Visit);
    visit.title_in.insert(tag("fr"), "Visite".into());
    assert_eq!(visit.title_translations(), &visit.title_in);
    check(rec, Label::Clear, |f| recommendation(f).body = " ".to_owned(), Some("body"));
    check(rec, Label::Clear, |f| recommendation(f).symbol = String::new(), Some("symbol"));
    check(
        rec,
        Label::Clear,
        |f| recommendation(f).sdg_targets = vec![String::new()],
        Some("sdg_targets"),
    );
    check(rec, Label::Clear, |f| recommendation(f).date = Some(date(10_000, 1, 1)), Some("date"));
    check(
        rec,
        Label::Clear,
        |f| recommendation(f).assessments = vec![assessment(Some("https://ohchr.org/"))],
        None,
    );
    check(
        rec,
        Label::Clear,
        |f| recommendation(f).assessments = vec![assessment(Some("javascript:alert(1)"))],
        Some("assessments.source"),
    );
    check(
        rec,
        Label::Clear,
        |f| recommendation(f).assessments = vec![assessment(None); MAX_LIST + 1],
        Some("assessments"),
    );
}

#[test]
fn the_latest_assessment_is_the_one_of_the_latest_day() {
    use crate::{Assessment, Implementation};
    let mut r = fields(Kind::Recommendation).recommendation.unwrap();
    assert!(r.latest().is_none());
    let on = |day, status| Assessment {
        by: mech("achpr"),
        status,
        date: date(2027, 3, day),
        source: None,
        note: None,
    };
    r.assessments = vec![on(9, Implementation::Implemented), on(2, Implementation::NotImplemented)];
    assert_eq!(r.latest().map(|a| a.status), Some(Implementation::Implemented));
    r.assessments.push(on(9, Implementation::PartiallyImplemented));
    assert_eq!(
        r.latest().map(|a| a.status),
        Some(Implementation::PartiallyImplemented),
        "the later record wins a tie"
    );
}
