//! Search: `/search` (a form and its results, GET, no script) and `/api/v1/search` (JSON).
//!
//! The words are looked up in the site's index of public items ([`Site::search`]), the
//! filters are those of the lists, and each hit is read back through [`Site::item`], with the
//! words found marked in its title and in a fragment of its other text.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use liaison_protocol::{CountryCode, Kind, Mechanism};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::public_json;
use super::i18n::{Msg, Reader};
use super::list::query_escape;
use super::pages::{dates_for, kind_name, layout_for};
use super::{Filter, Refusal, Searched, Site, parsed, parsed_date};
use crate::search::{Highlight, MAX_QUERY_CHARS};

/// Results per page unless `limit` says otherwise, and at most.
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 50;
/// The deepest result a reader can page to: past it, a narrower query serves better.
const MAX_REACH: usize = 1000;

/// The query of a search: the words, the filters of the lists, and the page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SearchQuery {
    /// The words, in tantivy's query syntax (words, `"phrases"`, `-excluded`, `title:word`).
    #[serde(default)]
    q: String,
    #[serde(default, deserialize_with = "parsed")]
    kind: Option<Kind>,
    #[serde(default, deserialize_with = "parsed")]
    country: Option<CountryCode>,
    #[serde(default, deserialize_with = "parsed")]
    mechanism: Option<Mechanism>,
    #[serde(default, deserialize_with = "parsed_date")]
    from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "parsed_date")]
    to: Option<NaiveDate>,
    /// The page, from 1.
    page: Option<String>,
    /// Results per page, 1 to [`MAX_LIMIT`].
    limit: Option<String>,
    /// The reader's language, read by [`super::i18n::Reader`].
    #[serde(rename = "lang")]
    _lang: Option<String>,
}

impl SearchQuery {
    fn filter(&self) -> Filter {
        Filter {
            kind: self.kind,
            country: self.country,
            mechanism: self.mechanism.clone(),
            from: self.from,
            to: self.to,
        }
    }

    /// The page (from 1) and the results per page, within [`MAX_REACH`].
    fn paging(&self) -> Result<(usize, usize), Refusal> {
        let limit = match self.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some(l) => l.parse().ok().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or_else(|| {
                Refusal::BadRequest(format!(
                    "invalid limit '{l}': expected a number from 1 to {MAX_LIMIT}"
                ))
            })?,
        };
        let most = MAX_REACH / limit;
        let page = match self.page.as_deref() {
            None => 1,
            Some(p) => p.parse().ok().filter(|p| (1..=most).contains(p)).ok_or_else(|| {
                Refusal::BadRequest(format!(
                    "invalid page '{p}': expected a number from 1 to {most} (the first \
                     {MAX_REACH} results; narrow the search to see others)"
                ))
            })?,
        };
        Ok((page, limit))
    }

    /// The query string of page `page` of the same search.
    fn at_page(&self, page: usize) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("q", self.q.clone())];
        pairs.extend(self.kind.map(|k| ("kind", k.to_string())));
        pairs.extend(self.country.map(|c| ("country", c.to_string())));
        pairs.extend(self.mechanism.as_ref().map(|m| ("mechanism", m.to_string())));
        pairs.extend(self.from.map(|d| ("from", d.to_string())));
        pairs.extend(self.to.map(|d| ("to", d.to_string())));
        pairs.extend(self.limit.clone().map(|l| ("limit", l)));
        pairs.push(("page", page.to_string()));
        let pairs: Vec<String> =
            pairs.iter().map(|(k, v)| format!("{k}={}", query_escape(v))).collect();
        format!("?{}", pairs.join("&"))
    }
}

/// Runs the search `q` asks for; `Ok(Err(why))` when its words are refused.
fn run(site: &Site, q: &SearchQuery) -> Result<Result<Searched, String>, Refusal> {
    let (page, limit) = q.paging()?;
    let searched = site.search(&q.q, &q.filter(), (page - 1) * limit, limit)?;
    Ok(searched.map_err(|e| e.to_string()))
}

/// `/api/v1/search`.
pub(super) async fn api(
    State(site): State<Site>,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Json<Value>, Refusal> {
    let Query(q) = query?;
    site.read(move |site| {
        let searched = run(site, &q)?.map_err(Refusal::BadRequest)?;
        let (page, limit) = q.paging()?;
        let next = (page * limit < searched.total.min(MAX_REACH))
            .then(|| format!("/api/v1/search{}", q.at_page(page + 1)));
        let results: Vec<Value> = searched
            .results
            .iter()
            .map(|(entry, hit, highlights)| {
                let highlights: Vec<Value> = highlights
                    .iter()
                    .map(|h| {
                        let pieces: Vec<Value> = h
                            .pieces
                            .iter()
                            .map(|(text, found)| json!({"text": text, "match": found}))
                            .collect();
                        json!({"field": h.field, "pieces": pieces})
                    })
                    .collect();
                json!({"item": public_json(entry), "score": hit.score, "highlights": highlights})
            })
            .collect();
        Ok(Json(json!({
            "query": q.q,
            "total": searched.total,
            "page": page,
            "limit": limit,
            "results": results,
            "next": next,
        })))
    })
    .await
}

/// `/search`: the form, and the results when words were given (a 400 page naming the problem
/// when they are refused).
pub(super) async fn page(
    State(site): State<Site>,
    r: Reader,
    RawQuery(raw): RawQuery,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Response, Refusal> {
    let Query(q) = query?;
    // The switcher links to this very search in each language.
    let here = raw.map_or_else(|| "/search".to_owned(), |q| format!("/search?{q}"));
    site.read(move |site| {
        let (page, limit) = q.paging()?;
        if q.q.trim().is_empty() && q.q.chars().count() <= MAX_QUERY_CHARS {
            let body = html! { (form(r, &q)) };
            return Ok(layout_for(site, r, &here, r.t(Msg::Search), None, body).into_response());
        }
        let searched = match run(site, &q)? {
            Ok(searched) => searched,
            Err(why) => {
                let body = html! {
                    (form(r, &q))
                    p class="problem" role="alert" { (r.t(Msg::CannotRun)) " " (why) }
                };
                let page = layout_for(site, r, &here, r.t(Msg::Search), None, body);
                return Ok((StatusCode::BAD_REQUEST, page).into_response());
            }
        };
        let next = (page * limit < searched.total.min(MAX_REACH)).then(|| q.at_page(page + 1));
        let previous = (page > 1).then(|| q.at_page(page - 1));
        let first = (page - 1) * limit + 1;
        let body = html! {
            (form(r, &q))
            section aria-labelledby="results" {
                h2 id="results" {
                    @if searched.total == 0 { (r.t(Msg::NoMatch)) }
                    @else if searched.results.len() == searched.total { (r.fill(Msg::Found, &[&r.number(searched.total as u64)])) }
                    @else { (r.fill(Msg::Found, &[&r.number(searched.total as u64)])) " · " (r.fill(Msg::Span, &[&r.number(first as u64), &r.number((first + searched.results.len() - 1) as u64)])) }
                }
                ol class="results" start=(first) {
                    @for (entry, _, highlights) in &searched.results { (result(r, entry, highlights)) }
                }
                @if previous.is_some() || next.is_some() {
                    nav aria-label=(r.t(Msg::ResultPages)) {
                        ul class="pages" {
                            @if let Some(p) = previous { li { a rel="prev" href=(r.href(&format!("/search{p}"))) { (r.t(Msg::PreviousPage)) } } }
                            @if let Some(n) = next { li { a rel="next" href=(r.href(&format!("/search{n}"))) { (r.t(Msg::NextPage)) } } }
                        }
                    }
                }
            }
        };
        let title = format!("{}: {}", r.t(Msg::Search), q.q.trim());
        Ok(layout_for(site, r, &here, &title, None, body).into_response())
    })
    .await
}

/// The search form: the words, then the filters, each with its label.
fn form(r: Reader, q: &SearchQuery) -> Markup {
    let value = |v: Option<String>| v.unwrap_or_default();
    let kinds = [
        (Kind::Visit, r.t(Msg::Visits)),
        (Kind::Event, r.t(Msg::Events)),
        (Kind::Report, r.t(Msg::Reports)),
        (Kind::Contact, r.t(Msg::Contacts)),
    ];
    html! {
        form class="filter search" method="get" action="/search" role="search" {
            @if r.pinned { input type="hidden" name="lang" value=(r.lang.code()); }
            label class="words" { (r.t(Msg::WordsToSearch))
                input type="search" name="q" maxlength=(MAX_QUERY_CHARS) value=(q.q) dir="auto"; }
            label { (r.t(Msg::Kind))
                select name="kind" {
                    option value="" { (r.t(Msg::AnyKind)) }
                    @for (kind, name) in kinds {
                        option value=(kind) selected[q.kind == Some(kind)] { (name) }
                    }
                }
            }
            label { (r.t(Msg::CountryCode)) input name="country" size="4" placeholder="TN" autocomplete="off" value=(value(q.country.map(|c| c.to_string()))); }
            label { (r.t(Msg::Mechanism)) input name="mechanism" size="9" placeholder="ohchr" autocomplete="off" value=(value(q.mechanism.as_ref().map(ToString::to_string))); }
            label { (r.t(Msg::From)) input type="date" name="from" value=(value(q.from.map(|d| d.to_string()))); }
            label { (r.t(Msg::To)) input type="date" name="to" value=(value(q.to.map(|d| d.to_string()))); }
            button type="submit" { (r.t(Msg::Search)) }
        }
    }
}

/// Pieces of text with the words found marked; maud escapes every piece.
fn marked(h: &Highlight) -> Markup {
    html! { @for (text, found) in &h.pieces { @if *found { mark { (text) } } @else { (text) } } }
}

/// One result: its title (words found marked) linked to its page, what it is, and a fragment
/// of its other text with the words found.
fn result(r: Reader, e: &crate::store::Entry, highlights: &[Highlight]) -> Markup {
    let title = &e.record.state.fields.title;
    let dates = dates_for(r, e);
    let title_marks = highlights.iter().find(|h| h.field == "title");
    html! {
        li {
            h3 {
                a href=(r.href(&format!("/items/{}/", e.header.id))) lang=(title.lang.as_str()) dir="auto" {
                    @if let Some(h) = title_marks { (marked(h)) } @else { (title.value) }
                }
            }
            p class="muted" { (kind_name(r, e.header.kind)) " · " (e.header.owner) @if !dates.is_empty() { " · " (dates) } }
            @for h in highlights.iter().filter(|h| h.field != "title") { p dir="auto" { "…" (marked(h)) "…" } }
        }
    }
}
