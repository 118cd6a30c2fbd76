//! The public site's feeds are read by parsers that share no code with it: the `ical` crate
//! and `feed-rs` always, Python's `icalendar` and `feedparser` where installed.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::mirror_support::*;
use crate::site_support::*;

const PYTHON_ICALENDAR: &str = r#"
import sys
from icalendar import Calendar
cal = Calendar.from_ical(sys.stdin.read())
assert str(cal.get("VERSION")) == "2.0" and cal.get("PRODID"), cal
for e in cal.walk("VEVENT"):
    assert e.get("UID") and e.get("DTSTAMP") and e.get("DTSTART") and e.get("SUMMARY"), e
    if e.get("DTEND"):
        assert type(e.decoded("DTSTART")) is type(e.decoded("DTEND")), e
        assert e.decoded("DTEND") > e.decoded("DTSTART"), e
print("\n".join(sorted(str(e.get("UID")) for e in cal.walk("VEVENT"))))
"#;

const PYTHON_FEEDPARSER: &str = r#"
import sys
import feedparser
d = feedparser.parse(sys.stdin.read())
assert not d.bozo, d.bozo_exception
assert d.version == "atom10", d.version
assert d.feed.get("title") and d.feed.get("id") and d.feed.get("updated_parsed"), d.feed
for e in d.entries:
    assert e.get("id") and e.get("title") and e.get("updated_parsed"), e
    assert any(l.get("rel") == "alternate" for l in e.links), e
    for l in e.links:
        if l.get("rel") == "enclosure":
            assert l.get("hreflang"), l
for e in d.entries:
    langs = ",".join(sorted(l["hreflang"] for l in e.links if l.get("rel") == "enclosure"))
    print(e.id + " " + langs)
"#;

/// The feeds, with and without filters, are read by parsers that share no code with the site:
/// the `ical` crate and `feed-rs` always, Python's `icalendar` and `feedparser` where installed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feeds_are_accepted_by_independent_parsers() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    let (py_icalendar, py_feedparser) = (python_has("icalendar"), python_has("feedparser"));
    for q in [
        "",
        "country=TN",
        "country=FR",
        "mechanism=achpr",
        "country=TN&mechanism=ohchr",
        "country=KP",
    ] {
        let suffix = if q.is_empty() { String::new() } else { format!("?{q}") };
        let (items, _) = api_items(mirror, q, 500).await;

        let answer = get(mirror, &format!("/calendar.ics{suffix}")).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert!(answer.content_type().starts_with("text/calendar"), "{answer:?}");
        let ics = answer.body;
        assert!(ics.lines().all(|l| l.len() <= 75 + 1), "lines folded at 75 octets");
        assert!(!ics.replace("\r\n", "").contains('\n'), "CRLF line endings");
        let expected = calendar_ids(&items);
        assert_eq!(ical_uids(&ics), expected, "calendar.ics{suffix}");
        if py_icalendar {
            let out = python(PYTHON_ICALENDAR, &ics).await;
            let uids: BTreeSet<String> =
                out.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect();
            assert_eq!(uids, expected, "Python's icalendar on calendar.ics{suffix}");
        }

        let answer = get(mirror, &format!("/reports.atom{suffix}")).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert!(answer.content_type().starts_with("application/atom+xml"), "{answer:?}");
        let atom = answer.body;
        let feed = feed_rs::parser::parse(atom.as_bytes())
            .unwrap_or_else(|e| panic!("feed-rs refuses reports.atom{suffix}: {e}\n{atom}"));
        assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
        assert!(feed.title.is_some() && feed.updated.is_some() && !feed.id.is_empty());
        let reports: BTreeMap<String, &Value> = items
            .iter()
            .filter(|i| i["kind"] == "report")
            .map(|i| (format!("urn:uuid:{}", i["id"].as_str().unwrap_or_default()), i))
            .collect();
        let mut expected_lines = BTreeSet::new();
        let got: BTreeSet<String> = feed.entries.iter().map(|e| e.id.clone()).collect();
        assert_eq!(got, reports.keys().cloned().collect(), "reports.atom{suffix} entries");
        for entry in &feed.entries {
            let item = reports[&entry.id];
            assert_eq!(
                entry.title.as_ref().map(|t| t.content.as_str()),
                item["fields"]["title"]["value"].as_str(),
                "title of {}",
                entry.id
            );
            assert!(entry.updated.is_some(), "{} has no updated", entry.id);
            let mut langs: Vec<String> = item["fields"]["report"]["files"]
                .as_array()
                .map(|files| {
                    files.iter().filter_map(|f| f["lang"].as_str().map(str::to_owned)).collect()
                })
                .unwrap_or_default();
            langs.sort();
            let mut hreflangs: Vec<String> = entry
                .links
                .iter()
                .filter(|l| l.rel.as_deref() == Some("enclosure"))
                .map(|l| {
                    l.href_lang
                        .clone()
                        .unwrap_or_else(|| panic!("{}: a file link without hreflang", entry.id))
                })
                .collect();
            hreflangs.sort();
            assert_eq!(hreflangs, langs, "{}: one link with hreflang per language file", entry.id);
            expected_lines.insert(format!("{} {}", entry.id, langs.join(",")));
        }
        if py_feedparser {
            let out = python(PYTHON_FEEDPARSER, &atom).await;
            let lines: BTreeSet<String> =
                out.lines().filter(|l| !l.is_empty()).map(|l| l.trim_end().to_owned()).collect();
            let expected: BTreeSet<String> =
                expected_lines.iter().map(|l| l.trim_end().to_owned()).collect();
            assert_eq!(lines, expected, "Python's feedparser on reports.atom{suffix}");
        }
    }
    // The filters filter: what the unfiltered feed holds is more than the TN feed.
    let all = ical_uids(&get_ok(mirror, "/calendar.ics").await);
    let tn = ical_uids(&get_ok(mirror, "/calendar.ics?country=TN").await);
    assert!(!tn.is_empty() && tn.is_subset(&all) && tn.len() < all.len(), "{tn:?} of {all:?}");
}

const PYTHON_FEED_IDENTITY: &str = r#"
import sys
import feedparser
d = feedparser.parse(sys.stdin.read())
assert not d.bozo, d.bozo_exception
selfs = [l["href"] for l in d.feed.links if l.get("rel") == "self"]
assert len(selfs) == 1, d.feed.links
print(d.feed.id)
print(d.feed.title)
print(selfs[0])
for e in d.entries:
    print(e.link)
"#;

/// What identifies a feed: its id, its title and its `self` link, and its entries' links.
struct Identity {
    id: String,
    title: String,
    self_link: String,
    entry_links: Vec<String>,
}

async fn identity(site: std::net::SocketAddr, path: &str) -> Identity {
    let atom = get_ok(site, path).await;
    let feed = feed_rs::parser::parse(atom.as_bytes())
        .unwrap_or_else(|e| panic!("feed-rs refuses {path}: {e}\n{atom}"));
    let self_links: Vec<String> = feed
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some("self"))
        .map(|l| l.href.clone())
        .collect();
    assert_eq!(self_links.len(), 1, "{path}: one self link: {self_links:?}");
    let entry_links = feed
        .entries
        .iter()
        .flat_map(|e| e.links.iter().filter(|l| l.rel.as_deref() == Some("alternate")))
        .map(|l| l.href.clone())
        .collect();
    Identity {
        id: feed.id,
        title: feed.title.map(|t| t.content).unwrap_or_default(),
        self_link: self_links[0].clone(),
        entry_links,
    }
}

/// Each filtered Atom feed has its own stable id, a title that says its filters in words, and
/// absolute links made from the site's configured address (`public_url`); a site without one
/// links from its root, with a URN for an id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_filtered_feed_has_its_own_id_title_and_absolute_links() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    let py_feedparser = python_has("feedparser");
    let filters = [
        ("", vec![]),
        ("country=TN", vec!["Tunisia"]),
        ("country=FR", vec!["France"]),
        ("mechanism=achpr", vec!["by achpr"]),
        ("country=TN&mechanism=ohchr", vec!["Tunisia", "by ohchr"]),
    ];
    let mut ids = BTreeSet::new();
    for (query, words) in &filters {
        let suffix = if query.is_empty() { String::new() } else { format!("?{query}") };
        let path = format!("/reports.atom{suffix}");
        let feed = identity(mirror, &path).await;
        let canonical = format!("{MIRROR_URL}{path}");
        assert_eq!(feed.id, canonical, "{path}: the id is the feed's canonical address");
        assert_eq!(feed.self_link, canonical, "{path}: self link");
        assert!(feed.title.starts_with("Reports"), "{path}: {}", feed.title);
        for word in words {
            assert!(feed.title.contains(word), "{path}: {:?} does not say {word}", feed.title);
        }
        if query.is_empty() {
            assert!(!feed.title.contains(" on ") && !feed.title.contains(" by "), "{}", feed.title);
        }
        assert!(!feed.entry_links.is_empty() || !query.is_empty(), "{path}: no entries");
        for link in &feed.entry_links {
            assert!(link.starts_with(&format!("{MIRROR_URL}/items/")), "{path}: {link}");
        }
        // Stable: the same id again, and the same with its filters in another order.
        assert_eq!(identity(mirror, &path).await.id, feed.id, "{path}: a second time");
        if query.contains('&') {
            let swapped: Vec<&str> = query.split('&').rev().collect();
            let other = identity(mirror, &format!("/reports.atom?{}", swapped.join("&"))).await;
            assert_eq!(other.id, feed.id, "{path}: filters in another order");
            assert_eq!(other.self_link, feed.self_link, "{path}: filters in another order");
        }
        if py_feedparser {
            let atom = get_ok(mirror, &path).await;
            let out = python(PYTHON_FEED_IDENTITY, &atom).await;
            let mut lines = out.lines();
            assert_eq!(lines.next(), Some(canonical.as_str()), "feedparser: id of {path}");
            assert_eq!(lines.next(), Some(feed.title.as_str()), "feedparser: title of {path}");
            assert_eq!(lines.next(), Some(canonical.as_str()), "feedparser: self of {path}");
            let links: Vec<&str> = lines.collect();
            assert_eq!(links, feed.entry_links, "feedparser: entry links of {path}");
        }
        assert!(ids.insert(feed.id.clone()), "{path}: the id {} is another feed's", feed.id);
    }
    // A site with no configured address: ids are URNs, one per filter set, links from the root.
    let member = fed.site(OHCHR);
    let mut urns = BTreeSet::new();
    for (query, _) in &filters {
        let suffix = if query.is_empty() { String::new() } else { format!("?{query}") };
        let feed = identity(member, &format!("/reports.atom{suffix}")).await;
        assert!(feed.id.starts_with("urn:liaison:feed:"), "{}", feed.id);
        assert_eq!(feed.self_link, format!("/reports.atom{suffix}"));
        assert!(
            feed.entry_links.iter().all(|l| l.starts_with("/items/")),
            "{:?}",
            feed.entry_links
        );
        assert!(urns.insert(feed.id.clone()), "{query}: the id {} is another feed's", feed.id);
    }
}
