//! How a recommendation reads: its body, document and paragraph in a list; on its page, the
//! UPR's particulars, its other language versions, and the history of its implementation as
//! the mechanisms following it assessed it.

use liaison_protocol::{Implementation, Recommendation};
use maud::{Markup, html};

use super::{
    Column, all_countries, country_list, day, fact, language, title_link, web_link, words,
};
use crate::store::Entry;

fn of(e: &Entry) -> Option<&Recommendation> {
    e.record.state.fields.recommendation.as_ref()
}

/// A status in words: `partially-implemented` becomes `Partially implemented`.
fn status(s: Implementation) -> String {
    words(&s.as_str().replace('-', "_"))
}

/// Where it was made: the document's symbol and the paragraph.
fn reference(r: &Recommendation) -> String {
    match &r.paragraph {
        Some(p) => format!("{}, para. {p}", r.symbol),
        None => r.symbol.clone(),
    }
}

pub(super) const COLUMNS: [Column; 6] = [
    (
        "Date",
        |e| html! { @if let Some(d) = of(e).and_then(|r| r.date) { time datetime=(d) { (day(d)) } } },
    ),
    ("Recommendation", title_link),
    ("Body", |e| html! { @if let Some(r) = of(e) { (r.body) } }),
    ("Document", |e| html! { @if let Some(r) = of(e) { (reference(r)) } }),
    ("Countries", all_countries),
    ("Implementation", |e| {
        html! { @if let Some(a) = of(e).and_then(Recommendation::latest) { (status(a.status)) " (" (a.by) ")" } }
    }),
];

/// The facts of a recommendation's page.
pub(super) fn facts(r: &Recommendation) -> Markup {
    html! {
        (fact("Recommended by", html! { (r.body) " (" (r.mechanism) ")" }))
        (fact("Document", html! { (reference(r)) }))
        @if let Some(d) = r.date { (fact("Published", html! { time datetime=(d) { (day(d)) } })) }
        @if let Some(upr) = &r.upr {
            @if !upr.states.is_empty() { (fact("Recommending States", country_list(&upr.states))) }
            @if let Some(s) = &upr.session { (fact("UPR session", html! { (s) })) }
            @if let Some(p) = upr.position { (fact("Position of the State", html! { (words(p.as_str())) })) }
        }
        @if !r.affected_persons.is_empty() { (fact("Affected persons", html! { (r.affected_persons.join(", ")) })) }
        @if !r.sdg_targets.is_empty() { (fact("SDG targets", html! { (r.sdg_targets.join(", ")) })) }
        @if let Some(a) = r.latest() { (fact("Implementation", html! { (status(a.status)) ", as " (a.by) " assessed it on " (day(a.date)) })) }
        @if let Some(id) = &r.annotation_id { (fact("Universal Human Rights Index", html! { "annotation " (id) })) }
    }
}

/// The other language versions, and the follow-up history, oldest first.
pub(super) fn sections(r: &Recommendation) -> Markup {
    let mut history: Vec<_> = r.assessments.iter().collect();
    history.sort_by_key(|a| a.date);
    html! {
        @if !r.text_in.is_empty() {
            section {
                h2 { "Other languages" }
                @for t in &r.text_in {
                    h3 { (language(&t.lang)) }
                    p lang=(t.lang.as_str()) { (t.value) }
                }
            }
        }
        section {
            h2 { "Follow-up" }
            @if history.is_empty() { p class="muted" { "No assessment of its implementation yet." } }
            ol class="timeline" {
                @for a in history {
                    li {
                        time datetime=(a.date) { (day(a.date)) } ": " (status(a.status)) ", by " (a.by)
                        @if let Some(s) = &a.source { " (" (web_link(s, "source")) ")" }
                        @if let Some(note) = &a.note { br; span class="muted" { (note) } }
                    }
                }
            }
        }
    }
}
