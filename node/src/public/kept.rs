//! Answers kept until the store changes, each also kept gzipped for clients that accept it.
//!
//! The answers of the API and the feeds depend on the items alone (pages also show what is
//! upcoming today, provenance names signers from the roster), so a repeated request, the way
//! feed readers and calendar clients poll, costs a lookup instead of a pass over the items.
//! A country's calendar among 100,000 items is 650 KB, 82 KB gzipped: what a client that
//! accepts gzip is sent, compressed once when the answer is kept, not per request.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Site;

/// Most answers kept, and most bytes of them (both encodings): past either, answers made
/// before the store last changed go first, then the least recently served.
const KEPT_ANSWERS: usize = 1024;
const KEPT_BYTES: usize = 64 * 1024 * 1024;
/// Smaller answers are sent as they are: gzip would save less than a packet.
const GZIP_FROM: usize = 1024;

/// Kept answers by request path and query.
#[derive(Debug, Default)]
pub(super) struct Answers {
    /// Each answer, with the tick it was last served or kept at.
    by_uri: HashMap<String, (Arc<Kept>, u64)>,
    bytes: usize,
    /// Counts lookups and keeps, to order answers by when they were last used.
    tick: u64,
    /// Answers being made, by request path and query: a request for one of them waits its
    /// turn and then finds it kept, so a popular answer that a write just made stale is made
    /// once, not by every request that arrives meanwhile.
    making: HashMap<String, Arc<tokio::sync::Mutex<()>>>,
}

/// One kept answer.
#[derive(Debug)]
struct Kept {
    /// The store generation it was made at: it is served while the store is still at it.
    generation: u64,
    /// Its headers, without a length (the body sent sets it) and with `Vary: Accept-Encoding`.
    headers: HeaderMap,
    body: Bytes,
    /// The body gzipped, when that is smaller.
    gzip: Option<Bytes>,
}

impl Kept {
    fn new(generation: u64, mut headers: HeaderMap, body: Bytes) -> Kept {
        headers.remove(header::CONTENT_LENGTH);
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        let gzip = (body.len() >= GZIP_FROM)
            .then(|| gzip(&body))
            .flatten()
            .filter(|gzip| gzip.len() < body.len());
        Kept { generation, headers, body, gzip }
    }

    fn bytes(&self) -> usize {
        self.body.len() + self.gzip.as_ref().map_or(0, Bytes::len)
    }

    /// The answer, gzipped if the client accepts it.
    fn answer(&self, accepts_gzip: bool) -> Response {
        let mut headers = self.headers.clone();
        let body = match &self.gzip {
            Some(gzip) if accepts_gzip => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                gzip.clone()
            }
            _ => self.body.clone(),
        };
        (StatusCode::OK, headers, body).into_response()
    }
}

impl Answers {
    fn get(&mut self, uri: &str, generation: u64) -> Option<Arc<Kept>> {
        self.tick += 1;
        let (kept, used) = self.by_uri.get_mut(uri).filter(|(k, _)| k.generation == generation)?;
        *used = self.tick;
        Some(Arc::clone(kept))
    }

    fn keep(&mut self, uri: String, kept: Arc<Kept>) {
        if kept.bytes() > KEPT_BYTES {
            return;
        }
        if let Some((old, _)) = self.by_uri.remove(&uri) {
            self.bytes -= old.bytes();
        }
        let full = |a: &Self| a.by_uri.len() >= KEPT_ANSWERS || a.bytes + kept.bytes() > KEPT_BYTES;
        if full(self) {
            // Answers made at another generation are never served again.
            self.by_uri.retain(|_, (k, _)| k.generation == kept.generation);
            self.bytes = self.by_uri.values().map(|(k, _)| k.bytes()).sum();
        }
        while full(self) {
            let Some(oldest) =
                self.by_uri.iter().min_by_key(|(_, (_, used))| *used).map(|(uri, _)| uri.clone())
            else {
                break;
            };
            if let Some((old, _)) = self.by_uri.remove(&oldest) {
                self.bytes -= old.bytes();
            }
        }
        self.tick += 1;
        self.bytes += kept.bytes();
        self.by_uri.insert(uri, (kept, self.tick));
    }
}

/// `body` gzipped; `None` if compressing failed (it writes to memory, so it does not).
fn gzip(body: &[u8]) -> Option<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::default(),
    );
    encoder.write_all(body).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

/// Whether `Accept-Encoding` lists gzip with a weight above zero.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| {
                p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()) == Some(0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip")) && !refused
        })
}

/// Whether the answer to `request` depends on the items alone, so it can be kept.
fn keepable(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == Method::GET
        && (path.starts_with("/api/") || path.ends_with(".ics") || path.ends_with(".atom"))
}

/// Serves a kept answer while the store has not changed since it was made; keeps new ones.
pub(super) async fn kept(State(site): State<Site>, request: Request, next: Next) -> Response {
    if !keepable(&request) {
        return next.run(request).await;
    }
    let uri = request.uri().to_string();
    let gzip = accepts_gzip(request.headers());
    if let (_, Some(hit)) = lookup(&site, &uri) {
        return hit.answer(gzip);
    }
    let Ok(turn) =
        site.answers.lock().map(|mut a| Arc::clone(a.making.entry(uri.clone()).or_default()))
    else {
        return next.run(request).await;
    };
    let _turn = turn.lock().await;
    let generation = match lookup(&site, &uri) {
        (_, Some(hit)) => return hit.answer(gzip),
        (generation, None) => generation,
    };
    let answer = keep(&site, &uri, generation, next.run(request).await).await;
    if let Ok(mut answers) = site.answers.lock() {
        answers.making.remove(&uri);
    }
    answer.map_or_else(|response| response, |kept| kept.answer(gzip))
}

/// The store's generation, and the answer to `uri` kept at it if there is one.
fn lookup(site: &Site, uri: &str) -> (u64, Option<Arc<Kept>>) {
    // Read before the items are: an answer made from items newer than its generation is only
    // ever served while the store is at that generation, never after a later write.
    let generation = site.store.generation();
    let hit = site.answers.lock().ok().and_then(|mut answers| answers.get(uri, generation));
    (generation, hit)
}

/// Keeps `response` as the answer to `uri` if it is a 200; otherwise hands it back.
async fn keep(
    site: &Site,
    uri: &str,
    generation: u64,
    response: Response,
) -> Result<Arc<Kept>, Response> {
    if response.status() != StatusCode::OK {
        return Err(response);
    }
    let (parts, body) = response.into_parts();
    // Every answer here is built whole in memory before it is sent, so this copies nothing new.
    let body = axum::body::to_bytes(body, usize::MAX).await.map_err(|e| {
        tracing::error!(error = %e, "public site: reading an answer");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    })?;
    // Compressing takes milliseconds for a large feed: not on the async workers.
    let kept = tokio::task::spawn_blocking(move || Kept::new(generation, parts.headers, body))
        .await
        .map(Arc::new)
        .map_err(|e| {
            tracing::error!(error = %e, "public site: compressing an answer");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        })?;
    if let Ok(mut answers) = site.answers.lock() {
        answers.keep(uri.to_owned(), Arc::clone(&kept));
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(accept: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(accept).expect("header"));
        headers
    }

    #[test]
    fn gzip_is_accepted_when_listed_with_a_weight_above_zero() {
        for yes in ["gzip", "gzip, deflate, br", "br;q=1.0, GZIP;q=0.5", "x-gzip", "deflate,gzip"] {
            assert!(accepts_gzip(&with(yes)), "{yes}");
        }
        for no in ["", "identity", "br", "gzip;q=0", "gzip; q=0.0", "gzipped", "*"] {
            assert!(!accepts_gzip(&with(no)), "{no}");
        }
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn a_kept_answer_is_the_same_body_gzipped_or_not() {
        let body = Bytes::from("BEGIN:VEVENT\r\nSUMMARY:a visit\r\nEND:VEVENT\r\n".repeat(100));
        let kept = Kept::new(7, HeaderMap::new(), body.clone());
        let gzip = kept.gzip.clone().expect("gzipped");
        assert!(gzip.len() < body.len() / 10);
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut plain)
            .expect("gunzip");
        assert_eq!(plain, body);
        let small = Kept::new(7, HeaderMap::new(), Bytes::from_static(b"{}"));
        assert!(small.gzip.is_none());
    }

    #[test]
    fn a_full_cache_evicts_the_least_recently_served_answer_only() {
        let mut answers = Answers::default();
        let answer =
            |n: usize| Arc::new(Kept::new(1, HeaderMap::new(), Bytes::from(n.to_string())));
        for n in 0..KEPT_ANSWERS {
            answers.keep(format!("/api/v1/items?n={n}"), answer(n));
        }
        // The first answer is served again, so the second is now the least recently used.
        assert!(answers.get("/api/v1/items?n=0", 1).is_some());
        answers.keep("/calendar.ics".to_owned(), answer(0));
        assert_eq!(answers.by_uri.len(), KEPT_ANSWERS);
        assert!(answers.get("/api/v1/items?n=1", 1).is_none());
        for n in [0, 2, KEPT_ANSWERS - 1] {
            assert!(answers.get(&format!("/api/v1/items?n={n}"), 1).is_some(), "{n}");
        }
        assert!(answers.get("/calendar.ics", 1).is_some());
        // Answers of an older generation go first once the store has changed.
        answers.keep(
            "/reports.atom".to_owned(),
            Arc::new(Kept::new(2, HeaderMap::new(), Bytes::new())),
        );
        assert_eq!(answers.by_uri.len(), 1);
        assert_eq!(answers.bytes, 0);
    }
}
