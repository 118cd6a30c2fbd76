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
