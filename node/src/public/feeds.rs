//! Feeds: `/calendar.ics` and `/deadlines.ics` (iCalendar) and `/reports.atom` (Atom), with
//! `country` and `mechanism` filters. Each filtered feed has its own title, saying its filters
//! in words, and its own Atom id; links are absolute when the site's address is configured.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use liaison_protocol::{CountryCode, Kind, Mechanism};
use serde::Deserialize;

use super::{Filter, Refusal, Site, parsed};
use crate::store::Entry;
use crate::{Error, export};

const ICS: &str = "text/calendar; charset=utf-8";

/// The filters feeds take.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FeedQuery {
    #[serde(default, deserialize_with = "parsed")]
    pub(crate) country: Option<CountryCode>,
    #[serde(default, deserialize_with = "parsed")]
    pub(crate) mechanism: Option<Mechanism>,
}

/// The site's three feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Feed {
    /// `/calendar.ics`: events and visits with exact days.
    Calendar,
    /// `/deadlines.ics`: calls for input.
    Deadlines,
    /// `/reports.atom`: the latest reports.
    Reports,
}

/// Most entries of an Atom feed: the latest reports, as feed readers poll for what is new.
pub(crate) const ATOM_ENTRIES: usize = 100;

impl Feed {
    pub(crate) const ALL: [Feed; 3] = [Feed::Calendar, Feed::Deadlines, Feed::Reports];

    /// Its file name, which is also its path on the live site after `/`.
    pub(crate) fn file(self) -> &'static str {
        match self {
            Feed::Calendar => "calendar.ics",
            Feed::Deadlines => "deadlines.ics",
            Feed::Reports => "reports.atom",
        }
    }

    fn kind(self) -> Option<Kind> {
        match self {
            Feed::Calendar => None,
            Feed::Deadlines => Some(Kind::Visit),
            Feed::Reports => Some(Kind::Report),
        }
    }

    fn what(self) -> &'static str {
        match self {
            Feed::Calendar => "Visits, sessions and events",
            Feed::Deadlines => "Calls for input",
            Feed::Reports => "Reports",
        }
    }

    /// The feed of `q`, found at `path` (its path on the site, from `/`), read from `site`:
    /// a calendar is joined from the events the site's index keeps; the others are made of
    /// the items they show (for an Atom feed, its [`ATOM_ENTRIES`] latest reports).
    ///
    /// # Errors
    /// What reading the store returns.
    pub(crate) fn answer(self, site: &Site, q: &FeedQuery, path: &str) -> Result<String, Error> {
        let title = q.title(self, site);
        let filter = q.filter(self.kind());
        Ok(match self {
            Feed::Calendar => site.calendar(&filter, &title)?,
            Feed::Deadlines => export::deadlines_ics(&site.items(&filter)?, &title),
            Feed::Reports => atom(site, q, path, &title, &site.last(&filter, ATOM_ENTRIES)?),
        })
    }

    fn content_type(self) -> &'static str {
        match self {
            Feed::Reports => "application/atom+xml; charset=utf-8",
            _ => ICS,
        }
    }
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

    /// The filters as a query string in one order, `?country=TN&mechanism=ohchr`, or `""`.
    pub(crate) fn query_string(&self) -> String {
        let mut pairs = Vec::new();
        pairs.extend(self.country.map(|c| format!("country={c}")));
        pairs.extend(self.mechanism.as_ref().map(|m| format!("mechanism={m}")));
        if pairs.is_empty() { String::new() } else { format!("?{}", pairs.join("&")) }
    }

    /// The feed's title, its filters in words: `Reports on Tunisia by achpr — Liaison: ...`.
    fn title(&self, feed: Feed, site: &Site) -> String {
        let mut title = feed.what().to_owned();
        if let Some(c) = self.country {
            title.push_str(&format!(" on {}", c.name()));
        }
        if let Some(m) = &self.mechanism {
            title.push_str(&format!(" by {m}"));
        }
        format!("{title} — {}", site.title)
    }

    /// The feed's Atom id, stable and one per filter set: the canonical address of the feed on
    /// the live site (filters in one order) when the site's address is known, else a URN of
    /// the site's name and the filters.
    fn id(&self, feed: Feed, site: &Site) -> String {
        if site.base.is_some() {
            return site.absolute(&format!("/{}{}", feed.file(), self.query_string()));
        }
        let name: String = site
            .title
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let mut id = format!("urn:liaison:feed:{name}:{}", feed.file());
        id.extend(self.country.map(|c| format!(":country={c}")));
        id.extend(self.mechanism.as_ref().map(|m| format!(":mechanism={m}")));
        id
    }
}

async fn serve(
    site: Site,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
    feed: Feed,
) -> Result<impl IntoResponse, Refusal> {
    let Query(q) = query?;
    site.read(move |site| {
        let path = format!("/{}{}", feed.file(), q.query_string());
        Ok(([(header::CONTENT_TYPE, feed.content_type())], feed.answer(site, &q, &path)?))
    })
    .await
}

pub(super) async fn calendar(
    State(site): State<Site>,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<impl IntoResponse, Refusal> {
    serve(site, query, Feed::Calendar).await
}

pub(super) async fn deadlines(
    State(site): State<Site>,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<impl IntoResponse, Refusal> {
    serve(site, query, Feed::Deadlines).await
}

pub(super) async fn reports(
    State(site): State<Site>,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<impl IntoResponse, Refusal> {
    serve(site, query, Feed::Reports).await
}

/// The Atom feed (RFC 4287) of the report items in `entries`, newest first, at most
/// [`ATOM_ENTRIES`]: titled `title`, found at `path`, with absolute links when the site's
/// address is known.
fn atom(site: &Site, q: &FeedQuery, path: &str, title: &str, entries: &[Entry]) -> String {
    use atom_syndication::{Content, Entry as AtomEntry, Feed as AtomFeed, Link, Person, Text};
    let mut reports: Vec<&Entry> =
        entries.iter().filter(|e| e.record.state.fields.report.is_some()).collect();
    reports.sort_by_key(|e| {
        std::cmp::Reverse(e.record.state.fields.report.as_ref().map(|r| r.issued))
    });
    reports.truncate(ATOM_ENTRIES);
    let atom_entries: Vec<AtomEntry> = reports
        .iter()
        .map(|e| {
            let (h, s) = (&e.header, &e.record.state);
            let report = s.fields.report.as_ref();
            let mut links: Vec<Link> = vec![Link {
                href: site.absolute(&format!("/items/{}/", h.id)),
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
    let feed = AtomFeed {
        id: q.id(Feed::Reports, site),
        title: Text::plain(title.to_owned()),
        updated: updated.fixed_offset(),
        entries: atom_entries,
        links: vec![Link {
            href: site.absolute(path),
            rel: "self".into(),
            mime_type: Some("application/atom+xml".into()),
            ..Link::default()
        }],
        ..AtomFeed::default()
    };
    feed.to_string()
}

/// An Atom entry's title and summary in the languages other than its own, as HTML content: one
/// block per language with its `lang`; `None` when the item has no other language. (Atom has
/// one title and one summary per entry, each with its `xml:lang`.)
fn other_languages(f: &liaison_protocol::Fields) -> Option<String> {
    let langs: std::collections::BTreeSet<&liaison_protocol::LangTag> =
        f.title_translations().keys().chain(f.summary_in.keys()).collect();
    (!langs.is_empty()).then(|| {
        maud::html! {
            @for lang in langs {
                div lang=(lang) dir="auto" {
                    @if let Some(title) = f.title_translations().get(lang) { h2 { (title) } }
                    @if let Some(summary) = f.summary_in.get(lang) { p { (summary) } }
                }
            }
        }
        .into_string()
    })
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use liaison_protocol::Label;

    use crate::public::{Filter, Site};
    use crate::{export, sample};

    /// The calendar joined from the index's kept events is, after every kind of change, the
    /// calendar made from the items read from the store.
    #[test]
    fn the_kept_events_follow_every_change() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = crate::repo::test_member(dir.path(), "ohchr");
        let now = Utc::now();
        let ids = repo.create_all(sample::drafts("ohchr"), now).expect("sample items");
        let site = Site::offline(repo.store().read_only(), "Test".into());
        let filters = [
            Filter::default(),
            Filter { country: Some("TN".parse().expect("country")), ..Filter::default() },
            Filter { mechanism: Some("ohchr".parse().expect("mechanism")), ..Filter::default() },
        ];
        let same = |step: &str| {
            for filter in &filters {
                let made = export::to_ics(&site.items(filter).expect("items"), "C");
                assert_eq!(site.calendar(filter, "C").expect("calendar"), made, "{step}");
            }
        };
        same("at first");
        let in_calendar: Vec<_> = ids
            .iter()
            .copied()
            .filter(|id| {
                site.item(*id).expect("item").as_ref().and_then(export::ics_event).is_some()
            })
            .collect();
        assert!(in_calendar.len() >= 2, "the sample has public events: {in_calendar:?}");
        let calendar = |site: &Site| site.calendar(&Filter::default(), "C").expect("calendar");

        repo.update(in_calendar[0], now, |f| {
            f.title.value = "zzretitled".into();
            Ok(())
        })
        .expect("update");
        same("after an update");
        assert!(calendar(&site).contains("zzretitled"));

        repo.withdraw(in_calendar[0], now).expect("withdraw");
        same("after a withdrawal");
        assert!(!calendar(&site).contains("zzretitled"));

        let uid = format!("UID:{}@liaison", in_calendar[1]);
        assert!(calendar(&site).contains(&uid));
        repo.reissue(in_calendar[1], Label::Green, Vec::new(), now).expect("reissue");
        same("after a narrowing");
        assert!(!calendar(&site).contains(&uid));
    }
}
