//! How a recommendation reads: its body, document and paragraph in a list; on its page, the
//! UPR's particulars, its other language versions, and the history of its implementation as
//! the mechanisms following it assessed it. Every word in the reader's language.

use liaison_protocol::{Implementation, Recommendation};
use maud::{Markup, html};

use super::{Column, all_countries, country_list, fact, title_link, web_link};
use crate::public::i18n::{Msg, Reader};
use crate::store::Entry;

fn of(e: &Entry) -> Option<&Recommendation> {
    e.record.state.fields.recommendation.as_ref()
}

/// A status in the reader's words: `partially-implemented` reads `Partially implemented`.
pub(in crate::public) fn status(r: Reader, s: Implementation) -> String {
    r.word(&s.as_str().replace('-', "_"))
}

/// Where it was made: the document's symbol and the paragraph.
fn reference(r: Reader, rec: &Recommendation) -> String {
    match &rec.paragraph {
        Some(p) => r.fill(Msg::Paragraph, &[&rec.symbol, p]),
        None => rec.symbol.clone(),
    }
}

pub(super) const COLUMNS: [Column; 6] = [
    (
        Msg::Date,
        |r, e| html! { @if let Some(d) = of(e).and_then(|rec| rec.date) { time datetime=(d) { (r.day(d)) } } },
    ),
    (Msg::KindRecommendation, title_link),
    (Msg::Body, |_, e| html! { @if let Some(rec) = of(e) { span dir="auto" { (rec.body) } } }),
    (Msg::Document, |r, e| html! { @if let Some(rec) = of(e) { (reference(r, rec)) } }),
    (Msg::Countries, all_countries),
    (Msg::Implementation, |r, e| {
        html! { @if let Some(a) = of(e).and_then(Recommendation::latest) { (status(r, a.status)) " (" (a.by) ")" } }
    }),
];

/// The facts of a recommendation's page.
pub(super) fn facts(r: Reader, rec: &Recommendation) -> Markup {
    html! {
        (fact(r.t(Msg::RecommendedBy), html! { span dir="auto" { (rec.body) } " (" span dir="auto" { (rec.mechanism) } ")" }))
        (fact(r.t(Msg::Document), html! { (reference(r, rec)) }))
        @if let Some(d) = rec.date { (fact(r.t(Msg::Published), html! { time datetime=(d) { (r.day(d)) } })) }
        @if let Some(upr) = &rec.upr {
            @if !upr.states.is_empty() { (fact(r.t(Msg::RecommendingStates), country_list(r, &upr.states))) }
            @if let Some(s) = &upr.session { (fact(r.t(Msg::UprSession), html! { (s) })) }
            @if let Some(p) = upr.position { (fact(r.t(Msg::StatePosition), html! { (r.word(p.as_str())) })) }
        }
        @if !rec.affected_persons.is_empty() { (fact(r.t(Msg::AffectedPersons), html! { span dir="auto" { (rec.affected_persons.join(", ")) } })) }
        @if !rec.sdg_targets.is_empty() { (fact(r.t(Msg::SdgTargets), html! { (rec.sdg_targets.join(", ")) })) }
        @if let Some(a) = rec.latest() {
            (fact(r.t(Msg::Implementation), html! { (r.fill(Msg::AssessedOn, &[&status(r, a.status), &a.by.to_string(), &r.day(a.date)])) }))
        }
        @if let Some(id) = &rec.annotation_id { (fact(r.t(Msg::Uhri), html! { (r.fill(Msg::Annotation, &[id])) })) }
    }
}

/// The other language versions, and the follow-up history, oldest first.
pub(super) fn sections(r: Reader, rec: &Recommendation) -> Markup {
    let mut history: Vec<_> = rec.assessments.iter().collect();
    history.sort_by_key(|a| a.date);
    html! {
        @if !rec.text_in.is_empty() {
            section {
                h2 { (r.t(Msg::OtherLanguages)) }
                @for (lang, text) in &rec.text_in {
                    h3 { (r.language(lang)) }
                    p lang=(lang.as_str()) dir="auto" { (text) }
                }
            }
        }
        section {
            h2 { (r.t(Msg::FollowUp)) }
            @if history.is_empty() { p class="muted" { (r.t(Msg::NoAssessmentYet)) } }
            ol class="timeline" {
                @for a in history {
                    li {
                        time datetime=(a.date) { (r.day(a.date)) } ": " (r.fill(Msg::AssessedBy, &[&status(r, a.status), &a.by.to_string()]))
                        @if let Some(s) = &a.source { " (" (web_link(s, r.t(Msg::Source))) ")" }
                        @if let Some(note) = &a.note { br; span class="muted" dir="auto" { (note) } }
                    }
                }
            }
        }
    }
}
