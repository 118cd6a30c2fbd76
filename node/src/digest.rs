//! The weekly digest focal points exchange today by e-mail: new, changed and cancelled items,
//! visits in the next 90 days by country, calls for input closing in the next 30 days, and
//! overlapping visits. Rendered for one audience (a mechanism, or the public), it holds exactly
//! what that audience may receive, so it can be forwarded safely; it is also the "who will see
//! this" preview.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use liaison_protocol::{Destination, ItemDoc, Kind, Label, VisitStatus, may_leave};
use maud::html;
use serde::{Deserialize, Serialize};

use crate::coord::{Cluster, clusters};
use crate::store::{Entry, Query, Store};
use crate::{Error, export};

/// Days ahead the digest lists visits for.
const VISITS_AHEAD: i64 = 90;
/// Days ahead the digest lists closing calls for input for.
const CALLS_AHEAD: i64 = 30;
/// Fields whose values a digest never prints (only that they changed).
const SENSITIVE: [&str; 2] = ["visit.programme", "visit.notes"];

/// Who a digest or an export is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Audience {
    /// This node's own people: for a digest, its operator (everything it holds); for an
    /// export, a file for its own mechanism (what its member nodes may receive: never `red`).
    Own,
    /// The member nodes of a mechanism.
    Mechanism(liaison_protocol::Mechanism),
    /// The public: `clear` items only.
    Public,
}

/// One item, as a digest line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Line {
    /// The item's id.
    pub id: liaison_protocol::ItemId,
    /// Its kind.
    pub kind: Kind,
    /// Its owner.
    pub owner: liaison_protocol::Mechanism,
    /// Its label.
    pub label: Label,
    /// Its title.
    pub title: String,
    /// Its dates, in words.
    pub dates: String,
}

/// A digest, ready to render.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Digest {
    /// Who it is for, in words.
    pub audience: String,
    /// The period it covers.
    pub since: DateTime<Utc>,
    /// When it was made.
    pub now: DateTime<Utc>,
    /// Items created in the period.
    pub new: Vec<Line>,
    /// Items changed in the period, with the fields that changed.
    pub changed: Vec<(Line, Vec<String>)>,
    /// Items cancelled or withdrawn in the period.
    pub cancelled: Vec<Line>,
    /// Visits in the next 90 days, by country name.
    pub visits: Vec<(String, Vec<Line>)>,
    /// Calls for input closing in the next 30 days: deadline, visit, where to submit.
    pub calls: Vec<(NaiveDate, Line, String)>,
    /// Overlapping visits.
    pub overlaps: Vec<Cluster>,
    /// Recommendations created in the period: counted, not listed (an import brings thousands).
    pub new_recommendations: usize,
    /// Assessments of recommendations' implementation dated in the period.
    pub assessments: usize,
}

fn line(e: &Entry) -> Line {
    Line {
        id: e.header.id,
        kind: e.header.kind,
        owner: e.header.owner.clone(),
        label: e.header.label,
        title: e.record.state.fields.title.value.clone(),
        dates: crate::public::pages::dates(e),
    }
}

/// `days` after `day`, or the last day chrono knows when that is later.
fn after(day: NaiveDate, days: i64) -> NaiveDate {
    day.checked_add_signed(Duration::days(days)).unwrap_or(NaiveDate::MAX)
}

fn cancelled_status(e: &Entry) -> bool {
    let f = &e.record.state.fields;
    f.visit
        .as_ref()
        .is_some_and(|v| matches!(v.status, VisitStatus::Cancelled | VisitStatus::Declined))
        || f.event.as_ref().is_some_and(|ev| ev.status == liaison_protocol::EventStatus::Cancelled)
}

/// The fields of `e` that changed since `since`, by path; values of sensitive fields are hidden.
fn changes(e: &Entry, since: DateTime<Utc>) -> Result<Vec<String>, Error> {
    let doc = ItemDoc::load(&e.record.doc).map_err(|err| Error::Corrupt {
        what: format!("item {}", e.header.id),
        why: err.to_string(),
    })?;
    let before = doc.read_at(since.timestamp()).map_err(|err| Error::Corrupt {
        what: format!("item {}", e.header.id),
        why: err.to_string(),
    })?;
    let old = before
        .map(|s| export::flatten(&serde_json::to_value(s.fields).unwrap_or_default()))
        .unwrap_or_default();
    let new = export::flatten(&serde_json::to_value(&e.record.state.fields).unwrap_or_default());
    let mut out = Vec::new();
    for (path, value) in &new {
        if old.iter().any(|(p, v)| p == path && v == value) {
            continue;
        }
        if let Some(field) = SENSITIVE.iter().find(|s| path.starts_with(*s)) {
            out.push(format!("{field} (changed)"));
        } else {
            out.push(format!("{path}: {value}"));
        }
    }
    for (path, _) in old.iter().filter(|(p, _)| !new.iter().any(|(q, _)| q == p)) {
        match SENSITIVE.iter().find(|s| path.starts_with(*s)) {
            Some(field) => out.push(format!("{field} (changed)")),
            None => out.push(format!("{path} removed")),
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|line| seen.insert(line.clone()));
    Ok(out)
}

/// The digest of `store` for `audience` over `since..now`.
///
/// # Errors
/// [`Error::Corrupt`] on an altered record.
pub fn digest(
    store: &Store,
    audience: &Audience,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    window_days: u32,
) -> Result<Digest, Error> {
    let to = match audience {
        Audience::Own => Destination::Operator,
        Audience::Mechanism(m) => Destination::Mechanism(m),
        Audience::Public => Destination::Public,
    };
    let all: Vec<Entry> = store
        .list(&Query { withdrawn: true, ..Query::default() })?
        .into_iter()
        .filter(|e| may_leave(&e.header, e.record.state.withdrawn, to))
        .collect();
    let live: Vec<Entry> = all.iter().filter(|e| !e.record.state.withdrawn).cloned().collect();
    let in_period = |t: DateTime<Utc>| t >= since && t <= now;
    let mut d = Digest {
        audience: match audience {
            Audience::Own => "this node's focal point (everything it holds)".to_owned(),
            Audience::Mechanism(m) => format!("{m} (only what {m}'s nodes may receive)"),
            Audience::Public => "the public (clear items only)".to_owned(),
        },
        since,
        now,
        new: Vec::new(),
        changed: Vec::new(),
        cancelled: Vec::new(),
        visits: Vec::new(),
        calls: Vec::new(),
        overlaps: Vec::new(),
        new_recommendations: 0,
        assessments: 0,
    };
    let days = since.date_naive()..=now.date_naive();
    for e in &all {
        let s = &e.record.state;
        if let Some(r) = &s.fields.recommendation {
            if !s.withdrawn && in_period(s.created) && e.header.supersedes.is_none() {
                d.new_recommendations += 1;
            }
            if !s.withdrawn {
                d.assessments += r.assessments.iter().filter(|a| days.contains(&a.date)).count();
            }
            continue;
        }
        if (s.withdrawn || cancelled_status(e)) && in_period(s.updated) {
            d.cancelled.push(line(e));
        } else if !s.withdrawn && in_period(s.created) {
            d.new.push(line(e));
        } else if !s.withdrawn && in_period(s.updated) {
            d.changed.push((line(e), changes(e, since)?));
        }
    }
    let today = now.date_naive();
    let ahead = after(today, VISITS_AHEAD);
    let mut by_country: std::collections::BTreeMap<String, Vec<Line>> = Default::default();
    for e in live.iter().filter(|e| e.header.kind == Kind::Visit && !cancelled_status(e)) {
        let Some((start, end)) = e.record.state.fields.span() else { continue };
        if end >= today && start <= ahead {
            let v = e.record.state.fields.visit.as_ref();
            let country = v
                .and_then(|v| v.country.code())
                .map_or("Undisclosed State".to_owned(), |c| c.name());
            by_country.entry(country).or_default().push(line(e));
        }
        let call = e.record.state.fields.visit.as_ref().and_then(|v| v.call_for_input.as_ref());
        if let Some(c) = call
            && c.deadline >= today
            && c.deadline <= after(today, CALLS_AHEAD)
        {
            d.calls.push((c.deadline, line(e), c.url.clone()));
        }
    }
    d.visits = by_country.into_iter().collect();
    d.calls.sort_by_key(|(deadline, ..)| *deadline);
    d.overlaps = clusters(&live, window_days)
        .into_iter()
        .filter(|c| c.visits.iter().any(|v| v.end >= today))
        .collect();
    Ok(d)
}

impl Digest {
    /// The recommendations line: how many are new, how many assessments were made.
    fn recommendations(&self) -> String {
        format!(
            "{} new recommendations; {} assessments of their implementation",
            self.new_recommendations, self.assessments
        )
    }

    fn heading(&self) -> String {
        format!(
            "Liaison digest, {} to {}, for {}",
            self.since.format("%Y-%m-%d"),
            self.now.format("%Y-%m-%d"),
            self.audience
        )
    }

    /// Plain text, for an e-mail body.
    pub fn text(&self) -> String {
        self.lines(false)
    }

    /// Markdown.
    pub fn markdown(&self) -> String {
        self.lines(true)
    }

    fn lines(&self, md: bool) -> String {
        let h = |t: &str| {
            if md { format!("\n## {t}\n\n") } else { format!("\n{t}\n{}\n", "-".repeat(t.len())) }
        };
        let item = |l: &Line| {
            format!(
                "- [{}] {} ({}, {}){}",
                l.kind,
                l.title,
                l.owner,
                l.label,
                if l.dates.is_empty() { String::new() } else { format!(", {}", l.dates) }
            )
        };
        let mut out =
            if md { format!("# {}\n", self.heading()) } else { format!("{}\n", self.heading()) };
        out.push_str(&h("New"));
        self.new.iter().for_each(|l| out.push_str(&(item(l) + "\n")));
        out.push_str(&h("Changed"));
        for (l, what) in &self.changed {
            out.push_str(&(item(l) + "\n"));
            what.iter().for_each(|w| out.push_str(&format!("    {w}\n")));
        }
        out.push_str(&h("Cancelled or withdrawn"));
        self.cancelled.iter().for_each(|l| out.push_str(&(item(l) + "\n")));
        out.push_str(&h("Recommendations"));
        out.push_str(&format!("{}\n", self.recommendations()));
        out.push_str(&h("Visits in the next 90 days"));
        for (country, lines) in &self.visits {
            out.push_str(&format!("{country}\n"));
            lines.iter().for_each(|l| out.push_str(&format!("  {}\n", item(l))));
        }
        out.push_str(&h("Calls for input closing in the next 30 days"));
        for (deadline, l, url) in &self.calls {
            out.push_str(&format!("- {deadline}: {} ({}) {url}\n", l.title, l.owner));
        }
        out.push_str(&h("Overlapping visits"));
        for c in &self.overlaps {
            out.push_str(&format!("{}\n", c.country.name()));
            for v in &c.visits {
                out.push_str(&format!(
                    "  - {} {} {} ({})\n",
                    v.mechanism, v.dates, v.mandate, v.status
                ));
            }
        }
        out
    }

    /// HTML, for mail clients and browsers.
    pub fn html(&self) -> String {
        let item = |l: &Line| html! { (l.title) " " small { "(" (l.kind) ", " (l.owner) ", " (l.label) @if !l.dates.is_empty() { ", " (l.dates) } ")" } };
        html! {
            (maud::DOCTYPE)
            html lang="en" {
                head { meta charset="utf-8"; title { (self.heading()) } }
                body {
                    h1 { (self.heading()) }
                    h2 { "New" } ul { @for l in &self.new { li { (item(l)) } } }
                    h2 { "Changed" } ul { @for (l, what) in &self.changed { li { (item(l)) ul { @for w in what { li { (w) } } } } } }
                    h2 { "Cancelled or withdrawn" } ul { @for l in &self.cancelled { li { (item(l)) } } }
                    h2 { "Recommendations" } p { (self.recommendations()) }
                    h2 { "Visits in the next 90 days" }
                    @for (country, lines) in &self.visits { h3 { (country) } ul { @for l in lines { li { (item(l)) } } } }
                    h2 { "Calls for input closing in the next 30 days" }
                    ul { @for (deadline, l, url) in &self.calls { li { (deadline) ": " a href=(url) { (l.title) } " (" (l.owner) ")" } } }
                    h2 { "Overlapping visits" }
                    @for c in &self.overlaps { h3 { (c.country.name()) } ul { @for v in &c.visits { li { (v.mechanism) " " (v.dates) " " (v.mandate) " (" (v.status) ")" } } } }
                }
            }
        }
        .into_string()
    }
}
