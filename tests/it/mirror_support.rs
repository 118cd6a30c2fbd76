//! Support for the mirror tests: a federation with every label in use whose mirror (and one
//! member) serve the public site on 127.0.0.1, a small HTTP/1.1 client over a raw socket (so
//! tests can also send what no polite client sends; it unzips gzipped answers), a crawler of
//! the site, and the check that nothing restricted shows in what the site serves.
#![allow(dead_code)] // Not every test uses every helper.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use liaison_node::api::{Request, Response};
use liaison_node::daemon::Options;
use liaison_node::{Draft, sample};
use liaison_protocol::{Fields, ItemId, Kind, Label, Role};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::fed_support::{DEADLINE, TestNet, TestNode, eventually, mech, options};

/// How long one HTTP exchange may take before the test calls it hung.
const EXCHANGE_LIMIT: Duration = Duration::from_secs(30);

/// One HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// Header names in lower case, in the order sent.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub(crate) fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    /// The answer without the headers that differ from one request to the next.
    pub(crate) fn comparable(&self) -> (u16, Vec<(String, String)>, String) {
        let headers = self.headers.iter().filter(|(k, _)| k != "date").cloned().collect();
        (self.status, headers, self.body.clone())
    }
}

/// Sends `request` as it is and reads until the server closes the connection; `Err` when
/// nothing that parses as an HTTP answer came back (the server closed or reset at once).
///
/// A server may answer and close before it has read all of an oversized request, so a failed
/// write is not an error here: what it answered is.
pub(crate) async fn exchange(addr: SocketAddr, request: &[u8]) -> Result<Answer, String> {
    let work = async {
        let mut stream = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
        let written = stream.write_all(request).await;
        let mut received = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        let read_error = loop {
            match stream.read(&mut buf).await {
                Ok(0) => break None,
                Ok(n) => received.extend_from_slice(&buf[..n]),
                Err(e) => break Some(e),
            }
        };
        parse_answer(&received).map_err(|why| {
            format!(
                "{why} (write: {written:?}, read error: {read_error:?}, {} bytes)",
                received.len()
            )
        })
    };
    tokio::time::timeout(EXCHANGE_LIMIT, work)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {EXCHANGE_LIMIT:?}")))
}

fn parse_answer(raw: &[u8]) -> Result<Answer, String> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no complete answer head")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let rest = &raw[end + 4..];
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let body = if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        dechunk(rest)?
    } else if let Some(len) = header("content-length").and_then(|l| l.parse::<usize>().ok()) {
        rest.get(..len).ok_or("body shorter than its content-length")?.to_vec()
    } else {
        rest.to_vec()
    };
    // As a client that asked for gzip unzips it.
    let body = if header("content-encoding") == Some("gzip") {
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut plain)
            .map_err(|e| format!("body is not gzip: {e}"))?;
        plain
    } else {
        body
    };
    let body = String::from_utf8(body).map_err(|e| format!("body is not UTF-8: {e}"))?;
    Ok(Answer { status, headers, body })
}

fn dechunk(mut raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = raw.windows(2).position(|w| w == b"\r\n").ok_or("chunk size line")?;
        let size_text = String::from_utf8_lossy(&raw[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|e| format!("chunk size {size_text:?}: {e}"))?;
        raw = &raw[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(raw.get(..size).ok_or("truncated chunk")?);
        raw = raw.get(size + 2..).ok_or("truncated chunk end")?;
    }
}

/// `METHOD path` with `extra` header lines and `body`, closing the connection after the answer.
pub(crate) async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    extra: &str,
    body: &[u8],
) -> Result<Answer, String> {
    let mut bytes = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: liaison-tests\r\n\
         Connection: close\r\n{extra}"
    )
    .into_bytes();
    if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
        bytes.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(body);
    exchange(addr, &bytes).await
}

/// `GET path`; panics when no answer comes.
pub(crate) async fn get(addr: SocketAddr, path: &str) -> Answer {
    request(addr, "GET", path, "", b"").await.unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// `GET path`, which must answer 200; the body.
pub(crate) async fn get_ok(addr: SocketAddr, path: &str) -> String {
    let answer = get(addr, path).await;
    assert_eq!(answer.status, 200, "GET {path}: {answer:?}");
    answer.body
}

/// `GET path` as JSON, which must answer 200.
pub(crate) async fn get_json(addr: SocketAddr, path: &str) -> Value {
    let body = get_ok(addr, path).await;
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {body}"))
}

/// The local links (`href="/..."`) of an HTML page, without fragments, `&amp;` decoded.
pub(crate) fn local_links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|href| href.replace("&amp;", "&"))
        .map(|href| href.split('#').next().unwrap_or_default().to_owned())
        .filter(|href| href.starts_with('/') && !href.starts_with("//"))
        .collect()
}

/// Every page reachable from `/` by local links, with its answer.
pub(crate) async fn crawl(addr: SocketAddr) -> BTreeMap<String, Answer> {
    let mut seen = BTreeMap::new();
    let mut queue = VecDeque::from(["/".to_owned()]);
    while let Some(path) = queue.pop_front() {
        if seen.contains_key(&path) {
            continue;
        }
        assert!(seen.len() < 2_000, "the site has more pages than expected: {}", seen.len());
        let answer = get(addr, &path).await;
        if answer.content_type().starts_with("text/html") {
            queue.extend(local_links(&answer.body));
        }
        seen.insert(path, answer);
    }
    seen
}

/// Every item of the JSON API, following `next_cursor` with `limit` items per page, for the
/// query `query` (`""` or `country=TN&...`); with the number of pages.
pub(crate) async fn api_items(addr: SocketAddr, query: &str, limit: usize) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 1..=1_000 {
        let mut path = format!("/api/v1/items?limit={limit}");
        if !query.is_empty() {
            path.push('&');
            path.push_str(query);
        }
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let answer = get_json(addr, &path).await;
        let got = answer["items"].as_array().unwrap_or_else(|| panic!("{path}: {answer}"));
        assert!(got.len() <= limit, "{path}: {} items for limit {limit}", got.len());
        items.extend(got.iter().cloned());
        match answer["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(got.len(), limit, "{path}: a short page that has a next page");
                cursor = Some(next.to_owned());
            }
            None => return (items, page),
        }
    }
    panic!("the API's cursor never ended ({query})");
}

/// The text of an output as a reader sees it: iCalendar lines unfolded and unescaped, HTML
/// entities decoded, in lower case, so that a marker split or escaped by a format still shows.
pub(crate) fn readable(text: &str) -> String {
    text.replace("\r\n ", "")
        .replace("\r\n\t", "")
        .replace('\\', "")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .to_lowercase()
}

/// Marker that every restricted test item carries in its title and in its fields.
pub(crate) const LEAK: &str = "zzleak";
/// Marker that every public test item carries, to show the checks look where items are.
pub(crate) const PUBLIC: &str = "zzpublic";

/// Countries that only restricted items concern: no public output may name them.
pub(crate) const RESTRICTED_COUNTRIES: [&str; 7] = ["NO", "IS", "MM", "KP", "TR", "GE", "BI"];

/// The country each label's marked items concern.
fn marked_country(label: Label) -> &'static str {
    match label {
        Label::Clear => "SN",
        Label::Green => "NO",
        Label::Amber => "IS",
        Label::AmberStrict => "MM",
        Label::Red => "KP",
    }
}

/// One item of each kind for `label`, with the marker `zzleak<label><kind>` (`zzpublic...` for
/// `clear`) in the title and in every text field of its kind, and, where the label allows them,
/// a programme and notes.
pub(crate) fn marked_drafts(label: Label, audience: &[&str]) -> Vec<Draft> {
    marked_drafts_with(if label == Label::Clear { PUBLIC } else { LEAK }, label, audience)
}

/// [`marked_drafts`] with the marker `prefix` instead of the label's.
pub(crate) fn marked_drafts_with(prefix: &str, label: Label, audience: &[&str]) -> Vec<Draft> {
    let word = label.to_string().replace('-', "");
    let cc = marked_country(label);
    let restricted = matches!(label, Label::Amber | Label::AmberStrict | Label::Red);
    [Kind::Visit, Kind::Event, Kind::Report, Kind::Contact]
        .into_iter()
        .map(|kind| {
            let m = format!("{prefix}{word}{kind}");
            let mut fields = json!({
                "title": {"value": format!("{m} title"), "lang": "en"},
                "countries": [],
                "themes": [format!("{m}-theme")],
                "links": [{"rel": "related", "href": format!("https://example.org/{m}")}],
            });
            // Not a `match`: other kinds of item may come, and have no test fields here.
            if kind == Kind::Visit {
                fields["visit"] = visit_fields(&m, cc, restricted);
            } else if kind == Kind::Event {
                fields["countries"] = json!([cc]);
                fields["event"] = event_fields(&m, cc);
            } else if kind == Kind::Report {
                fields["countries"] = json!([cc]);
                fields["report"] = report_fields(&m);
            } else {
                fields["contact"] = contact_fields(&m, cc, label != Label::Clear);
            }
            let fields: Fields = serde_json::from_value(fields)
                .unwrap_or_else(|e| panic!("test fields of {m}: {e}"));
            Draft {
                kind,
                fields,
                label,
                audience: audience.iter().map(|a| mech(a)).collect(),
                co_owners: Vec::new(),
                supersedes: None,
            }
        })
        .collect()
}

/// A visit to `cc` marked `m`; with a programme and notes when `restricted`.
fn visit_fields(m: &str, cc: &str, restricted: bool) -> Value {
    let mut visit = json!({
        "mandate": format!("{m} mandate"),
        "country": cc,
        "sites": [{"country": cc, "place": format!("{m} site")}],
        "visit_type": "official",
        "status": "scheduled",
        "status_history": [
            {"status": "requested", "date": "2026-09-01", "note": format!("{m} status note")},
        ],
        "planned": {"start": "2027-08-02", "end": "2027-08-06", "precision": "day"},
        "joint_with": [],
        "call_for_input": {"deadline": "2027-07-01", "url": format!("https://example.org/{m}/cfi")},
        "programme": [],
    });
    if restricted {
        let (place, meeting) = (format!("{m} place"), format!("{m} meeting"));
        visit["programme"] = json!([{"date": "2027-08-03", "place": place, "meeting": meeting}]);
        visit["notes"] = json!(format!("{m} notes"));
    }
    visit
}

/// A two-day meeting in `cc` marked `m`.
fn event_fields(m: &str, cc: &str) -> Value {
    json!({
        "category": "meeting",
        "start": "2027-09-01",
        "end": "2027-09-02",
        "status": "confirmed",
        "location": {"text": format!("{m} venue"), "country": cc},
        "session": format!("{m} session"),
        "related": [],
    })
}

/// A mission report marked `m`, with an English and a French file.
fn report_fields(m: &str) -> Value {
    json!({
        "symbol": format!("{m}/symbol"),
        "doc_type": "mission_report",
        "issued": "2026-10-15",
        "files": [
            {"lang": "en", "url": format!("https://example.org/{m}.pdf"),
             "media_type": "application/pdf"},
            {"lang": "fr", "url": format!("https://example.org/fr/{m}.pdf")},
        ],
        "summary": format!("{m} summary"),
    })
}

/// A desk officer covering `cc`, marked `m`; named when `named`.
fn contact_fields(m: &str, cc: &str, named: bool) -> Value {
    let mut contact = json!({
        "role": "desk_officer",
        "function_title": format!("{m} function"),
        "org_unit": format!("{m} unit"),
        "emails": [format!("{m}@example.org")],
        "phones": ["+41229170000"],
        "coverage_countries": [cc],
        "coverage_themes": [format!("{m}-coverage")],
    });
    if named {
        contact["person_name"] = json!(format!("{m} person"));
    }
    contact
}

/// Every text leaf of `value`.
fn strings(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            out.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The nodes of [`Fed`], by index.
pub(crate) const OHCHR: usize = 0;
pub(crate) const ACHPR: usize = 1;
pub(crate) const COE: usize = 2;
pub(crate) const MIRROR: usize = 3;

/// A federation of ohchr, achpr and coe members and an NGO mirror, every node in every
/// roster, holding the sample items and marked items of every label. The mirror serves the
/// public site, and so does ohchr, a member that enables it: its store holds restricted items,
/// so its site shows that the site's own filter holds, not only sync.
#[derive(Debug)]
pub(crate) struct Fed {
    pub(crate) net: TestNet,
    /// Ids of the `clear` items, each with its title.
    pub(crate) public: BTreeMap<ItemId, String>,
    /// Ids of every item that is not `clear`, in whichever node's store.
    pub(crate) restricted: BTreeSet<ItemId>,
    /// Texts of restricted items (lower case) that no public item has: none may show.
    pub(crate) secrets: BTreeSet<String>,
}

impl Fed {
    /// Starts the federation and waits until every node holds what it may.
    pub(crate) async fn start() -> Fed {
        let site = Options { http: Some("127.0.0.1:0".into()), ..options() };
        let mut net = TestNet::default();
        for (i, (mechanism, role)) in [
            ("ohchr", Role::Member),
            ("achpr", Role::Member),
            ("coe", Role::Member),
            ("ngo-watch", Role::Mirror),
        ]
        .into_iter()
        .enumerate()
        {
            let mut node = TestNode::init(&format!("{mechanism}#{i}"), mechanism, role);
            let serves = i == OHCHR || i == MIRROR;
            node.start_with(if serves { site.clone() } else { options() }).await;
            net.nodes.push(node);
        }
        net.mesh().await;

        let mut drafts: Vec<(usize, Draft)> = Vec::new();
        for (i, code) in [(OHCHR, "ohchr"), (ACHPR, "achpr"), (COE, "coe")] {
            drafts.extend(sample::drafts(code).into_iter().map(|d| (i, d)));
        }
        drafts.extend(marked_drafts(Label::Clear, &[]).into_iter().map(|d| (OHCHR, d)));
        drafts.extend(marked_drafts(Label::Green, &[]).into_iter().map(|d| (OHCHR, d)));
        drafts.extend(marked_drafts(Label::Amber, &["achpr"]).into_iter().map(|d| (OHCHR, d)));
        drafts.extend(marked_drafts(Label::AmberStrict, &[]).into_iter().map(|d| (OHCHR, d)));
        drafts.extend(marked_drafts(Label::Red, &[]).into_iter().map(|d| (OHCHR, d)));
        // A restricted item of another owner that ohchr holds as its audience.
        drafts.extend(marked_drafts(Label::Amber, &["ohchr"]).into_iter().map(|d| (COE, d)));

        let mut public = BTreeMap::new();
        let mut restricted = BTreeSet::new();
        let (mut public_texts, mut restricted_texts) = (BTreeSet::new(), BTreeSet::new());
        for (i, draft) in drafts {
            let title = draft.fields.title.value.clone();
            let label = draft.label;
            let text = serde_json::to_value(&draft.fields).expect("fields as JSON");
            let id = net[i].create(draft).await;
            if label == Label::Clear {
                public.insert(id, title);
                strings(&text, &mut public_texts);
            } else {
                restricted.insert(id);
                strings(&text, &mut restricted_texts);
            }
        }
        let secrets = restricted_texts
            .difference(&public_texts)
            .filter(|s| s.len() >= 12 && s.chars().any(char::is_alphabetic))
            .map(|s| s.to_lowercase())
            .collect();
        let fed = Fed { net, public, restricted, secrets };
        fed.mirror_holds_every_public_item().await;
        fed.net.quiesce().await;
        fed
    }

    /// The address of node `i`'s public site.
    pub(crate) fn site(&self, i: usize) -> SocketAddr {
        self.net[i].running.as_ref().and_then(|r| r.http).expect("a node serving the site")
    }

    pub(crate) fn mirror(&self) -> SocketAddr {
        self.site(MIRROR)
    }

    /// Waits until the mirror's site serves every public item.
    pub(crate) async fn mirror_holds_every_public_item(&self) {
        let mirror = self.mirror();
        let expected: BTreeSet<String> = self.public.keys().map(ToString::to_string).collect();
        eventually(DEADLINE, || async {
            let (items, _) = api_items(mirror, "", 500).await;
            let served: BTreeSet<String> =
                items.iter().filter_map(|i| i["id"].as_str().map(str::to_owned)).collect();
            if served == expected {
                Ok(())
            } else {
                Err(format!("the mirror serves {served:?}, expected {expected:?}"))
            }
        })
        .await;
    }

    /// Every item id on any node, withdrawn ones included.
    pub(crate) async fn all_ids(&self) -> BTreeSet<ItemId> {
        let mut all = BTreeSet::new();
        for node in &self.net.nodes {
            all.extend(node.ids().await);
        }
        all
    }

    /// Writes the static export of node `i` into `dir` and returns (files, items).
    pub(crate) async fn export(&self, i: usize, dir: &Path) -> (usize, usize) {
        match self.net[i].request(Request::MirrorExport { dir: dir.to_owned() }).await {
            Response::Exported { files, items } => (files, items),
            other => panic!("mirror export answered {other:?}"),
        }
    }
}

/// What in `text` should never be public: markers, ids and texts of restricted items.
pub(crate) fn leaks(
    text: &str,
    restricted: &BTreeSet<ItemId>,
    secrets: &BTreeSet<String>,
) -> Vec<String> {
    let text = readable(text);
    let mut found = Vec::new();
    if text.contains(LEAK) {
        let at = text.find(LEAK).unwrap_or_default();
        found.push(format!(
            "marker: ...{}...",
            &text[at.saturating_sub(60)..(at + 60).min(text.len())]
        ));
    }
    for id in restricted {
        let simple: String = id.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
        if text.contains(&id.to_string()) || text.contains(&simple) {
            found.push(format!("restricted item id {id}"));
        }
    }
    found.extend(
        secrets.iter().filter(|s| text.contains(s.as_str())).map(|s| format!("text {s:?}")),
    );
    found
}

/// Every file under `dir`, by path relative to it.
pub(crate) fn files_under(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("under dir").to_string_lossy().into_owned();
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                out.insert(rel, text);
            }
        }
    }
    out
}

/// Whether Python's `module` is installed; when not, says the check is skipped, and panics if
/// `LIAISON_REQUIRE_PYTHON_FEEDS=1` (as `.ci/run` sets it).
pub(crate) async fn python_has(module: &str) -> bool {
    let has = tokio::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .await
        .is_ok_and(|o| o.status.success());
    if !has {
        assert!(
            std::env::var("LIAISON_REQUIRE_PYTHON_FEEDS").as_deref() != Ok("1"),
            "LIAISON_REQUIRE_PYTHON_FEEDS=1 but Python's {module} is not installed"
        );
        eprintln!(
            "SKIPPED: the checks with Python's {module} (not installed; `pip install {module}` \
             or .ci/run installs it). The Rust parser checks ran."
        );
    }
    has
}

/// Runs `python3 -c script` with `input` on stdin and returns its output; panics when the
/// script fails (an assertion in it, or the parser refusing the input).
pub(crate) async fn python(script: &str, input: &str) -> String {
    let mut child = tokio::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input.as_bytes()).await.expect("write to python3");
    drop(stdin);
    let out = child.wait_with_output().await.expect("python3 output");
    assert!(
        out.status.success(),
        "Python refused the input: {}\n{input}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
