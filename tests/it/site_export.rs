//! The static export (`liaison mirror export DIR`) stands alone on a server that ignores query
//! strings: every link of every page leads to a file it wrote, every file names its type, and
//! each country's and mechanism's feeds and lists hold its items only.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::mirror_support::*;
use crate::site_support::*;

/// The attributes of every tag of `html` (names in lower case, values with `&amp;` decoded), as
/// a browser's tokenizer reads them; panics on a tag that does not close or an attribute value
/// that is not quoted.
fn tags(html: &str, page: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if rest.starts_with("!--") {
            let end = rest.find("-->").unwrap_or_else(|| panic!("{page}: an unclosed comment"));
            rest = &rest[end + 3..];
            continue;
        }
        if rest.starts_with('!') || rest.starts_with('/') {
            let end = rest.find('>').unwrap_or_else(|| panic!("{page}: an unclosed tag"));
            rest = &rest[end + 1..];
            continue;
        }
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or_else(|| panic!("{page}: an unclosed tag"));
        let name = rest[..name_end].to_ascii_lowercase();
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()),
            "{page}: a '<' that opens no tag: {}",
            &rest[..rest.len().min(40)]
        );
        rest = &rest[name_end..];
        let mut attributes = Vec::new();
        loop {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix('>').or_else(|| rest.strip_prefix("/>")) {
                rest = after;
                break;
            }
            let end = rest
                .find(|c: char| c == '=' || c == '>' || c.is_whitespace())
                .unwrap_or_else(|| panic!("{page}: <{name}> does not close"));
            let attribute = rest[..end].to_ascii_lowercase();
            rest = &rest[end..];
            let value = if let Some(after) = rest.strip_prefix("=\"") {
                let close =
                    after.find('"').unwrap_or_else(|| panic!("{page}: <{name} {attribute}=\"..."));
                let value = after[..close].replace("&amp;", "&");
                rest = &after[close + 1..];
                value
            } else {
                assert!(!rest.starts_with('='), "{page}: <{name} {attribute}= unquoted");
                String::new()
            };
            attributes.push((attribute, value));
        }
        out.push((name, attributes));
    }
    out
}

/// The export's file that `link`, on the page at `page` (a path in the export), leads to, or
/// `None` for a link off the site.
fn target(page: &str, link: &str) -> Option<String> {
    if link.contains(':') || link.starts_with("//") {
        return None;
    }
    let link = link.split('#').next().unwrap_or_default();
    let mut parts: Vec<&str> = if link.starts_with('/') {
        Vec::new()
    } else {
        page.split('/')
            .collect::<Vec<_>>()
            .split_last()
            .map(|(_, d)| d.to_vec())
            .unwrap_or_default()
    };
    let segments: Vec<&str> = link.trim_start_matches('/').split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {}
            ".." => {
                parts.pop();
            }
            "" if i + 1 == segments.len() => parts.push("index.html"),
            "" => {}
            s => parts.push(s),
        }
    }
    if link.is_empty() {
        return Some(page.to_owned());
    }
    Some(parts.join("/"))
}

/// The country codes an item (API JSON) concerns, wherever its fields name one.
fn countries(item: &Value) -> BTreeSet<String> {
    let f = &item["fields"];
    let mut out: BTreeSet<String> = BTreeSet::new();
    let mut add = |v: &Value| out.extend(v.as_str().map(str::to_owned));
    for c in f["countries"].as_array().into_iter().flatten() {
        add(c);
    }
    add(&f["visit"]["country"]);
    for s in f["visit"]["sites"].as_array().into_iter().flatten() {
        add(&s["country"]);
    }
    add(&f["event"]["location"]["country"]);
    for c in f["contact"]["coverage_countries"].as_array().into_iter().flatten() {
        add(c);
    }
    out
}

fn mechanisms(item: &Value) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = item["co_owners"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str().map(str::to_owned))
        .collect();
    out.extend(item["owner"].as_str().map(str::to_owned));
    out
}

/// The item ids a feed or JSON list of the export holds, parsed by its own parser.
fn ids_in(path: &str, text: &str) -> BTreeSet<String> {
    let id = |s: &str| s.chars().take(36).collect::<String>();
    if path.ends_with(".ics") {
        ical_uids(text).iter().map(|uid| id(uid)).collect()
    } else if path.ends_with(".atom") {
        let feed = feed_rs::parser::parse(text.as_bytes())
            .unwrap_or_else(|e| panic!("feed-rs refuses {path}: {e}"));
        feed.entries.iter().map(|e| id(e.id.trim_start_matches("urn:uuid:"))).collect()
    } else {
        let json: Value =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{path}: not JSON: {e}"));
        json["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: no items"))
            .iter()
            .map(|i| i["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

/// The static export works with no server logic: every link and stylesheet of every page is a
/// file of the export (no query strings), every file has an extension or is a directory's
/// `index.html`, and the files of each country and each mechanism hold its items only, all of
/// those the live site's filter gives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_link_of_the_static_export_resolves_and_each_country_holds_its_own_items() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    let dir = tempfile::tempdir().expect("tempdir");
    let (files, items) = fed.export(MIRROR, dir.path()).await;
    let written = files_under(dir.path());
    assert_eq!(written.len(), files);
    assert_eq!(items, fed.public.len());

    for path in written.keys() {
        let name = path.rsplit('/').next().unwrap_or_default();
        assert!(name.contains('.'), "{path}: a file without an extension");
    }
    let mut dead = Vec::new();
    let mut linked = BTreeSet::new();
    for (page, html) in written.iter().filter(|(p, _)| p.ends_with(".html")) {
        for (tag, attributes) in tags(html, page) {
            for (attribute, value) in attributes {
                if !matches!(attribute.as_str(), "href" | "src" | "action") {
                    continue;
                }
                if value.starts_with('/') && value.contains('?') {
                    dead.push(format!("{page}: <{tag} {attribute}=\"{value}\"> has a query"));
                }
                let Some(file) = target(page, &value) else { continue };
                if written.contains_key(&file) {
                    linked.insert(file);
                } else {
                    dead.push(format!("{page}: <{tag} {attribute}=\"{value}\"> leads nowhere"));
                }
            }
        }
    }
    assert!(dead.is_empty(), "{} dead links:\n{}", dead.len(), dead.join("\n"));

    // The export's own copy of every item, to judge the files of each country by.
    let by_id: BTreeMap<String, Value> = written
        .iter()
        .filter(|(p, _)| p.starts_with("api/v1/items/") && p.ends_with(".json"))
        .map(|(_, text)| {
            let item: Value = serde_json::from_str(text).expect("an item's JSON");
            (item["id"].as_str().unwrap_or_default().to_owned(), item)
        })
        .collect();
    assert_eq!(by_id.len(), fed.public.len());

    let scopes: BTreeSet<(String, String)> = written
        .keys()
        .filter_map(|p| {
            let mut parts = p.split('/');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(scope @ ("countries" | "mechanisms")), Some(code), Some("index.html")) => {
                    Some((scope.to_owned(), code.to_owned()))
                }
                _ => None,
            }
        })
        .collect();
    assert!(scopes.contains(&("countries".to_owned(), "TN".to_owned())), "{scopes:?}");
    assert!(scopes.contains(&("mechanisms".to_owned(), "achpr".to_owned())), "{scopes:?}");
    for (scope, code) in &scopes {
        let key = if scope == "countries" { "country" } else { "mechanism" };
        let (live, _) = api_items(mirror, &format!("{key}={code}"), 500).await;
        let live_ids: BTreeSet<String> =
            live.iter().map(|i| i["id"].as_str().unwrap_or_default().to_owned()).collect();
        for file in ["calendar.ics", "deadlines.ics", "reports.atom", "items.json"] {
            let path = format!("{scope}/{code}/{file}");
            let text = written.get(&path).unwrap_or_else(|| panic!("{path} not written"));
            assert!(linked.contains(&path), "{path}: no page links it");
            let ids = ids_in(&path, text);
            for id in &ids {
                let item = by_id.get(id).unwrap_or_else(|| panic!("{path}: {id} is not exported"));
                let of = if scope == "countries" { countries(item) } else { mechanisms(item) };
                assert!(of.contains(code), "{path} holds {id}, which is of {of:?}");
            }
            let expected: BTreeSet<String> = match file {
                "calendar.ics" => calendar_ids(&live).iter().map(|u| u[..36].to_owned()).collect(),
                "items.json" => live_ids.clone(),
                "reports.atom" => live
                    .iter()
                    .filter(|i| i["kind"] == "report")
                    .map(|i| i["id"].as_str().unwrap_or_default().to_owned())
                    .collect(),
                _ => ids.iter().filter(|id| live_ids.contains(*id)).cloned().collect(),
            };
            assert_eq!(ids, expected, "{path}");
        }
        for (_, list, _) in [
            ("visits", "visits", ""),
            ("calendar", "calendar", ""),
            ("reports", "reports", ""),
            ("contacts", "contacts", ""),
        ] {
            let path = format!("{scope}/{code}/{list}/index.html");
            assert!(written.contains_key(&path), "{path} not written");
            assert!(linked.contains(&path), "{path}: no page links it");
        }
    }
    // Each country with public recommendations has their matrix, linked from its page, and
    // the matrix's JSON, linked from the matrix: exactly the live site's, with every public
    // recommendation of the country; a country without has neither.
    let mut with_recommendations = Vec::new();
    for (_, code) in scopes.iter().filter(|(scope, _)| scope == "countries") {
        let query = format!("kind=recommendation&country={code}");
        let (live, _) = api_items(mirror, &query, 500).await;
        let page = format!("countries/{code}/recommendations/index.html");
        let json = format!("api/v1/countries/{code}/recommendations.json");
        if live.is_empty() {
            assert!(!written.contains_key(&json), "{json} for a country without recommendations");
            continue;
        }
        with_recommendations.push(code.clone());
        assert!(linked.contains(&page), "{page}: no page links it");
        assert!(linked.contains(&json), "{json}: no page links it");
        let text = written.get(&json).unwrap_or_else(|| panic!("{json} not written"));
        let matrix: Value = serde_json::from_str(text).expect("the matrix's JSON");
        let path = format!("/api/v1/countries/{code}/recommendations");
        assert_eq!(matrix, get_json(mirror, &path).await, "{json}");
        let mut ids = BTreeSet::new();
        for theme in matrix["themes"].as_array().into_iter().flatten() {
            for cluster in theme["clusters"].as_array().into_iter().flatten() {
                for r in cluster["recommendations"].as_array().into_iter().flatten() {
                    ids.insert(r["id"].as_str().unwrap_or_default().to_owned());
                }
            }
        }
        let expected: BTreeSet<String> =
            live.iter().map(|i| i["id"].as_str().unwrap_or_default().to_owned()).collect();
        assert_eq!(ids, expected, "{json}");
        let html = &written[&page];
        for id in &expected {
            assert!(html.contains(&format!("href=\"/items/{id}/\"")), "{page} lacks {id}");
        }
    }
    assert!(with_recommendations.contains(&"TN".to_owned()), "{with_recommendations:?}");

    // Provenance is JSON and says so.
    for id in fed.public.keys() {
        let path = format!("items/{id}/provenance.json");
        let text = written.get(&path).unwrap_or_else(|| panic!("{path} not written"));
        let json: Value = serde_json::from_str(text).expect("provenance JSON");
        assert_eq!(json["id"].as_str(), Some(id.to_string().as_str()), "{path}");
        assert!(linked.contains(&path), "{path}: its item's page does not link it");
    }
}
