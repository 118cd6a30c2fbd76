//! Full-text search over items: a tantivy index of the items a caller gives it, in memory or
//! in files of its own, brought up to date when the store's generation changes, and the words
//! found in each hit.
//!
//! The index holds only what its owner hands it: the public site hands it [`Site::items`]
//! (so it can never hold an item that is not public), a node hands it what its operator may
//! see. It stores no text, only a number per item; the hits are read back from the store by
//! the caller, who checks them again, and their highlights are cut from that text.
//!
//! [`Site::items`]: crate::public::Site::items

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;

use liaison_protocol::ItemId;
use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, FilterCollector, TopDocs};
use tantivy::query::{Query, QueryParser};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::Error;
use crate::store::Entry;

/// Longest query text, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most of each field's text indexed per item, in bytes: a bound on the index's size whatever
/// an item holds (a visit's programme may hold 256 entries of 8 KiB).
const FIELD_CAP: usize = 16 * 1024;
/// Longest highlighted fragment, in characters.
const FRAGMENT_CHARS: usize = 200;
/// The tokenizer of every text field: words split at anything not a letter or digit, lower
/// case, accents folded (`Genève` finds `Geneve`), words over 40 bytes left out. It stems no
/// language, so it treats every language an item is written in alike.
const TOKENIZER: &str = "liaison";
/// The indexing writer's memory, tantivy's least: past it, it writes a segment.
const WRITER_MEMORY: usize = 15_000_000;

/// The text fields searched, with their weights: a word of the title counts most, then a
/// word of an item's lead (mandate, summary, symbol, a contact's function and unit), then the
/// rest.
const FIELDS: [(&str, f32); 3] = [("title", 4.0), ("lead", 2.0), ("text", 1.0)];

/// Why a search was refused: the query text, named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// Nothing to search for.
    #[error("the query is empty: give a word to search for")]
    Empty,
    /// More than [`MAX_QUERY_CHARS`] characters.
    #[error("the query is {0} characters long, at most {MAX_QUERY_CHARS} are allowed")]
    TooLong(usize),
    /// Not a query the parser reads.
    #[error("invalid query '{query}': {why}")]
    Invalid {
        /// The query text.
        query: String,
        /// What the parser said.
        why: String,
    },
}

/// Checks the length of `text` before anything parses it.
///
/// # Errors
/// [`QueryError::Empty`], [`QueryError::TooLong`].
pub fn check_query(text: &str) -> Result<&str, QueryError> {
    let chars = text.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong(chars));
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(QueryError::Empty);
    }
    Ok(text)
}

/// A search index of items: its map of items in memory, its segments in memory or in files.
pub(crate) struct Index {
    writer: IndexWriter,
    reader: IndexReader,
    parser: QueryParser,
    fields: [Field; 3],
    slot: Field,
    /// The items indexed: each one's number in the index and the digest of the state indexed.
    indexed: HashMap<ItemId, (u64, Vec<u8>)>,
    /// The item of each number.
    ids: HashMap<u64, ItemId>,
    next_slot: u64,
    /// The store generation the index was brought to, if any.
    generation: Option<u64>,
    /// Whether items were added or deleted since the last commit.
    touched: bool,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("search::Index")
            .field("items", &self.indexed.len())
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

/// One item found, best first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hit {
    /// The item.
    pub id: ItemId,
    /// How well it matches (BM25 with field weights).
    pub score: f32,
}

/// What a search on a node found, for its operator: how many items match, and the first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    /// Every item that matches.
    pub total: usize,
    /// The best of them, best first.
    pub results: Vec<Match>,
}

/// One item a search found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Match {
    /// The item.
    pub entry: Entry,
    /// How well it matches.
    pub score: f32,
    /// The words found in its title and in a fragment of its other text.
    pub highlights: Vec<Highlight>,
}

/// The items found: how many in all, and the page asked for.
pub(crate) struct Found {
    /// Every item that matches the query and the filter.
    pub(crate) total: usize,
    /// The page asked for, best first.
    pub(crate) hits: Vec<Hit>,
    searcher: Searcher,
    query: Box<dyn Query>,
    fields: [Field; 3],
}

/// Text with the words a query found in it marked: the pieces in order, each `true` when it is
/// a word found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Highlight {
    /// Which text: `title`, `lead` or `text`.
    pub field: String,
    /// The fragment in pieces.
    pub pieces: Vec<(String, bool)>,
}

/// The index is brought to the store item by item ([`crate::follow::catch_up`]): items gone
/// are deleted, new ones and changed ones (by digest) indexed anew, and what changed is
/// committed once the catch-up is done.
impl crate::follow::Follower for Index {
    fn generation(&self) -> Option<u64> {
        self.generation
    }

    fn set_generation(&mut self, generation: Option<u64>) {
        self.generation = generation;
    }

    fn update(&mut self, id: ItemId, entry: Option<Entry>) -> Result<(), Error> {
        self.touched |= match entry {
            Some(entry) => self.put(&entry)?,
            None => self.remove(id),
        };
        Ok(())
    }

    fn remake(&mut self, all: crate::follow::Every<'_>) -> Result<(), Error> {
        let mut now = HashSet::new();
        let mut failed = None;
        all(&mut |entry| {
            now.insert(entry.header.id);
            if failed.is_none()
                && let Err(e) = self.update(entry.header.id, Some(entry))
            {
                failed = Some(e);
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        let gone: Vec<ItemId> =
            self.indexed.keys().filter(|id| !now.contains(id)).copied().collect();
        for id in gone {
            self.update(id, None)?;
        }
        Ok(())
    }

    fn settle(&mut self) -> Result<(), Error> {
        if std::mem::take(&mut self.touched) {
            self.writer.commit().map_err(search_error)?;
            self.reader.reload().map_err(search_error)?;
        }
        Ok(())
    }
}

fn search_error(e: tantivy::TantivyError) -> Error {
    Error::Store(format!("search index: {e}"))
}

impl Index {
    /// An empty index, its segments in `dir` or, when `None`, in memory.
    ///
    /// In `dir`, tantivy maps its files into memory (`MmapDirectory`): their pages are the
    /// kernel's page cache, which it reads back from disk when it needs the memory, not the
    /// process's heap. Whatever `dir` held is removed first: which item each number in the
    /// index stands for is kept in memory only, so the index is made anew at every start.
    ///
    /// # Errors
    /// [`Error::Io`] if `dir` cannot be emptied or made; tantivy's failures to start.
    pub(crate) fn new(dir: Option<&Path>) -> Result<Index, Error> {
        let mut schema = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let fields = FIELDS.map(|(name, _)| schema.add_text_field(name, text.clone()));
        let slot = schema.add_u64_field("slot", INDEXED | FAST);
        let index = match dir {
            Some(dir) => {
                match std::fs::remove_dir_all(dir) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io(dir, e)),
                }
                crate::identity::make_private_dir(dir)?;
                tantivy::Index::create_in_dir(dir, schema.build()).map_err(search_error)?
            }
            None => tantivy::Index::create_in_ram(schema.build()),
        };
        index.tokenizers().register(
            TOKENIZER,
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .build(),
        );
        let options = tantivy::indexer::IndexWriterOptions::builder()
            .memory_budget_per_thread(WRITER_MEMORY)
            .num_worker_threads(1)
            .num_merge_threads(1)
            .build();
        let writer = index.writer_with_options(options).map_err(search_error)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(search_error)?;
        let mut parser = QueryParser::for_index(&index, fields.to_vec());
        parser.set_conjunction_by_default();
        for (field, (_, boost)) in fields.iter().zip(FIELDS) {
            parser.set_field_boost(*field, boost);
        }
        Ok(Index {
            writer,
            reader,
            parser,
            fields,
            slot,
            indexed: HashMap::new(),
            ids: HashMap::new(),
            next_slot: 0,
            generation: None,
            touched: false,
        })
    }

    /// Indexes `entry` anew unless it is indexed in this state; whether it was.
    fn put(&mut self, entry: &Entry) -> Result<bool, Error> {
        let id = entry.header.id;
        if self.indexed.get(&id).is_some_and(|(_, digest)| *digest == entry.record.digest) {
            return Ok(false);
        }
        self.remove(id);
        let slot = self.next_slot;
        self.next_slot += 1;
        let mut doc = TantivyDocument::default();
        doc.add_u64(self.slot, slot);
        for (field, text) in self.fields.iter().zip(texts(entry)) {
            doc.add_text(*field, text);
        }
        self.writer.add_document(doc).map_err(search_error)?;
        self.indexed.insert(id, (slot, entry.record.digest.clone()));
        self.ids.insert(slot, id);
        Ok(true)
    }

    /// Deletes `id` from the index; whether it was there.
    fn remove(&mut self, id: ItemId) -> bool {
        let Some((slot, _)) = self.indexed.remove(&id) else { return false };
        self.ids.remove(&slot);
        self.writer.delete_term(Term::from_field_u64(self.slot, slot));
        true
    }

    /// The items among `among` (every item indexed when `None`) that match `text`, best first:
    /// `count` of them after the first `offset`, and how many match in all.
    ///
    /// # Errors
    /// [`QueryError`] for a query refused; tantivy's failures as [`Error::Store`].
    pub(crate) fn search(
        &self,
        text: &str,
        among: Option<&HashSet<ItemId>>,
        offset: usize,
        count: usize,
    ) -> Result<Result<Found, QueryError>, Error> {
        let text = match check_query(text) {
            Ok(text) => text,
            Err(e) => return Ok(Err(e)),
        };
        let query = match self.parser.parse_query(text) {
            Ok(query) => query,
            Err(e) => {
                return Ok(Err(QueryError::Invalid { query: text.to_owned(), why: e.to_string() }));
            }
        };
        let allowed: HashSet<u64> = match among {
            Some(ids) => {
                ids.iter().filter_map(|id| self.indexed.get(id)).map(|(s, _)| *s).collect()
            }
            None => self.ids.keys().copied().collect(),
        };
        let allowed = std::sync::Arc::new(allowed);
        let predicate = {
            let allowed = std::sync::Arc::clone(&allowed);
            move |slot: u64| allowed.contains(&slot)
        };
        let top = FilterCollector::new(
            "slot".to_owned(),
            predicate.clone(),
            TopDocs::with_limit(count.max(1)).and_offset(offset).order_by_score(),
        );
        let all = FilterCollector::new("slot".to_owned(), predicate, Count);
        let searcher = self.reader.searcher();
        let (top, total) = searcher.search(&query, &(top, all)).map_err(search_error)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let column = searcher
                .segment_reader(address.segment_ord)
                .fast_fields()
                .u64("slot")
                .map_err(search_error)?;
            let id = column.first(address.doc_id).and_then(|slot| self.ids.get(&slot));
            hits.extend(id.map(|id| Hit { id: *id, score }));
        }
        hits.truncate(count);
        Ok(Ok(Found { total, hits, searcher, query, fields: self.fields }))
    }
}

impl Found {
    /// The words of the query found in `entry`'s texts: its title whole, and a fragment of the
    /// first other text with a word found.
    pub(crate) fn highlights(&self, entry: &Entry) -> Vec<Highlight> {
        let texts = texts(entry);
        let mut out = Vec::new();
        for (i, ((field, text), (name, _))) in
            self.fields.iter().zip(&texts).zip(FIELDS).enumerate()
        {
            let Ok(mut generator) = SnippetGenerator::create(&self.searcher, &*self.query, *field)
            else {
                continue;
            };
            let whole = i == 0;
            generator.set_max_num_chars(if whole { text.len().max(1) } else { FRAGMENT_CHARS });
            let snippet = generator.snippet(text);
            if snippet.highlighted().is_empty() {
                if whole {
                    out.push(Highlight {
                        field: name.to_owned(),
                        pieces: vec![(text.clone(), false)],
                    });
                }
                continue;
            }
            let fragment = snippet.fragment();
            out.push(Highlight {
                field: name.to_owned(),
                pieces: pieces(fragment, snippet.highlighted()),
            });
            if !whole {
                break;
            }
        }
        out
    }
}

/// `fragment` cut into pieces at the byte ranges `marked` (sorted, not overlapping).
fn pieces(fragment: &str, marked: &[Range<usize>]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut at = 0;
    for range in marked {
        let (Some(before), Some(word)) =
            (fragment.get(at..range.start), fragment.get(range.clone()))
        else {
            continue;
        };
        if !before.is_empty() {
            out.push((before.to_owned(), false));
        }
        out.push((word.to_owned(), true));
        at = range.end;
    }
    if let Some(rest) = fragment.get(at..).filter(|rest| !rest.is_empty()) {
        out.push((rest.to_owned(), false));
    }
    out
}

/// An item's text in the index's three fields: its title in every language it has (a
/// recommendation's text is its title); its lead
/// (its summary in every language, a visit's mandate, a report's symbol, a recommendation's body
/// and symbol, a contact's function, unit and name); and everything else in
/// words (themes, places, notes, sessions, the countries by code and by name in each language
/// of the public site, the mechanisms).
/// Each is cut at [`FIELD_CAP`] bytes.
pub(crate) fn texts(entry: &Entry) -> [String; 3] {
    let f = &entry.record.state.fields;
    let mut lead: Vec<&str> = Vec::new();
    let mut rest: Vec<String> = Vec::new();
    lead.extend(f.summary_text());
    lead.extend(f.summary_in.values().map(String::as_str));
    if let Some(v) = &f.visit {
        lead.push(&v.mandate);
        for s in &v.sites {
            rest.extend(s.place.clone());
        }
        for s in &v.status_history {
            rest.extend(s.note.clone());
        }
        for p in &v.programme {
            rest.push(p.place.clone());
            rest.push(p.meeting.clone());
        }
        rest.extend(v.notes.clone());
        rest.push(v.visit_type.as_str().replace('_', " "));
        rest.push(v.status.as_str().replace('_', " "));
    }
    if let Some(e) = &f.event {
        rest.extend(e.location.as_ref().and_then(|l| l.text.clone()));
        rest.extend(e.session.clone());
        rest.push(e.category.as_str().replace('_', " "));
    }
    if let Some(r) = &f.report {
        lead.extend(r.symbol.as_deref());
        rest.push(r.doc_type.as_str().replace('_', " "));
    }
    if let Some(r) = &f.recommendation {
        lead.push(&r.body);
        lead.push(&r.symbol);
        rest.push(r.mechanism.clone());
        rest.extend(r.affected_persons.iter().cloned());
        rest.extend(r.assessments.iter().filter_map(|a| a.note.clone()));
    }
    if let Some(c) = &f.contact {
        lead.push(&c.function_title);
        lead.push(&c.org_unit);
        lead.extend(c.person_name.as_deref());
        rest.extend(c.coverage_themes.iter().cloned());
        rest.push(c.role.as_str().replace('_', " "));
    }
    rest.extend(f.themes.iter().cloned());
    for c in f.all_countries() {
        rest.push(format!("{} ({c})", crate::public::i18n::country_names(c).join(", ")));
    }
    rest.push(entry.header.owner.to_string());
    rest.extend(entry.header.co_owners.iter().map(ToString::to_string));
    rest.push(entry.header.kind.to_string());
    let titles: Vec<&str> = std::iter::once(f.title.value.as_str())
        .chain(f.title_translations().values().map(String::as_str))
        .collect();
    [capped(&titles.join(" · ")), capped(&lead.join(" · ")), capped(&rest.join(" · "))]
}

/// `text` cut to at most [`FIELD_CAP`] bytes, at a character boundary.
fn capped(text: &str) -> String {
    if text.len() <= FIELD_CAP {
        return text.to_owned();
    }
    let mut end = FIELD_CAP;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests;
