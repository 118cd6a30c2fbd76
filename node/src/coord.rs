//! Coordination: visits of different mechanisms to the same country close together in time
//! ("monitoring fatigue"), found so focal points can talk before the State receives two
//! delegations in one month.

use chrono::{Duration, NaiveDate};
use liaison_protocol::{CountryCode, ItemId, Kind, Mechanism, VisitStatus};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::store::{Entry, Query, Store};

/// Days either side of a visit within which another mechanism's visit counts as overlapping.
pub const DEFAULT_WINDOW_DAYS: u32 = 60;

/// A visit as an overlap report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitSummary {
    /// The visit.
    pub id: ItemId,
    /// Its owner.
    pub mechanism: Mechanism,
    /// Its mandate.
    pub mandate: String,
    /// Its dates as known: `2027-05-03..2027-05-14`, `2027-Q2`, `2027-05`.
    pub dates: String,
    /// First and last day it may take (a month or quarter forecast counts as its whole span).
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// Its status.
    pub status: VisitStatus,
    /// Whether it is linked to a joint visit already.
    pub joint: bool,
}

/// Visits of at least two mechanisms to one country, each within the window of another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    /// The country.
    pub country: CountryCode,
    /// The visits, by start date.
    pub visits: Vec<VisitSummary>,
}

/// The visits that count for overlaps: dated, not cancelled or declined, not withdrawn.
fn candidates(entries: &[Entry]) -> Vec<(Vec<CountryCode>, VisitSummary)> {
    entries
        .iter()
        .filter(|e| !e.record.state.withdrawn)
        .filter_map(|e| {
            let v = e.record.state.fields.visit.as_ref()?;
            if matches!(v.status, VisitStatus::Cancelled | VisitStatus::Declined) {
                return None;
            }
            let (start, end, dates) = match (v.actual, v.planned) {
                (Some(a), _) => (a.start, a.end, format!("{}..{}", a.start, a.end)),
                (None, Some(p)) => (p.start, p.end, p.to_string()),
                (None, None) => return None,
            };
            let mut countries: Vec<CountryCode> =
                v.country.code().into_iter().chain(v.sites.iter().map(|s| s.country)).collect();
            countries.sort();
            countries.dedup();
            let summary = VisitSummary {
                id: e.header.id,
                mechanism: e.header.owner.clone(),
                mandate: v.mandate.clone(),
                dates,
                start,
                end,
                status: v.status,
                joint: !v.joint_with.is_empty() || !e.header.co_owners.is_empty(),
            };
            Some((countries, summary))
        })
        .collect()
}

fn near(a: &VisitSummary, b: &VisitSummary, window: Duration) -> bool {
    before(a.start, window) <= b.end && before(b.start, window) <= a.end
}

/// `window` before `day`, or the first day chrono knows when that is earlier.
fn before(day: NaiveDate, window: Duration) -> NaiveDate {
    day.checked_sub_signed(window).unwrap_or(NaiveDate::MIN)
}

/// Clusters of overlapping visits among `entries`: per country, the connected groups of visits
/// within `window_days` of each other that involve at least two mechanisms.
pub fn clusters(entries: &[Entry], window_days: u32) -> Vec<Cluster> {
    let window = Duration::days(i64::from(window_days));
    let visits = candidates(entries);
    let mut countries: Vec<CountryCode> =
        visits.iter().flat_map(|(c, _)| c.iter().copied()).collect();
    countries.sort();
    countries.dedup();
    let mut out = Vec::new();
    for country in countries {
        let mut here: Vec<&VisitSummary> =
            visits.iter().filter(|(c, _)| c.contains(&country)).map(|(_, v)| v).collect();
        here.sort_by_key(|v| (v.start, v.id));
        // Sorted by start, a group ends where the next visit starts beyond every end so far.
        let mut group: Vec<&VisitSummary> = Vec::new();
        let mut group_end = NaiveDate::MIN;
        for v in here {
            if !group.is_empty() && before(v.start, window) > group_end {
                push_cluster(&mut out, country, &group, window);
                group.clear();
            }
            group_end = if group.is_empty() { v.end } else { group_end.max(v.end) };
            group.push(v);
        }
        push_cluster(&mut out, country, &group, window);
    }
    out
}

fn push_cluster(
    out: &mut Vec<Cluster>,
    country: CountryCode,
    group: &[&VisitSummary],
    window: Duration,
) {
    // Keep only visits near a visit of another mechanism.
    let visits: Vec<VisitSummary> = group
        .iter()
        .filter(|v| group.iter().any(|w| w.mechanism != v.mechanism && near(v, w, window)))
        .map(|v| (*v).clone())
        .collect();
    if visits.len() >= 2 {
        out.push(Cluster { country, visits });
    }
}

/// The clusters the node's store holds, narrowed to `country` and to visits touching
/// `from..=to`.
///
/// # Errors
/// [`Error::Corrupt`] on an altered record.
pub fn overlaps(
    store: &Store,
    country: Option<CountryCode>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    window_days: u32,
) -> Result<Vec<Cluster>, Error> {
    let entries = store.list(&Query { kind: Some(Kind::Visit), country, ..Query::default() })?;
    let mut all = clusters(&entries, window_days);
    all.retain(|c| country.is_none_or(|cc| c.country == cc));
    all.retain(|c| {
        c.visits.iter().any(|v| from.is_none_or(|f| v.end >= f) && to.is_none_or(|t| v.start <= t))
    });
    Ok(all)
}

/// The clusters that include visit `id`.
///
/// # Errors
/// [`Error::Corrupt`] on an altered record.
pub fn overlaps_of(store: &Store, id: ItemId, window_days: u32) -> Result<Vec<Cluster>, Error> {
    let entries = store.list(&Query { kind: Some(Kind::Visit), ..Query::default() })?;
    Ok(clusters(&entries, window_days)
        .into_iter()
        .filter(|c| c.visits.iter().any(|v| v.id == id))
        .collect())
}
