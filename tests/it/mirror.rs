//! The public site of a mirror, over real HTTP on 127.0.0.1, in a federation with every label
//! in use: nothing restricted shows anywhere, the feeds parse with independent parsers,
//! `liaison verify` checks the provenance it serves, withdrawn and reissued items behave, and
//! bad, writing, oversized and stalled requests are refused.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use liaison_node::Query;
use liaison_node::api::{Request, Response};
use liaison_node::digest::Audience;
use liaison_node::export::ExportFormat;
use liaison_protocol::{ItemId, Label, Provenance, VisitPatch};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::fed_support::{DEADLINE, eventually};
use crate::mirror_support::{
    Answer, Fed, MIRROR, OHCHR, PUBLIC, RESTRICTED_COUNTRIES, api_items, crawl, files_under, get,
    get_json, get_ok, leaks, marked_drafts_with, python, python_has, readable, request,
};
use crate::support::{base64_decode, base64_encode, liaison_bin};

/// Paths that answer for one item.
fn item_paths(id: &str) -> [String; 3] {
    [format!("/items/{id}/"), format!("/items/{id}/provenance"), format!("/api/v1/items/{id}")]
}

/// Ids that were never issued, well-formed and not.
fn unknown_ids() -> [String; 2] {
    [ItemId::from_random_bytes([0x5a; 16]).to_string(), "not-an-item-id".to_owned()]
}

/// Everything the site at `addr` serves that a reader could ask for: every page reachable from
/// the home page, every item's page, provenance and API document for `ids`, the API followed
/// through its cursor with and without filters, the feeds with and without filters, country
/// pages of restricted-only countries, `/metrics` and `/healthz`.
async fn outputs(addr: SocketAddr, ids: &BTreeSet<ItemId>) -> BTreeMap<String, Answer> {
    let mut out = crawl(addr).await;
    for id in ids {
        for path in item_paths(&id.to_string()) {
            out.insert(path.clone(), get(addr, &path).await);
        }
    }
    let mut countries: Vec<&str> = vec!["TN", "FR", "SN", "CO", "VE", "GM", "CH", "US"];
    countries.extend(RESTRICTED_COUNTRIES);
    let mechanisms = ["ohchr", "achpr", "coe", "iachr", "ngo-watch"];
    let mut queries: Vec<String> = vec![String::new()];
    queries.extend(countries.iter().map(|c| format!("country={c}")));
    queries.extend(mechanisms.iter().map(|m| format!("mechanism={m}")));
    queries.push("country=TN&mechanism=ohchr".into());
    for q in &queries {
        for path in ["/calendar.ics", "/reports.atom", "/visits/", "/calendar/", "/reports/"] {
            let path = if q.is_empty() { path.to_owned() } else { format!("{path}?{q}") };
            out.insert(path.clone(), get(addr, &path).await);
        }
        let (items, pages) = api_items(addr, q, 1).await;
        let ids: BTreeSet<&str> = items.iter().filter_map(|i| i["id"].as_str()).collect();
        assert_eq!(ids.len(), items.len(), "the API repeated an item across pages ({q})");
        let (whole, _) = api_items(addr, q, 500).await;
        assert_eq!(items, whole, "paging one by one ({pages} pages) differs from one page ({q})");
        out.insert(
            format!("/api/v1/items?{q} (all {pages} pages)"),
            Answer {
                status: 200,
                headers: Vec::new(),
                body: serde_json::to_string(&items).expect("json"),
            },
        );
    }
    for kind in ["event", "visit", "report", "contact"] {
        let (items, _) =
            api_items(addr, &format!("kind={kind}&from=2000-01-01&to=2100-01-01"), 2).await;
        out.insert(
            format!("/api/v1/items?kind={kind}"),
            Answer {
                status: 200,
                headers: Vec::new(),
                body: serde_json::to_string(&items).expect("json"),
            },
        );
    }
    for c in RESTRICTED_COUNTRIES {
        let path = format!("/countries/{c}/");
        out.insert(path.clone(), get(addr, &path).await);
    }
    for path in ["/metrics", "/healthz", "/contacts/"] {
        out.insert(path.to_owned(), get(addr, path).await);
    }
    out
}

/// Rule 1 on the public site: no item that is not `clear`, nor any of its fields, ids or
/// countries, shows in anything the mirror serves or exports; the same on a member that
/// serves the site with restricted items in its own store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_restricted_shows_in_any_output_of_the_public_site() {
    let fed = Fed::start().await;
    let all = fed.all_ids().await;
    assert!(all.is_superset(&fed.restricted), "every restricted item is on some node");
    assert!(fed.restricted.len() >= 25 && fed.public.len() >= 10, "{fed:?}");
    let mirror_ids = fed.net[MIRROR].ids().await;
    assert_eq!(mirror_ids, fed.public.keys().copied().collect(), "the mirror holds clear only");
    let ohchr_entries = fed.net[OHCHR].entries().await;
    let ohchr_restricted = ohchr_entries.keys().filter(|id| fed.restricted.contains(id)).count();
    assert!(ohchr_restricted >= 20, "ohchr's store holds restricted items: {ohchr_restricted}");
    // A plain export is for ohchr's own people: everything but red, which never leaves.
    let exportable = ohchr_entries
        .iter()
        .filter(|(id, e)| fed.restricted.contains(id) && e.header.label != Label::Red)
        .count();

    // The detector finds restricted content where it is: in ohchr's own (member) exports.
    for format in [ExportFormat::Json, ExportFormat::Ics, ExportFormat::Csv] {
        let request = Request::Export { query: Query::default(), audience: Audience::Own, format };
        let Response::Text(text) = fed.net[OHCHR].request(request).await else { panic!("export") };
        let found = leaks(&text, &fed.restricted, &fed.secrets);
        assert!(found.iter().any(|l| l.starts_with("marker")), "{format:?}: {found:?}");
        if format != ExportFormat::Ics {
            let ids = found.iter().filter(|l| l.starts_with("restricted item id")).count();
            assert_eq!(ids, exportable, "{format:?}: every exportable restricted id is found");
        }
    }

    let mut problems = Vec::new();
    for (name, node) in [("mirror", MIRROR), ("ohchr member site", OHCHR)] {
        let addr = fed.site(node);
        let out = outputs(addr, &all).await;
        for (path, answer) in &out {
            assert!(answer.status < 500, "{name} {path}: {answer:?}");
            for leak in leaks(&answer.body, &fed.restricted, &fed.secrets) {
                problems.push(format!("{name} GET {path}: {leak}"));
            }
        }
        // The checks look where items are: every public item shows, its markers too.
        let everything: String = out.values().map(|a| readable(&a.body)).collect();
        for kind in ["visit", "event", "report", "contact"] {
            assert!(
                everything.contains(&format!("{PUBLIC}clear{kind}")),
                "{name}: no public {kind}"
            );
        }
        let (api, _) = api_items(addr, "", 500).await;
        let served: BTreeSet<String> =
            api.iter().filter_map(|i| i["id"].as_str().map(str::to_owned)).collect();
        let public: BTreeSet<String> = fed.public.keys().map(ToString::to_string).collect();
        assert_eq!(served, public, "{name}: the API serves exactly the clear items");
        for item in &api {
            assert_eq!(item["label"], "clear", "{name}: {item}");
            assert!(item.get("provenance").is_none(), "{name}: the API item carries provenance");
        }

        // Each item: a public one is served; any other answers exactly like an id never issued.
        let never = unknown_ids();
        for id in &all {
            for (path, never_path) in item_paths(&id.to_string()).iter().zip(item_paths(&never[0]))
            {
                let answer = &out[path];
                if let Some(title) = fed.public.get(id) {
                    assert_eq!(answer.status, 200, "{name} {path}: {answer:?}");
                    if path.ends_with('/') {
                        assert!(
                            answer.body.contains(&maud_escape(title)),
                            "{name} {path}: no title"
                        );
                    }
                    continue;
                }
                assert_eq!(answer.status, 404, "{name} {path}: {answer:?}");
                for unknown in [never_path, item_paths(&never[1])[0].clone()] {
                    let other = get(addr, &unknown).await;
                    assert_eq!(
                        answer.comparable(),
                        other.comparable(),
                        "{name}: {path} (not public) answers unlike {unknown} (no such item)"
                    );
                }
            }
        }

        // Countries only restricted items concern: not listed, and their pages are empty.
        let home = &out["/"];
        for c in RESTRICTED_COUNTRIES {
            assert!(!home.body.contains(&format!("/countries/{c}/")), "{name}: home lists {c}");
            let page = &out[&format!("/countries/{c}/")];
            assert_eq!(page.status, 200, "{name} /countries/{c}/");
            assert!(!page.body.contains("href=\"/items/"), "{name} /countries/{c}/ lists items");
        }
        let linked: Vec<&String> = out.keys().filter(|p| p.starts_with("/countries/")).collect();
        assert!(linked.len() > RESTRICTED_COUNTRIES.len(), "{name}: no country linked from home");

        // Metrics count public items only, by kind, under label="clear".
        let metrics = &out["/metrics"].body;
        let mut counted = 0;
        for line in metrics.lines().filter(|l| l.starts_with("liaison_public_items{")) {
            assert!(line.contains("label=\"clear\""), "{name} /metrics: {line}");
            counted +=
                line.rsplit(' ').next().and_then(|n| n.parse::<usize>().ok()).expect("value");
        }
        assert_eq!(counted, fed.public.len(), "{name} /metrics:\n{metrics}");
        for word in ["green", "amber", "amber-strict", "red"] {
            assert!(!metrics.contains(&format!("label=\"{word}\"")), "{name} /metrics: {word}");
        }

        // The static export: every file.
        let dir = tempfile::tempdir().expect("tempdir");
        let (files, items) = fed.export(node, dir.path()).await;
        assert_eq!(items, fed.public.len(), "{name}: static export items");
        let written = files_under(dir.path());
        assert_eq!(written.len(), files, "{name}: files said and written");
        for (path, text) in &written {
            for leak in leaks(text, &fed.restricted, &fed.secrets) {
                problems.push(format!("{name} static export {path}: {leak}"));
            }
        }
        for id in fed.public.keys() {
            assert!(
                written.contains_key(&format!("items/{id}/index.html")),
                "{name}: {id} not exported"
            );
        }
        for c in RESTRICTED_COUNTRIES {
            assert!(
                !written.keys().any(|p| p.starts_with(&format!("countries/{c}/"))),
                "{name}: exported {c}"
            );
        }
        let exported: String = written.values().map(|t| readable(t)).collect();
        assert!(exported.contains(PUBLIC), "{name}: the export holds no public item");
    }
    assert!(problems.is_empty(), "restricted content is public:\n{}", problems.join("\n"));
}

/// How maud writes `text` in HTML.
fn maud_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The iCalendar feed's VEVENT UIDs, as the `ical` crate reads them; it also checks the
/// calendar's required properties.
fn ical_uids(ics: &str) -> BTreeSet<String> {
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()));
    let calendar = parser.next().expect("one calendar").expect("the ical crate parses the feed");
    assert!(parser.next().is_none(), "one VCALENDAR");
    let prop = |name: &str| {
        calendar.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone())
    };
    assert_eq!(prop("VERSION").as_deref(), Some("2.0"));
    assert_eq!(prop("METHOD").as_deref(), Some("PUBLISH"));
    assert!(prop("PRODID").is_some() && prop("X-WR-CALNAME").is_some());
    calendar
        .events
        .iter()
        .map(|e| {
            let value = |name: &str| {
                e.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone())
            };
            for required in ["UID", "DTSTAMP", "DTSTART", "SUMMARY", "STATUS", "SEQUENCE"] {
                assert!(value(required).is_some(), "VEVENT without {required}: {e:?}");
            }
            value("UID").unwrap_or_default()
        })
        .collect()
}

/// The ids the iCalendar feed should hold among `items` (API JSON): events, and visits with
/// exact days.
fn calendar_ids(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .filter(|i| {
            let f = &i["fields"];
            f.get("event").is_some()
                || f["visit"].get("actual").is_some()
                || f["visit"]["planned"]["precision"] == "day"
        })
        .map(|i| format!("{}@liaison", i["id"].as_str().unwrap_or_default()))
        .collect()
}

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
    let (py_icalendar, py_feedparser) =
        (python_has("icalendar").await, python_has("feedparser").await);
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

/// Serves `bodies` by path on 127.0.0.1, as a web server holding copies of provenance would.
async fn serve_copies(bodies: BTreeMap<String, String>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let bodies = bodies.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head);
                let path = text.split(' ').nth(1).unwrap_or_default();
                let answer = match bodies.get(path) {
                    Some(body) => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    ),
                    None => {
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_owned()
                    }
                };
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    addr
}

/// Runs `liaison verify URL`.
async fn verify(url: &str) -> (i32, String, String) {
    let out = tokio::process::Command::new(liaison_bin())
        .args(["verify", url])
        .env_remove("LIAISON_DIR")
        .output()
        .await
        .expect("run liaison verify");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn flip_hex_byte(hex: &str, at: usize) -> String {
    let byte = u8::from_str_radix(&hex[2 * at..2 * at + 2], 16).expect("hex") ^ 0x01;
    format!("{}{byte:02x}{}", &hex[..2 * at], &hex[2 * at + 2..])
}

/// `liaison verify URL` accepts the provenance the mirror serves, signed by the node that
/// wrote the item, and refuses a copy with one byte changed: in the header, in the document,
/// in a change's signature or in the header's signature.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liaison_verify_accepts_the_mirrors_provenance_and_refuses_any_changed_byte() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    let ohchr_key = fed.net[OHCHR].key().to_string();
    let (id, _) = fed
        .public
        .iter()
        .find(|(_, title)| title.as_str() == "SR on torture: visit to Tunisia")
        .expect("the sample Tunisia visit");
    let url = format!("http://{mirror}/items/{id}/provenance");
    let (code, stdout, stderr) = verify(&url).await;
    assert_eq!(code, 0, "verify {url}: {stdout}{stderr}");
    assert!(stdout.starts_with("verified: visit"), "{stdout}");
    assert!(stdout.contains(&id.to_string()) && stdout.contains("owned by ohchr"), "{stdout}");
    assert!(stdout.contains(&format!("header signed by {ohchr_key}")), "{stdout}");

    let genuine = get_json(mirror, &format!("/items/{id}/provenance")).await;
    assert_eq!(genuine["creator"], ohchr_key.as_str(), "{genuine}");
    let p = &genuine["provenance"];
    let field = |name: &str| p[name].as_str().expect(name).to_owned();
    let mut copies: BTreeMap<String, Value> = BTreeMap::new();
    copies.insert("/genuine-copy".into(), genuine.clone());

    let mut header = base64_decode(&field("header"));
    let at = header.windows(5).position(|w| w == b"ohchr").expect("the owner in the header");
    header[at + 4] = b's';
    let mut copy = genuine.clone();
    copy["provenance"]["header"] = base64_encode(&header).into();
    copies.insert("/header-byte".into(), copy);

    let document = base64_decode(&field("document"));
    for (name, at) in
        [("/document-byte-middle", document.len() / 2), ("/document-byte-last", document.len() - 1)]
    {
        let mut changed = document.clone();
        changed[at] ^= 0x01;
        let mut copy = genuine.clone();
        copy["provenance"]["document"] = base64_encode(&changed).into();
        copies.insert(name.into(), copy);
    }

    let mut copy = genuine.clone();
    let sig =
        copy["provenance"]["signatures"][0]["signature"].as_str().expect("signature").to_owned();
    copy["provenance"]["signatures"][0]["signature"] = flip_hex_byte(&sig, 10).into();
    copies.insert("/change-signature-byte".into(), copy);

    let mut copy = genuine.clone();
    copy["provenance"]["header_signature"] = flip_hex_byte(&field("header_signature"), 63).into();
    copies.insert("/header-signature-byte".into(), copy);

    let server =
        serve_copies(copies.iter().map(|(k, v)| (k.clone(), v.to_string())).collect()).await;
    for path in copies.keys() {
        let url = format!("http://{server}{path}");
        let (code, stdout, stderr) = verify(&url).await;
        if path == "/genuine-copy" {
            assert_eq!(code, 0, "verify {url} (unchanged copy): {stdout}{stderr}");
        } else {
            assert_eq!(code, 2, "verify {url} must refuse it: {stdout}{stderr}");
            eprintln!("verify {path}: {}", stderr.trim());
            assert!(!stdout.contains("verified"), "{path}: {stdout}");
            assert_eq!(stderr.trim().lines().count(), 1, "{path}: one line: {stderr}");
        }
    }
}

/// Waits until `path` on `addr` answers `status`.
async fn until_status(addr: SocketAddr, path: &str, status: u16) {
    eventually(DEADLINE, || async {
        let answer = get(addr, path).await;
        if answer.status == status { Ok(()) } else { Err(format!("{path}: {}", answer.status)) }
    })
    .await;
}

/// A withdrawn item leaves every output of the mirror (pages, API, feeds, static export), and
/// so does a clear item reissued under a narrower label; an item reissued as `clear` arrives
/// with a history of one change, none of its restricted drafts, and the old id is not found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawn_items_leave_the_mirror_and_reissued_ones_arrive_with_a_fresh_history() {
    let fed = Fed::start().await;
    let (mirror, member) = (fed.mirror(), fed.site(OHCHR));
    let ohchr = &fed.net[OHCHR];
    let mut gone = Vec::new();
    for draft in marked_drafts_with("zzwithdrawn", Label::Clear, &[]) {
        gone.push(ohchr.create(draft).await);
    }
    let narrowed = marked_drafts_with("zznarrowed", Label::Clear, &[]).swap_remove(0);
    let narrowed = ohchr.create(narrowed).await;
    gone.push(narrowed);
    for id in &gone {
        until_status(mirror, &format!("/api/v1/items/{id}"), 200).await;
    }
    // Before: they show everywhere they should.
    let before: String = crawl(mirror).await.values().map(|a| readable(&a.body)).collect();
    let feeds =
        readable(&(get_ok(mirror, "/calendar.ics").await + &get_ok(mirror, "/reports.atom").await));
    for marker in [
        "zzwithdrawnclearvisit",
        "zzwithdrawnclearevent",
        "zzwithdrawnclearreport",
        "zzwithdrawnclearcontact",
        "zznarrowedclearvisit",
    ] {
        assert!(before.contains(marker), "{marker} not on the mirror before");
    }
    for marker in ["zzwithdrawnclearvisit", "zzwithdrawnclearevent", "zzwithdrawnclearreport"] {
        assert!(feeds.contains(marker), "{marker} not in the feeds before");
    }

    for id in &gone[..4] {
        let answer = ohchr.request(Request::Withdraw { id: *id }).await;
        assert!(matches!(answer, Response::Withdrawn(true)), "{answer:?}");
    }
    let answer = ohchr
        .request(Request::Reissue { id: narrowed, label: Label::AmberStrict, audience: Vec::new() })
        .await;
    let Response::Id(narrowed_new) = answer else { panic!("reissue answered {answer:?}") };

    // A restricted draft, edited, then reissued as clear.
    // Only the title and the mandate carry the draft marker; the edit replaces both, so the
    // draft marker lives only in the old, restricted history.
    let mut draft = marked_drafts_with("zzreissued", Label::Amber, &["achpr"]).swap_remove(0);
    draft.fields.title.value = "zzdraftreissue title".into();
    let visit = draft.fields.visit.as_mut().expect("visit");
    visit.programme.clear();
    visit.notes = None;
    visit.mandate = "zzdraftreissue mandate".into();
    let old = ohchr.create(draft).await;
    let patch = VisitPatch {
        title: Some("Reissued visit to Senegal".into()),
        mandate: Some("SR on the right to education".into()),
        ..VisitPatch::default()
    };
    let answer = ohchr.request(Request::UpdateVisit { id: old, patch }).await;
    assert!(matches!(answer, Response::Updated(Some(1))), "{answer:?}");
    assert_eq!(ohchr.view(old).await.history.len(), 2, "the draft has two changes");
    let answer = ohchr
        .request(Request::Reissue { id: old, label: Label::Clear, audience: Vec::new() })
        .await;
    let Response::Id(new) = answer else { panic!("reissue answered {answer:?}") };

    until_status(mirror, &format!("/api/v1/items/{new}"), 200).await;
    for id in &gone {
        until_status(mirror, &format!("/api/v1/items/{id}"), 404).await;
    }
    fed.net.quiesce().await;

    // The reissued item: one change, by ohchr, superseding the old id, with the final fields.
    let prov = get_json(mirror, &format!("/items/{new}/provenance")).await;
    let provenance: Provenance =
        serde_json::from_value(prov["provenance"].clone()).expect("provenance");
    let checked = provenance.check().expect("the reissued item's provenance checks");
    assert_eq!(checked.changes.len(), 1, "a fresh history of one change: {:?}", checked.changes);
    assert_eq!(checked.header.supersedes, Some(old));
    assert_eq!(checked.header.label, Label::Clear);
    assert_eq!(checked.changes[0].1, fed.net[OHCHR].key());
    let document = base64_decode(&provenance.document);
    assert!(
        !readable(&String::from_utf8_lossy(&document)).contains("zzdraftreissue"),
        "draft text in the document"
    );
    let item = get_json(mirror, &format!("/api/v1/items/{new}")).await;
    assert_eq!(item["fields"]["title"]["value"], "Reissued visit to Senegal");
    assert_eq!(item["supersedes"], old.to_string());
    let (code, stdout, stderr) = verify(&format!("http://{mirror}/items/{new}/provenance")).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains(" 1 changes "), "{stdout}");

    // Gone from every output of the mirror and of the member's site, and from their exports.
    // The old id may show as the new item's `supersedes` (its signed header names it), but
    // the old item itself is not found: checked below with the others.
    let mut hidden: BTreeSet<ItemId> = gone.iter().copied().collect();
    hidden.insert(narrowed_new);
    let secrets: BTreeSet<String> =
        ["zzwithdrawn", "zznarrowed", "zzdraftreissue"].map(String::from).into();
    let mut all = fed.all_ids().await;
    all.extend(&hidden);
    let never = get(mirror, &item_paths(&unknown_ids()[0])[1]).await;
    let mut problems = Vec::new();
    for (name, node, addr) in [("mirror", MIRROR, mirror), ("ohchr member site", OHCHR, member)] {
        let out = outputs(addr, &all).await;
        for (path, answer) in &out {
            for leak in leaks(&answer.body, &hidden, &secrets) {
                problems.push(format!("{name} GET {path}: {leak}"));
            }
        }
        for id in hidden.iter().chain([&old]) {
            for path in item_paths(&id.to_string()) {
                assert_eq!(out[&path].status, 404, "{name} {path}");
            }
            let answer = &out[&format!("/items/{id}/provenance")];
            assert_eq!(
                answer.comparable(),
                never.comparable(),
                "{name}: {id} answers unlike a missing item"
            );
        }
        assert!(
            out.values().any(|a| readable(&a.body).contains("reissued visit to senegal")),
            "{name}"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        fed.export(node, dir.path()).await;
        let written = files_under(dir.path());
        for (path, text) in &written {
            for leak in leaks(text, &hidden, &secrets) {
                problems.push(format!("{name} static export {path}: {leak}"));
            }
        }
        assert!(
            written.contains_key(&format!("items/{new}/index.html")),
            "{name}: reissued item not exported"
        );
    }
    assert!(
        problems.is_empty(),
        "withdrawn or superseded content is public:\n{}",
        problems.join("\n")
    );
}

/// Checks that `path` answers 400 with a plain-text message naming `value`.
async fn refused(addr: SocketAddr, path: &str, value: &str, problems: &mut Vec<String>) {
    let answer = get(addr, path).await;
    if answer.status != 400 {
        problems.push(format!(
            "GET {path}: {} instead of 400: {}",
            answer.status,
            answer.body.trim()
        ));
    } else if !answer.body.contains(value) {
        problems.push(format!(
            "GET {path}: the message does not name {value:?}: {}",
            answer.body.trim()
        ));
    } else if !answer.content_type().starts_with("text/plain") {
        problems.push(format!("GET {path}: content type {}", answer.content_type()));
    }
}

/// The API's and the feeds' answers are kept until the store changes: a repeated request gets
/// the same answer, and a client that accepts gzip gets it gzipped, the same once unzipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_answers_are_the_same_gzipped_or_not() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    for path in [
        "/api/v1/items?limit=500",
        "/api/v1/items?country=TN&limit=1",
        "/calendar.ics",
        "/calendar.ics?country=TN",
        "/reports.atom",
    ] {
        let made = get(mirror, path).await;
        let kept = get(mirror, path).await;
        assert_eq!(made.status, 200, "GET {path}: {made:?}");
        assert_eq!(made.comparable(), kept.comparable(), "GET {path}: the kept answer differs");
        assert_eq!(made.header("vary"), Some("accept-encoding"), "GET {path}");
        assert_eq!(made.header("content-encoding"), None, "GET {path}");
        let zipped = request(mirror, "GET", path, "Accept-Encoding: gzip, br\r\n", b"")
            .await
            .unwrap_or_else(|e| panic!("GET {path} with gzip: {e}"));
        assert_eq!(zipped.body, made.body, "GET {path} with gzip: another answer");
        let length = |a: &Answer| a.header("content-length").and_then(|l| l.parse::<usize>().ok());
        if made.body.len() >= 1024 {
            assert_eq!(zipped.header("content-encoding"), Some("gzip"), "GET {path}");
            assert!(length(&zipped) < length(&made), "GET {path}: gzip is not smaller");
        }
    }
}

/// Unknown parameters and malformed values get 400 with a message naming them; valid edge
/// values (lower case, empty) are accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_query_parameters_are_refused_with_a_message_naming_them() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    let mut problems = Vec::new();
    let lists = ["/visits/", "/calendar/", "/reports/", "/contacts/", "/api/v1/items"];
    let feeds = ["/calendar.ics", "/reports.atom"];
    for path in lists.iter().chain(&feeds) {
        refused(mirror, &format!("{path}?bogus=1"), "bogus", &mut problems).await;
        refused(mirror, &format!("{path}?country=XX"), "XX", &mut problems).await;
        refused(mirror, &format!("{path}?mechanism=NOT%20A%20CODE"), "NOT A CODE", &mut problems)
            .await;
        refused(mirror, &format!("{path}?country=TN&country=FR"), "country", &mut problems).await;
    }
    for path in &lists {
        refused(mirror, &format!("{path}?from=notadate"), "notadate", &mut problems).await;
        refused(mirror, &format!("{path}?to=2027-13-45"), "2027-13-45", &mut problems).await;
    }
    for path in ["/visits/", "/calendar/"] {
        refused(mirror, &format!("{path}?kind=visit"), "kind", &mut problems).await;
    }
    for limit in ["0", "501", "-1", "ten"] {
        refused(
            mirror,
            &format!("/api/v1/items?limit={limit}"),
            &format!("'{limit}'"),
            &mut problems,
        )
        .await;
    }
    for cursor in ["garbage", "2027-01-01_nope", "notadate_5a5a5a5a-5a5a-4a5a-9a5a-5a5a5a5a5a5a"] {
        refused(mirror, &format!("/api/v1/items?cursor={cursor}"), cursor, &mut problems).await;
    }
    refused(mirror, "/api/v1/items?kind=spaceship", "spaceship", &mut problems).await;
    let huge = "99999999999999999999999";
    refused(mirror, &format!("/api/v1/items?limit={huge}"), huge, &mut problems).await;
    for path in ["/visits/?country=%FF", "/api/v1/items?country=%FF", "/calendar.ics?country=%FF"] {
        let answer = get(mirror, path).await;
        if answer.status != 400 {
            problems.push(format!(
                "GET {path}: {} instead of 400: {}",
                answer.status,
                answer.body.trim()
            ));
        }
    }
    for path in [
        "/visits/?country=tn",
        "/visits/?country=",
        "/api/v1/items?country=tn&limit=500",
        "/calendar.ics?country=tn",
    ] {
        let answer = get(mirror, path).await;
        if answer.status != 200 {
            problems.push(format!(
                "GET {path}: {} instead of 200: {}",
                answer.status,
                answer.body.trim()
            ));
        }
    }
    assert!(problems.is_empty(), "bad input not refused as it should be:\n{}", problems.join("\n"));
}

/// The site writes nothing: every method but GET and HEAD, on every route, is refused with
/// 405 or 404, and nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_methods_are_refused_on_every_route() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    let id = fed.public.keys().next().expect("a public item").to_string();
    let before = get_ok(mirror, "/api/v1/items?limit=500").await;
    let routes = [
        "/".to_owned(),
        "/visits/".into(),
        "/calendar/".into(),
        "/reports/".into(),
        "/contacts/".into(),
        "/countries/TN/".into(),
        format!("/items/{id}/"),
        format!("/items/{id}/provenance"),
        "/api/v1/items".into(),
        format!("/api/v1/items/{id}"),
        "/calendar.ics".into(),
        "/reports.atom".into(),
        "/healthz".into(),
        "/metrics".into(),
        "/no/such/route".into(),
    ];
    let body = br#"{"title":"written through the mirror"}"#;
    let mut problems = Vec::new();
    for route in &routes {
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            let extra = "Content-Type: application/json\r\n";
            match request(mirror, method, route, extra, body).await {
                Ok(a) if a.status == 404 || a.status == 405 => {}
                Ok(a) => problems.push(format!("{method} {route}: {} {}", a.status, a.body.trim())),
                Err(e) => problems.push(format!("{method} {route}: no answer: {e}")),
            }
        }
    }
    assert!(problems.is_empty(), "write methods not refused:\n{}", problems.join("\n"));
    assert_eq!(get_ok(mirror, "/api/v1/items?limit=500").await, before, "the mirror changed");
}

/// Oversized requests (a large body, a large header block, a long URL) are refused, not
/// served, and the site keeps answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_requests_are_refused() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    let big_body = vec![b'x'; 2 * 1024 * 1024];
    let mut problems = Vec::new();
    let mut check = |what: &str, answer: Result<Answer, String>| match answer {
        Ok(a) if (200..300).contains(&a.status) => {
            problems.push(format!("{what}: served with {}", a.status));
        }
        Ok(a) => eprintln!("{what}: refused with {}", a.status),
        Err(e) => eprintln!("{what}: connection closed without an answer ({e})"),
    };
    check("POST with a 2 MiB body", request(mirror, "POST", "/api/v1/items", "", &big_body).await);
    check("GET with a 2 MiB body", request(mirror, "GET", "/api/v1/items", "", &big_body).await);
    let headers: String =
        (0..4096).map(|i| format!("X-Filler-{i}: {}\r\n", "y".repeat(200))).collect();
    check("GET with 800 KiB of headers", request(mirror, "GET", "/", &headers, b"").await);
    let long = format!("/visits/?country={}", "A".repeat(100_000));
    check("GET with a 100 kB URL", request(mirror, "GET", &long, "", b"").await);
    assert!(problems.is_empty(), "oversized requests served:\n{}", problems.join("\n"));
    assert_eq!(get_ok(mirror, "/healthz").await.trim(), "ok", "the site still answers");
}

/// How long a stalled client may hold a connection: the site's 10 s request timeout, and some.
const STALL_LIMIT: Duration = Duration::from_secs(15);

/// Sends `partial` and stalls; how long until the site answered or closed, or `None` if it
/// still held the connection after [`STALL_LIMIT`].
async fn stall(addr: SocketAddr, partial: &[u8]) -> Option<(Duration, String)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(partial).await.expect("send the partial request");
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read_all = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(STALL_LIMIT, read_all).await.ok()?;
    Some((
        start.elapsed(),
        String::from_utf8_lossy(&got).lines().next().unwrap_or("closed").to_owned(),
    ))
}

/// A client that sends half a request and stalls is cut off within the request timeout, so
/// slow clients cannot hold the site's connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stalls_mid_request_is_cut_off() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    let partial_line = b"GET /visits/?country=T".as_slice();
    let partial_headers = format!("GET /visits/ HTTP/1.1\r\nHost: {mirror}\r\nUser-Agent: slow");
    let (line, headers) =
        tokio::join!(stall(mirror, partial_line), stall(mirror, partial_headers.as_bytes()));
    let mut problems = Vec::new();
    for (what, outcome) in [("half a request line", line), ("half the headers", headers)] {
        match outcome {
            Some((after, how)) => eprintln!("{what}: cut off after {after:?} ({how})"),
            None => {
                problems.push(format!("{what}: the connection is still open after {STALL_LIMIT:?}"))
            }
        }
    }
    assert_eq!(get_ok(mirror, "/healthz").await.trim(), "ok", "the site still answers");
    assert!(problems.is_empty(), "stalled clients are not cut off:\n{}", problems.join("\n"));
}
