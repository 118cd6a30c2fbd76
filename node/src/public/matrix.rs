//! `/countries/CC/recommendations/` and `/api/v1/countries/CC/recommendations`: a country's
//! public recommendations of every mechanism by theme, those that say the same thing clustered
//! ([`crate::matrix`]), as a page and as JSON. The clusters come from the site's index of
//! public items ([`Site::matrix_layout`]), so that no record is read to make them; the rows
//! shown are read through [`Site::item`], the gate, and a page shows at most [`PAGE_ROWS`].

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use liaison_protocol::CountryCode;
use maud::{Markup, html};
use serde::Deserialize;

use super::i18n::{Msg, Reader};
use super::list::query_escape;
use super::pages::layout_for;
use super::view::recommendation::status;
use super::{Refusal, Site};
use crate::matrix::{self, Cluster, Matrix, Theme};

/// The query: which themes and mechanisms.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MatrixQuery {
    /// Only themes containing this.
    #[serde(default)]
    theme: Option<String>,
    /// Only recommendations whose mechanism, body or publisher contains this.
    #[serde(default)]
    mechanism: Option<String>,
    /// The page, from 1: each shows at most [`PAGE_ROWS`] rows.
    #[serde(default)]
    page: Option<usize>,
    /// The reader's language, read by [`super::i18n::Reader`].
    #[serde(rename = "lang")]
    _lang: Option<String>,
}

/// Rows a page of the matrix shows at most (a recommendation under two themes is two rows);
/// the JSON answers every row.
const PAGE_ROWS: usize = 300;

/// The matrix of public recommendations to `cc`, with the rows from `skip` on, at most `rows`
/// of them, and the number of rows in all. Clusters come from the site's index; only the
/// records of the rows shown are read.
fn of(
    site: &Site,
    cc: &str,
    q: &MatrixQuery,
    skip: usize,
    rows: usize,
) -> Result<(Matrix, usize), Refusal> {
    let country: CountryCode = cc.parse().map_err(|_| Refusal::NotFound)?;
    let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let filter = matrix::Filter { theme: nonempty(&q.theme), mechanism: nonempty(&q.mechanism) };
    let mut n = 0;
    let mut themes = Vec::new();
    for (theme, clusters) in site.matrix_layout(country, &filter)? {
        let mut shown = Vec::new();
        for cluster in clusters {
            let mut recommendations = Vec::new();
            for id in cluster {
                if n >= skip && n - skip < rows {
                    // Read again through the gate: it may have changed since the index did.
                    let entry = site
                        .item(id)?
                        .filter(|e| e.record.state.fields.countries.contains(&country));
                    recommendations.extend(entry.as_ref().and_then(matrix::row));
                }
                n += 1;
            }
            if !recommendations.is_empty() {
                shown.push(Cluster { recommendations });
            }
        }
        if !shown.is_empty() {
            themes.push(Theme { theme, clusters: shown });
        }
    }
    Ok((Matrix { country, themes }, n))
}

pub(super) async fn api(
    State(site): State<Site>,
    Path(cc): Path<String>,
    q: Result<Query<MatrixQuery>, QueryRejection>,
) -> Result<Json<Matrix>, Refusal> {
    let Query(q) = q?;
    site.read(move |site| of(site, &cc, &q, 0, usize::MAX).map(|(m, _)| Json(m))).await
}

pub(super) async fn page(
    State(site): State<Site>,
    r: Reader,
    Path(cc): Path<String>,
    q: Result<Query<MatrixQuery>, QueryRejection>,
) -> Result<Html<String>, Refusal> {
    let Query(q) = q?;
    let page = q.page.unwrap_or(1).max(1);
    site.read(move |site| {
        let skip = (page - 1).saturating_mul(PAGE_ROWS);
        let (m, total) = of(site, &cc, &q, skip, PAGE_ROWS)?;
        let here = format!("/countries/{}/recommendations/", m.country);
        let link = |page: usize| {
            let mut query = vec![format!("page={page}")];
            for (key, value) in [("theme", &q.theme), ("mechanism", &q.mechanism)] {
                if let Some(v) = value.as_ref().filter(|v| !v.trim().is_empty()) {
                    query.push(format!("{key}={}", query_escape(v)));
                }
            }
            r.href(&format!("{here}?{}", query.join("&")))
        };
        let previous = (page > 1).then(|| link(page - 1));
        let next = (skip.saturating_add(PAGE_ROWS) < total).then(|| link(page + 1));
        let empty = m.themes.is_empty() && page == 1;
        let pager = html! {
            @if previous.is_some() || next.is_some() {
                p {
                    @if let Some(p) = &previous { a rel="prev" href=(p) { (r.t(Msg::PreviousPage)) } " " }
                    @if let Some(n) = &next { a rel="next" href=(n) { (r.t(Msg::NextPage)) } }
                }
            }
        };
        Ok(layout_for(site, r, &here, &title(r, &m), None, body(r, &m, empty, pager)))
    })
    .await
}

/// The page's title: "Recommendations to Tunisia".
pub(super) fn title(r: Reader, m: &Matrix) -> String {
    r.fill(Msg::RecommendationsTo, &[&r.country(m.country)])
}

/// The page's body for the reader `r` (also the static export's, in English, whole): the
/// themes, each with its clusters, saying so when `empty`, then `pager`.
pub(super) fn body(r: Reader, m: &Matrix, empty: bool, pager: Markup) -> Markup {
    html! {
        p { (r.t(Msg::MatrixIntro)) " "
            a href={ "/api/v1/countries/" (m.country) "/recommendations" } { (r.t(Msg::AsJson)) } }
        @if empty { p class="muted" { (r.t(Msg::NoRecommendationYet)) } }
        @for t in &m.themes {
            section {
                h2 dir="auto" { (t.theme) }
                @for c in &t.clusters {
                    ul class="cluster" {
                        @for rec in &c.recommendations {
                            li {
                                a href=(r.href(&format!("/items/{}/", rec.id))) lang=(rec.lang.as_str()) dir="auto" { (rec.text) }
                                br;
                                span class="muted" { (rec.body) ", " (rec.reference)
                                    @if let Some(s) = &rec.implementation { "; " (r.fill(Msg::ImplementationIs, &[&r.fill(Msg::AssessedBy, &[&status(r, s.status), s.by.as_str()])])) } }
                            }
                        }
                    }
                }
            }
        }
        (pager)
    }
}
