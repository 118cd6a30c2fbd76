//! Server-rendered HTML pages: usable without JavaScript, readable on a phone, stable links.
//! "What is planned in Tunisia in the next six months" is two clicks: the home page's country
//! list, then the visits at the top of the country's page.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use chrono::{NaiveDate, Utc};
use liaison_protocol::{CallForInput, CountryCode, Kind};
use maud::{DOCTYPE, Markup, html};

use super::{Filter, ListQuery, Refusal, Site, path_id};
use crate::store::Entry;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:0 1rem;\
line-height:1.45;color:#1b1b1b}nav a{margin-right:1rem}table{border-collapse:collapse;width:100%}\
td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}\
.muted{color:#555}form label{margin-right:.8rem;display:inline-block}code{word-break:break-all}\
ul.countries{columns:12rem}@media(max-width:40rem){td,th{display:block;border:0}tr{display:block;\
border-bottom:1px solid #ddd;padding:.4rem 0}}";

type Page = Result<Html<String>, Refusal>;

fn layout(site: &Site, title: &str, body: Markup) -> Html<String> {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (site.title) }
                link rel="alternate" type="application/atom+xml" title="Reports" href="/reports.atom";
                style { (STYLE) }
            }
            body {
                header {
                    p { a href="/" { strong { (site.title) } } }
                    nav {
                        a href="/visits/" { "Country visits" }
                        a href="/calendar/" { "Calendar" }
                        a href="/reports/" { "Reports" }
                        a href="/contacts/" { "Contacts" }
                        a href="/calendar.ics" { "iCalendar" }
                        a href="/deadlines.ics" { "Deadlines" }
                        a href="/reports.atom" { "Atom" }
                    }
                }
                main { h1 { (title) } (body) }
                footer class="muted" {
                    p { "Public items of the Liaison federation. Every item is signed by the secretariat that \
                         published it; each item's page links to its provenance." }
                }
            }
        }
    };
    Html(markup.into_string())
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The dates of an item in words: `3-14 May 2027`, `Q2 2027`, `dates to be agreed`.
pub(crate) fn dates(e: &Entry) -> String {
    let f = &e.record.state.fields;
    if let Some(v) = &f.visit {
        if let Some(a) = v.actual {
            return span(a.start, a.end);
        }
        return match v.planned {
            Some(p) if p.precision == liaison_protocol::Precision::Day => span(p.start, p.end),
            Some(p) => p.to_string(),
            None => "dates to be agreed".to_owned(),
        };
    }
    match f.span() {
        Some((s, e)) if f.contact.is_none() => span(s, e),
        _ => String::new(),
    }
}

fn span(start: NaiveDate, end: NaiveDate) -> String {
    if start == end {
        start.format("%-d %B %Y").to_string()
    } else {
        format!("{} to {}", start.format("%-d %B %Y"), end.format("%-d %B %Y"))
    }
}

fn countries(e: &Entry) -> String {
    let f = &e.record.state.fields;
    match &f.visit {
        Some(v) if v.country.code().is_none() => "an undisclosed State".to_owned(),
        _ => f.all_countries().iter().map(CountryCode::name).collect::<Vec<_>>().join(", "),
    }
}

fn status(e: &Entry) -> String {
    let f = &e.record.state.fields;
    f.visit
        .as_ref()
        .map(|v| v.status.to_string().replace('_', " "))
        .or_else(|| f.event.as_ref().map(|ev| ev.status.to_string()))
        .unwrap_or_default()
}

fn table(entries: &[Entry]) -> Markup {
    html! {
        @if entries.is_empty() {
            p class="muted" { "Nothing here yet." }
        } @else {
            table {
                thead { tr { th { "Dates" } th { "What" } th { "Mechanism" } th { "Country" } th { "Status" } } }
                tbody {
                    @for e in entries {
                        tr {
                            td { (dates(e)) }
                            td { a href={ "/items/" (e.header.id) "/" } lang=(e.record.state.fields.title.lang.as_str()) { (e.record.state.fields.title.value) } }
                            td { (e.header.owner) }
                            td { (countries(e)) }
                            td { (status(e)) }
                        }
                    }
                }
            }
        }
    }
}

fn filter_form(action: &str, f: &Filter) -> Markup {
    let value = |v: Option<String>| v.unwrap_or_default();
    html! {
        form method="get" action=(action) {
            label { "Country " input name="country" size="3" placeholder="TN" value=(value(f.country.map(|c| c.to_string()))); }
            label { "Mechanism " input name="mechanism" size="8" placeholder="ohchr" value=(value(f.mechanism.as_ref().map(ToString::to_string))); }
            label { "From " input type="date" name="from" value=(value(f.from.map(|d| d.to_string()))); }
            label { "To " input type="date" name="to" value=(value(f.to.map(|d| d.to_string()))); }
            button type="submit" { "Filter" }
        }
    }
}

/// Rows of a list page unless `limit` says otherwise.
const LIST_ROWS: usize = 100;
/// Rows of each section of the home page and of a country's page.
const SECTION_ROWS: usize = 20;
/// Upcoming visits whose calls for input the home page considers (the soonest visits).
const CALLS_AMONG: usize = 200;

/// Whether `e` has dates and they end before `today`.
fn ended(e: &Entry, today: NaiveDate) -> bool {
    e.record.state.fields.span().is_some_and(|(_, end)| end < today)
}

/// Up to `count` visits matching `filter` that have not ended: the soonest dated ones, then
/// those with dates to be agreed (which sort last).
fn upcoming_visits(site: &Site, filter: &Filter, count: usize) -> Result<Vec<Entry>, Refusal> {
    let today = today();
    let dated = Filter { kind: Some(Kind::Visit), from: Some(today), ..filter.clone() };
    let (mut visits, _) = site.page(&dated, None, count)?;
    let undated = Filter { kind: Some(Kind::Visit), ..filter.clone() };
    let room = count - visits.len();
    visits.extend(
        site.last(&undated, room)?.into_iter().filter(|e| e.record.state.fields.span().is_none()),
    );
    Ok(visits)
}

/// The home page's content: the next few of each kind, never every item.
pub(crate) fn home_body(site: &Site) -> Result<Markup, Refusal> {
    let today = today();
    let visits = upcoming_visits(site, &Filter::default(), CALLS_AMONG)?;
    let mut calls: Vec<(&Entry, &CallForInput)> = visits
        .iter()
        .filter_map(|e| {
            let call = e.record.state.fields.visit.as_ref()?.call_for_input.as_ref()?;
            (call.deadline >= today).then_some((e, call))
        })
        .collect();
    calls.sort_by_key(|(_, call)| call.deadline);
    calls.truncate(SECTION_ROWS);
    let shown = &visits[..visits.len().min(SECTION_ROWS)];
    let events = Filter { kind: Some(Kind::Event), from: Some(today), ..Filter::default() };
    let (events, _) = site.page(&events, None, SECTION_ROWS)?;
    let reports = site.last(&Filter { kind: Some(Kind::Report), ..Filter::default() }, 10)?;
    let summary = site.summary()?;
    Ok(html! {
        section {
            h2 { "Calls for input" }
            @if calls.is_empty() { p class="muted" { "No open calls for input." } }
            ul {
                @for (e, c) in &calls {
                    li { strong { "by " (c.deadline.format("%-d %B %Y")) } ": "
                        a href={ "/items/" (e.header.id) "/" } { (e.record.state.fields.title.value) } " · "
                        a href=(c.url) { "submit" } }
                }
            }
        }
        section { h2 { "Upcoming country visits" } (table(shown))
            p { a href={ "/visits/?from=" (today) } { "All upcoming visits" } } }
        section { h2 { "Sessions and events" } (table(&events))
            p { a href={ "/calendar/?from=" (today) } { "All upcoming sessions and events" } } }
        section { h2 { "Latest reports" } (table(&reports)) p { a href="/reports/" { "All reports" } } }
        section {
            h2 { "By country" }
            ul class="countries" {
                @for c in &summary.countries { li { a href={ "/countries/" (c) "/" } { (c.name()) } } }
            }
        }
    })
}

pub(super) async fn home(State(site): State<Site>) -> Page {
    site.read(|site| {
        let body = home_body(site)?;
        Ok(layout(site, "Country visits, calls for input, sessions and reports", body))
    })
    .await
}

/// A list page's content: the filter form, the rows, and a link to the next page.
pub(crate) fn list_body(
    action: &str,
    f: &Filter,
    entries: &[Entry],
    next: Option<String>,
) -> Markup {
    html! {
        (filter_form(action, f))
        (table(entries))
        @if let Some(next) = next { p { a rel="next" href={ (action) (next) } { "Next page" } } }
    }
}

/// The list pages: kind, path and title, one place for the router and the static export.
pub(crate) const LISTS: [(Kind, &str, &str); 4] = [
    (Kind::Visit, "/visits/", "Country visits"),
    (Kind::Event, "/calendar/", "Sessions and events"),
    (Kind::Report, "/reports/", "Reports"),
    (Kind::Contact, "/contacts/", "Contacts of the secretariats"),
];

/// One page of the list of `kind`, filtered by the query, from its cursor on.
pub(super) async fn list(
    site: Site,
    q: Result<Query<ListQuery>, QueryRejection>,
    kind: Kind,
) -> Page {
    let (_, path, title) = LISTS.iter().find(|(k, ..)| *k == kind).copied().unwrap_or(LISTS[0]);
    let Query(q) = q?;
    let filter = q.filter();
    if filter.kind.is_some() {
        return Err(Refusal::BadRequest(
            "this page lists one kind already; 'kind' is not a filter here".to_owned(),
        ));
    }
    let (limit, after) = (q.limit(LIST_ROWS)?, q.after()?);
    site.read(move |site| {
        let (entries, next) =
            site.page(&Filter { kind: Some(kind), ..filter.clone() }, after, limit)?;
        let next = next.map(|cursor| q.next(&cursor));
        Ok(layout(site, title, list_body(path, &filter, &entries, next)))
    })
    .await
}

/// What is public about one country, upcoming visits first: the first rows of each section,
/// with links to the whole lists.
pub(crate) fn country_body(site: &Site, country: CountryCode) -> Result<Markup, Refusal> {
    let today = today();
    let of = |kind| Filter { kind: Some(kind), country: Some(country), ..Filter::default() };
    let next = upcoming_visits(site, &of(Kind::Visit), SECTION_ROWS)?;
    let past: Vec<Entry> = site
        .last(&of(Kind::Visit), SECTION_ROWS * 2)?
        .into_iter()
        .filter(|e| ended(e, today))
        .take(SECTION_ROWS)
        .collect();
    let (events, _) = site.page(&of(Kind::Event), None, SECTION_ROWS)?;
    let reports = site.last(&of(Kind::Report), SECTION_ROWS)?;
    let (contacts, _) = site.page(&of(Kind::Contact), None, SECTION_ROWS)?;
    Ok(html! {
        section { h2 { "Planned and upcoming visits" } (table(&next)) }
        section { h2 { "Sessions and events" } (table(&events)) }
        section { h2 { "Reports" } (table(&reports)) }
        section { h2 { "Past visits" } (table(&past)) }
        section { h2 { "Contacts covering " (country.name()) } (table(&contacts)) }
        p { "All of them: "
            @for (_, path, title) in LISTS { a href={ (path) "?country=" (country) } { (title) } " · " }
            a href={ "/calendar.ics?country=" (country) } { "Calendar feed for " (country.name()) } " · "
            a href={ "/reports.atom?country=" (country) } { "Reports feed" } }
    })
}

pub(super) async fn country(State(site): State<Site>, Path(cc): Path<String>) -> Page {
    let country: CountryCode = cc.parse().map_err(|_| Refusal::NotFound)?;
    site.read(move |site| {
        let body = country_body(site, country)?;
        Ok(layout(site, &country.name(), body))
    })
    .await
}

/// One item with its provenance.
pub(crate) fn item_body(site: &Site, e: &Entry) -> Markup {
    let f = &e.record.state.fields;
    let rows: Vec<(String, String)> =
        crate::export::flatten(&serde_json::to_value(f).unwrap_or_default())
            .into_iter()
            .map(|(k, v)| (k.replace('_', " "), v))
            .collect();
    let roster = site.store.trust().unwrap_or_default();
    // Who a key is: its pinned card's mechanism, or its certificate's, with the authority that
    // certified it.
    let signer = |k: &liaison_protocol::PublicKey| match roster.get(k) {
        Some(card) => card.mechanism.to_string(),
        None => roster.anchors().certificate(k).map_or("unknown node".to_owned(), |c| {
            format!("{} node certified by authority {}", c.mechanism, c.authority.short())
        }),
    };
    let checkpoint = roster.checkpoint(&e.header.owner).map(|(c, _)| c);
    html! {
        p { (e.header.kind) " published by " strong { (e.header.owner) } @if !dates(e).is_empty() { " · " (dates(e)) } }
        table {
            @for (k, v) in &rows { tr { th { (k) } td { (v) } } }
            tr { th { "revision" } td { (e.record.state.revision) } }
            tr { th { "updated" } td { (e.record.state.updated.format("%Y-%m-%d %H:%M UTC")) } }
        }
        section id="provenance" {
            h2 { "Provenance" }
            p { "Created by the " (e.header.owner) " node with key " code { (e.header.creator) } " (" (signer(&e.header.creator)) ")." }
            @if let Some(c) = checkpoint {
                p { "Latest checkpoint of " (e.header.owner) "'s public items: " (c.count) " items at "
                    (c.time.format("%Y-%m-%d %H:%M:%S UTC")) ", signed by " code { (c.signer.short()) } "." }
            }
            ul {
                @for s in &e.record.sigs {
                    li { "change " code { (data_encoding::HEXLOWER.encode(&s.hash[..8])) } " signed by " (signer(&s.signer)) " (" code { (s.signer.short()) } ")" }
                }
            }
            p { a href={ "/items/" (e.header.id) "/provenance" } { "Signed header, document and signatures (JSON)" }
                ", to check with " code { "liaison verify URL" } " or any ed25519 tool." }
        }
    }
}

pub(super) async fn item(State(site): State<Site>, Path(id): Path<String>) -> Page {
    let id = path_id(&id)?;
    site.read(move |site| {
        let entry = site.item(id)?.ok_or(Refusal::NotFound)?;
        let body = item_body(site, &entry);
        Ok(layout(site, &entry.record.state.fields.title.value, body))
    })
    .await
}

/// A whole page, for the static export.
pub(crate) fn page(site: &Site, title: &str, body: Markup) -> String {
    layout(site, title, body).0
}
