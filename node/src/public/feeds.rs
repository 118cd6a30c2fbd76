//! Feeds: `/calendar.ics` and `/deadlines.ics` (iCalendar) and `/reports.atom` (Atom), with
//! `country` and `mechanism` filters.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use liaison_protocol::{CountryCode, Kind, Mechanism};
use serde::Deserialize;

use super::{Filter, Refusal, Site, parsed};
use crate::export;
use crate::store::Entry;

const ICS: &str = "text/calendar; charset=utf-8";

/// The filters feeds take.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FeedQuery {
    #[serde(default, deserialize_with = "parsed")]
    country: Option<CountryCode>,
    #[serde(default, deserialize_with = "parsed")]
    mechanism: Option<Mechanism>,
}

impl FeedQuery {
    fn filter(&self, kind: Option<Kind>) -> Filter {
        Filter {
            kind,
            country: self.country,
            mechanism: self.mechanism.clone(),
            ..Filter::default()
        }
    }
}

pub(super) async fn calendar(
    State(site): State<Site>,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<impl IntoResponse, Refusal> {
    let Query(q) = query?;
    site.read(move |site| {
        let entries = site.items(&q.filter(None))?;
        Ok(([(header::CONTENT_TYPE, ICS)], export::to_ics(&entries, &site.title)))
    })
    .await
}

pub(super) async fn deadlines(
    State(site): State<Site>,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<impl IntoResponse, Refusal> {
    let Query(q) = query?;
    site.read(move |site| {
        let entries = site.items(&q.filter(Some(Kind::Visit)))?;
        let name = format!("{}: calls for input", site.title);
        Ok(([(header::CONTENT_TYPE, ICS)], export::deadlines_ics(&entries, &name)))
    })
    .await
}

pub(super) async fn reports(
    State(site): State<Site>,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<impl IntoResponse, Refusal> {
    let Query(q) = query?;
    site.read(move |site| {
        let entries = site.items(&q.filter(Some(Kind::Report)))?;
        Ok((
            [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
            atom(&site.title, &entries),
        ))
    })
    .await
}

/// The Atom feed (RFC 4287) of the report items in `entries`, newest first.
pub(crate) fn atom(title: &str, entries: &[Entry]) -> String {
    use atom_syndication::{Content, Entry as AtomEntry, Feed, Link, Person, Text};
    let mut reports: Vec<&Entry> =
        entries.iter().filter(|e| e.record.state.fields.report.is_some()).collect();
    reports.sort_by_key(|e| {
        std::cmp::Reverse(e.record.state.fields.report.as_ref().map(|r| r.issued))
    });
    let atom_entries: Vec<AtomEntry> = reports
        .iter()
        .map(|e| {
            let (h, s) = (&e.header, &e.record.state);
            let report = s.fields.report.as_ref();
            let mut links: Vec<Link> = vec![Link {
                href: format!("/items/{}/", h.id),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Link::default()
            }];
            for file in report.map(|r| r.files.as_slice()).unwrap_or_default() {
                links.push(Link {
                    href: file.url.clone(),
                    rel: "enclosure".into(),
                    hreflang: Some(file.lang.to_string()),
                    mime_type: file.media_type.clone(),
                    ..Link::default()
                });
            }
            let summary = s
                .fields
                .summary_text()
                .map(str::to_owned)
                .or_else(|| report.and_then(|r| r.symbol.clone()));
            let lang = Some(s.fields.title.lang.to_string());
            AtomEntry {
                id: format!("urn:uuid:{}", h.id),
                title: Text { lang: lang.clone(), ..Text::plain(s.fields.title.value.clone()) },
                updated: s.updated.fixed_offset(),
                published: report
                    .and_then(|r| r.issued.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc().fixed_offset()),
                authors: vec![Person { name: h.owner.to_string(), ..Person::default() }],
                links,
                summary: summary.map(|text| Text { lang, ..Text::plain(text) }),
                content: other_languages(&s.fields).map(|html| Content {
                    value: Some(html),
                    content_type: Some("html".into()),
                    ..Content::default()
                }),
                ..AtomEntry::default()
            }
        })
        .collect();
    let updated = reports.iter().map(|e| e.record.state.updated).max().unwrap_or_default();
    let feed = Feed {
        id: format!("urn:liaison:reports:{}", title.replace(' ', "-").to_lowercase()),
        title: Text::plain(format!("{title}: reports")),
        updated: updated.fixed_offset(),
        entries: atom_entries,
        links: vec![Link { href: "/reports.atom".into(), rel: "self".into(), ..Link::default() }],
        ..Feed::default()
    };
    feed.to_string()
}

/// An Atom entry's title and summary in the languages other than its own, as HTML content: one
/// block per language with its `lang`; `None` when the item has no other language. (Atom has
/// one title and one summary per entry, each with its `xml:lang`.)
fn other_languages(f: &liaison_protocol::Fields) -> Option<String> {
    let langs: std::collections::BTreeSet<&liaison_protocol::LangTag> =
        f.title_in.keys().chain(f.summary_in.keys()).collect();
    (!langs.is_empty()).then(|| {
        maud::html! {
            @for lang in langs {
                div lang=(lang) dir="auto" {
                    @if let Some(title) = f.title_in.get(lang) { h2 { (title) } }
                    @if let Some(summary) = f.summary_in.get(lang) { p { (summary) } }
                }
            }
        }
        .into_string()
    })
}
