//! `liaison mirror export DIR`: the public site as static files (HTML, JSON, iCalendar, Atom)
//! for any web server or CDN, served at the root of its host. A static server ignores query
//! strings, so every filter of the live site becomes files of their own: each list and feed
//! once for everything, once per country (`countries/TN/visits/`, `countries/TN/reports.atom`,
//! `countries/TN/items.json`) and once per mechanism (`mechanisms/achpr/...`), and the lists'
//! upcoming rows (`visits/upcoming/`). A country with recommendations gets their matrix
//! (`countries/TN/recommendations/`, the live site's page at that address, which stands for the
//! country's list of recommendations too, holding the same items) and its JSON
//! (`api/v1/countries/TN/recommendations.json`). Every file has an extension or is a directory's
//! `index.html`, so a server names its type. Every link of every page is rewritten to the file
//! that stands for it (`static_link`); a link the export cannot stand for fails the export
//! rather than leaving a page pointing nowhere.

use std::path::Path;

use chrono::NaiveDate;
use liaison_protocol::{CountryCode, Kind, Mechanism};
use maud::{Markup, html};

use super::api::{provenance_json, public_json};
use super::feeds::{Feed, FeedQuery};
use super::i18n::Reader;
use super::matrix;
use super::pages::{self, STYLE, country_body, home_body, item_page, page};
use super::view::table;
use super::{Filter, Refusal, Site};
use crate::Error;

/// What an export wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Files written.
    pub files: usize,
    /// Items exported.
    pub items: usize,
}

fn refusal(e: Refusal) -> Error {
    match e {
        Refusal::Internal(e) => e,
        other => Error::Store(format!("{other:?}")),
    }
}

impl crate::Repo {
    /// Writes this node's public site into `dir` (`liaison mirror export`).
    ///
    /// # Errors
    /// If a file cannot be written or a record is corrupt.
    pub fn export_site(&self, dir: &Path) -> Result<Written, Error> {
        let site = Site::offline(self.store().read_only(), self.site_title())
            .reached_at(self.identity().config.public_url.as_deref());
        export(&site, dir)
    }
}

/// Where the export writes, and what it wrote.
struct Out<'a> {
    dir: &'a Path,
    today: NaiveDate,
    written: Written,
}

impl Out<'_> {
    /// Writes `text` as the file that stands for the site path `path` (from `/`; one ending
    /// in `/` is that directory's `index.html`).
    fn file(&mut self, path: &str, text: &str) -> Result<(), Error> {
        let mut relative = path.trim_start_matches('/').to_owned();
        if relative.is_empty() || relative.ends_with('/') {
            relative.push_str("index.html");
        }
        let target = self.dir.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&target, text).map_err(|e| Error::io(&target, e))?;
        self.written.files += 1;
        Ok(())
    }

    /// Writes an HTML page, its links rewritten to the export's files.
    fn page(&mut self, path: &str, html: &str) -> Result<(), Error> {
        let html = rewrite(html, self.today)?;
        self.file(path, &html)
    }
}

/// A part of the site: everything, one country or one mechanism.
#[derive(Debug, Clone)]
enum Scope {
    All,
    Country(CountryCode),
    Mechanism(Mechanism),
}

impl Scope {
    /// Where its files go, from `/`, without a trailing `/` (`""` for everything).
    fn prefix(&self) -> String {
        match self {
            Scope::All => String::new(),
            Scope::Country(c) => format!("/countries/{c}"),
            Scope::Mechanism(m) => format!("/mechanisms/{m}"),
        }
    }

    fn query(&self) -> FeedQuery {
        match self {
            Scope::All => FeedQuery::default(),
            Scope::Country(c) => FeedQuery { country: Some(*c), ..FeedQuery::default() },
            Scope::Mechanism(m) => FeedQuery { mechanism: Some(m.clone()), ..FeedQuery::default() },
        }
    }

    fn filter(&self) -> Filter {
        let q = self.query();
        Filter { country: q.country, mechanism: q.mechanism, ..Filter::default() }
    }

    /// How a title says it: `""`, ` on Tunisia`, ` by achpr`.
    fn words(&self) -> String {
        match self {
            Scope::All => String::new(),
            Scope::Country(c) => format!(" on {}", c.name()),
            Scope::Mechanism(m) => format!(" by {m}"),
        }
    }

    /// Its JSON list of items.
    fn items_json(&self) -> String {
        match self {
            Scope::All => "/api/v1/items.json".to_owned(),
            _ => format!("{}/items.json", self.prefix()),
        }
    }
}

/// Writes the whole public site of `site` into `dir`.
///
/// # Errors
/// If a file cannot be written, a record is corrupt, or a page links to what the export
/// cannot stand for.
pub fn export(site: &Site, dir: &Path) -> Result<Written, Error> {
    let mut out = Out { dir, today: chrono::Utc::now().date_naive(), written: Written::default() };
    let all = site.items(&Filter::default())?;
    out.written.items = all.len();
    let mut countries: Vec<CountryCode> =
        all.iter().flat_map(|e| e.record.state.fields.all_countries()).collect();
    countries.sort();
    countries.dedup();
    let mut mechanisms: Vec<Mechanism> = all
        .iter()
        .flat_map(|e| std::iter::once(&e.header.owner).chain(&e.header.co_owners))
        .cloned()
        .collect();
    mechanisms.sort();
    mechanisms.dedup();

    let home = html! {
        (home_body(site, None).map_err(refusal)?)
        (by_mechanism(&mechanisms))
    };
    let title = "Country visits, calls for input, sessions and reports";
    out.page("/", &page(site, title, home))?;
    out.file("/site.css", STYLE)?;

    let scopes = std::iter::once(Scope::All)
        .chain(countries.iter().map(|c| Scope::Country(*c)))
        .chain(mechanisms.iter().map(|m| Scope::Mechanism(m.clone())));
    for scope in scopes {
        scope_files(site, &scope, &mut out)?;
    }
    for c in &countries {
        let body = country_body(site, *c, None).map_err(refusal)?;
        out.page(&format!("/countries/{c}/"), &page(site, &c.name(), body))?;
    }
    for m in &mechanisms {
        out.page(&format!("/mechanisms/{m}/"), &page(site, m.as_str(), mechanism_body(m)))?;
    }
    for e in &all {
        let id = e.header.id;
        out.page(&format!("/items/{id}/"), &item_page(site, e).0)?;
        out.file(&format!("/items/{id}/provenance.json"), &pretty(&provenance_json(site, e)))?;
        out.file(&format!("/api/v1/items/{id}.json"), &pretty(&public_json(e)))?;
    }
    Ok(out.written)
}

/// The lists, feeds and JSON list of one scope.
fn scope_files(site: &Site, scope: &Scope, out: &mut Out<'_>) -> Result<(), Error> {
    let prefix = scope.prefix();
    for (kind, path, title) in pages::LISTS {
        let title = format!("{title}{}", scope.words());
        let filter = Filter { kind: Some(kind), ..scope.filter() };
        let entries = site.items(&filter)?;
        match (scope, kind) {
            (Scope::Country(c), Kind::Recommendation) if !entries.is_empty() => {
                matrix_files(site, *c, &entries, out)?;
            }
            _ => {
                let body = html! { (table(Reader::default(), kind, &title, &entries)) };
                out.page(&format!("{prefix}{path}"), &page(site, &title, body))?;
            }
        }
        let upcoming = Filter { from: Some(out.today), ..filter };
        let entries = site.items(&upcoming)?;
        let title = format!("Upcoming: {title}");
        let body = html! { (table(Reader::default(), kind, &title, &entries)) };
        out.page(&format!("{prefix}{path}upcoming/"), &page(site, &title, body))?;
    }
    let q = scope.query();
    for feed in Feed::ALL {
        let path = format!("{prefix}/{}", feed.file());
        out.file(&path, &feed.answer(site, &q, &path)?)?;
    }
    let items: Vec<serde_json::Value> =
        site.items(&scope.filter())?.iter().map(public_json).collect();
    out.file(
        &scope.items_json(),
        &pretty(&serde_json::json!({"items": items, "next_cursor": null})),
    )
}

/// A country's recommendations by theme, those that say the same thing clustered, as the live
/// site's page and JSON show them: `entries` are the country's public recommendations.
fn matrix_files(
    site: &Site,
    country: CountryCode,
    entries: &[crate::store::Entry],
    out: &mut Out<'_>,
) -> Result<(), Error> {
    let m = crate::matrix::matrix(entries, country, &crate::matrix::Filter::default());
    let r = Reader::default();
    let body = matrix::body(r, &m, m.themes.is_empty(), html! {});
    let html = page(site, &matrix::title(r, &m), body);
    out.page(&format!("/countries/{country}/recommendations/"), &html)?;
    let json = serde_json::to_value(&m).map_err(|e| Error::Store(e.to_string()))?;
    out.file(&format!("/api/v1/countries/{country}/recommendations.json"), &pretty(&json))
}

/// The home page's list of mechanisms, each with its own page.
fn by_mechanism(mechanisms: &[Mechanism]) -> Markup {
    html! {
        section {
            h2 { "By mechanism" }
            ul class="countries" {
                @for m in mechanisms { li { a href={ "/mechanisms/" (m) "/" } { (m) } } }
            }
        }
    }
}

/// A mechanism's page: its lists and feeds.
fn mechanism_body(m: &Mechanism) -> Markup {
    html! {
        section {
            h2 { "Lists" }
            ul { @for (_, path, title) in pages::LISTS { li { a href={ (path) "?mechanism=" (m) } { (title) " by " (m) } } } }
        }
        section class="subscribe" {
            h2 { "Subscribe" }
            ul {
                li { a href={ "/calendar.ics?mechanism=" (m) } { "Calendar by " (m) " (iCalendar)" } }
                li { a href={ "/deadlines.ics?mechanism=" (m) } { "Deadlines of calls for input by " (m) " (iCalendar)" } }
                li { a href={ "/reports.atom?mechanism=" (m) } { "Reports by " (m) " (Atom feed)" } }
                li { a href={ "/api/v1/items?mechanism=" (m) } { "Every item by " (m) " (JSON)" } }
            }
        }
    }
}

/// `html` with the value of every `href`, `src` and `action` attribute rewritten by
/// [`static_link`].
fn rewrite(html: &str, today: NaiveDate) -> Result<String, Error> {
    const ATTRIBUTES: [&str; 3] = [" href=\"", " src=\"", " action=\""];
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) =
        ATTRIBUTES.iter().filter_map(|a| rest.find(a).map(|i| i + a.len())).min()
    {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('"')
            .map(|e| start + e)
            .ok_or_else(|| Error::Store("static export: an unterminated attribute".to_owned()))?;
        let link = static_link(&rest[start..end].replace("&amp;", "&"), today)?;
        out.push_str(&link.replace('&', "&amp;"));
        rest = &rest[end..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The path of the export's file that stands for the link `href` of a live page: the filters
/// of its query string become a part of the path (`/reports.atom?country=TN` is
/// `/countries/TN/reports.atom`, `/visits/?from=TODAY` is `/visits/upcoming/`), provenance and
/// JSON get their extension. Links off the site, and local ones without a query, stay.
///
/// # Errors
/// A local link with a query the export writes no file for.
pub(crate) fn static_link(href: &str, today: NaiveDate) -> Result<String, Error> {
    if !href.starts_with('/') || href.starts_with("//") {
        return Ok(href.to_owned());
    }
    let (href, fragment) = href.split_once('#').map_or((href, ""), |(h, f)| (h, f));
    let (path, query) = href.split_once('?').unwrap_or((href, ""));
    let fail = || Error::Store(format!("static export: no file stands for the link {href}"));
    let (mut scope, mut upcoming) = (Scope::All, false);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').ok_or_else(fail)?;
        match (key, &scope) {
            ("country", Scope::All) => scope = Scope::Country(value.parse().map_err(|_| fail())?),
            ("mechanism", Scope::All) => {
                scope = Scope::Mechanism(value.parse().map_err(|_| fail())?);
            }
            ("from", _) if value == today.to_string() => upcoming = true,
            _ => return Err(fail()),
        }
    }
    let prefix = scope.prefix();
    let file = if let Some((_, list, _)) = pages::LISTS.iter().find(|(_, p, _)| *p == path) {
        format!("{prefix}{list}{}", if upcoming { "upcoming/" } else { "" })
    } else if upcoming {
        return Err(fail());
    } else if let Some(feed) = Feed::ALL.iter().find(|f| path == format!("/{}", f.file())) {
        format!("{prefix}/{}", feed.file())
    } else if path == "/api/v1/items" {
        scope.items_json()
    } else if !query.is_empty() {
        return Err(fail());
    } else if path.starts_with("/api/v1/items/")
        || path.ends_with("/provenance")
        || (path.starts_with("/api/v1/countries/") && path.ends_with("/recommendations"))
    {
        format!("{path}.json")
    } else {
        path.to_owned()
    };
    Ok(if fragment.is_empty() { file } else { format!("{file}#{fragment}") })
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_filter_of_a_link_becomes_a_file_of_its_own() {
        let today = NaiveDate::from_ymd_opt(2027, 3, 1).expect("date");
        let id = "0c7a2f3e-1b7d-4c59-9e3b-2f6f4d9a1e10";
        for (live, file) in [
            ("/", "/"),
            ("/site.css", "/site.css"),
            ("/reports.atom", "/reports.atom"),
            ("/calendar.ics?country=TN", "/countries/TN/calendar.ics"),
            ("/deadlines.ics?mechanism=achpr", "/mechanisms/achpr/deadlines.ics"),
            ("/visits/?country=TN", "/countries/TN/visits/"),
            ("/calendar/?from=2027-03-01", "/calendar/upcoming/"),
            ("/api/v1/items?country=FR", "/countries/FR/items.json"),
            ("/api/v1/items", "/api/v1/items.json"),
            (&format!("/items/{id}/provenance"), &format!("/items/{id}/provenance.json")),
            (&format!("/api/v1/items/{id}"), &format!("/api/v1/items/{id}.json")),
            ("/countries/TN/recommendations/", "/countries/TN/recommendations/"),
            ("/recommendations/?country=TN", "/countries/TN/recommendations/"),
            ("/api/v1/countries/TN/recommendations", "/api/v1/countries/TN/recommendations.json"),
            ("/#main", "/#main"),
            ("https://www.ohchr.org/cfi?x=1", "https://www.ohchr.org/cfi?x=1"),
        ] {
            assert_eq!(static_link(live, today).expect(live), file, "{live}");
        }
        for none in [
            "/visits/?from=2027-02-01",
            "/visits/?cursor=2027-01-01_x",
            "/calendar.ics?country=TN&mechanism=ohchr",
            "/search?q=torture",
            "/reports.atom?country=XX",
            "/api/v1/countries/TN/recommendations?theme=torture",
        ] {
            assert!(static_link(none, today).is_err(), "{none}");
        }
    }

    #[test]
    fn rewriting_changes_links_only() {
        let today = NaiveDate::from_ymd_opt(2027, 3, 1).expect("date");
        let html = r#"<a href="/visits/?country=TN&amp;from=2027-03-01">visits ?country=TN</a><link rel="stylesheet" href="/site.css">"#;
        assert_eq!(
            rewrite(html, today).expect("rewritten"),
            r#"<a href="/countries/TN/visits/upcoming/">visits ?country=TN</a><link rel="stylesheet" href="/site.css">"#
        );
    }
}
