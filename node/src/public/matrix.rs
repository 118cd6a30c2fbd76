//! `/countries/CC/recommendations/` and `/api/v1/countries/CC/recommendations`: a country's
//! public recommendations of every mechanism by theme, those that say the same thing clustered
//! ([`crate::matrix`]), as a page and as JSON. Items come from [`Site::items`] only.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use liaison_protocol::{CountryCode, Kind};
use maud::{Markup, html};
use serde::Deserialize;

use super::i18n::{Msg, Reader};
use super::pages::layout_for;
use super::{Filter, Refusal, Site};
use crate::matrix::{self, Matrix};

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
    /// The reader's language, read by [`super::i18n::Reader`].
    #[serde(rename = "lang")]
    _lang: Option<String>,
}

/// The matrix of public recommendations to `cc`.
fn of(site: &Site, cc: &str, q: MatrixQuery) -> Result<Matrix, Refusal> {
    let country: CountryCode = cc.parse().map_err(|_| Refusal::NotFound)?;
    let entries = site.items(&Filter {
        kind: Some(Kind::Recommendation),
        country: Some(country),
        ..Filter::default()
    })?;
    let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    let filter = matrix::Filter { theme: nonempty(q.theme), mechanism: nonempty(q.mechanism) };
    Ok(matrix::matrix(&entries, country, &filter))
}

pub(super) async fn api(
    State(site): State<Site>,
    Path(cc): Path<String>,
    q: Result<Query<MatrixQuery>, QueryRejection>,
) -> Result<Json<Matrix>, Refusal> {
    let Query(q) = q?;
    site.read(move |site| of(site, &cc, q).map(Json)).await
}

pub(super) async fn page(
    State(site): State<Site>,
    r: Reader,
    Path(cc): Path<String>,
    q: Result<Query<MatrixQuery>, QueryRejection>,
) -> Result<Html<String>, Refusal> {
    let Query(q) = q?;
    site.read(move |site| {
        let m = of(site, &cc, q)?;
        let here = format!("/countries/{}/recommendations/", m.country);
        Ok(layout_for(site, r, &here, &title(r, &m), None, body(r, &m)))
    })
    .await
}

/// The page's title: "Recommendations to Tunisia".
pub(super) fn title(r: Reader, m: &Matrix) -> String {
    r.fill(Msg::RecommendationsTo, &[&r.country(m.country)])
}

/// The page's body: the themes, each with its clusters, for the reader `r` (also the static
/// export's, in English).
pub(super) fn body(r: Reader, m: &Matrix) -> Markup {
    html! {
        p { (r.t(Msg::MatrixIntro)) " "
            a href={ "/api/v1/countries/" (m.country) "/recommendations" } { (r.t(Msg::AsJson)) } }
        @if m.themes.is_empty() { p class="muted" { (r.t(Msg::NoRecommendationYet)) } }
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
                                    @if let Some(s) = &rec.implementation { "; " (r.fill(Msg::ImplementationIs, &[s])) } }
                            }
                        }
                    }
                }
            }
        }
    }
}
