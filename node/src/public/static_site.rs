//! `liaison mirror export DIR`: the public site as static files (HTML, JSON, iCalendar, Atom)
//! for any web server or CDN. The same pages and documents as the live site, at the same paths;
//! filters become one page per country.

use std::path::Path;

use liaison_protocol::CountryCode;

use super::api::{provenance_json, public_json};
use super::feeds::atom;
use super::pages::{self, STYLE, country_body, home_body, item_page, list_body, page};
use super::{Filter, Refusal, Site};
use crate::{Error, export};

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

fn write(dir: &Path, path: &str, text: &str, written: &mut Written) -> Result<(), Error> {
    let target = dir.join(path);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    std::fs::write(&target, text).map_err(|e| Error::io(&target, e))?;
    written.files += 1;
    Ok(())
}

impl crate::Repo {
    /// Writes this node's public site into `dir` (`liaison mirror export`).
    ///
    /// # Errors
    /// If a file cannot be written or a record is corrupt.
    pub fn export_site(&self, dir: &Path) -> Result<Written, Error> {
        export(&Site::offline(self.store().read_only(), self.site_title()), dir)
    }
}

/// Writes the whole public site of `site` into `dir`.
///
/// # Errors
/// If a file cannot be written or a record is corrupt.
pub fn export(site: &Site, dir: &Path) -> Result<Written, Error> {
    let mut w = Written::default();
    let all = site.items(&Filter::default())?;
    w.items = all.len();
    write(
        dir,
        "index.html",
        &page(
            site,
            "Country visits, calls for input, sessions and reports",
            home_body(site, None).map_err(refusal)?,
        ),
        &mut w,
    )?;
    write(dir, "site.css", STYLE, &mut w)?;
    for list @ (kind, path, title) in pages::LISTS {
        let entries = site.items(&Filter { kind: Some(kind), ..Filter::default() })?;
        let body = list_body(list, &Filter::default(), &entries, None);
        write(dir, &format!("{}index.html", &path[1..]), &page(site, title, body), &mut w)?;
    }
    let mut countries: Vec<CountryCode> =
        all.iter().flat_map(|e| e.record.state.fields.all_countries()).collect();
    countries.sort();
    countries.dedup();
    for c in &countries {
        let body = country_body(site, *c, None).map_err(refusal)?;
        write(dir, &format!("countries/{c}/index.html"), &page(site, &c.name(), body), &mut w)?;
        let one = site.items(&Filter { country: Some(*c), ..Filter::default() })?;
        write(
            dir,
            &format!("countries/{c}/calendar.ics"),
            &export::to_ics(&one, &format!("{}: {}", site.title, c.name())),
            &mut w,
        )?;
    }
    for e in &all {
        let id = e.header.id;
        write(dir, &format!("items/{id}/index.html"), &item_page(site, e).0, &mut w)?;
        write(dir, &format!("items/{id}/provenance"), &pretty(&provenance_json(site, e)), &mut w)?;
        write(dir, &format!("api/v1/items/{id}"), &pretty(&public_json(e)), &mut w)?;
    }
    let items: Vec<serde_json::Value> = all.iter().map(public_json).collect();
    write(
        dir,
        "api/v1/items.json",
        &pretty(&serde_json::json!({"items": items, "next_cursor": null})),
        &mut w,
    )?;
    write(dir, "calendar.ics", &export::to_ics(&all, &site.title), &mut w)?;
    write(dir, "reports.atom", &atom(&site.title, &all), &mut w)?;
    let name = format!("{}: calls for input", site.title);
    write(dir, "deadlines.ics", &export::deadlines_ics(&all, &name), &mut w)?;
    Ok(w)
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}
