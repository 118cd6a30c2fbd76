//! Exports of a node's items, and the JSON file `liaison import` reads back.
//!
//! - JSON: [`ExportFile`], stable and documented in README.md ("JSON format"); with each item's
//!   provenance (signed header, document, change signatures) so an import is lossless.
//! - iCalendar (RFC 5545): events, and visits with day-precision dates.
//! - CSV: one row per item, for spreadsheets.

use chrono::{DateTime, Utc};
use icalendar::{Component, EventLike};
pub use liaison_protocol::Provenance;
use liaison_protocol::verify::{self, VerifiedItem};
use liaison_protocol::{Fields, ItemId, Kind, Label, Mechanism, Precision, Roster, When};
use serde::{Deserialize, Serialize};

use crate::store::Entry;
use crate::{Draft, Error};

/// The formats `liaison export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// iCalendar (RFC 5545).
    Ics,
    /// JSON with provenance.
    Json,
    /// CSV.
    Csv,
}

/// The `format` value of files this build writes and reads.
pub const FORMAT: &str = "liaison-items/1";
/// Largest file `liaison import` reads.
pub const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;

/// A JSON export: what `liaison export json` writes and `liaison import` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// The items, in id order.
    pub items: Vec<ExportItem>,
}

/// One item of a JSON export.
///
/// With `provenance`, an import verifies and merges the signed item as it is; every other field
/// must then agree with the signed header and document. Without it, the item is new: it is
/// published by the importing node with a fresh id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportItem {
    /// The item's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ItemId>,
    /// Its kind.
    pub kind: Kind,
    /// The mechanism that owns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Mechanism>,
    /// Mechanisms that may also write it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_owners: Vec<Mechanism>,
    /// Its label.
    #[serde(default)]
    pub label: Label,
    /// For amber: who else may receive it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audience: Vec<Mechanism>,
    /// When it was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    /// Its revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
    /// The item it reissues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<ItemId>,
    /// Its fields.
    pub fields: Fields,
    /// The signed item, for verification and lossless import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

/// The export item for `entry`.
pub fn export_item(entry: &Entry) -> ExportItem {
    let (h, r) = (&entry.header, &entry.record);
    ExportItem {
        id: Some(h.id),
        kind: h.kind,
        owner: Some(h.owner.clone()),
        co_owners: h.co_owners.clone(),
        label: h.label,
        audience: h.audience.clone(),
        created: Some(r.state.created),
        updated: Some(r.state.updated),
        revision: Some(r.state.revision),
        supersedes: h.supersedes,
        fields: r.state.fields.clone(),
        provenance: Some(Provenance::new(&r.header, &r.doc, &r.sigs)),
    }
}

/// The JSON export of `entries`, withdrawn ones left out.
pub fn to_json(entries: &[Entry]) -> String {
    let file = ExportFile {
        format: FORMAT.to_owned(),
        items: entries.iter().filter(|e| !e.record.state.withdrawn).map(export_item).collect(),
    };
    // Serializing these types to a String cannot fail: every map key is a string.
    serde_json::to_string_pretty(&file).unwrap_or_default() + "\n"
}

/// What an import file holds, verified and ready to store.
#[derive(Debug, Default)]
pub struct ImportPlan {
    /// Signed items, verified against the roster.
    pub signed: Vec<VerifiedItem>,
    /// New items to publish.
    pub drafts: Vec<Draft>,
}

/// Parses and checks an import file: every signed item is verified against `roster` and must
/// agree with its other fields; every new item must be valid. `own` is the importing node's
/// mechanism.
///
/// # Errors
/// The first problem, naming the item by its position and id.
pub fn plan_import(text: &str, roster: &Roster, own: &Mechanism) -> Result<ImportPlan, Error> {
    let file: ExportFile = serde_json::from_str(text)
        .map_err(|e| Error::Import(format!("not a Liaison JSON export: {e}")))?;
    if file.format != FORMAT {
        return Err(Error::Import(format!("format '{}' is not '{FORMAT}'", file.format)));
    }
    let mut plan = ImportPlan::default();
    for (n, item) in file.items.into_iter().enumerate() {
        let name =
            format!("item {} ({})", n + 1, item.id.map_or("new".to_owned(), |id| id.to_string()));
        let at = |why: String| Error::Import(format!("{name}: {why}"));
        match item.provenance.clone() {
            Some(p) => plan.signed.push(check_signed(&item, &p, roster).map_err(at)?),
            None => {
                if item.id.is_some() || item.owner.as_ref().is_some_and(|o| o != own) {
                    return Err(at(format!(
                        "an item without provenance is published anew by this node ({own}): remove its id and owner"
                    )));
                }
                item.fields.validate(item.kind, item.label).map_err(|e| at(e.to_string()))?;
                liaison_protocol::label::check_audience(item.label, &item.audience)
                    .map_err(|e| at(e.to_string()))?;
                plan.drafts.push(Draft {
                    kind: item.kind,
                    fields: item.fields,
                    label: item.label,
                    audience: item.audience,
                    co_owners: item.co_owners,
                    supersedes: item.supersedes,
                });
            }
        }
    }
    Ok(plan)
}

fn check_signed(
    item: &ExportItem,
    p: &Provenance,
    roster: &Roster,
) -> Result<VerifiedItem, String> {
    let (signed, document) = p.decode().map_err(|e| e.to_string())?;
    // Every change of a file is checked as new: what the node holds already merges anyway.
    let verified =
        verify::verify_item(&signed, &document, &p.signatures, roster, &Default::default())
            .map_err(|e| e.to_string())?;
    let h = &*verified.header;
    let state = verified.doc.read().map_err(|e| e.to_string())?;
    let agree = [
        ("id", item.id == Some(h.id)),
        ("kind", item.kind == h.kind),
        ("owner", item.owner.as_ref() == Some(&h.owner)),
        ("co_owners", item.co_owners == h.co_owners),
        ("label", item.label == h.label),
        ("audience", item.audience == h.audience),
        ("supersedes", item.supersedes == h.supersedes),
        ("created", item.created.is_none_or(|c| c == state.created)),
        ("updated", item.updated.is_none_or(|u| u == state.updated)),
        ("revision", item.revision.is_none_or(|r| r == state.revision)),
        ("fields", item.fields == state.fields),
    ];
    match agree.iter().find(|(_, ok)| !ok) {
        Some((field, _)) => {
            Err(format!("'{field}' differs from the signed item; the file was edited after export"))
        }
        None => Ok(verified),
    }
}

/// The iCalendar (RFC 5545) export of `entries`: events, and visits with day-precision dates.
/// Withdrawn items are left out.
pub fn to_ics(entries: &[Entry], name: &str) -> String {
    let events: Vec<String> = entries.iter().filter_map(ics_event).collect();
    ics_of(name, events.iter().map(String::as_str))
}

/// The `VEVENT` of `entry` as [`to_ics`] writes it, or `None` when it has none in a calendar
/// (withdrawn, not an event or visit, no exact days). It depends on the entry only, so the
/// public site keeps it beside the item and makes a calendar of any filter by joining them.
pub(crate) fn ics_event(entry: &Entry) -> Option<String> {
    if entry.record.state.withdrawn {
        return None;
    }
    vevent(entry)?.try_into_string().ok()
}

/// The calendar named `name` holding `events`, each as [`ics_event`] wrote it.
pub(crate) fn ics_of<'a>(name: &str, events: impl IntoIterator<Item = &'a str>) -> String {
    const END: &str = "END:VCALENDAR\r\n";
    let empty = calendar(name).to_string();
    let head = empty.strip_suffix(END).unwrap_or(&empty);
    let mut out = head.to_owned();
    events.into_iter().for_each(|event| out.push_str(event));
    out.push_str(END);
    out
}

/// The iCalendar of calls for input: one all-day event per deadline, for NGOs' calendars.
pub fn deadlines_ics(entries: &[Entry], name: &str) -> String {
    let mut calendar = calendar(name);
    for entry in entries.iter().filter(|e| !e.record.state.withdrawn) {
        let Some(call) =
            entry.record.state.fields.visit.as_ref().and_then(|v| v.call_for_input.as_ref())
        else {
            continue;
        };
        // An all-day DTEND is the day after; there is none after the last day chrono knows.
        let Some(after) = call.deadline.succ_opt() else { continue };
        let state = &entry.record.state;
        let mut ev = icalendar::Event::new();
        ev.uid(&format!("{}-call-for-input@liaison", entry.header.id))
            .timestamp(state.updated)
            .summary(&format!("Call for input: {}", state.fields.title.value))
            .sequence(u32::try_from(state.revision).unwrap_or(u32::MAX))
            .url(&call.url)
            .starts(call.deadline)
            .ends(after)
            .categories(["deadline"])
            .status(icalendar::EventStatus::Confirmed);
        calendar.push(ev.done());
    }
    calendar.to_string()
}

/// An empty calendar with Liaison's properties.
fn calendar(name: &str) -> icalendar::Calendar {
    let mut calendar = icalendar::Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//Liaison//Liaison node//EN"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"))
        .append_property(("X-WR-CALNAME", name))
        .append_property(("NAME", name));
    calendar
}

fn vevent(entry: &Entry) -> Option<icalendar::Event> {
    let (h, state) = (&entry.header, &entry.record.state);
    let f = &state.fields;
    let mut ev = icalendar::Event::new();
    ev.uid(&format!("{}@liaison", h.id))
        .timestamp(state.updated)
        .sequence(u32::try_from(state.revision).unwrap_or(u32::MAX))
        .created(h.created)
        .last_modified(state.updated);
    languages(&mut ev, f);
    if let Some(link) = f.links.first() {
        ev.url(&link.href);
    }
    let status = if let Some(e) = &f.event {
        match (e.start, e.end) {
            (When::Date(start), end) => {
                let last = end.map_or(start, |e| e.date());
                ev.starts(start).ends(last.succ_opt()?);
            }
            (When::DateTime(start), end) => {
                ev.starts(start.with_timezone(&Utc));
                if let Some(When::DateTime(end)) = end {
                    ev.ends(end.with_timezone(&Utc));
                }
            }
        }
        ev.categories([e.category.as_str()]);
        let place = e.location.as_ref().map(|l| {
            [l.text.clone(), l.country.map(|c| c.name())]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
        });
        if let Some(place) = place.filter(|p| !p.is_empty()) {
            ev.location(&place);
        }
        e.status
    } else if let Some(v) = &f.visit {
        let (start, end) = match (v.actual, v.planned) {
            (Some(actual), _) => (actual.start, actual.end),
            (None, Some(p)) if p.precision == Precision::Day => (p.start, p.end),
            _ => return None,
        };
        ev.starts(start).ends(end.succ_opt()?);
        ev.categories(["visit", v.visit_type.as_str()]);
        let mut places: Vec<String> = v.country.code().map(|c| c.name()).into_iter().collect();
        places.extend(v.sites.iter().map(|s| {
            s.place
                .as_ref()
                .map_or_else(|| s.country.name(), |p| format!("{p} ({})", s.country.name()))
        }));
        if !places.is_empty() {
            ev.location(&places.join("; "));
        }
        v.status.ical_status()
    } else {
        return None;
    };
    ev.status(match status {
        liaison_protocol::EventStatus::Tentative => icalendar::EventStatus::Tentative,
        liaison_protocol::EventStatus::Confirmed => icalendar::EventStatus::Confirmed,
        liaison_protocol::EventStatus::Cancelled => icalendar::EventStatus::Cancelled,
    });
    Some(ev.done())
}

/// An item's title and summary in every language it has, on an iCalendar event: `SUMMARY` and
/// `DESCRIPTION` in the item's own language (with their `LANGUAGE` parameter, which RFC 5545
/// allows on both), and one `X-LIAISON-TITLE` and `X-LIAISON-DESCRIPTION` per other language
/// with its `LANGUAGE` (RFC 5545 allows one `SUMMARY` and one `DESCRIPTION` per event; calendar
/// apps show those and keep the others).
fn languages(ev: &mut icalendar::Event, f: &Fields) {
    let lang = f.title.lang.as_str();
    let property = |key: &str, value: &str, lang: &str| {
        icalendar::Property::new(key, value).add_parameter("LANGUAGE", lang).done()
    };
    ev.append_property(property("SUMMARY", &f.title.value, lang));
    if let Some(summary) = f.summary_text() {
        ev.append_property(property("DESCRIPTION", summary, lang));
    }
    for (key, texts) in
        [("X-LIAISON-TITLE", f.title_translations()), ("X-LIAISON-DESCRIPTION", &f.summary_in)]
    {
        for (lang, text) in texts {
            ev.append_multi_property(property(key, text, lang.as_str()));
        }
    }
}

/// The CSV columns, in order: `summary` is in the item's language (`lang`); `title_in` and
/// `summary_in` hold the other languages as a JSON object by language tag (`{"fr":"..."}`),
/// empty when there are none; a recommendation's text is its title, so `title_in` holds its
/// `text_in`.
pub const CSV_COLUMNS: [&str; 17] = [
    "id",
    "kind",
    "owner",
    "label",
    "title",
    "lang",
    "countries",
    "start",
    "end",
    "precision",
    "status",
    "detail",
    "revision",
    "updated",
    "summary",
    "title_in",
    "summary_in",
];

/// The UTF-8 byte order mark (EF BB BF), which `liaison export csv --excel` puts first: without
/// it Excel reads a CSV file in the machine's legacy code page, and Arabic or accented text
/// comes out garbled.
pub const EXCEL_BOM: char = '\u{FEFF}';

/// The CSV export of `entries`: one row each, withdrawn ones left out.
///
/// # Errors
/// Never in practice; the CSV writer writes to memory.
pub fn to_csv(entries: &[Entry]) -> Result<String, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| Error::Import(format!("csv: {e}"));
    w.write_record(CSV_COLUMNS).map_err(err)?;
    for entry in entries.iter().filter(|e| !e.record.state.withdrawn) {
        w.write_record(row(entry).iter().map(|cell| csv_cell(cell).into_owned())).map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Import(format!("csv: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `cell` as a spreadsheet will not run it: one that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return (which spreadsheets read as a formula) gets a leading `'`, as OWASP's advice
/// on CSV injection has it. Item fields come from other mechanisms' users, so an export must not
/// run what they typed.
fn csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The cells of `entry`'s row, in [`CSV_COLUMNS`] order; also what tables show.
pub fn row(entry: &Entry) -> [String; 17] {
    let (h, s) = (&entry.header, &entry.record.state);
    let f = &s.fields;
    let countries = match &f.visit {
        Some(v) => {
            let mut all = vec![v.country.to_string()];
            for site in &v.sites {
                let code = site.country.to_string();
                if !all.contains(&code) {
                    all.push(code);
                }
            }
            all
        }
        None => f.all_countries().iter().map(ToString::to_string).collect(),
    };
    let (start, end, precision) = dates(f);
    let (status, detail) = if let Some(e) = &f.event {
        (e.status.to_string(), e.category.to_string())
    } else if let Some(v) = &f.visit {
        (v.status.to_string(), v.mandate.clone())
    } else if let Some(r) = &f.report {
        (String::new(), r.symbol.clone().unwrap_or_else(|| r.doc_type.to_string()))
    } else if let Some(c) = &f.contact {
        (String::new(), c.role.to_string())
    } else if let Some(r) = &f.recommendation {
        let status = r.latest().map(|a| a.status.to_string()).unwrap_or_default();
        (status, r.symbol.clone())
    } else {
        (String::new(), String::new())
    };
    [
        h.id.to_string(),
        h.kind.to_string(),
        std::iter::once(&h.owner)
            .chain(&h.co_owners)
            .map(Mechanism::as_str)
            .collect::<Vec<_>>()
            .join("+"),
        h.label.to_string(),
        f.title.value.clone(),
        f.title.lang.to_string(),
        countries.join(" "),
        start,
        end,
        precision,
        status,
        detail,
        s.revision.to_string(),
        s.updated.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        f.summary_text().unwrap_or_default().to_owned(),
        in_languages(f.title_translations()),
        in_languages(&f.summary_in),
    ]
}

/// Texts in other languages as a CSV cell: a JSON object by language tag, or nothing.
fn in_languages(texts: &liaison_protocol::Translations) -> String {
    if texts.is_empty() { String::new() } else { serde_json::to_string(texts).unwrap_or_default() }
}

/// Start, end and precision of an item, as text (empty when it has none).
fn dates(f: &Fields) -> (String, String, String) {
    if let Some(e) = &f.event {
        return (
            e.start.to_string(),
            e.end.map(|e| e.to_string()).unwrap_or_default(),
            "day".to_owned(),
        );
    }
    if let Some(v) = &f.visit {
        if let Some(a) = v.actual {
            return (a.start.to_string(), a.end.to_string(), "day".to_owned());
        }
        if let Some(p) = v.planned {
            let precision =
                serde_json::to_value(p.precision).ok().and_then(|v| v.as_str().map(str::to_owned));
            return (p.start.to_string(), p.end.to_string(), precision.unwrap_or_default());
        }
        return Default::default();
    }
    if let Some(c) = &f.contact {
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let precision = if c.valid_from.is_some() || c.valid_until.is_some() { "day" } else { "" };
        return (day(c.valid_from), day(c.valid_until), precision.to_owned());
    }
    match f.span() {
        Some((start, end)) => (start.to_string(), end.to_string(), "day".to_owned()),
        None => Default::default(),
    }
}

/// A JSON tree as `(path, value)` pairs: `visit.sites[0].country` = `CO`. Nulls are left out.
pub fn flatten(value: &serde_json::Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
        let join = |k: &str| if prefix.is_empty() { k.to_owned() } else { format!("{prefix}.{k}") };
        match value {
            serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| walk(&join(k), v, out)),
            serde_json::Value::Array(items) => {
                items.iter().enumerate().for_each(|(i, v)| walk(&format!("{prefix}[{i}]"), v, out));
            }
            serde_json::Value::String(s) => out.push((prefix.to_owned(), s.clone())),
            serde_json::Value::Null => {}
            other => out.push((prefix.to_owned(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_cells_that_spreadsheets_would_run_are_quoted() {
        for cell in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_cell(cell), format!("'{cell}"));
        }
        for cell in ["Lomé", "2026-03-01", "", "a=b", "'quoted"] {
            assert_eq!(csv_cell(cell), cell);
        }
    }
}
