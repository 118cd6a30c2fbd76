//! How each kind of item reads on the public site: its row in a list, with the columns of its
//! kind, and its facts on its own page. Only `http` and `https` URLs become links; any other
//! is shown as text. Items an item points to (joint visits, related items) are shown only when
//! they are public themselves, through [`Site::item`].

use liaison_protocol::{CountryCode, Event, ItemId, Kind, Report, Visit, VisitCountry, When};
use maud::{Markup, html};

use super::Site;
use super::i18n::{Msg, Reader};
use super::pages::{dates_for, span};
use crate::store::Entry;

/// Longest title a list shows, in characters; the item's own page shows it whole.
pub(crate) const TITLE_CAP: usize = 120;

/// `title` cut to [`TITLE_CAP`] characters, at a word where one is near, with an ellipsis.
pub(crate) fn short_title(title: &str) -> String {
    if title.chars().count() <= TITLE_CAP {
        return title.to_owned();
    }
    let cut: String = title.chars().take(TITLE_CAP).collect();
    let at_word = cut
        .rfind(char::is_whitespace)
        .filter(|&at| cut[..at].chars().count() >= TITLE_CAP * 3 / 4)
        .map_or(cut.as_str(), |at| &cut[..at]);
    format!("{}…", at_word.trim_end())
}

/// Whether `url` may be a link: an absolute `http` or `https` URL.
pub(crate) fn is_web(url: &str) -> bool {
    let starts =
        |prefix: &str| url.get(..prefix.len()).is_some_and(|s| s.eq_ignore_ascii_case(prefix));
    starts("http://") || starts("https://")
}

/// A link to `url` reading `text` when it is a web address; otherwise `text` and the address
/// as plain text.
pub(crate) fn web_link(url: &str, text: &str) -> Markup {
    html! {
        @if is_web(url) { a href=(url) { (text) } }
        @else { (text) " (" span class="url" { (url) } ")" }
    }
}

/// A word of the data model in words: `dates_proposed` becomes `Dates proposed`.
pub(crate) fn words(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect::<String>().replace('_', " ")
    })
}

/// A link to a country's page, by name in the reader's language.
fn country(r: Reader, c: CountryCode) -> Markup {
    html! { a href=(r.href(&format!("/countries/{c}/"))) { (r.country(c)) } }
}

fn country_list(r: Reader, countries: &[CountryCode]) -> Markup {
    html! {
        @for (i, c) in countries.iter().enumerate() { @if i > 0 { ", " } (country(r, *c)) }
    }
}

/// A visit's State by name, or that it is undisclosed.
fn visit_country(r: Reader, v: &Visit) -> Markup {
    match v.country {
        VisitCountry::Code(c) => country(r, c),
        VisitCountry::Undisclosed => html! { (r.t(Msg::UndisclosedState)) },
    }
}

/// The title of `e` in the reader's language where it has one, linked to its page, clamped to
/// two lines and [`TITLE_CAP`] characters.
fn title_link(r: Reader, e: &Entry) -> Markup {
    let f = &e.record.state.fields;
    let title = r.pick(&f.title, f.title_translations());
    html! {
        a class="clamp" href=(r.href(&format!("/items/{}/", e.header.id))) lang=(title.lang.as_str()) dir="auto" { (short_title(title.text)) }
    }
}

/// One column of a list: its label and what its cell shows.
type Column = (Msg, fn(Reader, &Entry) -> Markup);

fn owner(_: Reader, e: &Entry) -> Markup {
    html! { (e.header.owner) }
}

fn when(r: Reader, e: &Entry) -> Markup {
    html! { (dates_for(r, e)) }
}

fn status(r: Reader, e: &Entry) -> Markup {
    let f = &e.record.state.fields;
    let word = f
        .visit
        .as_ref()
        .map(|v| v.status.as_str())
        .or_else(|| f.event.as_ref().map(|ev| ev.status.as_str()))
        .unwrap_or_default();
    html! { (r.word(word)) }
}

fn all_countries(r: Reader, e: &Entry) -> Markup {
    country_list(r, &e.record.state.fields.all_countries())
}

const VISIT_COLUMNS: [Column; 6] = [
    (Msg::Dates, when),
    (Msg::Visit, title_link),
    (
        Msg::Mandate,
        |_, e| html! { @if let Some(v) = &e.record.state.fields.visit { span dir="auto" { (v.mandate) } } },
    ),
    (
        Msg::Country,
        |r, e| html! { @if let Some(v) = &e.record.state.fields.visit { (visit_country(r, v)) } },
    ),
    (Msg::Mechanism, owner),
    (Msg::Status, status),
];

const EVENT_COLUMNS: [Column; 6] = [
    (Msg::Dates, when),
    (Msg::Event, title_link),
    (Msg::Category, |r, e| {
        html! { @if let Some(ev) = &e.record.state.fields.event { (r.word(ev.category.as_str())) } }
    }),
    (
        Msg::Place,
        |r, e| html! { @if let Some(ev) = &e.record.state.fields.event { (place(r, ev)) } },
    ),
    (Msg::Mechanism, owner),
    (Msg::Status, status),
];

const REPORT_COLUMNS: [Column; 6] = [
    (Msg::Issued, when),
    (Msg::Report, title_link),
    (Msg::Symbol, |_, e| {
        html! { @if let Some(s) = e.record.state.fields.report.as_ref().and_then(|r| r.symbol.as_ref()) { (s) } }
    }),
    (Msg::Type, |reader, e| {
        html! { @if let Some(r) = &e.record.state.fields.report { (reader.word(r.doc_type.as_str())) } }
    }),
    (Msg::Countries, all_countries),
    (Msg::Mechanism, owner),
];

const CONTACT_COLUMNS: [Column; 5] = [
    (Msg::Contact, title_link),
    (Msg::Role, |r, e| {
        html! { @if let Some(c) = &e.record.state.fields.contact { (r.word(c.role.as_str())) } }
    }),
    (
        Msg::Unit,
        |_, e| html! { @if let Some(c) = &e.record.state.fields.contact { span dir="auto" { (c.org_unit) } } },
    ),
    (Msg::Covers, all_countries),
    (Msg::Mechanism, owner),
];

fn columns(kind: Kind) -> &'static [Column] {
    match kind {
        Kind::Event => &EVENT_COLUMNS,
        Kind::Report => &REPORT_COLUMNS,
        Kind::Contact => &CONTACT_COLUMNS,
        Kind::Visit | Kind::Proposal => &VISIT_COLUMNS,
        Kind::Recommendation => &recommendation::COLUMNS,
    }
}

/// A list of items of one kind: a table with that kind's columns and the caption `caption`
/// (read by screen readers; the page's heading shows it), or a line saying it is empty. On a
/// phone each row becomes a block whose cells carry their column's label (`data-label`).
pub(crate) fn table(r: Reader, kind: Kind, caption: &str, entries: &[Entry]) -> Markup {
    let columns = columns(kind);
    html! {
        @if entries.is_empty() {
            p class="muted" { (r.t(Msg::NothingYet)) }
        } @else {
            table class="rows" {
                caption class="vh" { (caption) }
                thead { tr { @for (label, _) in columns { th scope="col" { (r.t(*label)) } } } }
                tbody {
                    @for e in entries.iter().filter(|e| e.header.kind == kind) {
                        tr { @for (label, cell) in columns { td data-label=(r.t(*label)) { (cell(r, e)) } } }
                    }
                }
            }
        }
    }
}

/// Where an event takes place: the place in words and its country.
fn place(r: Reader, ev: &Event) -> Markup {
    let Some(l) = &ev.location else { return html! {} };
    html! {
        @if let Some(text) = &l.text { span dir="auto" { (text) } }
        @if let (Some(_), Some(_)) = (&l.text, l.country) { ", " }
        @if let Some(c) = l.country { (country(r, c)) }
    }
}

/// One fact of an item's page.
fn fact(term: &str, value: Markup) -> Markup {
    html! { div { dt { (term) } dd dir="auto" { (value) } } }
}

/// Links to the items `ids` names that are public; the others are left out, as if unknown.
fn public_items(site: &Site, ids: &[ItemId]) -> Vec<Entry> {
    ids.iter().filter_map(|id| site.item(*id).ok().flatten()).collect()
}

fn item_links(r: Reader, items: &[Entry]) -> Markup {
    html! {
        ul { @for e in items { li { (title_link(r, e)) " (" (e.header.owner) ")" } } }
    }
}

/// An event's start or end in words, with its time and offset when it has one.
fn moment(r: Reader, w: When) -> String {
    match w {
        When::Date(d) => r.day(d),
        When::DateTime(t) => {
            format!("{}, {} (UTC{})", r.day(t.date_naive()), t.format("%H:%M"), t.format("%:z"))
        }
    }
}

fn visit_facts(site: &Site, r: Reader, e: &Entry, v: &Visit) -> Markup {
    let dates = match (v.actual, v.planned) {
        (Some(a), _) => span(r, a.start, a.end),
        (None, Some(p)) if p.precision == liaison_protocol::Precision::Day => dates_for(r, e),
        (None, Some(p)) => format!("planned for {p}; the exact dates are not fixed yet"),
        (None, None) => "to be agreed with the State".to_owned(),
    };
    let partners: Vec<_> = e.header.co_owners.iter().filter(|m| **m != e.header.owner).collect();
    let joint = public_items(site, &v.joint_with);
    html! {
        (fact(r.t(Msg::Mandate), html! { (v.mandate) }))
        (fact(r.t(Msg::Country), visit_country(r, v)))
        @if !v.sites.is_empty() {
            (fact(r.t(Msg::Places), html! { ul { @for s in &v.sites {
                li { @if let Some(p) = &s.place { (p) ", " } (country(r, s.country)) }
            } } }))
        }
        (fact(r.t(Msg::Type), html! { (r.word(v.visit_type.as_str())) }))
        (fact(r.t(Msg::Dates), html! { (dates) }))
        (fact(r.t(Msg::Status), html! { (r.word(v.status.as_str())) }))
        @if let Some(call) = &v.call_for_input {
            (fact(r.t(Msg::CallsForInput), html! {
                strong { (r.fill(Msg::By, &[&r.day(call.deadline)])) } ": " (web_link(&call.url, r.t(Msg::SubmitInput)))
            }))
        }
        @if !partners.is_empty() || !joint.is_empty() {
            (fact(r.t(Msg::JointWith), html! {
                @if !partners.is_empty() {
                    @let all: Vec<String> = std::iter::once(&e.header.owner).chain(partners.iter().copied()).map(ToString::to_string).collect();
                    p { (r.fill(Msg::JointVisitOf, &[&all.join(", ")])) }
                }
                @if !joint.is_empty() { (item_links(r, &joint)) }
            }))
        }
        @if let Some(report) = &v.report {
            @match report.parse::<ItemId>() {
                Ok(id) => @if let Some(item) = site.item(id).ok().flatten() {
                    (fact(r.t(Msg::Report), title_link(r, &item)))
                },
                Err(_) => (fact(r.t(Msg::Report), html! { (report) })),
            }
        }
    }
}

/// A visit's status history, oldest first, as a timeline.
fn timeline(r: Reader, v: &Visit) -> Markup {
    let mut steps: Vec<_> = v.status_history.iter().collect();
    steps.sort_by_key(|s| s.date);
    html! {
        @if !steps.is_empty() {
            section {
                h2 { (r.t(Msg::StatusHistory)) }
                ol class="timeline" {
                    @for s in steps {
                        li {
                            time datetime=(s.date) { (r.day(s.date)) } ": " (r.word(s.status.as_str()))
                            @if let Some(note) = &s.note { br; span class="muted" { (note) } }
                        }
                    }
                }
            }
        }
    }
}

fn event_facts(site: &Site, r: Reader, ev: &Event) -> Markup {
    let related = public_items(site, &ev.related);
    html! {
        (fact(r.t(Msg::Category), html! { (r.word(ev.category.as_str())) }))
        (fact(r.t(Msg::Dates), html! {
            @if let Some(end) = ev.end.filter(|end| *end != ev.start) {
                (r.fill(Msg::Span, &[&moment(r, ev.start), &moment(r, end)]))
            } @else { (moment(r, ev.start)) }
        }))
        @if ev.location.is_some() { (fact(r.t(Msg::Place), place(r, ev))) }
        @if let Some(s) = &ev.session { (fact(r.t(Msg::Session), html! { (s) })) }
        (fact(r.t(Msg::Status), html! { (r.word(ev.status.as_str())) }))
        @if !related.is_empty() { (fact(r.t(Msg::Related), item_links(r, &related))) }
    }
}

fn report_facts(site: &Site, reader: Reader, r: &Report) -> Markup {
    html! {
        @if let Some(s) = &r.symbol { (fact(reader.t(Msg::Symbol), html! { (s) })) }
        (fact(reader.t(Msg::Type), html! { (reader.word(r.doc_type.as_str())) }))
        (fact(reader.t(Msg::Issued), html! { time datetime=(r.issued) { (reader.day(r.issued)) } }))
        @if let Some(v) = r.related_visit.and_then(|id| site.item(id).ok().flatten()) {
            (fact(reader.t(Msg::OnTheVisit), title_link(reader, &v)))
        }
    }
}

/// A report's language versions, one link each (its summary is on the item's page, in the
/// reader's language where it has one).
fn report_files(reader: Reader, r: &Report) -> Markup {
    html! {
        section {
            h2 { (reader.t(Msg::LanguageVersions)) }
            @if r.files.is_empty() { p class="muted" { (reader.t(Msg::NoFileYet)) } }
            ul {
                @for f in &r.files {
                    li {
                        (web_link(&f.url, &reader.language(&f.lang)))
                        @if let Some(t) = &f.media_type { " (" (t) ")" }
                        @if let Some(sha) = &f.sha256 { br; span class="muted" { "SHA-256 " code { (sha) } } }
                    }
                }
            }
        }
    }
}

/// Whether `address` can go in a `mailto:` link as it is (no `?`, `#`, `%`, `&` or `/`, which
/// a mail client would read as more than an address).
fn plain_address(address: &str) -> bool {
    !address.contains(['?', '#', '%', '&', '/'])
}

fn contact_facts(r: Reader, c: &liaison_protocol::Contact) -> Markup {
    html! {
        (fact(r.t(Msg::Role), html! { (r.word(c.role.as_str())) }))
        (fact(r.t(Msg::Function), html! { (c.function_title) }))
        (fact(r.t(Msg::Unit), html! { (c.org_unit) }))
        @if let Some(name) = &c.person_name { (fact(r.t(Msg::Name), html! { (name) })) }
        @if !c.emails.is_empty() {
            (fact(r.t(Msg::Email), html! { ul { @for m in &c.emails { li {
                @if plain_address(m) { a href={ "mailto:" (m) } { (m) } } @else { (m) }
            } } } }))
        }
        @if !c.phones.is_empty() {
            (fact(r.t(Msg::Telephone), html! { ul { @for p in &c.phones { li { a href={ "tel:" (p) } { (p) } } } } }))
        }
        @if !c.coverage_countries.is_empty() { (fact(r.t(Msg::Covers), country_list(r, &c.coverage_countries))) }
        @if !c.coverage_themes.is_empty() { (fact(r.t(Msg::ThemesCovered), html! { (c.coverage_themes.join(", ")) })) }
        @if c.valid_from.is_some() || c.valid_until.is_some() {
            (fact(r.t(Msg::Valid), html! {
                @if let Some(d) = c.valid_from { (r.fill(Msg::ValidFrom, &[&r.day(d)])) " " }
                @if let Some(d) = c.valid_until { (r.fill(Msg::ValidUntil, &[&r.day(d)])) }
            }))
        }
    }
}

/// The facts of an item's page, by its kind, then the countries, themes and links all kinds
/// have; then the sections of its kind (a visit's status history, a report's files).
pub(crate) fn facts(site: &Site, r: Reader, e: &Entry) -> Markup {
    let f = &e.record.state.fields;
    let own_countries = f.visit.is_none() && f.contact.is_none() && !f.countries.is_empty();
    html! {
        dl class="facts" {
            @if let Some(v) = &f.visit { (visit_facts(site, r, e, v)) }
            @if let Some(ev) = &f.event { (event_facts(site, r, ev)) }
            @if let Some(report) = &f.report { (report_facts(site, r, report)) }
            @if let Some(c) = &f.contact { (contact_facts(r, c)) }
            @if let Some(rec) = &f.recommendation { (recommendation::facts(r, rec)) }
            @if own_countries { (fact(r.t(Msg::Countries), country_list(r, &f.countries))) }
            @if !f.themes.is_empty() { (fact(r.t(Msg::Themes), html! { (f.themes.join(", ")) })) }
            @if !f.links.is_empty() {
                (fact(r.t(Msg::Links), html! { ul { @for l in &f.links {
                    li { (r.word(&l.rel)) ": " (web_link(&l.href, &l.href)) }
                } } }))
            }
            (fact(r.t(Msg::PublishedBy), html! { (e.header.owner) }))
            (fact(r.t(Msg::LastUpdated), html! {
                time datetime=(e.record.state.updated.to_rfc3339()) { (r.day(e.record.state.updated.date_naive())) (e.record.state.updated.format(", %H:%M UTC")) }
                " (" (r.fill(Msg::Revision, &[&r.number(e.record.state.revision)])) ")"
            }))
        }
        @if let Some(v) = &f.visit { (timeline(r, v)) }
        @if let Some(report) = &f.report { (report_files(r, report)) }
        @if let Some(rec) = &f.recommendation { (recommendation::sections(r, rec)) }
    }
}

pub(super) mod recommendation;
#[cfg(test)]
mod tests;
