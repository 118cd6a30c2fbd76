//! The public read-only site of a mirror (or of a member that enables it): HTML pages, the JSON
//! API, iCalendar and Atom feeds, provenance, health and metrics.
//!
//! It holds a [`ReadOnlyStore`] and a status snapshot, never a command sender: it cannot
//! write. Everything it serves goes through [`Site::items`] or [`Site::item`], which only ever
//! return `clear`, non-withdrawn items; an item that exists but is not public looks exactly like
//! one that does not exist.
//!
//! Store work runs on blocking threads, one core fewer than the machine has at a time, so a
//! flood of requests queues there (or is told 503 after 5 seconds) and never holds the async
//! workers the node's event loop shares. Every page is bounded: lists go by pages with a
//! cursor, the home page shows the next few of each kind.

mod api;
mod feeds;
pub(crate) mod i18n;
mod index;
mod kept;
mod list;
mod matrix;
mod metrics;
pub mod pages;
mod search;
pub mod static_site;
mod view;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use liaison_protocol::{CountryCode, Destination, ItemId, Kind, Label, Mechanism, may_leave};
use serde::Deserialize;
use tokio::sync::watch;

use crate::Error;
use crate::api::Status;
use crate::store::{Entry, Query, ReadOnlyStore};

pub(crate) use list::ListQuery;
use list::cursor;

/// Longest a client may take over one request, headers and all.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a site's indexes are brought up to date with a store that changed.
const FOLLOW_EVERY: Duration = Duration::from_secs(1);
/// The site reads no bodies; anything more is refused.
const MAX_BODY: usize = 1024;
/// Longest a request waits for a reader before it is told 503.
const QUEUE_WAIT: Duration = Duration::from_secs(5);

/// How many requests read the store at once: one core fewer than the machine has (at least
/// one, at most eight), so the site never takes every core from the event loop.
fn readers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1)).clamp(1, 8)
}

/// What the public site reads from.
#[derive(Debug, Clone)]
pub struct Site {
    store: ReadOnlyStore,
    /// The site's name ("Liaison mirror: ngo-watch").
    pub title: String,
    /// The address the site is reached at, without a trailing `/` (`public_url` in
    /// `config.toml`): feeds' ids and links start with it.
    base: Option<String>,
    status: watch::Receiver<Option<Status>>,
    /// Answers of the API and the feeds, kept until the store changes.
    answers: Arc<Mutex<kept::Answers>>,
    /// The order of the public items and what they are filtered by, kept up to date with the
    /// store item by item, so a page reads the records it shows and no others.
    index: Arc<Mutex<index::PublicIndex>>,
    /// The countries and counts of the public items, kept until the store changes.
    summary: Arc<Mutex<Option<Arc<Summary>>>>,
    /// Permits to read the store, one per reader.
    readers: Arc<tokio::sync::Semaphore>,
    /// Each mechanism's public items and digests (a checkpoint's leaves), by store generation.
    leaves: Arc<Mutex<BTreeMap<Mechanism, (u64, Leaves)>>>,
    /// A copy with no running node behind it (a static export): its pages say so rather than
    /// when it last heard from the members.
    copy: bool,
    /// The search index of the public items, made at the first search and brought up to date
    /// at each search after the store changed.
    search: Arc<Mutex<Option<crate::search::Index>>>,
    /// Where the search index keeps its files (a running node's data directory): `None` keeps
    /// them in memory, as a static export does.
    search_dir: Option<Arc<std::path::Path>>,
}

/// What a search found: how many public items match, and the page asked for, each read back
/// through [`Site::item`] with its score and the words found in it.
#[derive(Debug)]
pub(crate) struct Searched {
    pub total: usize,
    pub results: Vec<(Entry, crate::search::Hit, Vec<crate::search::Highlight>)>,
}

/// A mechanism's public items and their digests, sorted by id: a checkpoint's leaves.
pub(crate) type Leaves = Arc<Vec<(ItemId, [u8; 32])>>;

/// What the home page's country list and `/metrics` show, read in one pass over the items.
#[derive(Debug)]
pub(crate) struct Summary {
    /// The store generation it was read at.
    generation: u64,
    /// Every country a public item concerns, by name.
    pub countries: Vec<CountryCode>,
    /// Public items by kind and label.
    pub counts: BTreeMap<(Kind, Label), i64>,
}

/// One page of a list, and the cursor of the next if there is one.
pub(crate) type Page = (Vec<Entry>, Option<String>);

/// Which public items to show. Every filter that is set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Only this kind.
    #[serde(default, deserialize_with = "parsed")]
    pub kind: Option<Kind>,
    /// Only items concerning this country.
    #[serde(default, deserialize_with = "parsed")]
    pub country: Option<CountryCode>,
    /// Only items of this mechanism.
    #[serde(default, deserialize_with = "parsed")]
    pub mechanism: Option<Mechanism>,
    /// Only items whose dates end on or after this day.
    #[serde(default, deserialize_with = "parsed_date")]
    pub from: Option<NaiveDate>,
    /// Only items whose dates start on or before this day.
    #[serde(default, deserialize_with = "parsed_date")]
    pub to: Option<NaiveDate>,
}

/// Reads an optional query value with its type's `FromStr`, so errors name the value; an empty
/// value (an unset form field) means no filter.
fn parsed<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text = String::deserialize(d)?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.trim().parse().map(Some).map_err(serde::de::Error::custom)
}

/// Reads an optional `YYYY-MM-DD` query value; the error names the value.
fn parsed_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    let text = String::deserialize(d)?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    liaison_protocol::values::parse_date("date", &text).map(Some).map_err(serde::de::Error::custom)
}

impl Site {
    /// A site over `store`, showing `status` on `/metrics`.
    pub fn new(
        store: ReadOnlyStore,
        title: String,
        status: watch::Receiver<Option<Status>>,
    ) -> Self {
        Self {
            store,
            title,
            base: None,
            status,
            answers: Arc::default(),
            index: Arc::default(),
            summary: Arc::default(),
            readers: Arc::new(tokio::sync::Semaphore::new(readers())),
            leaves: Arc::default(),
            copy: false,
            search: Arc::default(),
            search_dir: None,
        }
    }

    /// The public items `mechanism` owns, with their digests, sorted by id, as the store holds
    /// them now: read once per store generation.
    pub(crate) fn leaves(&self, mechanism: &Mechanism) -> Result<Leaves, crate::Error> {
        let generation = self.store.generation();
        if let Some((g, leaves)) = self.lock_leaves().get(mechanism)
            && *g == generation
        {
            return Ok(Arc::clone(leaves));
        }
        let leaves = Arc::new(self.store.public_leaves(mechanism)?);
        self.lock_leaves().insert(mechanism.clone(), (generation, Arc::clone(&leaves)));
        Ok(leaves)
    }

    fn lock_leaves(&self) -> std::sync::MutexGuard<'_, BTreeMap<Mechanism, (u64, Leaves)>> {
        self.leaves.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The same site, reached at `url` (`public_url` in `config.toml`): feeds' ids and links
    /// start with it.
    #[must_use]
    pub fn reached_at(self, url: Option<&str>) -> Self {
        Self { base: url.map(|u| u.trim_end_matches('/').to_owned()), ..self }
    }

    /// The same site, its search index kept in files in `dir`, which it empties first: the
    /// index's pages are then the kernel's page cache, not the process's heap.
    #[must_use]
    pub fn search_in(self, dir: &std::path::Path) -> Self {
        Self { search_dir: Some(Arc::from(dir)), ..self }
    }

    /// `path` (starting with `/`) as an absolute URL when the site's address is known,
    /// else as it is.
    pub(crate) fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.base.as_deref().unwrap_or_default())
    }

    /// A site over `store` with no running node behind it (a static export).
    pub fn offline(store: ReadOnlyStore, title: String) -> Self {
        Self { copy: true, ..Self::new(store, title, watch::channel(None).1) }
    }

    /// Runs `work` on a blocking thread once a reader is free; [`Refusal::Busy`] if none is
    /// within [`QUEUE_WAIT`].
    pub(crate) async fn read<T, F>(&self, work: F) -> Result<T, Refusal>
    where
        T: Send + 'static,
        F: FnOnce(&Site) -> Result<T, Refusal> + Send + 'static,
    {
        let permit =
            match tokio::time::timeout(QUEUE_WAIT, Arc::clone(&self.readers).acquire_owned()).await
            {
                Ok(Ok(permit)) => permit,
                _ => return Err(Refusal::Busy),
            };
        let site = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&site)
        })
        .await
        .map_err(|e| Refusal::Internal(Error::Store(format!("public site reader: {e}"))))?
    }

    /// The public items matching `filter`, in date order (undated last).
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record.
    pub fn items(&self, filter: &Filter) -> Result<Vec<Entry>, Error> {
        let keys = self.keys(filter, None, false, usize::MAX)?;
        self.read_keys(keys.iter(), filter, usize::MAX)
    }

    /// Up to `count` of the public items matching `filter` that sort after `after`, in the
    /// order of [`Site::items`], and the cursor of the page after. Only those records are read.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record.
    pub(crate) fn page(
        &self,
        filter: &Filter,
        after: Option<SortKey>,
        count: usize,
    ) -> Result<Page, Error> {
        let keys = self.keys(filter, after, false, count + 1)?;
        let mut entries = self.read_keys(keys.iter(), filter, count + 1)?;
        let next = (entries.len() > count)
            .then(|| {
                entries.truncate(count);
                entries.last().map(cursor)
            })
            .flatten();
        Ok((entries, next))
    }

    /// The last `count` public items matching `filter`, last first.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record.
    pub(crate) fn last(&self, filter: &Filter, count: usize) -> Result<Vec<Entry>, Error> {
        let keys = self.keys(filter, None, true, count)?;
        self.read_keys(keys.iter(), filter, count)
    }

    /// Up to `count` sort keys of the public items matching `filter`, after `after` or from
    /// the last backwards, from the index brought up to date with the store first.
    fn keys(
        &self,
        filter: &Filter,
        after: Option<SortKey>,
        backwards: bool,
        count: usize,
    ) -> Result<Vec<SortKey>, Error> {
        let mut index = self.lock_index();
        self.refresh(&mut index)?;
        Ok(index.keys(filter, after, backwards, count))
    }

    /// The iCalendar named `name` of the public items matching `filter`, in the order of
    /// [`Site::items`], joined from the events the index keeps beside each item: no record is
    /// read, and the answer is the public items at one store generation.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record read to bring the index up to date.
    pub(crate) fn calendar(&self, filter: &Filter, name: &str) -> Result<String, Error> {
        let mut index = self.lock_index();
        self.refresh(&mut index)?;
        Ok(crate::export::ics_of(name, index.events(filter)))
    }

    /// The shape of the recommendations matrix of `country`: each theme `filter` keeps, with
    /// its clusters of public recommendations (ids), from the index alone.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record met while bringing the index up to date.
    pub(crate) fn matrix_layout(
        &self,
        country: CountryCode,
        filter: &crate::matrix::Filter,
    ) -> Result<crate::matrix::Layout<ItemId>, Error> {
        let mut index = self.lock_index();
        self.refresh(&mut index)?;
        Ok(index.matrix(country, filter))
    }

    /// Brings `index` up to date with the store: the items changed since it last was, or
    /// every public item when those changes are no longer remembered.
    fn refresh(&self, index: &mut index::PublicIndex) -> Result<(), Error> {
        let all = |each: &mut dyn FnMut(Entry)| {
            self.store.each(&Query::default(), |entry| {
                if is_public(&entry) {
                    each(entry);
                }
            })
        };
        crate::follow::catch_up(index, |g| self.store.catch_up(g), all, |id| self.item(id))
    }

    fn lock_index(&self) -> std::sync::MutexGuard<'_, index::PublicIndex> {
        self.index.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keeps the index of the public items and the search index up to date with the store in
    /// the background, off the event loop's threads: read whole at once, then brought up to
    /// date every second the store changed. So a request never waits for more than the last
    /// second's writes to be read, even right after a node took 300,000 items (reading them
    /// all at the first request took longer than a request may).
    pub fn follow_store(&self) -> tokio::task::JoinHandle<()> {
        let site = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FOLLOW_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut seen = None;
            loop {
                tick.tick().await;
                let generation = site.store.generation();
                if seen == Some(generation) {
                    continue;
                }
                let warming = site.clone();
                match tokio::task::spawn_blocking(move || warming.warm()).await {
                    Ok(Ok(())) => seen = Some(generation),
                    Ok(Err(e)) => {
                        tracing::error!(error = %e, "public site: reading the index of public items");
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "public site: bringing its indexes up to date")
                    }
                }
            }
        })
    }

    /// Brings the index of the public items and the search index up to date with the store
    /// (reads them whole the first time), so that requests do not wait for them.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record.
    pub fn warm(&self) -> Result<(), Error> {
        self.refresh(&mut self.lock_index())?;
        let mut kept = self.search.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.search_index(&mut kept).map(|_| ())
    }

    /// The search index in `kept`, made or brought up to date with the store first.
    fn search_index<'a>(
        &self,
        kept: &'a mut Option<crate::search::Index>,
    ) -> Result<&'a mut crate::search::Index, Error> {
        let mut index = match kept.take() {
            Some(index) => index,
            None => crate::search::Index::new(self.search_dir.as_deref())?,
        };
        // An index that failed half-way is dropped, and made anew at the next search.
        let all = |each: &mut dyn FnMut(Entry)| -> Result<(), Error> {
            for (_, id) in self.keys(&Filter::default(), None, false, usize::MAX)? {
                if let Some(entry) = self.item(id)? {
                    each(entry);
                }
            }
            Ok(())
        };
        crate::follow::catch_up(&mut index, |g| self.store.catch_up(g), all, |id| self.item(id))?;
        Ok(kept.insert(index))
    }

    /// The first `count` of the items `keys` name that are still public and match `filter`.
    fn read_keys<'a>(
        &self,
        keys: impl Iterator<Item = &'a SortKey>,
        filter: &Filter,
        count: usize,
    ) -> Result<Vec<Entry>, Error> {
        let query = filter.query();
        let mut out = Vec::with_capacity(count.min(1024));
        for (_, id) in keys {
            if out.len() == count {
                break;
            }
            // Checked again: the item may have changed or been withdrawn since.
            if let Some(entry) = self.item(*id)?.filter(|e| query.matches(e)) {
                out.push(entry);
            }
        }
        Ok(out)
    }

    /// The countries and counts of the public items, read again only after the store changed
    /// (and once, however many requests ask meanwhile).
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record.
    pub(crate) fn summary(&self) -> Result<Arc<Summary>, Error> {
        // Read before the items are, as for kept answers.
        let generation = self.store.generation();
        let Ok(mut kept) = self.summary.lock() else { return self.read_summary(generation) };
        if let Some(summary) = kept.as_ref().filter(|s| s.generation == generation) {
            return Ok(Arc::clone(summary));
        }
        let summary = self.read_summary(generation)?;
        *kept = Some(Arc::clone(&summary));
        Ok(summary)
    }

    fn read_summary(&self, generation: u64) -> Result<Arc<Summary>, Error> {
        let mut index = self.lock_index();
        self.refresh(&mut index)?;
        let (mut countries, counts) = index.summary();
        drop(index);
        countries.sort_by_key(CountryCode::name);
        Ok(Arc::new(Summary { generation, countries, counts }))
    }

    /// The public items matching `filter` whose text matches the query `text`, best first:
    /// `count` of them after the first `offset`, and how many match in all; `Ok(Err(why))`
    /// when the query is refused.
    ///
    /// The index is made of [`Site::items`] only, brought up to date first when the store
    /// changed, and every hit is read again through [`Site::item`].
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record; the index's failures.
    pub(crate) fn search(
        &self,
        text: &str,
        filter: &Filter,
        offset: usize,
        count: usize,
    ) -> Result<Result<Searched, crate::search::QueryError>, Error> {
        if let Err(e) = crate::search::check_query(text) {
            return Ok(Err(e));
        }
        let mut kept = self.search.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let index = self.search_index(&mut kept)?;
        let among: Option<std::collections::HashSet<ItemId>> = if *filter == Filter::default() {
            None
        } else {
            Some(self.keys(filter, None, false, usize::MAX)?.iter().map(|(_, id)| *id).collect())
        };
        let found = match index.search(text, among.as_ref(), offset, count)? {
            Ok(found) => found,
            Err(e) => return Ok(Err(e)),
        };
        drop(kept);
        let query = filter.query();
        let mut results = Vec::with_capacity(found.hits.len());
        for hit in &found.hits {
            // Checked again: the item may have changed or been withdrawn since.
            if let Some(entry) = self.item(hit.id)?.filter(|e| query.matches(e)) {
                let highlights = found.highlights(&entry);
                results.push((entry, hit.clone(), highlights));
            }
        }
        Ok(Ok(Searched { total: found.total, results }))
    }

    /// One public item; `None` both when it does not exist and when it is not public.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record.
    pub fn item(&self, id: ItemId) -> Result<Option<Entry>, Error> {
        Ok(self.store.get(id)?.filter(is_public))
    }

    fn status(&self) -> Option<Status> {
        self.status.borrow().clone()
    }
}

/// Where an item sorts in lists: by its first day (undated last), then by id.
pub(crate) type SortKey = (NaiveDate, ItemId);

pub(crate) fn sort_key(entry: &Entry) -> SortKey {
    (entry.record.state.fields.span().map_or(NaiveDate::MAX, |(s, _)| s), entry.header.id)
}

impl Filter {
    fn query(&self) -> Query {
        Query {
            kind: self.kind,
            country: self.country,
            mechanism: self.mechanism.clone(),
            from: self.from,
            to: self.to,
            withdrawn: false,
        }
    }
}

/// The one rule of the public site, the gate with the public as destination: only `clear`
/// items that are not withdrawn.
fn is_public(entry: &Entry) -> bool {
    may_leave(&entry.header, entry.record.state.withdrawn, Destination::Public)
}

/// An answer the site gives instead of a page.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// 400, with the reason.
    BadRequest(String),
    /// 404: no such public item.
    NotFound,
    /// 503: every reader stayed busy for [`QUEUE_WAIT`].
    Busy,
    /// 500: the store failed; logged, not detailed to the client.
    Internal(Error),
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Self {
        Refusal::Internal(e)
    }
}

impl From<QueryRejection> for Refusal {
    fn from(e: QueryRejection) -> Self {
        Refusal::BadRequest(e.body_text())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let text = |code: StatusCode, body: String| {
            (code, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body + "\n")
                .into_response()
        };
        match self {
            Refusal::BadRequest(why) => {
                text(StatusCode::BAD_REQUEST, format!("bad request: {why}"))
            }
            Refusal::NotFound => text(StatusCode::NOT_FOUND, "not found".to_owned()),
            Refusal::Busy => {
                let mut response =
                    text(StatusCode::SERVICE_UNAVAILABLE, "busy: try again shortly".to_owned());
                response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(1));
                response
            }
            Refusal::Internal(e) => {
                tracing::error!(error = %e, "public site");
                text(StatusCode::INTERNAL_SERVER_ERROR, "internal error".to_owned())
            }
        }
    }
}

/// Parses an item id from a path; a malformed id is simply not found.
pub(crate) fn path_id(text: &str) -> Result<ItemId, Refusal> {
    text.parse().map_err(|_| Refusal::NotFound)
}

/// The site's routes: GET only, no write route at all.
pub fn router(site: Site) -> Router {
    let mut router = Router::new();
    for (kind, path, _) in pages::LISTS {
        router = router.route(
            path,
            get(
                move |axum::extract::State(site): axum::extract::State<Site>,
                      r,
                      axum::extract::RawQuery(raw): axum::extract::RawQuery,
                      q| { pages::list(site, r, raw, q, kind) },
            ),
        );
    }
    router
        .route("/", get(pages::home))
        .route("/site.css", get(pages::stylesheet))
        .route("/countries/{cc}/", get(pages::country))
        .route("/countries/{cc}/recommendations/", get(matrix::page))
        .route("/api/v1/countries/{cc}/recommendations", get(matrix::api))
        .route("/items/{id}/", get(pages::item))
        .route("/items/{id}/provenance", get(api::provenance))
        .route("/api/v1/items", get(api::items))
        .route("/api/v1/items/{id}", get(api::item))
        .route("/search", get(search::page))
        .route("/api/v1/search", get(search::api))
        .route("/calendar.ics", get(feeds::calendar))
        .route("/deadlines.ics", get(feeds::deadlines))
        .route("/reports.atom", get(feeds::reports))
        .route("/keysets/{file}", get(api::keyset))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics::metrics))
        .fallback(|| async { Refusal::NotFound })
        .layer(axum::middleware::from_fn_with_state(site.clone(), kept::kept))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::map_response(guarded))
        .with_state(site)
}

/// What browsers may do with the site's answers: no script at all, styles and images from the
/// site itself only, forms that submit to it only, no framing, no sniffing of content types,
/// and no `Referer` sent to the sites its links lead to.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Adds the headers of [`CONTENT_SECURITY_POLICY`] to every answer, refusals included.
async fn guarded(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, header::HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
    // A page's language follows the reader's Accept-Language (unless `?lang=` says otherwise,
    // which is in the URL): caches must keep one copy per language.
    let html =
        headers.get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    if html {
        headers.insert(header::VARY, header::HeaderValue::from_static("Accept-Language"));
    }
    response
}

/// Most connections served at once; more wait in the listen backlog.
const MAX_CONNECTIONS: usize = 1024;
/// Longest a connection may stay open, keep-alive included.
const MAX_CONNECTION_TIME: Duration = Duration::from_secs(120);

/// Serves the site on `addr` until the returned task is aborted; returns the bound address.
///
/// Each connection must send its request headers within 10 seconds (also between
/// keep-alive requests) and may live at most 120 seconds, so slow or idle clients
/// cannot hold the server.
///
/// # Errors
/// If `addr` cannot be bound.
pub async fn serve(
    addr: &str,
    site: Site,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), Error> {
    serve_app(addr, router(site)).await
}

/// Serves `app` on `addr` with the site's bounds: connections at once, header and connection
/// time.
///
/// # Errors
/// A bad address, or one that cannot be bound.
pub(crate) async fn serve_app(
    addr: &str,
    app: Router,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), Error> {
    let addr: SocketAddr =
        addr.parse().map_err(|e| Error::Network(format!("http address {addr}: {e}")))?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Network(format!("http {addr}: {e}")))?;
    let bound = listener.local_addr().map_err(|e| Error::Network(e.to_string()))?;
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let server = tokio::spawn(async move {
        loop {
            let Ok(permit) = slots.clone().acquire_owned().await else { return };
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "public site: accept");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let service = hyper_util::service::TowerToHyperService::new(app.clone());
            tokio::spawn(async move {
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(REQUEST_TIMEOUT)
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                if tokio::time::timeout(MAX_CONNECTION_TIME, connection).await.is_err() {
                    tracing::debug!("public site: closed a connection held too long");
                }
                drop(permit);
            });
        }
    });
    Ok((bound, server))
}

#[cfg(test)]
mod tests {
    use crate::follow::Follower as _;
    use crate::{Repo, sample};

    /// The site's indexes follow the store's writes with no request to make them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_indexes_follow_the_store_without_a_request() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo: Repo = crate::repo::test_member(dir.path(), "ohchr");
        let (_status, status) = tokio::sync::watch::channel(None);
        let site = super::Site::new(repo.store().read_only(), "test".into(), status);
        let current = |site: &super::Site| {
            let generation = Some(site.store.generation());
            let search = site.search.lock().expect("search").as_ref().map(|s| s.generation());
            site.lock_index().generation() == generation && search == Some(generation)
        };
        let follower = site.follow_store();
        let waited = |site: &super::Site| {
            let site = site.clone();
            async move {
                for _ in 0..100 {
                    if current(&site) {
                        return true;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                false
            }
        };
        assert!(waited(&site).await, "read at once");
        repo.create_all(sample::drafts("ohchr"), chrono::Utc::now()).expect("sample items");
        assert!(!current(&site), "behind the write at first");
        assert!(waited(&site).await, "caught up within seconds, no request made");
        assert!(!site.lock_index().keys(&super::Filter::default(), None, false, 10).is_empty());
        follower.abort();
    }
}
