//! Printing: tables readable at 100 columns, stable JSON, CSV.

use std::io::Write as _;
use std::path::Path;

use liaison_node::export;
use liaison_node::{Entry, ItemView};
use liaison_protocol::label::describe_audience;
use serde_json::{Value, json};

use crate::Failure;
use crate::args::{ListFormat, ShowFormat};

/// Prints one line on stdout.
pub(crate) fn line(text: &str) {
    write(None, &format!("{text}\n")).unwrap_or_else(|f| eprintln!("error: {}", f.message));
}

/// Writes `text` to `path`, or to stdout.
pub(crate) fn write(path: Option<&Path>, text: &str) -> Result<(), Failure> {
    match path {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| Failure::system(format!("{}: {e}", p.display())))
        }
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`liaison list | head`) is not an error worth a message.
            let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
            Ok(())
        }
    }
}

pub(crate) fn list(entries: &[Entry], format: ListFormat) -> Result<(), Failure> {
    match format {
        ListFormat::Json => {
            let items: Vec<_> = entries
                .iter()
                .map(|e| export::ExportItem { provenance: None, ..export::export_item(e) })
                .collect();
            write(None, &(serde_json::to_string_pretty(&items).unwrap_or_default() + "\n"))
        }
        ListFormat::Csv => write(None, &export::to_csv(entries)?),
        ListFormat::Table => {
            let mut out = String::new();
            out.push_str(&table_row([
                "ID", "KIND", "OWNER", "LABEL", "COUNTRY", "DATES", "STATUS", "TITLE",
            ]));
            for e in entries {
                let cells = export::row(e);
                let dates = if e.header.kind == liaison_protocol::Kind::Visit && cells[7].is_empty()
                {
                    "to be agreed".to_owned()
                } else {
                    compact_dates(&cells[7], &cells[8], &cells[9])
                };
                let countries = cells[6].replace("undisclosed", "?");
                let countries =
                    if countries.len() > 7 { format!("{}+", &countries[..5]) } else { countries };
                let withdrawn = if e.record.state.withdrawn { "(withdrawn) " } else { "" };
                let title = format!("{withdrawn}{}", cells[4]);
                out.push_str(&table_row([
                    &cells[0][..8],
                    &cells[1],
                    &cells[2],
                    &cells[3],
                    &countries,
                    &dates,
                    &cells[10],
                    &title,
                ]));
            }
            if entries.is_empty() {
                out.push_str("(no items)\n");
            }
            write(None, &out)
        }
    }
}

/// What a search found: per item, its id, kind, owner, label and title with the words found
/// in `[brackets]`, then a fragment of its other text; or JSON.
pub(crate) fn found(
    found: &liaison_node::search::Results,
    format: ShowFormat,
) -> Result<(), Failure> {
    let marked = |h: &liaison_node::search::Highlight| -> String {
        h.pieces
            .iter()
            .map(|(text, found)| if *found { format!("[{text}]") } else { text.clone() })
            .collect()
    };
    match format {
        ShowFormat::Json => {
            let results: Vec<Value> = found
                .results
                .iter()
                .map(|m| {
                    let item =
                        export::ExportItem { provenance: None, ..export::export_item(&m.entry) };
                    json!({"item": item, "score": m.score, "highlights": m.highlights})
                })
                .collect();
            let all = json!({"total": found.total, "results": results});
            write(None, &(serde_json::to_string_pretty(&all).unwrap_or_default() + "\n"))
        }
        ShowFormat::Text => {
            let mut out = String::new();
            for m in &found.results {
                let e = &m.entry;
                let title = m
                    .highlights
                    .iter()
                    .find(|h| h.field == "title")
                    .map_or_else(|| e.record.state.fields.title.value.clone(), marked);
                let withdrawn = if e.record.state.withdrawn { " (withdrawn)" } else { "" };
                let id = e.header.id.to_string();
                out.push_str(&format!(
                    "{}  {}  {}  {}{withdrawn}  {title}\n",
                    &id[..8],
                    e.header.kind,
                    e.header.owner,
                    e.header.label
                ));
                for h in m.highlights.iter().filter(|h| h.field != "title") {
                    out.push_str(&format!("          …{}…\n", marked(h).replace('\n', " ")));
                }
            }
            out.push_str(&match (found.total, found.results.len()) {
                (0, _) => "(no items found)\n".to_owned(),
                (1, _) => "1 item found\n".to_owned(),
                (n, shown) if shown < n => format!("{n} items found, the best {shown} shown\n"),
                (n, _) => format!("{n} items found\n"),
            });
            write(None, &out)
        }
    }
}

const WIDTHS: [usize; 7] = [8, 7, 6, 12, 7, 17, 10];
const TABLE_WIDTH: usize = 100;

fn table_row<S: AsRef<str>>(cells: [S; 8]) -> String {
    let mut line = String::new();
    for (cell, width) in cells.iter().zip(WIDTHS) {
        line.push_str(&format!("{:<width$} ", clip(cell.as_ref(), width)));
    }
    let rest = TABLE_WIDTH - 1 - line.chars().count();
    line.push_str(&clip(cells[7].as_ref(), rest));
    line.trim_end().to_owned() + "\n"
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        text.chars().take(width.saturating_sub(1)).collect::<String>() + "~"
    }
}

/// `2027-05-12..05-23`, `2027-Q2`, `2027-05`, `2027`, `2026-01-01..`, `..2027-12-31` or nothing.
fn compact_dates(start: &str, end: &str, precision: &str) -> String {
    let (Some(y), Some(m)) = (start.get(..4), start.get(5..7)) else {
        return if end.is_empty() { String::new() } else { format!("..{end}") };
    };
    match precision {
        "year" => y.to_owned(),
        "quarter" => format!("{y}-Q{}", (m.parse::<u32>().unwrap_or(1) - 1) / 3 + 1),
        "month" => format!("{y}-{m}"),
        "day" if end.is_empty() && start.len() == 10 => format!("{start}.."),
        _ if end.is_empty() || end == start => start.get(..10).unwrap_or(start).to_owned(),
        _ if end.get(..4) == Some(y) => {
            format!("{}..{}", start.get(..10).unwrap_or(start), end.get(5..10).unwrap_or(end))
        }
        _ => format!("{}..{}", start.get(..10).unwrap_or(start), end.get(..10).unwrap_or(end)),
    }
}

pub(crate) fn show(view: &ItemView, format: ShowFormat) -> Result<(), Failure> {
    let (h, state) = (&view.entry.header, &view.entry.record.state);
    let history: Vec<Value> = view
        .history
        .iter()
        .map(|c| {
            json!({
                "hash": c.hash,
                "time": c.time,
                "signer": c.signer,
                "mechanism": c.mechanism,
                "verifies": c.verifies,
            })
        })
        .collect();
    match format {
        ShowFormat::Json => {
            let doc = json!({
                "item": export::export_item(&view.entry),
                "withdrawn": state.withdrawn,
                "who_may_see": describe_audience(h),
                "header_verifies": view.header_verifies,
                "history": history,
            });
            write(None, &(serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"))
        }
        ShowFormat::Text => {
            let mut out = String::new();
            let mut field = |name: &str, value: &str| out.push_str(&format!("{name:<14}{value}\n"));
            field("id", &h.id.to_string());
            field("kind", h.kind.as_str());
            field("title", &format!("{} [{}]", state.fields.title.value, state.fields.title.lang));
            field(
                "owner",
                &std::iter::once(&h.owner)
                    .chain(&h.co_owners)
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            let audience = if h.audience.is_empty() {
                String::new()
            } else {
                format!(
                    " (audience: {})",
                    h.audience.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ")
                )
            };
            field("label", &format!("{}{audience}", h.label));
            field("who may see", &describe_audience(h));
            field("revision", &state.revision.to_string());
            field("created", &state.created.to_rfc3339());
            field("updated", &state.updated.to_rfc3339());
            if state.withdrawn {
                field("withdrawn", "yes: hidden from mirrors and exports");
            }
            if let Some(s) = h.supersedes {
                field("supersedes", &s.to_string());
            }
            if let Some(e) = state.fields.embargo_until {
                field("embargo", &format!("reissued as clear at {}", e.to_rfc3339()));
            }
            out.push_str("fields\n");
            let fields = serde_json::to_value(&state.fields).unwrap_or_default();
            for (path, value) in export::flatten(&fields) {
                out.push_str(&format!("  {path}: {value}\n"));
            }
            let creator = view.entry.header.creator;
            out.push_str(&format!(
                "header        signed by {} ({}): {}\n",
                h.owner,
                creator.short(),
                if view.header_verifies { "verifies" } else { "DOES NOT VERIFY" }
            ));
            out.push_str("history\n");
            for c in &view.history {
                out.push_str(&format!(
                    "  {}  {:<8} {}  {}  {}\n",
                    c.time
                        .map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
                        .unwrap_or_else(|| "?".into()),
                    c.mechanism.as_ref().map_or("unknown", |m| m.as_str()),
                    c.signer.map_or("unsigned".to_owned(), |k| k.short()),
                    &c.hash[..12],
                    if c.verifies { "signature verifies" } else { "SIGNATURE DOES NOT VERIFY" }
                ));
            }
            write(None, &out)
        }
    }
}

pub(crate) fn inbox(entries: &[Entry]) -> Result<(), Failure> {
    let mut out = format!(
        "{:<8} {:<8} {:<8} {:<9} {:<9} {}\n",
        "ID", "FROM", "TO", "STATUS", "JOINT", "PROPOSAL"
    );
    for e in entries {
        let Some(p) = &e.record.state.fields.proposal else { continue };
        let joint = p.joint.map(|j| j.to_string()[..8].to_owned()).unwrap_or_default();
        let line = format!(
            "{:<8} {:<8} {:<8} {:<9} {:<9} {}",
            &e.header.id.to_string()[..8],
            e.header.owner.as_str(),
            p.to.as_str(),
            p.status.as_str(),
            joint,
            e.record.state.fields.title.value
        );
        out.push_str(&clip(&line, TABLE_WIDTH));
        out.push('\n');
        if let Some(note) = &p.note {
            out.push_str(&clip(&format!("         note: {note}"), TABLE_WIDTH));
            out.push('\n');
        }
    }
    if entries.is_empty() {
        out.push_str("(no proposals)\n");
    }
    write(None, &out)
}

/// The anchored authorities, certificates and revocations, after the roster's cards.
pub(crate) fn trust(trust: &liaison_node::api::TrustView) {
    let mut out = String::new();
    for a in &trust.authorities {
        out.push_str(&format!("\nauthority of {}: {}\n", a.mechanism, a.key));
    }
    if !trust.certificates.is_empty() {
        out.push_str(&format!(
            "\n{:<10} {:<7} {:<17} {:<20} {}\n",
            "CERTIFIED", "ROLE", "KEY", "NAME", "VALID"
        ));
    }
    for c in &trust.certificates {
        let until = c.not_after.map(|t| t.date_naive().to_string()).unwrap_or_default();
        let revoked = trust.revocations.iter().find(|r| r.key == c.key);
        let valid = match revoked {
            Some(r) => format!("REVOKED ({}) {}", r.reason, r.revoked_at.date_naive()),
            None => format!("{} .. {until}", c.not_before.date_naive()),
        };
        out.push_str(&format!(
            "{:<10} {:<7} {:<17} {:<20} {valid}\n",
            c.mechanism.as_str(),
            c.role.as_str(),
            format!("{}..", &c.key.to_string()[..14]),
            clip(c.name.as_deref().unwrap_or_default(), 20),
        ));
    }
    for r in trust.revocations.iter().filter(|r| !trust.certificates.iter().any(|c| c.key == r.key))
    {
        out.push_str(&format!(
            "revoked: {} of {} ({}) {}\n",
            r.key,
            r.mechanism,
            r.reason,
            r.revoked_at.date_naive()
        ));
    }
    if !out.is_empty() {
        let _ = write(None, &out);
    }
}

pub(crate) fn roster(cards: &[liaison_protocol::Card], own: &liaison_protocol::PublicKey) {
    let mut out =
        format!("{:<10} {:<7} {:<17} {:<20} {}\n", "MECHANISM", "ROLE", "KEY", "NAME", "ADDRESSES");
    for card in cards {
        let name = card.name.clone().unwrap_or_default();
        let name = if card.key == *own { format!("{name} (this node)") } else { name };
        out.push_str(&format!(
            "{:<10} {:<7} {:<17} {:<20} {}\n",
            card.mechanism.as_str(),
            card.role.as_str(),
            format!("{}..", &card.key.to_string()[..14]),
            clip(name.trim(), 20),
            card.addrs.join(" ")
        ));
    }
    let _ = write(None, &out);
}
