//! Server-rendered HTML pages: usable without JavaScript, readable on a phone, stable links.
//! "What is planned in Tunisia in the next six months" is two clicks: the home page's country
//! list, then the visits at the top of the country's page.
//!
//! Every page has one `h1`, the landmarks `header`, `nav`, `main` and `footer`, a skip link,
//! and a footer saying when this node last heard from each member. Styles come from
//! `/site.css`; there is no script at all.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse};
use chrono::{DateTime, NaiveDate, Utc};
use liaison_protocol::{CallForInput, CountryCode, Kind, Role};
use maud::{DOCTYPE, Markup, html};

use super::view::{day, facts, short_title, table, web_link};
use super::{Filter, ListQuery, Refusal, Site, path_id};
use crate::api::PeerStatus;
use crate::store::Entry;

/// The site's stylesheet, served at `/site.css` (and written beside a static export).
pub(crate) const STYLE: &str = include_str!("site.css");

type Page = Result<Html<String>, Refusal>;

/// `/site.css`.
pub(super) async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
}

/// A whole page titled `title` (in the language `lang`, when it is an item's title).
pub(super) fn layout(site: &Site, title: &str, lang: Option<&str>, body: Markup) -> Html<String> {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (site.title) }
                link rel="stylesheet" href="/site.css";
                link rel="alternate" type="application/atom+xml" title="Reports" href="/reports.atom";
            }
            body {
                a class="skip" href="#main" { "Skip to main content" }
                header {
                    p class="site" { a href="/" { (site.title) } }
                    nav aria-label="Main" {
                        ul {
                            li { a href="/visits/" { "Country visits" } }
                            li { a href="/calendar/" { "Calendar" } }
                            li { a href="/reports/" { "Reports" } }
                            li { a href="/contacts/" { "Contacts" } }
                            @if !site.copy { li { a href="/search" { "Search" } } }
                            li { a href="/calendar.ics" { "iCalendar" } }
                            li { a href="/deadlines.ics" { "Deadlines" } }
                            li { a href="/reports.atom" { "Atom" } }
                        }
                    }
                }
                main id="main" tabindex="-1" { h1 lang=[lang] { (title) } (body) }
                footer class="muted" {
                    (freshness(site))
                    p { "Public items of the Liaison federation. Every item is signed by the secretariat that \
                         published it; each item's page links to its provenance." }
                }
            }
        }
    };
    Html(markup.into_string())
}

/// When this node last heard from each member node it follows (a completed reconciliation).
fn freshness(site: &Site) -> Markup {
    let now = Utc::now();
    let Some(status) = site.status() else {
        return html! {
            @if site.copy {
                p { "A copy of the site written " (moment(now, now))
                    "; it does not change when the members publish." }
            } @else {
                p { "Starting: not in touch with the members yet." }
            }
        };
    };
    let members: Vec<&PeerStatus> =
        status.peers.iter().filter(|p| p.role == Some(Role::Member)).collect();
    html! {
        @if members.is_empty() {
            p { "This site follows no member node." }
        } @else {
            p { "When this site last heard from each member:" }
            ul {
                @for p in members {
                    li {
                        @match (&p.name, &p.mechanism) {
                            (Some(name), Some(m)) => { (name) " (" (m) ")" },
                            (None, Some(m)) => { (m) },
                            (name, None) => { (name.as_deref().unwrap_or("a member node")) },
                        }
                        ": "
                        @match p.last_sync {
                            Some(t) => (moment(t, now)),
                            None => "not since this site started",
                        }
                        @if p.connected { ", connected" } @else { ", not connected now" }
                    }
                }
            }
        }
    }
}

/// `t` as a `time` element: how long ago, and the time itself.
fn moment(t: DateTime<Utc>, now: DateTime<Utc>) -> Markup {
    let ago = (now - t).num_seconds().max(0);
    let words = match ago {
        0..60 => "just now".to_owned(),
        60..3600 => plural(ago / 60, "minute"),
        3600..86_400 => plural(ago / 3600, "hour"),
        _ => plural(ago / 86_400, "day"),
    };
    html! { time datetime=(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)) { (words) " (" (t.format("%-d %B %Y, %H:%M UTC")) ")" } }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 { format!("1 {unit} ago") } else { format!("{n} {unit}s ago") }
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The dates of an item in words: `3 May 2027 to 14 May 2027`, `2027-Q2`, `dates to be agreed`.
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
    if start == end { day(start) } else { format!("{} to {}", day(start), day(end)) }
}

fn filter_form(action: &str, f: &Filter) -> Markup {
    let value = |v: Option<String>| v.unwrap_or_default();
    html! {
        form class="filter" method="get" action=(action) {
            label { "Country code" input name="country" size="4" placeholder="TN" autocomplete="off" value=(value(f.country.map(|c| c.to_string()))); }
            label { "Mechanism" input name="mechanism" size="9" placeholder="ohchr" autocomplete="off" value=(value(f.mechanism.as_ref().map(ToString::to_string))); }
            label { "From" input type="date" name="from" value=(value(f.from.map(|d| d.to_string()))); }
            label { "To" input type="date" name="to" value=(value(f.to.map(|d| d.to_string()))); }
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

/// The open calls for input of `visits`, by deadline, at most a section's rows.
fn open_calls(visits: &[Entry]) -> Vec<(&Entry, &CallForInput)> {
    let today = today();
    let mut calls: Vec<(&Entry, &CallForInput)> = visits
        .iter()
        .filter_map(|e| {
            let call = e.record.state.fields.visit.as_ref()?.call_for_input.as_ref()?;
            (call.deadline >= today).then_some((e, call))
        })
        .collect();
    calls.sort_by_key(|(_, call)| call.deadline);
    calls.truncate(SECTION_ROWS);
    calls
}

fn calls_section(calls: &[(&Entry, &CallForInput)]) -> Markup {
    html! {
        section {
            h2 { "Calls for input" }
            @if calls.is_empty() { p class="muted" { "No open calls for input." } }
            @else {
                ul {
                    @for (e, c) in calls {
                        li { strong { "By " time datetime=(c.deadline) { (day(c.deadline)) } } ": "
                            a href={ "/items/" (e.header.id) "/" } lang=(e.record.state.fields.title.lang.as_str()) {
                                (short_title(&e.record.state.fields.title.value)) }
                            " · " (web_link(&c.url, "submit input")) }
                    }
                }
            }
        }
    }
}

/// A host name (and port) a client asked for, when it is one that may go in a link.
pub(super) fn link_host(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let fine = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    (!host.is_empty() && host.len() <= 255 && host.chars().all(fine)).then(|| host.to_owned())
}

/// Links to subscribe to the calendar (as `webcal:` when the host is known), the calls for
/// input and the reports, of `country` or of everything.
fn subscribe(host: Option<&str>, country: Option<CountryCode>) -> Markup {
    let query = country.map(|c| format!("?country={c}")).unwrap_or_default();
    let of = country.map(|c| format!(" for {}", c.name())).unwrap_or_default();
    html! {
        section class="subscribe" {
            h2 { "Subscribe" }
            ul {
                li {
                    @if let Some(host) = host {
                        a href={ "webcal://" (host) "/calendar.ics" (query) } { "Add the calendar" (of) " to your calendar app" }
                        " (or " a href={ "/calendar.ics" (query) } { "download it as iCalendar" } ")"
                    } @else {
                        a href={ "/calendar.ics" (query) } { "Calendar" (of) " (iCalendar)" }
                    }
                }
                li { a href={ "/deadlines.ics" (query) } { "Deadlines of calls for input" (of) " (iCalendar)" } }
                li { a href={ "/reports.atom" (query) } { "Reports" (of) " (Atom feed)" } }
            }
        }
    }
}

/// The home page's content: the next few of each kind, never every item.
pub(crate) fn home_body(site: &Site, host: Option<&str>) -> Result<Markup, Refusal> {
    let today = today();
    let visits = upcoming_visits(site, &Filter::default(), CALLS_AMONG)?;
    let calls = open_calls(&visits);
    let shown = &visits[..visits.len().min(SECTION_ROWS)];
    let events = Filter { kind: Some(Kind::Event), from: Some(today), ..Filter::default() };
    let (events, _) = site.page(&events, None, SECTION_ROWS)?;
    let reports = site.last(&Filter { kind: Some(Kind::Report), ..Filter::default() }, 10)?;
    let summary = site.summary()?;
    Ok(html! {
        (calls_section(&calls))
        section { h2 { "Upcoming country visits" } (table(Kind::Visit, "Upcoming country visits", shown))
            p { a href={ "/visits/?from=" (today) } { "All upcoming visits" } } }
        section { h2 { "Sessions and events" } (table(Kind::Event, "Upcoming sessions and events", &events))
            p { a href={ "/calendar/?from=" (today) } { "All upcoming sessions and events" } } }
        section { h2 { "Latest reports" } (table(Kind::Report, "Latest reports", &reports))
            p { a href="/reports/" { "All reports" } } }
        section {
            h2 { "By country" }
            ul class="countries" {
                @for c in &summary.countries { li { a href={ "/countries/" (c) "/" } { (c.name()) } } }
            }
        }
        (subscribe(host, None))
    })
}

pub(super) async fn home(State(site): State<Site>, headers: HeaderMap) -> Page {
    let host = link_host(&headers);
    site.read(move |site| {
        let body = home_body(site, host.as_deref())?;
        Ok(layout(site, "Country visits, calls for input, sessions and reports", None, body))
    })
    .await
}

/// A list page's content: the filter form, the rows, and a link to the next page.
pub(crate) fn list_body(
    (kind, action, title): (Kind, &str, &str),
    f: &Filter,
    entries: &[Entry],
    next: Option<String>,
) -> Markup {
    html! {
        (filter_form(action, f))
        (table(kind, title, entries))
        @if let Some(next) = next { p { a rel="next" href={ (action) (next) } { "Next page" } } }
    }
}

/// The list pages: kind, path and title, one place for the router and the static export.
pub(crate) const LISTS: [(Kind, &str, &str); 5] = [
    (Kind::Visit, "/visits/", "Country visits"),
    (Kind::Event, "/calendar/", "Sessions and events"),
    (Kind::Report, "/reports/", "Reports"),
    (Kind::Contact, "/contacts/", "Contacts of the secretariats"),
    (Kind::Recommendation, "/recommendations/", "Recommendations"),
];

/// One page of the list of `kind`, filtered by the query, from its cursor on.
pub(super) async fn list(
    site: Site,
    q: Result<Query<ListQuery>, QueryRejection>,
    kind: Kind,
) -> Page {
    let list = LISTS.iter().find(|(k, ..)| *k == kind).copied().unwrap_or(LISTS[0]);
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
        Ok(layout(site, list.2, None, list_body(list, &filter, &entries, next)))
    })
    .await
}

/// What is public about one country, upcoming visits first: the first rows of each section,
/// with links to the whole lists and to subscribe.
pub(crate) fn country_body(
    site: &Site,
    country: CountryCode,
    host: Option<&str>,
) -> Result<Markup, Refusal> {
    let today = today();
    let of = |kind| Filter { kind: Some(kind), country: Some(country), ..Filter::default() };
    let upcoming = upcoming_visits(site, &of(Kind::Visit), CALLS_AMONG)?;
    let calls = open_calls(&upcoming);
    let next = &upcoming[..upcoming.len().min(SECTION_ROWS)];
    let past: Vec<Entry> = site
        .last(&of(Kind::Visit), SECTION_ROWS * 2)?
        .into_iter()
        .filter(|e| ended(e, today))
        .take(SECTION_ROWS)
        .collect();
    let events = Filter { from: Some(today), ..of(Kind::Event) };
    let (events, _) = site.page(&events, None, SECTION_ROWS)?;
    let reports = site.last(&of(Kind::Report), SECTION_ROWS)?;
    let (contacts, _) = site.page(&of(Kind::Contact), None, SECTION_ROWS)?;
    let name = country.name();
    Ok(html! {
        section { h2 { "Planned and upcoming visits" } (table(Kind::Visit, &format!("Planned and upcoming visits to {name}"), next)) }
        (calls_section(&calls))
        section { h2 { "Sessions and events" } (table(Kind::Event, &format!("Upcoming sessions and events on {name}"), &events)) }
        section { h2 { "Reports" } (table(Kind::Report, &format!("Latest reports on {name}"), &reports)) }
        section { h2 { "Past visits" } (table(Kind::Visit, &format!("Past visits to {name}"), &past)) }
        section { h2 { "Contacts covering " (name) } (table(Kind::Contact, &format!("Contacts covering {name}"), &contacts)) }
        section {
            h2 { "All of them" }
            ul {
                @for (_, path, title) in LISTS { li { a href={ (path) "?country=" (country) } { (title) " on " (name) } } }
                li { a href={ "/countries/" (country) "/recommendations/" } { "Recommendations to " (name) ", by theme, those that say the same thing together" } }
            }
        }
        (subscribe(host, Some(country)))
    })
}

pub(super) async fn country(
    State(site): State<Site>,
    Path(cc): Path<String>,
    headers: HeaderMap,
) -> Page {
    let country: CountryCode = cc.parse().map_err(|_| Refusal::NotFound)?;
    let host = link_host(&headers);
    site.read(move |site| {
        let body = country_body(site, country, host.as_deref())?;
        Ok(layout(site, &country.name(), None, body))
    })
    .await
}

/// One item: its facts by kind, then its provenance.
pub(crate) fn item_body(site: &Site, e: &Entry) -> Markup {
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
    let dates = dates(e);
    html! {
        p class="muted" { (kind_name(e.header.kind)) " published by " strong { (e.header.owner) } @if !dates.is_empty() { " · " (dates) } }
        (facts(site, e))
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

pub(super) fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Visit => "Country visit",
        Kind::Event => "Event",
        Kind::Report => "Report",
        Kind::Contact => "Contact",
        Kind::Proposal => "Proposal",
        Kind::Recommendation => "Recommendation",
    }
}

pub(super) async fn item(State(site): State<Site>, Path(id): Path<String>) -> Page {
    let id = path_id(&id)?;
    site.read(move |site| {
        let entry = site.item(id)?.ok_or(Refusal::NotFound)?;
        Ok(item_page(site, &entry))
    })
    .await
}

/// An item's whole page, its title in its own language.
pub(crate) fn item_page(site: &Site, e: &Entry) -> Html<String> {
    let title = &e.record.state.fields.title;
    layout(site, &title.value, Some(title.lang.as_str()), item_body(site, e))
}

/// A whole page, for the static export.
pub(crate) fn page(site: &Site, title: &str, body: Markup) -> String {
    layout(site, title, None, body).0
}
