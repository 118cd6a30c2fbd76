//! Support for the public-site tests: a small HTTP/1.1 client over a raw socket (so tests can
//! also send what no polite client sends; it unzips gzipped answers), a crawler of the site,
//! the outputs a reader could ask for, feed readers, and `liaison verify` over HTTP.
#![allow(dead_code)] // Not every test uses every helper.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use liaison_protocol::ItemId;
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::fed_support::{DEADLINE, eventually};
use crate::support::liaison_bin;

use crate::mirror_support::*;

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
            // A cursor may start with `+` (an item with no dates sorts after year 9999), which a
            // query string must escape.
            path.push_str(&format!("&cursor={}", c.replace('+', "%2B")));
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

/// Whether Python's `module` is installed, for the feed checks (see `support::python_has`).
pub(crate) fn python_has(module: &str) -> bool {
    let skipped = format!("the checks with Python's {module}; the Rust parser checks ran");
    crate::support::python_has(module, "LIAISON_REQUIRE_PYTHON_FEEDS", &skipped)
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

/// Paths that answer for one item.
pub(crate) fn item_paths(id: &str) -> [String; 3] {
    [format!("/items/{id}/"), format!("/items/{id}/provenance"), format!("/api/v1/items/{id}")]
}

/// Ids that were never issued, well-formed and not.
pub(crate) fn unknown_ids() -> [String; 2] {
    [ItemId::from_random_bytes([0x5a; 16]).to_string(), "not-an-item-id".to_owned()]
}

/// Everything the site at `addr` serves that a reader could ask for: every page reachable from
/// the home page, every item's page, provenance and API document for `ids`, the API followed
/// through its cursor with and without filters, the feeds with and without filters, country
/// pages of restricted-only countries, `/metrics` and `/healthz`.
pub(crate) async fn outputs(addr: SocketAddr, ids: &BTreeSet<ItemId>) -> BTreeMap<String, Answer> {
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

/// How maud writes `text` in HTML.
pub(crate) fn maud_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The iCalendar feed's VEVENT UIDs, as the `ical` crate reads them; it also checks the
/// calendar's required properties.
pub(crate) fn ical_uids(ics: &str) -> BTreeSet<String> {
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
pub(crate) fn calendar_ids(items: &[Value]) -> BTreeSet<String> {
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

/// Serves `bodies` by path on 127.0.0.1, as a web server holding copies of provenance would.
pub(crate) async fn serve_copies(bodies: BTreeMap<String, String>) -> SocketAddr {
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

/// Runs `liaison verify URL ARGS`, with no data directory unless `args` names one.
pub(crate) async fn verify_with(url: &str, args: &[&str]) -> (i32, String, String) {
    let out = tokio::process::Command::new(liaison_bin())
        .args(["verify", url])
        .args(args)
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

/// Runs `liaison verify URL` anchored in the roster of the node in `dir`.
pub(crate) async fn verify(url: &str, dir: &std::path::Path) -> (i32, String, String) {
    verify_with(url, &["--data-dir", dir.to_str().expect("utf-8")]).await
}

pub(crate) fn flip_hex_byte(hex: &str, at: usize) -> String {
    let byte = u8::from_str_radix(&hex[2 * at..2 * at + 2], 16).expect("hex") ^ 0x01;
    format!("{}{byte:02x}{}", &hex[..2 * at], &hex[2 * at + 2..])
}

/// Waits until `path` on `addr` answers `status`.
pub(crate) async fn until_status(addr: SocketAddr, path: &str, status: u16) {
    eventually(DEADLINE, || async {
        let answer = get(addr, path).await;
        if answer.status == status { Ok(()) } else { Err(format!("{path}: {}", answer.status)) }
    })
    .await;
}

/// Checks that `path` answers 400 with a plain-text message naming `value`.
pub(crate) async fn refused(addr: SocketAddr, path: &str, value: &str, problems: &mut Vec<String>) {
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

/// How long a stalled client may hold a connection: the site's 10 s request timeout, and some.
pub(crate) const STALL_LIMIT: Duration = Duration::from_secs(15);

/// Sends `partial` and stalls; how long until the site answered or closed, or `None` if it
/// still held the connection after [`STALL_LIMIT`].
pub(crate) async fn stall(addr: SocketAddr, partial: &[u8]) -> Option<(Duration, String)> {
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
