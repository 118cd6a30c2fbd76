//! The sled store: one checksummed record per item, indexes for list queries, and the roster.
//! This is the only module that names sled.
//!
//! Keys (one tree, so every write is one atomic batch):
//! - `meta/version`: the store's format version ([`STORE_VERSION`]), 4 bytes big-endian.
//! - `r/<id:16>`: the item's [`Record`], as `sha256(cbor) || cbor`.
//! - `k/<kind>/<id>`, `c/<CC>/<id>`, `m/<mechanism>/<id>`, `d/<YYYY-MM-DD>/<id>`: indexes by
//!   kind, country, mechanism (owner and co-owners) and first day.
//! - `s/<superseded id:16><id:16>`: the index of reissues, from each item's `supersedes`;
//!   `meta/reissues-indexed` says it is complete.
//! - `x/<CC>/<id:16>`: the matrix's [`Facts`] of each recommendation the node's operator may
//!   see (not withdrawn), under each country of its `countries` field, as
//!   `sha256(cbor) || cbor`; written and removed in the same batch as the record, so that they
//!   always say what it says. `meta/matrix-facts` says every record has them.
//! - `roster/<key:32>`: a roster [`Card`], CBOR.
//! - `authority/<mechanism>`: an anchored [`AuthorityCard`], CBOR.
//! - `statement/<sha256 of its bytes>`: a certificate or revocation ([`Signed`]), CBOR.
//! - `checkpoint/<mechanism>`: the latest checkpoint of a mechanism's public items, CBOR.
//! - `keyset/<mechanism>`: the latest keyset of a mechanism, as its JSON file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::NaiveDate;
use liaison_protocol::codec::{self, MAX_RECORD_BYTES};
use liaison_protocol::sync::ItemPayload;
use liaison_protocol::trust::{AuthorityCard, Certificate, MAX_STATEMENT_BYTES, Signed};
use liaison_protocol::{
    Card, ChangeSig, CountryCode, Destination, Header, ItemId, ItemState, Kind, Mechanism,
    PublicKey, Roster, SignedHeader, may_leave,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Error;
use crate::matrix::Facts;

/// Everything stored about one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The signed header.
    pub header: SignedHeader,
    /// The saved automerge document.
    #[serde(with = "serde_bytes")]
    pub doc: Vec<u8>,
    /// The signature of every change in `doc`.
    pub sigs: Vec<ChangeSig>,
    /// The document's state, read once at write time so lists need not load documents.
    pub state: ItemState,
    /// Digest of the document's heads, for catalogue reconciliation.
    #[serde(with = "serde_bytes")]
    pub digest: Vec<u8>,
}

/// A record with its header decoded (signature checked when it was written).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// The decoded header.
    pub header: Header,
    /// The record.
    pub record: Record,
}

/// A list query. Every filter that is set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// Only items of this kind.
    pub kind: Option<Kind>,
    /// Only items concerning this country.
    pub country: Option<CountryCode>,
    /// Only items owned or co-owned by this mechanism.
    pub mechanism: Option<Mechanism>,
    /// Only items whose span ends on or after this day.
    pub from: Option<NaiveDate>,
    /// Only items whose span starts on or before this day.
    pub to: Option<NaiveDate>,
    /// Include withdrawn items.
    pub withdrawn: bool,
}

impl Query {
    /// Whether `entry` matches every filter.
    pub fn matches(&self, entry: &Entry) -> bool {
        let (state, header) = (&entry.record.state, &entry.header);
        let mechanisms: Vec<Mechanism> =
            std::iter::once(&header.owner).chain(&header.co_owners).cloned().collect();
        self.matches_parts(
            header.kind,
            &state.fields.all_countries(),
            &mechanisms,
            state.fields.span(),
            state.withdrawn,
        )
    }

    /// Whether an item of `kind`, concerning `countries`, owned or co-owned by `mechanisms`,
    /// spanning `span`, withdrawn or not, matches every filter.
    pub fn matches_parts(
        &self,
        kind: Kind,
        countries: &[CountryCode],
        mechanisms: &[Mechanism],
        span: Option<(NaiveDate, NaiveDate)>,
        withdrawn: bool,
    ) -> bool {
        (self.withdrawn || !withdrawn)
            && self.kind.is_none_or(|k| kind == k)
            && self.country.is_none_or(|c| countries.contains(&c))
            && self.mechanism.as_ref().is_none_or(|m| mechanisms.contains(m))
            && self.from.is_none_or(|from| span.is_some_and(|(_, end)| end >= from))
            && self.to.is_none_or(|to| span.is_some_and(|(start, _)| start <= to))
    }
}

/// The store of one node.
#[derive(Debug, Clone)]
pub struct Store {
    db: sled::Db,
    /// The generation, bumped after every write, and which items each write changed; shared
    /// by every clone.
    changes: std::sync::Arc<Changes>,
}

/// Most writes whose items the store remembers (see [`Store::changed_since`]); a reader
/// further behind reads everything again.
const REMEMBERED_WRITES: usize = 4096;

/// The store's generation and the items the latest writes changed.
#[derive(Debug, Default)]
struct Changes {
    generation: std::sync::atomic::AtomicU64,
    /// The generation each remembered write made, and the items it changed.
    log: std::sync::Mutex<std::collections::VecDeque<(u64, Vec<ItemId>)>>,
    /// The leaves kept for a member's checkpoints, if it asked ([`Store::keep_leaves`]).
    leaves: std::sync::Mutex<Option<Leaves>>,
}

/// A mechanism's public items with their state digests, by id (what its member's checkpoints
/// cover), brought up to date by every write as it is made, so that a checkpoint reads no
/// record however many items changed.
#[derive(Debug)]
struct Leaves {
    mechanism: Mechanism,
    leaves: BTreeMap<ItemId, [u8; 32]>,
    /// Bumped whenever a leaf changes.
    changes: u64,
}

/// sled's page cache. Its default, 1 GiB, would let a node holding 100,000 items grow past
/// what a small server can spare; reads beyond it come from the operating system's cache.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

impl Store {
    /// Opens (or creates) the store in `dir`.
    ///
    /// # Errors
    /// [`Error::StoreBusy`] when another process holds it; [`Error::Store`] otherwise.
    pub fn open(dir: &Path) -> Result<Self, Error> {
        crate::identity::make_private_dir(dir)?;
        let db =
            sled::Config::new().path(dir).cache_capacity(CACHE_BYTES).open().map_err(
                |e| match e {
                    // sled reports another process's lock as an IO error with this message.
                    sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
                        Error::StoreBusy(dir.to_owned())
                    }
                    other => Error::Store(other.to_string()),
                },
            )?;
        make_files_private(dir)?;
        check_version(&db, dir)?;
        index_reissues(&db)?;
        keep_matrix_facts(&db)?;
        Ok(Self { db, changes: std::sync::Arc::default() })
    }

    /// A number that changes after every write (of items or of the roster) through this store
    /// or a clone of it: what a reader derives from the store stays valid while it does not
    /// change. Read it before reading the store.
    pub fn generation(&self) -> u64 {
        self.changes.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Bumps the generation after a write that changed `items` (none for the roster and
    /// other records), and remembers them.
    fn changed(&self, items: Vec<ItemId>) {
        let mut log = self.changes.log.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let generation =
            self.changes.generation.fetch_add(1, std::sync::atomic::Ordering::AcqRel) + 1;
        if log.len() == REMEMBERED_WRITES {
            log.pop_front();
        }
        log.push_back((generation, items));
    }

    /// Keeps `mechanism`'s public items, `leaves` (read from every record since the store
    /// opened, before anything else wrote), current with every write from now on: what
    /// [`Store::with_leaves`] hands a member's checkpoint.
    pub fn keep_leaves(&self, mechanism: Mechanism, leaves: BTreeMap<ItemId, [u8; 32]>) {
        let mut kept =
            self.changes.leaves.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *kept = Some(Leaves { mechanism, leaves, changes: 0 });
    }

    /// Hands `with` the kept public items of `mechanism` and a number that changes whenever
    /// they do; `None` when the store keeps none of this mechanism's.
    pub fn with_leaves<T>(
        &self,
        mechanism: &Mechanism,
        with: impl FnOnce(&BTreeMap<ItemId, [u8; 32]>, u64) -> T,
    ) -> Option<T> {
        let kept = self.changes.leaves.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.as_ref().filter(|k| &k.mechanism == mechanism).map(|k| with(&k.leaves, k.changes))
    }

    /// Brings the kept leaves up to date with records just written.
    fn keep(&self, records: &[(&Header, &Record, Option<&ItemState>)]) {
        let mut kept =
            self.changes.leaves.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(kept) = kept.as_mut() else { return };
        for (header, record, _) in records {
            if header.owner != kept.mechanism {
                continue;
            }
            let leaf = record_leaf(header, record, &kept.mechanism);
            let old = match leaf {
                Some(digest) => kept.leaves.insert(header.id, digest),
                None => kept.leaves.remove(&header.id),
            };
            if old != leaf {
                kept.changes += 1;
            }
        }
    }

    /// The generation now, and the items changed since `generation` (each once), or `None`
    /// when writes since then are no longer remembered (or `generation` is not one this store
    /// made): then a reader must read everything again.
    pub fn changed_since(&self, generation: u64) -> (u64, Option<Vec<ItemId>>) {
        let log = self.changes.log.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = self.generation();
        if generation == now {
            return (now, Some(Vec::new()));
        }
        let complete = generation < now && log.front().is_some_and(|(g, _)| *g <= generation + 1);
        if !complete {
            return (now, None);
        }
        let ids: BTreeSet<ItemId> = log
            .iter()
            .filter(|(g, _)| *g > generation)
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect();
        (now, Some(ids.into_iter().collect()))
    }

    /// What a reader up to date with the store at `generation` (`None`: it never read it) must
    /// read again: the generation now, and the items changed since, or `None` for every item
    /// (see [`Store::changed_since`]). Read it before reading the items.
    pub fn catch_up(&self, generation: Option<u64>) -> (u64, Option<Vec<ItemId>>) {
        match generation {
            Some(g) => self.changed_since(g),
            None => (self.generation(), None),
        }
    }

    /// The record of `id`, checksum verified.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when the record is truncated or altered.
    pub fn get(&self, id: ItemId) -> Result<Option<Entry>, Error> {
        match self.db.get(record_key(id)).map_err(store_err)? {
            None => Ok(None),
            Some(bytes) => decode_entry(id, &bytes).map(Some),
        }
    }

    /// Writes `records` and their index entries in one atomic batch, and returns once it is
    /// durable on disk.
    ///
    /// # Errors
    /// [`Error::Store`] if sled fails; then nothing was written.
    pub fn put(&self, records: &[(&Header, &Record)]) -> Result<(), Error> {
        let mut olds = Vec::with_capacity(records.len());
        for (header, _) in records {
            olds.push(self.get(header.id)?);
        }
        let writes: Vec<_> = records
            .iter()
            .zip(&olds)
            .map(|((header, record), old)| {
                (*header, *record, old.as_ref().map(|e| &e.record.state))
            })
            .collect();
        self.put_over(&writes)
    }

    /// [`Store::put`] of records whose stored state the caller read already: each with the
    /// state the store holds of it (`None` for a new item), so that its index entries are
    /// replaced without reading it again.
    ///
    /// # Errors
    /// [`Error::Store`] if sled fails; then nothing was written.
    pub fn put_over(
        &self,
        records: &[(&Header, &Record, Option<&ItemState>)],
    ) -> Result<(), Error> {
        let mut batch = sled::Batch::default();
        for (header, record, old) in records {
            if let Some(old) = old {
                for key in index_keys(header, old) {
                    batch.remove(key);
                }
                for key in facts_keys(header, old) {
                    batch.remove(key);
                }
            }
            for key in index_keys(header, &record.state) {
                batch.insert(key, &[][..]);
            }
            put_facts(&mut batch, header, &record.state);
            batch.insert(record_key(header.id), encode_record(record));
        }
        let applied = self.db.apply_batch(batch).map_err(store_err);
        if applied.is_ok() {
            self.keep(records);
        }
        self.changed(records.iter().map(|(header, ..)| header.id).collect());
        applied?;
        self.db.flush().map_err(store_err)?;
        Ok(())
    }

    /// The items matching `query`, oldest first by id order of the index used.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on the first altered record met.
    pub fn list(&self, query: &Query) -> Result<Vec<Entry>, Error> {
        let mut out = Vec::new();
        self.each(query, |entry| out.push(entry))?;
        Ok(out)
    }

    /// Hands `each` the items matching `query`, in the order of [`Store::list`], one at a
    /// time: a pass over every item holds one record in memory, not all of them.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on the first altered record met.
    pub fn each(&self, query: &Query, mut each: impl FnMut(Entry)) -> Result<(), Error> {
        self.each_while(query, |entry| {
            each(entry);
            true
        })
    }

    /// [`Store::each`] until `each` returns false.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on the first altered record met.
    pub fn each_while(
        &self,
        query: &Query,
        mut each: impl FnMut(Entry) -> bool,
    ) -> Result<(), Error> {
        // The most selective index the query allows; `matches` applies every filter after.
        let scan = match (&query.country, &query.mechanism, query.kind, query.to) {
            (Some(c), ..) => self.db.scan_prefix(format!("c/{c}/")),
            (None, Some(m), ..) => self.db.scan_prefix(format!("m/{m}/")),
            (None, None, _, Some(to)) => {
                self.db.range(b"d/".to_vec()..format!("d/{to}0").into_bytes())
            }
            (None, None, Some(k), None) => self.db.scan_prefix(format!("k/{k}/")),
            (None, None, None, None) => {
                // Every record, in id order: read as the scan meets them.
                for item in self.db.scan_prefix(b"r/") {
                    let (key, value) = item.map_err(store_err)?;
                    let Ok(id) = <[u8; 16]>::try_from(&key[2..]) else { continue };
                    let entry = decode_entry(ItemId::from_bytes(id), &value)?;
                    if query.matches(&entry) && !each(entry) {
                        break;
                    }
                }
                return Ok(());
            }
        };
        let mut ids = BTreeSet::new();
        for item in scan {
            let (key, _) = item.map_err(store_err)?;
            let tail: Option<[u8; 16]> =
                key.get(key.len().saturating_sub(16)..).and_then(|t| t.try_into().ok());
            ids.extend(tail.map(ItemId::from_bytes));
        }
        for id in ids {
            if let Some(entry) = self.get(id)?
                && query.matches(&entry)
                && !each(entry)
            {
                break;
            }
        }
        Ok(())
    }

    /// Item `id` as it travels to a peer (signed header, document, signatures), if it is
    /// here, without decoding its state: what serving a fetch reads of each item.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record.
    pub fn payload(&self, id: ItemId) -> Result<Option<ItemPayload>, Error> {
        let Some(bytes) = self.db.get(record_key(id)).map_err(store_err)? else { return Ok(None) };
        let record: RecordPayload = decode_record(id, &bytes)?;
        decode_header(id, &record.header.bytes)?;
        Ok(Some(ItemPayload { header: record.header, doc: record.doc, sigs: record.sigs }))
    }

    /// Item `id`'s [`Head`], if it is here, without decoding the rest of its record.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record.
    pub fn head(&self, id: ItemId) -> Result<Option<Head>, Error> {
        match self.db.get(record_key(id)).map_err(store_err)? {
            None => Ok(None),
            Some(bytes) => decode_head(id, &bytes).map(Some),
        }
    }

    /// The matrix's [`Facts`] of every recommendation to `country` the node's operator may see
    /// (not withdrawn), in id order: what the store keeps beside their records (`x/`), so
    /// that no record is read.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on the first altered entry met.
    pub fn matrix_facts(&self, country: CountryCode) -> Result<Vec<Facts>, Error> {
        let mut read = Vec::new();
        for item in self.db.scan_prefix(format!("x/{country}/")) {
            let (key, value) = item.map_err(store_err)?;
            let Ok(id) = <[u8; 16]>::try_from(&key[key.len().saturating_sub(16)..]) else {
                continue;
            };
            read.push((ItemId::from_bytes(id), value));
        }
        // Decoding (and checking each entry's checksum) is most of the work: on every core.
        crate::cores::on_every_core(&read, |(id, value)| {
            let facts: Facts = decode_record(*id, value)?;
            if facts.row.id != *id {
                return Err(corrupt(*id, format!("its matrix facts are of {}", facts.row.id)));
            }
            Ok(facts)
        })
        .into_iter()
        .collect()
    }

    /// Forgets every matrix fact and the mark that they are complete, as in a store made
    /// before them.
    #[cfg(test)]
    pub(crate) fn forget_matrix_facts(&self) {
        let mut batch = sled::Batch::default();
        for item in self.db.scan_prefix(b"x/") {
            batch.remove(item.expect("scan").0);
        }
        batch.remove(MATRIX_FACTS);
        self.db.apply_batch(batch).expect("forget");
        self.db.flush().expect("flush");
    }

    /// Every item's [`Head`], in id order, without decoding the rest of its record: what a
    /// node reads of every item when it starts.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on the first altered record met.
    pub fn each_head(&self, mut each: impl FnMut(Head)) -> Result<(), Error> {
        for item in self.db.scan_prefix(b"r/") {
            let (key, value) = item.map_err(store_err)?;
            let Ok(id) = <[u8; 16]>::try_from(&key[2..]) else { continue };
            each(decode_head(ItemId::from_bytes(id), &value)?);
        }
        Ok(())
    }

    /// The items whose header says they supersede item `id` (its reissues), by the index of
    /// reissues (`s/`).
    ///
    /// # Errors
    /// If sled fails.
    pub fn successors(&self, id: ItemId) -> Result<Vec<ItemId>, Error> {
        let mut out = Vec::new();
        for item in self.db.scan_prefix([&b"s/"[..], id.as_bytes()].concat()) {
            let (key, _) = item.map_err(store_err)?;
            if let Ok(bytes) = <[u8; 16]>::try_from(&key[key.len().saturating_sub(16)..]) {
                out.push(ItemId::from_bytes(bytes));
            }
        }
        Ok(out)
    }

    /// Every item id in the store.
    ///
    /// # Errors
    /// If sled fails.
    pub fn ids(&self) -> Result<Vec<ItemId>, Error> {
        let mut out = Vec::new();
        for item in self.db.scan_prefix(b"r/") {
            let (key, _) = item.map_err(store_err)?;
            if let Ok(bytes) = <[u8; 16]>::try_from(&key[2..]) {
                out.push(ItemId::from_bytes(bytes));
            }
        }
        Ok(out)
    }

    /// The roster's cards.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when an entry does not decode.
    pub fn roster(&self) -> Result<Vec<Card>, Error> {
        self.scan_cbor(b"roster/", "roster entry", codec::MAX_CARD_BYTES)
    }

    /// Adds or replaces a roster card, durably.
    ///
    /// # Errors
    /// If sled fails.
    pub fn put_card(&self, card: &Card) -> Result<(), Error> {
        self.put_durably(roster_key(&card.key), card)
    }

    /// Removes a roster card, durably. Returns whether it was there.
    ///
    /// # Errors
    /// If sled fails.
    pub fn remove_card(&self, key: &PublicKey) -> Result<bool, Error> {
        let old = self.db.remove(roster_key(key));
        self.changed(Vec::new());
        let old = old.map_err(store_err)?;
        self.db.flush().map_err(store_err)?;
        Ok(old.is_some())
    }

    /// The roster as stored: pinned cards, anchored authorities, and the certificates and
    /// revocations they signed (each verified again; one that no longer applies, because its
    /// authority was removed, is skipped).
    ///
    /// # Errors
    /// [`Error::Corrupt`] when an entry does not decode.
    pub fn trust(&self) -> Result<Roster, Error> {
        let now = chrono::Utc::now();
        let mut roster = Roster::new();
        for card in self.roster()? {
            roster.insert(card);
        }
        for card in self.authorities()? {
            roster.anchors_mut().anchor(&card);
        }
        // Certificates first, so the log reads in the order things happened.
        let mut statements = self.statements()?;
        statements.sort_by_key(|s| s.verify::<Certificate>().is_err());
        let checkpoints =
            self.scan_cbor::<Signed>(b"checkpoint/", "checkpoint", MAX_STATEMENT_BYTES)?;
        for signed in statements.into_iter().chain(checkpoints) {
            if let Err(e) = roster.add_statement(&signed, now) {
                tracing::debug!(error = %e, "a stored certificate, revocation or checkpoint does not apply");
            }
        }
        Ok(roster)
    }

    /// Keeps `json`, the keyset file of `mechanism`, replacing the one before, durably.
    ///
    /// # Errors
    /// If sled fails.
    pub fn put_keyset(&self, mechanism: &Mechanism, json: &str) -> Result<(), Error> {
        let key = [&b"keyset/"[..], mechanism.as_str().as_bytes()].concat();
        let inserted = self.db.insert(key, json.as_bytes());
        self.changed(Vec::new());
        inserted.map_err(store_err)?;
        self.db.flush().map_err(store_err)?;
        Ok(())
    }

    /// The keyset file kept of `mechanism`.
    ///
    /// # Errors
    /// If sled fails.
    pub fn keyset(&self, mechanism: &Mechanism) -> Result<Option<String>, Error> {
        let key = [&b"keyset/"[..], mechanism.as_str().as_bytes()].concat();
        let value = self.db.get(key).map_err(store_err)?;
        Ok(value.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Keeps the latest checkpoint of `mechanism`, replacing the one before, durably.
    ///
    /// # Errors
    /// If sled fails.
    pub fn put_checkpoint(&self, mechanism: &Mechanism, signed: &Signed) -> Result<(), Error> {
        self.put_durably([&b"checkpoint/"[..], mechanism.as_str().as_bytes()].concat(), signed)
    }

    /// The public items `mechanism` owns (`clear`, not withdrawn), with their state digests,
    /// sorted by id: what its checkpoints cover.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on the first altered record met.
    pub fn public_leaves(&self, mechanism: &Mechanism) -> Result<Vec<(ItemId, [u8; 32])>, Error> {
        let query = Query { mechanism: Some(mechanism.clone()), ..Query::default() };
        let mut public = Vec::new();
        self.each(&query, |e| public.extend(public_leaf(&e, mechanism).map(|d| (e.header.id, d))))?;
        Ok(liaison_protocol::trust::leaves(public))
    }

    /// The anchored authorities' cards.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when an entry does not decode.
    pub fn authorities(&self) -> Result<Vec<AuthorityCard>, Error> {
        self.scan_cbor(b"authority/", "authority card", codec::MAX_CARD_BYTES)
    }

    /// Anchors an authority, replacing any earlier one of its mechanism, durably.
    ///
    /// # Errors
    /// If sled fails.
    pub fn put_authority(&self, card: &AuthorityCard) -> Result<(), Error> {
        self.put_durably([&b"authority/"[..], card.mechanism.as_str().as_bytes()].concat(), card)
    }

    /// Removes the authority of `mechanism`, durably. Returns whether it was there.
    ///
    /// # Errors
    /// If sled fails.
    pub fn remove_authority(&self, mechanism: &Mechanism) -> Result<bool, Error> {
        let old = self.db.remove([&b"authority/"[..], mechanism.as_str().as_bytes()].concat());
        self.changed(Vec::new());
        let old = old.map_err(store_err)?;
        self.db.flush().map_err(store_err)?;
        Ok(old.is_some())
    }

    /// The certificates and revocations kept.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when an entry does not decode.
    pub fn statements(&self) -> Result<Vec<Signed>, Error> {
        self.scan_cbor(b"statement/", "certificate or revocation", MAX_STATEMENT_BYTES + 128)
    }

    /// Keeps a certificate or a revocation, durably.
    ///
    /// # Errors
    /// If sled fails.
    pub fn put_statement(&self, signed: &Signed) -> Result<(), Error> {
        let hash = Sha256::digest(&signed.bytes);
        self.put_durably([&b"statement/"[..], &hash[..]].concat(), signed)
    }

    fn scan_cbor<T: serde::de::DeserializeOwned>(
        &self,
        prefix: &[u8],
        what: &str,
        max: usize,
    ) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        for item in self.db.scan_prefix(prefix) {
            let (_, value) = item.map_err(store_err)?;
            let decoded = codec::decode(&value, max)
                .map_err(|e| Error::Corrupt { what: what.to_owned(), why: e.to_string() })?;
            out.push(decoded);
        }
        Ok(out)
    }

    fn put_durably<T: Serialize>(&self, key: Vec<u8>, value: &T) -> Result<(), Error> {
        let inserted = self.db.insert(key, codec::encode(value));
        self.changed(Vec::new());
        inserted.map_err(store_err)?;
        self.db.flush().map_err(store_err)?;
        Ok(())
    }

    /// Bytes the store takes on disk.
    ///
    /// # Errors
    /// If sled fails.
    pub fn size_on_disk(&self) -> Result<u64, Error> {
        self.db.size_on_disk().map_err(store_err)
    }
}

/// A read-only view of a [`Store`]: its reads, and no way to write. The public site holds one,
/// so that the site cannot write is the compiler's check, not a convention.
#[derive(Debug, Clone)]
pub struct ReadOnlyStore(Store);

impl Store {
    /// A read-only view of this store, sharing its generation.
    pub fn read_only(&self) -> ReadOnlyStore {
        ReadOnlyStore(self.clone())
    }
}

impl ReadOnlyStore {
    /// See [`Store::generation`].
    pub fn generation(&self) -> u64 {
        self.0.generation()
    }

    /// See [`Store::changed_since`].
    pub fn changed_since(&self, generation: u64) -> (u64, Option<Vec<ItemId>>) {
        self.0.changed_since(generation)
    }

    /// See [`Store::catch_up`].
    pub fn catch_up(&self, generation: Option<u64>) -> (u64, Option<Vec<ItemId>>) {
        self.0.catch_up(generation)
    }

    /// See [`Store::get`].
    ///
    /// # Errors
    /// [`Error::Corrupt`] when the record is truncated or altered.
    pub fn get(&self, id: ItemId) -> Result<Option<Entry>, Error> {
        self.0.get(id)
    }

    /// See [`Store::list`].
    ///
    /// # Errors
    /// [`Error::Corrupt`] on the first altered record met.
    pub fn list(&self, query: &Query) -> Result<Vec<Entry>, Error> {
        self.0.list(query)
    }

    /// See [`Store::each`].
    ///
    /// # Errors
    /// [`Error::Corrupt`] on the first altered record met.
    pub fn each(&self, query: &Query, each: impl FnMut(Entry)) -> Result<(), Error> {
        self.0.each(query, each)
    }

    /// See [`Store::roster`].
    ///
    /// # Errors
    /// [`Error::Corrupt`] when an entry does not decode.
    pub fn roster(&self) -> Result<Vec<Card>, Error> {
        self.0.roster()
    }

    /// See [`Store::public_leaves`].
    ///
    /// # Errors
    /// [`Error::Corrupt`] on the first altered record met.
    pub fn public_leaves(&self, mechanism: &Mechanism) -> Result<Vec<(ItemId, [u8; 32])>, Error> {
        self.0.public_leaves(mechanism)
    }

    /// See [`Store::keyset`].
    ///
    /// # Errors
    /// If sled fails.
    pub fn keyset(&self, mechanism: &Mechanism) -> Result<Option<String>, Error> {
        self.0.keyset(mechanism)
    }

    /// See [`Store::trust`].
    ///
    /// # Errors
    /// [`Error::Corrupt`] when an entry does not decode.
    pub fn trust(&self) -> Result<Roster, Error> {
        self.0.trust()
    }
}

/// The format of the store this build writes and reads, recorded under `meta/version`.
pub const STORE_VERSION: u32 = 1;

/// Records [`STORE_VERSION`] in a new store (or one from before versions were recorded, which
/// is version 1), and refuses a store of another version: a later release migrates, an earlier
/// one must not guess.
fn check_version(db: &sled::Db, dir: &Path) -> Result<(), Error> {
    match db.get(b"meta/version").map_err(store_err)? {
        None => {
            db.insert(b"meta/version", &STORE_VERSION.to_be_bytes()).map_err(store_err)?;
            db.flush().map_err(store_err)?;
            Ok(())
        }
        Some(bytes) => {
            let found =
                <[u8; 4]>::try_from(bytes.as_ref()).map(u32::from_be_bytes).map_err(|_| {
                    Error::Corrupt {
                        what: "store format version".to_owned(),
                        why: format!("{} bytes", bytes.len()),
                    }
                })?;
            if found == STORE_VERSION {
                Ok(())
            } else {
                Err(Error::StoreVersion { path: dir.to_owned(), found, supported: STORE_VERSION })
            }
        }
    }
}

fn store_err(e: sled::Error) -> Error {
    Error::Store(e.to_string())
}

fn record_key(id: ItemId) -> Vec<u8> {
    [&b"r/"[..], id.as_bytes()].concat()
}

fn roster_key(key: &PublicKey) -> Vec<u8> {
    [&b"roster/"[..], &key.0[..]].concat()
}

fn index_keys(header: &Header, state: &ItemState) -> Vec<Vec<u8>> {
    let id = header.id.as_bytes();
    let key = |prefix: String| [prefix.as_bytes(), id].concat();
    let mut keys = vec![key(format!("k/{}/", header.kind))];
    keys.extend(state.fields.all_countries().iter().map(|c| key(format!("c/{c}/"))));
    keys.extend(
        std::iter::once(&header.owner).chain(&header.co_owners).map(|m| key(format!("m/{m}/"))),
    );
    if let Some((start, _)) = state.fields.span() {
        keys.push(key(format!("d/{start}/")));
    }
    keys.extend(reissue_key(header));
    keys
}

/// The entry of `header` in the index of reissues, `s/<superseded id><id>`, if it supersedes
/// an item.
fn reissue_key(header: &Header) -> Option<Vec<u8>> {
    header.supersedes.map(|old| [&b"s/"[..], old.as_bytes(), header.id.as_bytes()].concat())
}

/// The keys of the matrix's facts of the item of `header` in `state`: one per country of its
/// `countries` field (removing a key that is not there does nothing).
fn facts_keys(header: &Header, state: &ItemState) -> Vec<Vec<u8>> {
    let id = header.id.as_bytes();
    state.fields.countries.iter().map(|c| [format!("x/{c}/").as_bytes(), id].concat()).collect()
}

/// Adds to `batch` the matrix's facts of the item of `header` in `state` under each of its
/// countries, when it is a recommendation not withdrawn that the gate lets out to the node's
/// operator.
fn put_facts(batch: &mut sled::Batch, header: &Header, state: &ItemState) {
    let shown = header.kind == Kind::Recommendation
        && !state.withdrawn
        && may_leave(header, state.withdrawn, Destination::Operator);
    let Some(facts) = shown.then(|| Facts::of(header, state)).flatten() else { return };
    let value = encode_record(&facts);
    for key in facts_keys(header, state) {
        batch.insert(key, value.clone());
    }
}

/// Marks a store whose matrix facts (`x/`) are complete. They came after the store's first
/// format: a store without the mark gets the facts of the recommendations it holds (one pass
/// over them, once) when it is opened; kept out of [`STORE_VERSION`] for the reason
/// [`REISSUES_INDEXED`] is.
const MATRIX_FACTS: &[u8] = b"meta/matrix-facts";

/// Writes the matrix facts of a store made before them, once, a batch of at most
/// `FACTS_BATCH` items at a time.
fn keep_matrix_facts(db: &sled::Db) -> Result<(), Error> {
    const FACTS_BATCH: usize = 4096;
    if db.get(MATRIX_FACTS).map_err(store_err)?.is_some() {
        return Ok(());
    }
    let mut batch = sled::Batch::default();
    let mut held = 0;
    for item in db.scan_prefix(format!("k/{}/", Kind::Recommendation)) {
        let (key, _) = item.map_err(store_err)?;
        let Ok(id) = <[u8; 16]>::try_from(&key[key.len().saturating_sub(16)..]) else {
            continue;
        };
        let Some(value) = db.get(record_key(ItemId::from_bytes(id))).map_err(store_err)? else {
            continue;
        };
        // A corrupt record is logged here, and refused wherever it is read.
        if let Ok(entry) = decode_entry(ItemId::from_bytes(id), &value) {
            put_facts(&mut batch, &entry.header, &entry.record.state);
            held += 1;
        }
        if held == FACTS_BATCH {
            db.apply_batch(std::mem::take(&mut batch)).map_err(store_err)?;
            held = 0;
        }
    }
    batch.insert(MATRIX_FACTS, &[][..]);
    db.apply_batch(batch).map_err(store_err)?;
    db.flush().map_err(store_err)?;
    Ok(())
}

/// Marks a store whose index of reissues (`s/`) is complete. The index came after the store's
/// first format: a store without the mark gets the index of the items it holds (one pass over
/// them, once) when it is opened. It is kept out of [`STORE_VERSION`] because it adds keys that
/// earlier builds ignore, and changes nothing they read.
const REISSUES_INDEXED: &[u8] = b"meta/reissues-indexed";

/// Builds the index of reissues of a store made before it, once.
fn index_reissues(db: &sled::Db) -> Result<(), Error> {
    if db.get(REISSUES_INDEXED).map_err(store_err)?.is_some() {
        return Ok(());
    }
    let mut batch = sled::Batch::default();
    for item in db.scan_prefix(b"r/") {
        let (key, value) = item.map_err(store_err)?;
        let Ok(id) = <[u8; 16]>::try_from(&key[2..]) else { continue };
        // A corrupt record is logged here, and refused wherever it is read.
        if let Ok(entry) = decode_entry(ItemId::from_bytes(id), &value)
            && let Some(key) = reissue_key(&entry.header)
        {
            batch.insert(key, &[][..]);
        }
    }
    batch.insert(REISSUES_INDEXED, &[][..]);
    db.apply_batch(batch).map_err(store_err)?;
    db.flush().map_err(store_err)?;
    Ok(())
}

/// A record (or other value kept beside it) as stored: `sha256(cbor) || cbor`.
fn encode_record<T: Serialize>(record: &T) -> Vec<u8> {
    let body = codec::encode(record);
    let mut out = Sha256::digest(&body).to_vec();
    out.extend_from_slice(&body);
    out
}

/// The state digest of `entry` when it is one of the public items `mechanism` owns (`clear`,
/// not withdrawn): a leaf of its checkpoints. `None` for any other item.
pub fn public_leaf(entry: &Entry, mechanism: &Mechanism) -> Option<[u8; 32]> {
    record_leaf(&entry.header, &entry.record, mechanism)
}

/// [`public_leaf`] of an item of `header` whose record is `record`.
fn record_leaf(header: &Header, record: &Record, mechanism: &Mechanism) -> Option<[u8; 32]> {
    is_public_leaf(header, record.state.withdrawn, mechanism)
        .then(|| record.digest.as_slice().try_into().unwrap_or([0; 32]))
}

/// Whether an item of `header`, withdrawn or not, is one of the public items `mechanism`
/// owns.
pub fn is_public_leaf(header: &Header, withdrawn: bool, mechanism: &Mechanism) -> bool {
    &header.owner == mechanism && may_leave(header, withdrawn, Destination::Public)
}

fn decode_entry(id: ItemId, bytes: &[u8]) -> Result<Entry, Error> {
    let record: Record = decode_record(id, bytes)?;
    let header = decode_header(id, &record.header.bytes)?;
    Ok(Entry { header, record })
}

/// What the sync catalogue and a member's checkpoints read of a record.
#[derive(Debug, Clone)]
pub struct Head {
    /// The decoded header.
    pub header: Header,
    /// Whether the item is withdrawn.
    pub withdrawn: bool,
    /// Digest of the document's heads.
    pub digest: [u8; 32],
}

impl Head {
    /// Its digest, if its item is one of the public items `mechanism` owns (as
    /// [`public_leaf`] says of a whole entry).
    pub fn public_leaf(&self, mechanism: &Mechanism) -> Option<[u8; 32]> {
        is_public_leaf(&self.header, self.withdrawn, mechanism).then_some(self.digest)
    }
}

/// A record as [`Head`] reads it: the document, its signatures and the fields are skipped
/// while decoding, never built.
#[derive(Deserialize)]
struct RecordHead {
    header: SignedHeader,
    state: StateHead,
    #[serde(with = "serde_bytes")]
    digest: Vec<u8>,
}

/// A record as [`Store::payload`] reads it: the state and digest are skipped while decoding.
#[derive(Deserialize)]
struct RecordPayload {
    header: SignedHeader,
    #[serde(with = "serde_bytes")]
    doc: Vec<u8>,
    sigs: Vec<ChangeSig>,
}

#[derive(Deserialize)]
struct StateHead {
    withdrawn: bool,
}

fn decode_head(id: ItemId, bytes: &[u8]) -> Result<Head, Error> {
    let record: RecordHead = decode_record(id, bytes)?;
    let header = decode_header(id, &record.header.bytes)?;
    let digest = record.digest.as_slice().try_into().unwrap_or([0; 32]);
    Ok(Head { header, withdrawn: record.state.withdrawn, digest })
}

/// [`Error::Corrupt`] for the record of item `id`, logged.
fn corrupt(id: ItemId, why: String) -> Error {
    tracing::error!(item = %id, %why, "corrupt store record");
    Error::Corrupt { what: format!("store record of item {id}"), why }
}

/// The record of item `id` in its stored bytes (checksum, then CBOR), checksum verified.
fn decode_record<T: serde::de::DeserializeOwned>(id: ItemId, bytes: &[u8]) -> Result<T, Error> {
    if bytes.len() < 32 {
        return Err(corrupt(id, format!("truncated to {} bytes", bytes.len())));
    }
    let (sum, body) = bytes.split_at(32);
    if Sha256::digest(body)[..] != *sum {
        return Err(corrupt(
            id,
            "checksum mismatch: the record was truncated or altered".to_owned(),
        ));
    }
    codec::decode(body, MAX_RECORD_BYTES).map_err(|e| corrupt(id, e.to_string()))
}

/// The header of item `id` from its record's signed bytes.
fn decode_header(id: ItemId, bytes: &[u8]) -> Result<Header, Error> {
    let header: Header =
        codec::decode(bytes, codec::MAX_HEADER_BYTES).map_err(|e| corrupt(id, e.to_string()))?;
    if header.id != id {
        return Err(corrupt(id, format!("it holds item {}", header.id)));
    }
    Ok(header)
}

/// Takes group and other access away from the files sled made in `dir` (it creates them with
/// the process's umask); the directory itself is 0700, so files it makes later stay private.
fn make_files_private(dir: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        for entry in entries {
            let path = entry.map_err(|e| Error::io(dir, e))?.path();
            let mode = if path.is_dir() { 0o700 } else { 0o600 };
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
                .map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_read_in_part_is_the_record_read_whole_and_refused_altered_alike() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = crate::repo::test_member(dir.path(), "ohchr");
        let drafts = crate::sample::drafts("ohchr");
        let ids = repo.create_all(drafts, chrono::Utc::now()).expect("sample items");
        let store = repo.store();
        for id in &ids {
            let whole = store.get(*id).expect("get").expect("stored");
            let payload = store.payload(*id).expect("payload").expect("stored");
            assert_eq!(payload.header, whole.record.header);
            assert_eq!(payload.doc, whole.record.doc);
            assert_eq!(payload.sigs, whole.record.sigs);
            let head = store.head(*id).expect("head").expect("stored");
            assert_eq!(head.header, whole.header);
            assert_eq!(head.withdrawn, whole.record.state.withdrawn);
            assert_eq!(head.digest[..], whole.record.digest[..]);
        }
        let absent = ItemId::from_random_bytes([9; 16]);
        assert!(store.payload(absent).expect("payload").is_none());
        assert!(store.head(absent).expect("head").is_none());
        // One byte of a record's document altered on disk: every way of reading it refuses it.
        let id = ids[0];
        let mut bytes = store.db.get(record_key(id)).expect("read").expect("stored").to_vec();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x20;
        store.db.insert(record_key(id), bytes).expect("alter");
        assert!(matches!(store.get(id), Err(Error::Corrupt { .. })));
        assert!(matches!(store.payload(id), Err(Error::Corrupt { .. })));
        assert!(matches!(store.head(id), Err(Error::Corrupt { .. })));
    }

    #[test]
    fn the_items_changed_since_a_generation_are_told_while_remembered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let (a, b) = (ItemId::from_random_bytes([1; 16]), ItemId::from_random_bytes([2; 16]));
        assert_eq!(store.changed_since(0), (0, Some(Vec::new())));
        store.changed(vec![a]);
        store.changed(Vec::new());
        store.changed(vec![b, a]);
        let mut both = vec![a, b];
        both.sort();
        assert_eq!(store.changed_since(0), (3, Some(both)));
        assert_eq!(
            store.changed_since(2),
            (3, Some(vec![b, a].into_iter().collect::<BTreeSet<_>>().into_iter().collect()))
        );
        assert_eq!(store.changed_since(3), (3, Some(Vec::new())));
        // A generation this store never made, and one older than what it remembers.
        assert_eq!(store.changed_since(4), (3, None));
        for _ in 0..REMEMBERED_WRITES {
            store.changed(Vec::new());
        }
        let now = store.generation();
        assert_eq!(store.changed_since(0), (now, None));
        assert_eq!(store.changed_since(now - 1), (now, Some(Vec::new())));
    }
}
