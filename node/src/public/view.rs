//! How each kind of item reads on the public site: its row in a list, with the columns of its
//! kind, and its facts on its own page. Only `http` and `https` URLs become links; any other
//! is shown as text. Items an item points to (joint visits, related items) are shown only when
//! they are public themselves, through [`Site::item`].

use chrono::NaiveDate;
use liaison_protocol::{
    CountryCode, Event, ItemId, Kind, LangTag, Report, Visit, VisitCountry, When,
};
use maud::{Markup, html};

use super::Site;
use super::pages::dates;
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

/// A day in words: `3 May 2027`.
pub(crate) fn day(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// A link to a country's page, by name.
fn country(c: CountryCode) -> Markup {
    html! { a href={ "/countries/" (c) "/" } { (c.name()) } }
}

fn country_list(countries: &[CountryCode]) -> Markup {
    html! {
        @for (i, c) in countries.iter().enumerate() { @if i > 0 { ", " } (country(*c)) }
    }
}

/// A visit's State by name, or that it is undisclosed.
fn visit_country(v: &Visit) -> Markup {
    match v.country {
        VisitCountry::Code(c) => country(c),
        VisitCountry::Undisclosed => html! { "An undisclosed State" },
    }
}

/// The title of `e`, linked to its page, clamped to two lines and [`TITLE_CAP`] characters.
fn title_link(e: &Entry) -> Markup {
    let title = &e.record.state.fields.title;
    html! {
        a class="clamp" href={ "/items/" (e.header.id) "/" } lang=(title.lang.as_str()) { (short_title(&title.value)) }
    }
}

/// One column of a list: its label and what its cell shows.
type Column = (&'static str, fn(&Entry) -> Markup);

fn owner(e: &Entry) -> Markup {
    html! { (e.header.owner) }
}

fn when(e: &Entry) -> Markup {
    html! { (dates(e)) }
}

fn status(e: &Entry) -> Markup {
    let f = &e.record.state.fields;
    let word = f
        .visit
        .as_ref()
        .map(|v| v.status.as_str())
        .or_else(|| f.event.as_ref().map(|ev| ev.status.as_str()))
        .unwrap_or_default();
    html! { (words(word)) }
}

fn all_countries(e: &Entry) -> Markup {
    country_list(&e.record.state.fields.all_countries())
}

const VISIT_COLUMNS: [Column; 6] = [
    ("Dates", when),
    ("Visit", title_link),
    ("Mandate", |e| html! { @if let Some(v) = &e.record.state.fields.visit { (v.mandate) } }),
    (
        "Country",
        |e| html! { @if let Some(v) = &e.record.state.fields.visit { (visit_country(v)) } },
    ),
    ("Mechanism", owner),
    ("Status", status),
];

const EVENT_COLUMNS: [Column; 6] = [
    ("Dates", when),
    ("Event", title_link),
    ("Category", |e| {
        html! { @if let Some(ev) = &e.record.state.fields.event { (words(ev.category.as_str())) } }
    }),
    ("Place", |e| html! { @if let Some(ev) = &e.record.state.fields.event { (place(ev)) } }),
    ("Mechanism", owner),
    ("Status", status),
];

const REPORT_COLUMNS: [Column; 6] = [
    ("Issued", when),
    ("Report", title_link),
    ("Symbol", |e| {
        html! { @if let Some(s) = e.record.state.fields.report.as_ref().and_then(|r| r.symbol.as_ref()) { (s) } }
    }),
    ("Type", |e| {
        html! { @if let Some(r) = &e.record.state.fields.report { (words(r.doc_type.as_str())) } }
    }),
    ("Countries", all_countries),
    ("Mechanism", owner),
];

const CONTACT_COLUMNS: [Column; 5] = [
    ("Contact", title_link),
    ("Role", |e| {
        html! { @if let Some(c) = &e.record.state.fields.contact { (words(c.role.as_str())) } }
    }),
    ("Unit", |e| html! { @if let Some(c) = &e.record.state.fields.contact { (c.org_unit) } }),
    ("Covers", all_countries),
    ("Mechanism", owner),
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
pub(crate) fn table(kind: Kind, caption: &str, entries: &[Entry]) -> Markup {
    let columns = columns(kind);
    html! {
        @if entries.is_empty() {
            p class="muted" { "Nothing here yet." }
        } @else {
            table class="rows" {
                caption class="vh" { (caption) }
                thead { tr { @for (label, _) in columns { th scope="col" { (label) } } } }
                tbody {
                    @for e in entries.iter().filter(|e| e.header.kind == kind) {
                        tr { @for (label, cell) in columns { td data-label=(label) { (cell(e)) } } }
                    }
                }
            }
        }
    }
}

/// Where an event takes place: the place in words and its country.
fn place(ev: &Event) -> Markup {
    let Some(l) = &ev.location else { return html! {} };
    html! {
        @if let Some(text) = &l.text { (text) }
        @if let (Some(_), Some(_)) = (&l.text, l.country) { ", " }
        @if let Some(c) = l.country { (country(c)) }
    }
}

/// One fact of an item's page.
fn fact(term: &str, value: Markup) -> Markup {
    html! { div { dt { (term) } dd { (value) } } }
}

/// Links to the items `ids` names that are public; the others are left out, as if unknown.
fn public_items(site: &Site, ids: &[ItemId]) -> Vec<Entry> {
    ids.iter().filter_map(|id| site.item(*id).ok().flatten()).collect()
}

fn item_links(items: &[Entry]) -> Markup {
    html! {
        ul { @for e in items { li { (title_link(e)) " (" (e.header.owner) ")" } } }
    }
}

/// An event's start or end in words, with its time and offset when it has one.
fn moment(w: When) -> String {
    match w {
        When::Date(d) => day(d),
        When::DateTime(t) => {
            format!("{}, {} (UTC{})", day(t.date_naive()), t.format("%H:%M"), t.format("%:z"))
        }
    }
}

/// A language's English name, for the common ones; otherwise its tag.
fn language(tag: &LangTag) -> String {
    let primary = tag.as_str().split('-').next().unwrap_or_default().to_ascii_lowercase();
    let name = match primary.as_str() {
        "en" => "English",
        "fr" => "French",
        "es" => "Spanish",
        "ar" => "Arabic",
        "ru" => "Russian",
        "zh" => "Chinese",
        "pt" => "Portuguese",
        "de" => "German",
        "it" => "Italian",
        "nl" => "Dutch",
        _ => return tag.as_str().to_owned(),
    };
    if primary == tag.as_str() { name.to_owned() } else { format!("{name} ({tag})") }
}

fn visit_facts(site: &Site, e: &Entry, v: &Visit) -> Markup {
    let dates = match (v.actual, v.planned) {
        (Some(a), _) if a.start == a.end => day(a.start),
        (Some(a), _) => format!("{} to {}", day(a.start), day(a.end)),
        (None, Some(p)) if p.precision == liaison_protocol::Precision::Day => dates(e),
        (None, Some(p)) => format!("planned for {p}; the exact dates are not fixed yet"),
        (None, None) => "to be agreed with the State".to_owned(),
    };
    let partners: Vec<_> = e.header.co_owners.iter().filter(|m| **m != e.header.owner).collect();
    let joint = public_items(site, &v.joint_with);
    html! {
        (fact("Mandate", html! { (v.mandate) }))
        (fact("Country", visit_country(v)))
        @if !v.sites.is_empty() {
            (fact("Places", html! { ul { @for s in &v.sites {
                li { @if let Some(p) = &s.place { (p) ", " } (country(s.country)) }
            } } }))
        }
        (fact("Type", html! { (words(v.visit_type.as_str())) }))
        (fact("Dates", html! { (dates) }))
        (fact("Status", html! { (words(v.status.as_str())) }))
        @if let Some(call) = &v.call_for_input {
            (fact("Call for input", html! {
                "Submissions by " strong { (day(call.deadline)) } ": " (web_link(&call.url, "the call for input"))
            }))
        }
        @if !partners.is_empty() || !joint.is_empty() {
            (fact("Joint with", html! {
                @if !partners.is_empty() {
                    p { "A joint visit of " (e.header.owner) @for m in &partners { " and " (m) } "." }
                }
                @if !joint.is_empty() { (item_links(&joint)) }
            }))
        }
        @if let Some(report) = &v.report {
            @match report.parse::<ItemId>() {
                Ok(id) => @if let Some(r) = site.item(id).ok().flatten() {
                    (fact("Report", title_link(&r)))
                },
                Err(_) => (fact("Report", html! { (report) })),
            }
        }
    }
}

/// A visit's status history, oldest first, as a timeline.
fn timeline(v: &Visit) -> Markup {
    let mut steps: Vec<_> = v.status_history.iter().collect();
    steps.sort_by_key(|s| s.date);
    html! {
        @if !steps.is_empty() {
            section {
                h2 { "Status history" }
                ol class="timeline" {
                    @for s in steps {
                        li {
                            time datetime=(s.date) { (day(s.date)) } ": " (words(s.status.as_str()))
                            @if let Some(note) = &s.note { br; span class="muted" { (note) } }
                        }
                    }
                }
            }
        }
    }
}

fn event_facts(site: &Site, ev: &Event) -> Markup {
    let related = public_items(site, &ev.related);
    html! {
        (fact("Category", html! { (words(ev.category.as_str())) }))
        (fact("Dates", html! {
            (moment(ev.start)) @if let Some(end) = ev.end { @if end != ev.start { " to " (moment(end)) } }
        }))
        @if ev.location.is_some() { (fact("Place", place(ev))) }
        @if let Some(s) = &ev.session { (fact("Session", html! { (s) })) }
        (fact("Status", html! { (words(ev.status.as_str())) }))
        @if !related.is_empty() { (fact("Related", item_links(&related))) }
    }
}

fn report_facts(site: &Site, r: &Report) -> Markup {
    html! {
        @if let Some(s) = &r.symbol { (fact("Symbol", html! { (s) })) }
        (fact("Type", html! { (words(r.doc_type.as_str())) }))
        (fact("Issued", html! { time datetime=(r.issued) { (day(r.issued)) } }))
        @if let Some(v) = r.related_visit.and_then(|id| site.item(id).ok().flatten()) {
            (fact("On the visit", title_link(&v)))
        }
    }
}

/// A report's language versions, one link each, and its summary.
fn report_files(r: &Report) -> Markup {
    html! {
        @if let Some(s) = &r.summary { section { h2 { "Summary" } p { (s) } } }
        section {
            h2 { "Language versions" }
            @if r.files.is_empty() { p class="muted" { "No file is published yet." } }
            ul {
                @for f in &r.files {
                    li {
                        (web_link(&f.url, &language(&f.lang)))
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

fn contact_facts(c: &liaison_protocol::Contact) -> Markup {
    html! {
        (fact("Role", html! { (words(c.role.as_str())) }))
        (fact("Function", html! { (c.function_title) }))
        (fact("Unit", html! { (c.org_unit) }))
        @if let Some(name) = &c.person_name { (fact("Name", html! { (name) })) }
        @if !c.emails.is_empty() {
            (fact("E-mail", html! { ul { @for m in &c.emails { li {
                @if plain_address(m) { a href={ "mailto:" (m) } { (m) } } @else { (m) }
            } } } }))
        }
        @if !c.phones.is_empty() {
            (fact("Telephone", html! { ul { @for p in &c.phones { li { a href={ "tel:" (p) } { (p) } } } } }))
        }
        @if !c.coverage_countries.is_empty() { (fact("Covers", country_list(&c.coverage_countries))) }
        @if !c.coverage_themes.is_empty() { (fact("Themes covered", html! { (c.coverage_themes.join(", ")) })) }
        @if c.valid_from.is_some() || c.valid_until.is_some() {
            (fact("Valid", html! {
                @if let Some(d) = c.valid_from { "from " (day(d)) " " }
                @if let Some(d) = c.valid_until { "until " (day(d)) }
            }))
        }
    }
}

/// The facts of an item's page, by its kind, then the countries, themes and links all kinds
/// have; then the sections of its kind (a visit's status history, a report's files).
pub(crate) fn facts(site: &Site, e: &Entry) -> Markup {
    let f = &e.record.state.fields;
    let own_countries = f.visit.is_none() && f.contact.is_none() && !f.countries.is_empty();
    html! {
        dl class="facts" {
            @if let Some(v) = &f.visit { (visit_facts(site, e, v)) }
            @if let Some(ev) = &f.event { (event_facts(site, ev)) }
            @if let Some(r) = &f.report { (report_facts(site, r)) }
            @if let Some(c) = &f.contact { (contact_facts(c)) }
            @if let Some(r) = &f.recommendation { (recommendation::facts(r)) }
            @if own_countries { (fact("Countries", country_list(&f.countries))) }
            @if !f.themes.is_empty() { (fact("Themes", html! { (f.themes.join(", ")) })) }
            @if !f.links.is_empty() {
                (fact("Links", html! { ul { @for l in &f.links {
                    li { (words(&l.rel)) ": " (web_link(&l.href, &l.href)) }
                } } }))
            }
            (fact("Published by", html! { (e.header.owner) }))
            (fact("Last updated", html! {
                time datetime=(e.record.state.updated.to_rfc3339()) { (e.record.state.updated.format("%-d %B %Y, %H:%M UTC")) }
                " (revision " (e.record.state.revision) ")"
            }))
        }
        @if let Some(v) = &f.visit { (timeline(v)) }
        @if let Some(r) = &f.report { (report_files(r)) }
        @if let Some(r) = &f.recommendation { (recommendation::sections(r)) }
    }
}

mod recommendation;
#[cfg(test)]
mod tests;
