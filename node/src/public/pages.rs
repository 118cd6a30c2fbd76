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
use liaison_protocol::{CallForInput, CountryCode, Kind, LangTag, Role};
use maud::{DOCTYPE, Markup, html};

use super::i18n::{Lang, Msg, Reader};
use super::view::{facts, short_title, table, web_link};
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

/// Links to the page at `path` in each language of the site, the reader's marked as current.
fn switcher(r: Reader, path: &str) -> Markup {
    let path = strip_lang(path);
    html! {
        nav class="languages" aria-label=(r.t(Msg::LanguageMenu)) {
            ul {
                @for lang in Lang::ALL {
                    li {
                        a href=(Reader { lang, pinned: true }.href(&path)) lang=(lang.code()) hreflang=(lang.code())
                            aria-current=[(lang == r.lang).then_some("true")] { (lang.own_name()) }
                    }
                }
            }
        }
    }
}

/// `path` without its `lang=` query pairs.
fn strip_lang(path: &str) -> String {
    let Some((base, query)) = path.split_once('?') else { return path.to_owned() };
    let kept: Vec<&str> =
        query.split('&').filter(|p| !p.starts_with("lang=") && !p.is_empty()).collect();
    if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) }
}

/// A whole page titled `title` (in the language `lang`, when it is an item's title), for the
/// reader `r`, at `path` (which the language switcher links to in each language).
pub(super) fn layout_for(
    site: &Site,
    r: Reader,
    path: &str,
    title: &str,
    lang: Option<&str>,
    body: Markup,
) -> Html<String> {
    let nav = |path: &str, msg: Msg| html! { li { a href=(r.href(path)) { (r.t(msg)) } } };
    let markup = html! {
        (DOCTYPE)
        html lang=(r.lang.code()) dir=(r.lang.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (site.title) }
                link rel="stylesheet" href="/site.css";
                link rel="alternate" type="application/atom+xml" title="Reports" href="/reports.atom";
            }
            body {
                a class="skip" href="#main" { (r.t(Msg::SkipToMain)) }
                header {
                    p class="site" { a href=(r.href("/")) { (site.title) } }
                    nav aria-label=(r.t(Msg::MainMenu)) {
                        ul {
                            (nav("/visits/", Msg::Visits))
                            (nav("/calendar/", Msg::Calendar))
                            (nav("/reports/", Msg::Reports))
                            (nav("/contacts/", Msg::Contacts))
                            @if !site.copy { (nav("/search", Msg::Search)) }
                            li { a href="/calendar.ics" { "iCalendar" } }
                            li { a href="/deadlines.ics" { (r.t(Msg::Deadlines)) } }
                            li { a href="/reports.atom" { "Atom" } }
                        }
                    }
                    @if !site.copy { (switcher(r, path)) }
                }
                main id="main" tabindex="-1" { h1 lang=[lang] dir=[lang.map(|_| "auto")] { (title) } (body) }
                footer class="muted" {
                    (freshness(site, r))
                    p { (r.t(Msg::Footer)) }
                }
            }
        }
    };
    Html(markup.into_string())
}

/// A whole page in English, as the static export writes it.
pub(super) fn layout(site: &Site, title: &str, lang: Option<&str>, body: Markup) -> Html<String> {
    layout_for(site, Reader::default(), "/", title, lang, body)
}

/// When this node last heard from each member node it follows (a completed reconciliation).
fn freshness(site: &Site, r: Reader) -> Markup {
    let now = Utc::now();
    let Some(status) = site.status() else {
        return html! {
            @if site.copy {
                p { "A copy of the site written " (moment(r, now, now))
                    "; it does not change when the members publish." }
            } @else {
                p { (r.t(Msg::Starting)) }
            }
        };
    };
    let members: Vec<&PeerStatus> =
        status.peers.iter().filter(|p| p.role == Some(Role::Member)).collect();
    html! {
        @if members.is_empty() {
            p { (r.t(Msg::FollowsNone)) }
        } @else {
            p { (r.t(Msg::LastHeard)) }
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
                            Some(t) => (moment(r, t, now)),
                            None => (r.t(Msg::NotSinceStart)),
                        }
                        ", " @if p.connected { (r.t(Msg::Connected)) } @else { (r.t(Msg::NotConnected)) }
                    }
                }
            }
        }
    }
}

/// `t` as a `time` element: how long ago, and the time itself.
fn moment(r: Reader, t: DateTime<Utc>, now: DateTime<Utc>) -> Markup {
    let ago = u64::try_from((now - t).num_seconds()).unwrap_or(0);
    let words = match ago {
        0..60 => r.t(Msg::JustNow).to_owned(),
        60..3600 => r.fill(Msg::MinutesAgo, &[&r.number(ago / 60)]),
        3600..86_400 => r.fill(Msg::HoursAgo, &[&r.number(ago / 3600)]),
        _ => r.fill(Msg::DaysAgo, &[&r.number(ago / 86_400)]),
    };
    let when = format!("{}, {}", r.day(t.date_naive()), t.format("%H:%M UTC"));
    html! { time datetime=(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)) { (words) " (" (when) ")" } }
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The dates of an item in words: `May 3, 2027 to May 14, 2027`, `2027-Q2`, `dates to be agreed`.
pub(crate) fn dates(e: &Entry) -> String {
    dates_for(Reader::default(), e)
}

/// The dates of an item in the reader's words.
pub(crate) fn dates_for(r: Reader, e: &Entry) -> String {
    let span = |start, end| span(r, start, end);
    let f = &e.record.state.fields;
    if let Some(v) = &f.visit {
        if let Some(a) = v.actual {
            return span(a.start, a.end);
        }
        return match v.planned {
            Some(p) if p.precision == liaison_protocol::Precision::Day => span(p.start, p.end),
            Some(p) => p.to_string(),
            None => r.t(Msg::DatesToBeAgreed).to_owned(),
        };
    }
    match f.span() {
        Some((s, e)) if f.contact.is_none() => span(s, e),
        _ => String::new(),
    }
}

/// Two days in words, or one when they are the same.
pub(crate) fn span(r: Reader, start: NaiveDate, end: NaiveDate) -> String {
    if start == end { r.day(start) } else { r.fill(Msg::Span, &[&r.day(start), &r.day(end)]) }
}

fn filter_form(r: Reader, action: &str, f: &Filter) -> Markup {
    let value = |v: Option<String>| v.unwrap_or_default();
    html! {
        form class="filter" method="get" action=(action) {
            @if r.pinned { input type="hidden" name="lang" value=(r.lang.code()); }
            label { (r.t(Msg::CountryCode)) input name="country" size="4" placeholder="TN" autocomplete="off" value=(value(f.country.map(|c| c.to_string()))); }
            label { (r.t(Msg::Mechanism)) input name="mechanism" size="9" placeholder="ohchr" autocomplete="off" value=(value(f.mechanism.as_ref().map(ToString::to_string))); }
            label { (r.t(Msg::From)) input type="date" name="from" value=(value(f.from.map(|d| d.to_string()))); }
            label { (r.t(Msg::To)) input type="date" name="to" value=(value(f.to.map(|d| d.to_string()))); }
            button type="submit" { (r.t(Msg::Filter)) }
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

fn calls_section(r: Reader, calls: &[(&Entry, &CallForInput)]) -> Markup {
    html! {
        section {
            h2 { (r.t(Msg::CallsForInput)) }
            @if calls.is_empty() { p class="muted" { (r.t(Msg::NoOpenCalls)) } }
            @else {
                ul {
                    @for (e, c) in calls {
                        @let f = &e.record.state.fields;
                        @let title = r.pick(&f.title, f.title_translations());
                        li { strong { time datetime=(c.deadline) { (r.fill(Msg::By, &[&r.day(c.deadline)])) } } ": "
                            a href=(r.href(&format!("/items/{}/", e.header.id))) lang=(title.lang.as_str()) dir="auto" {
                                (short_title(title.text)) }
                            " · " (web_link(&c.url, r.t(Msg::SubmitInput))) }
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
fn subscribe(r: Reader, host: Option<&str>, country: Option<CountryCode>) -> Markup {
    let query = country.map(|c| format!("?country={c}")).unwrap_or_default();
    let of = country.map(|c| format!(" · {}", r.country(c))).unwrap_or_default();
    html! {
        section class="subscribe" {
            h2 { (r.t(Msg::Subscribe)) }
            ul {
                li {
                    @if let Some(host) = host {
                        a href={ "webcal://" (host) "/calendar.ics" (query) } { (r.t(Msg::AddCalendar)) (of) }
                        " (" a href={ "/calendar.ics" (query) } { (r.t(Msg::DownloadIcs)) } ")"
                    } @else {
                        a href={ "/calendar.ics" (query) } { (r.t(Msg::CalendarFeed)) (of) }
                    }
                }
                li { a href={ "/deadlines.ics" (query) } { (r.t(Msg::DeadlinesFeed)) (of) } }
                li { a href={ "/reports.atom" (query) } { (r.t(Msg::ReportsFeed)) (of) } }
                li { a href={ "/api/v1/items" (query) } { (r.t(Msg::EveryItemJson)) (of) } }
            }
        }
    }
}

/// The home page's content: the next few of each kind, never every item.
pub(crate) fn home_body(site: &Site, host: Option<&str>) -> Result<Markup, Refusal> {
    home_body_for(site, Reader::default(), host)
}

/// The home page's content for the reader `r`.
fn home_body_for(site: &Site, r: Reader, host: Option<&str>) -> Result<Markup, Refusal> {
    let today = today();
    let visits = upcoming_visits(site, &Filter::default(), CALLS_AMONG)?;
    let calls = open_calls(&visits);
    let shown = &visits[..visits.len().min(SECTION_ROWS)];
    let events = Filter { kind: Some(Kind::Event), from: Some(today), ..Filter::default() };
    let (events, _) = site.page(&events, None, SECTION_ROWS)?;
    let reports = site.last(&Filter { kind: Some(Kind::Report), ..Filter::default() }, 10)?;
    let summary = site.summary()?;
    Ok(html! {
        (calls_section(r, &calls))
        section { h2 { (r.t(Msg::UpcomingVisits)) } (table(r, Kind::Visit, r.t(Msg::UpcomingVisits), shown))
            p { a href=(r.href(&format!("/visits/?from={today}"))) { (r.t(Msg::AllUpcomingVisits)) } } }
        section { h2 { (r.t(Msg::Events)) } (table(r, Kind::Event, r.t(Msg::UpcomingEvents), &events))
            p { a href=(r.href(&format!("/calendar/?from={today}"))) { (r.t(Msg::AllUpcomingEvents)) } } }
        section { h2 { (r.t(Msg::LatestReports)) } (table(r, Kind::Report, r.t(Msg::LatestReports), &reports))
            p { a href=(r.href("/reports/")) { (r.t(Msg::AllReports)) } } }
        section {
            h2 { (r.t(Msg::ByCountry)) }
            ul class="countries" {
                @for c in &summary.countries { li { a href=(r.href(&format!("/countries/{c}/"))) { (r.country(*c)) } } }
            }
        }
        (subscribe(r, host, None))
    })
}

pub(super) async fn home(State(site): State<Site>, r: Reader, headers: HeaderMap) -> Page {
    let host = link_host(&headers);
    site.read(move |site| {
        let body = home_body_for(site, r, host.as_deref())?;
        Ok(layout_for(site, r, "/", r.t(Msg::HomeTitle), None, body))
    })
    .await
}

/// A list page's content in the reader's language: the filter form, the rows, a link to the next page.
fn list_body_for(
    r: Reader,
    (kind, action, _): (Kind, &str, &str),
    f: &Filter,
    entries: &[Entry],
    next: Option<String>,
) -> Markup {
    html! {
        (filter_form(r, action, f))
        (table(r, kind, list_title(r, kind), entries))
        @if let Some(next) = next { p { a rel="next" href=(r.href(&format!("{action}{next}"))) { (r.t(Msg::NextPage)) } } }
    }
}

/// The title of the list of `kind`, in the reader's language.
fn list_title(r: Reader, kind: Kind) -> &'static str {
    r.t(match kind {
        Kind::Event => Msg::Events,
        Kind::Report => Msg::Reports,
        Kind::Contact => Msg::ContactsTitle,
        Kind::Visit | Kind::Proposal => Msg::Visits,
        Kind::Recommendation => Msg::Recommendations,
    })
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
    r: Reader,
    raw: Option<String>,
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
        let body = list_body_for(r, list, &filter, &entries, next);
        let here = raw.map_or_else(|| list.1.to_owned(), |q| format!("{}?{q}", list.1));
        Ok(layout_for(site, r, &here, list_title(r, kind), None, body))
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
    country_body_for(site, Reader::default(), country, host)
}

fn country_body_for(
    site: &Site,
    r: Reader,
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
    let (recommendations, _) = site.page(&of(Kind::Recommendation), None, 1)?;
    let name = r.country(country);
    let of = |msg| format!("{} · {name}", r.t(msg));
    Ok(html! {
        section { h2 { (r.t(Msg::PlannedVisits)) } (table(r, Kind::Visit, &of(Msg::PlannedVisits), next)) }
        (calls_section(r, &calls))
        section { h2 { (r.t(Msg::Events)) } (table(r, Kind::Event, &of(Msg::UpcomingEvents), &events)) }
        section { h2 { (r.t(Msg::Reports)) } (table(r, Kind::Report, &of(Msg::LatestReports), &reports)) }
        section { h2 { (r.t(Msg::PastVisits)) } (table(r, Kind::Visit, &of(Msg::PastVisits), &past)) }
        section { h2 { (r.fill(Msg::ContactsCovering, &[&name])) } (table(r, Kind::Contact, &r.fill(Msg::ContactsCovering, &[&name]), &contacts)) }
        section {
            h2 { (r.t(Msg::AllOfThem)) }
            ul {
                @for (kind, path, _) in LISTS { li { a href=(r.href(&format!("{path}?country={country}"))) { (list_title(r, kind)) " · " (name) } } }
                @if !recommendations.is_empty() {
                    li { a href=(r.href(&format!("/countries/{country}/recommendations/"))) { (r.fill(Msg::RecommendationsByTheme, &[&name])) } }
                }
            }
        }
        (subscribe(r, host, Some(country)))
    })
}

pub(super) async fn country(
    State(site): State<Site>,
    r: Reader,
    Path(cc): Path<String>,
    headers: HeaderMap,
) -> Page {
    let country: CountryCode = cc.parse().map_err(|_| Refusal::NotFound)?;
    let host = link_host(&headers);
    site.read(move |site| {
        let body = country_body_for(site, r, country, host.as_deref())?;
        let path = format!("/countries/{country}/");
        Ok(layout_for(site, r, &path, &r.country(country), None, body))
    })
    .await
}

/// One item: its facts by kind, then its provenance.
pub(crate) fn item_body(site: &Site, r: Reader, e: &Entry) -> Markup {
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
    let dates = dates_for(r, e);
    let f = &e.record.state.fields;
    let title = r.pick(&f.title, f.title_translations());
    let summary = f.summary_own();
    let summary = summary.as_ref().map(|own| r.pick(own, &f.summary_in));
    let wanted: LangTag = r.lang.code().parse().unwrap_or_default();
    let fallback = |msg, shown: &LangTag| {
        html! {
            p class="muted fallback" { (r.fill(msg, &[&r.language(shown), &r.language(&wanted)])) }
        }
    };
    html! {
        @if title.fallback { (fallback(Msg::TitleFallback, title.lang)) }
        p class="muted" { (r.fill(Msg::PublishedByOwner, &[kind_name(r, e.header.kind)])) " " strong { (e.header.owner) } @if !dates.is_empty() { " · " (dates) } }
        @if let Some(s) = summary {
            section {
                h2 { (r.t(Msg::Summary)) }
                @if s.fallback { (fallback(Msg::SummaryFallback, s.lang)) }
                p lang=(s.lang.as_str()) dir="auto" { (s.text) }
            }
        }
        (facts(site, r, e))
        section id="provenance" {
            h2 { (r.t(Msg::Provenance)) }
            p { (r.fill(Msg::CreatedBy, &[e.header.owner.as_str()])) " " code { (e.header.creator) } " (" (signer(&e.header.creator)) ")." }
            @if let Some(c) = checkpoint {
                p { "Latest checkpoint of " (e.header.owner) "'s public items: " (c.count) " items at "
                    (c.time.format("%Y-%m-%d %H:%M:%S UTC")) ", signed by " code { (c.signer.short()) } "." }
            }
            ul {
                @for s in &e.record.sigs {
                    li { "change " code { (data_encoding::HEXLOWER.encode(&s.hash[..8])) } " signed by " (signer(&s.signer)) " (" code { (s.signer.short()) } ")" }
                }
            }
            p { a href={ "/items/" (e.header.id) "/provenance" } { (r.t(Msg::SignedFiles)) }
                ", to check with " code { "liaison verify URL" } " or any ed25519 tool." }
        }
    }
}

pub(super) fn kind_name(r: Reader, kind: Kind) -> &'static str {
    r.t(match kind {
        Kind::Visit => Msg::KindVisit,
        Kind::Event => Msg::KindEvent,
        Kind::Report => Msg::KindReport,
        Kind::Contact => Msg::KindContact,
        Kind::Proposal => Msg::KindProposal,
        Kind::Recommendation => Msg::KindRecommendation,
    })
}

pub(super) async fn item(State(site): State<Site>, r: Reader, Path(id): Path<String>) -> Page {
    let id = path_id(&id)?;
    site.read(move |site| {
        let entry = site.item(id)?.ok_or(Refusal::NotFound)?;
        Ok(item_page_for(site, r, &entry))
    })
    .await
}

/// An item's whole page in English, as the static export writes it.
pub(crate) fn item_page(site: &Site, e: &Entry) -> Html<String> {
    item_page_for(site, Reader::default(), e)
}

/// An item's whole page for the reader `r`: its title in the reader's language when it has
/// one, else in its own, saying so.
fn item_page_for(site: &Site, r: Reader, e: &Entry) -> Html<String> {
    let f = &e.record.state.fields;
    let title = r.pick(&f.title, f.title_translations());
    let path = format!("/items/{}/", e.header.id);
    layout_for(site, r, &path, title.text, Some(title.lang.as_str()), item_body(site, r, e))
}

/// A whole page, for the static export.
pub(crate) fn page(site: &Site, title: &str, body: Markup) -> String {
    layout(site, title, None, body).0
}
