//! The local read and write path: every item command goes through [`Repo`], which validates,
//! checks the label policy, signs each change, and stores it durably before answering.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Utc};
use liaison_protocol::codec;
use liaison_protocol::sync::ItemPayload;
use liaison_protocol::verify::{self, VerifiedItem};
use liaison_protocol::{
    ChangeSig, Consent, Edit, FieldError, Fields, Header, ItemDoc, ItemId, Kind, Label, Mechanism,
    PublicKey, Roster, SCHEMA_VERSION, label, may_write,
};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::identity::{Identity, InitOptions, STORE_DIR};
use crate::store::{Entry, Query, Record, Store};
use liaison_protocol::trust::{
    Added, AuthorityCard, Keyset, KeysetFile, MAX_STATEMENT_BYTES, Signed, TrustError,
};

/// A new item, before it is signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// Its kind; `fields` must hold the details of this kind.
    pub kind: Kind,
    /// Its fields.
    pub fields: Fields,
    /// Its label.
    pub label: Label,
    /// For `amber`: who else may receive it.
    pub audience: Vec<Mechanism>,
    /// Other mechanisms that may write it.
    pub co_owners: Vec<Mechanism>,
    /// The item it reissues or corrects.
    pub supersedes: Option<ItemId>,
}

/// One change in an item's history, for `liaison show`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct History {
    /// The change hash, hex.
    pub hash: String,
    /// When its author's clock says it was made.
    pub time: Option<DateTime<Utc>>,
    /// The signing node's key.
    pub signer: Option<PublicKey>,
    /// The signing node's mechanism, if it is in the roster.
    pub mechanism: Option<Mechanism>,
    /// Whether the signature verifies and its signer may write the item.
    pub verifies: bool,
}

/// An item with everything `liaison show` tells about it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemView {
    /// The entry as stored.
    pub entry: Entry,
    /// Whether the header's signature verifies and its creator may write the item.
    pub header_verifies: bool,
    /// Its changes, oldest first.
    pub history: Vec<History>,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ImportReport {
    /// Items new to this node.
    pub added: Vec<ItemId>,
    /// Items that were here and gained changes.
    pub merged: Vec<ItemId>,
    /// Items that were here already, unchanged.
    pub unchanged: Vec<ItemId>,
}

/// The heads digest of each item an import wrote.
type Digests = HashMap<ItemId, [u8; 32]>;

/// What receiving one item from a peer changed here.
#[derive(Debug, Clone)]
pub struct Received {
    /// The item's header.
    pub header: Header,
    /// The digest of the state the peer sent.
    pub sent: [u8; 32],
    /// The digest of the state held here now: unlike `sent` when this node held more.
    pub digest: [u8; 32],
    /// Whether it changed anything here.
    pub changed: bool,
}

/// A node's items, keys and roster, opened for reading and writing.
#[derive(Debug)]
pub struct Repo {
    identity: Identity,
    store: Store,
    /// The roster, with this node's own card in it so its own changes verify.
    roster: Roster,
    /// Follows the public key in the actor id of this process's changes.
    session: [u8; 8],
    /// The search index of what the operator may see, made at the first search and brought
    /// up to date at each search after the store changed.
    search: Option<crate::search::Index>,
    /// On a member, what its checkpoints cover, kept current (see [`Repo::checkpoint`]).
    covered: crate::covered::Covered,
}

impl Repo {
    /// Creates a node in `dir` with a fresh key.
    ///
    /// # Errors
    /// See [`Identity::init`] and [`Store::open`].
    pub fn init(dir: &Path, options: InitOptions) -> Result<Self, Error> {
        let identity = Identity::init(dir, options, rand::random())?;
        Self::with_identity(identity)
    }

    /// Opens the node in `dir`.
    ///
    /// # Errors
    /// See [`Identity::load`] and [`Store::open`].
    pub fn open(dir: &Path) -> Result<Self, Error> {
        Self::with_identity(Identity::load(dir)?)
    }

    fn with_identity(identity: Identity) -> Result<Self, Error> {
        let store = Store::open(&identity.dir.join(STORE_DIR))?;
        let mut repo = Self {
            identity,
            store,
            roster: Roster::new(),
            session: rand::random(),
            search: None,
            covered: crate::covered::Covered::default(),
        };
        repo.reload_roster()?;
        Ok(repo)
    }

    fn reload_roster(&mut self) -> Result<(), Error> {
        let mut roster = self.store.trust()?;
        roster.insert(self.identity.card());
        self.roster = roster;
        Ok(())
    }

    /// Anchors a mechanism's authority: every node key it certifies is then a node of that
    /// mechanism here. Replaces an earlier authority of the same mechanism.
    ///
    /// # Errors
    /// If the store fails.
    pub fn add_authority(&mut self, card: &AuthorityCard) -> Result<(), Error> {
        self.store.put_authority(card)?;
        self.reload_roster()
    }

    /// The anchored authorities, certificates and revocations.
    pub fn trust_view(&self) -> crate::api::TrustView {
        let anchors = self.roster.anchors();
        crate::api::TrustView {
            authorities: anchors
                .authorities()
                .map(|(mechanism, key)| AuthorityCard {
                    v: liaison_protocol::trust::STATEMENT_VERSION,
                    mechanism: mechanism.clone(),
                    key: *key,
                    name: None,
                })
                .collect(),
            certificates: anchors.certificates().cloned().collect(),
            revocations: anchors.revocations().cloned().collect(),
            signed: self.roster.statements().cloned().collect(),
            keysets: anchors
                .authorities()
                .filter_map(|(m, _)| {
                    let text = self.store.keyset(m).ok()??;
                    let file: KeysetFile = serde_json::from_str(&text).ok()?;
                    // Read without the expiry check (it was verified when installed): doctor
                    // reports an expired one.
                    let bytes = data_encoding::BASE64.decode(file.keyset.as_bytes()).ok()?;
                    let keyset: Keyset = codec::decode(&bytes, MAX_STATEMENT_BYTES).ok()?;
                    Some((m.clone(), keyset.expires))
                })
                .collect(),
        }
    }

    /// Signs a checkpoint of this node's mechanism's public items as they are now, keeps it
    /// and returns it (to pass on), unless it would say what the latest one says and that one
    /// is younger than `max_age`.
    ///
    /// # Errors
    /// If the store fails.
    pub fn checkpoint(
        &mut self,
        now: DateTime<Utc>,
        max_age: chrono::TimeDelta,
    ) -> Result<Option<Signed>, Error> {
        let mechanism = self.identity.config.mechanism.clone();
        let checkpoint =
            self.covered.checkpoint(&self.store, &mechanism, self.identity.public_key(), now)?;
        if let Some((latest, _)) = self.roster.checkpoint(&mechanism)
            && (latest.root, latest.count) == (checkpoint.root, checkpoint.count)
            && now - latest.time < max_age
        {
            return Ok(None);
        }
        let signed = Signed::sign(&checkpoint, &self.identity.key);
        self.add_statements(std::slice::from_ref(&signed))?;
        Ok(Some(signed))
    }

    /// Takes in a keyset of an anchored authority: its certificates and revocations (as
    /// [`Repo::add_statements`]), and the file itself, to serve on the public site, unless a
    /// keyset issued later is kept already.
    ///
    /// # Errors
    /// An expired or invalid keyset, one by an authority not anchored here, or a store failure.
    pub fn add_keyset(
        &mut self,
        file: &KeysetFile,
        now: DateTime<Utc>,
    ) -> Result<Vec<Result<Added, TrustError>>, Error> {
        let keyset = file
            .open(now)
            .map_err(|e| FieldError::new("keyset", &file.format, e.to_string()))?
            .keyset;
        let anchored = self.roster.anchors().authority(&keyset.mechanism);
        if anchored != Some(keyset.authority) {
            return Err(FieldError::new(
                "keyset",
                keyset.authority,
                format!(
                    "not by the anchored authority of {}: add its authority card first",
                    keyset.mechanism
                ),
            )
            .into());
        }
        let statements: Vec<Signed> =
            keyset.certificates.iter().chain(&keyset.revocations).cloned().collect();
        let added = self.add_statements(&statements)?;
        let later = match self.store.keyset(&keyset.mechanism)? {
            Some(kept) => serde_json::from_str::<KeysetFile>(&kept)
                .ok()
                .and_then(|k| k.open(now).ok())
                .is_none_or(|k| k.keyset.issued < keyset.issued),
            None => true,
        };
        if later {
            let json =
                serde_json::to_string_pretty(file).map_err(|e| Error::Config(e.to_string()))?;
            self.store.put_keyset(&keyset.mechanism, &json)?;
        }
        Ok(added)
    }

    /// Verifies and keeps certificates and revocations (from the operator or a peer). Returns,
    /// for each, what it said and whether it was new here, or why it was refused; a refused one
    /// is logged and never stored.
    ///
    /// # Errors
    /// If the store fails.
    pub fn add_statements(
        &mut self,
        statements: &[Signed],
    ) -> Result<Vec<Result<Added, TrustError>>, Error> {
        let mut out = Vec::with_capacity(statements.len());
        let now = Utc::now();
        for signed in statements {
            let added = self.roster.add_statement(signed, now);
            match &added {
                Ok(Added::Checkpoint(c, true)) => {
                    self.store.put_checkpoint(&c.mechanism, signed)?
                }
                Ok(added) if added.is_new() => self.store.put_statement(signed)?,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "refused a certificate or revocation"),
            }
            out.push(added);
        }
        Ok(out)
    }

    /// Gives the stopped node in `dir` a new key (see [`Identity::rotate`]). Its old card
    /// stays pinned in its own roster, so what the old key signed here still verifies. Returns
    /// the node, opened, and the old public key.
    ///
    /// # Errors
    /// [`Error::StoreBusy`] while the node runs; what [`Identity::rotate`] refuses.
    pub fn rotate_key(dir: &Path) -> Result<(Self, PublicKey), Error> {
        let old_card = Self::open(dir)?.identity.card();
        let (identity, old) = Identity::rotate(dir, rand::random())?;
        let mut repo = Self::with_identity(identity)?;
        repo.store.put_card(&old_card)?;
        repo.reload_roster()?;
        Ok((repo, old))
    }

    /// This node's identity.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The roster, this node included.
    pub fn roster(&self) -> &Roster {
        &self.roster
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Adds a node to the roster.
    ///
    /// # Errors
    /// If the card is this node's own, or the store fails.
    pub fn add_peer(&mut self, card: liaison_protocol::Card) -> Result<(), Error> {
        if card.key == self.identity.public_key() {
            return Err(FieldError::new("card", card.key, "this is this node's own card").into());
        }
        self.store.put_card(&card)?;
        self.reload_roster()
    }

    /// Removes the nodes whose key is `key_or_mechanism`, or all nodes of that mechanism and its
    /// anchored authority. Returns the cards removed.
    ///
    /// # Errors
    /// If nothing matches, or the store fails.
    pub fn remove_peer(
        &mut self,
        key_or_mechanism: &str,
    ) -> Result<Vec<liaison_protocol::Card>, Error> {
        let own = self.identity.public_key();
        let matching: Vec<_> = self
            .roster
            .iter()
            .filter(|c| {
                c.key != own
                    && (c.key.to_string() == key_or_mechanism
                        || c.mechanism.as_str() == key_or_mechanism)
            })
            .cloned()
            .collect();
        let authority = key_or_mechanism
            .parse::<Mechanism>()
            .ok()
            .filter(|m| self.roster.anchors().authority(m).is_some());
        if matching.is_empty() && authority.is_none() {
            return Err(FieldError::new(
                "peer",
                key_or_mechanism,
                "expected the key or mechanism of a roster entry (see 'liaison roster list')",
            )
            .into());
        }
        for card in &matching {
            self.store.remove_card(&card.key)?;
        }
        if let Some(mechanism) = authority {
            self.store.remove_authority(&mechanism)?;
        }
        self.reload_roster()?;
        Ok(matching)
    }

    /// Validates, signs and durably stores a new item. Returns its id.
    ///
    /// # Errors
    /// [`Error::Field`] for any invalid value; nothing is stored then.
    pub fn create(&self, draft: Draft, now: DateTime<Utc>) -> Result<ItemId, Error> {
        self.create_consented(draft, ItemId::from_random_bytes(rand::random()), Vec::new(), now)
    }

    /// [`Self::create`] of an item with co-owners: under the id `id` they consented to, with
    /// one consent per co-owner, each signed by a node of that co-owner in this node's roster.
    ///
    /// # Errors
    /// As [`Self::create`], and a co-owner without a valid consent, or an id already held.
    pub fn create_consented(
        &self,
        draft: Draft,
        id: ItemId,
        consents: Vec<Consent>,
        now: DateTime<Utc>,
    ) -> Result<ItemId, Error> {
        let (header, record) = self.build_with(draft, id, consents, now)?;
        self.store.put(&[(&header, &record)])?;
        tracing::info!(item = %header.id, kind = %header.kind, label = %header.label, "created");
        Ok(header.id)
    }

    pub(crate) fn build(
        &self,
        draft: Draft,
        now: DateTime<Utc>,
    ) -> Result<(Header, Record), Error> {
        self.build_with(draft, ItemId::from_random_bytes(rand::random()), Vec::new(), now)
    }

    /// Builds a new item with id `id` and co-owners' `consents`; checks it as every node that
    /// receives it will (fields, co-owners' consents), so nothing is published that peers refuse.
    pub(crate) fn build_with(
        &self,
        draft: Draft,
        id: ItemId,
        consents: Vec<Consent>,
        now: DateTime<Utc>,
    ) -> Result<(Header, Record), Error> {
        if self.store.get(id)?.is_some() {
            return Err(FieldError::new("id", id, "an item with this id exists already").into());
        }
        self.build_new(draft, id, consents, now)
    }

    /// [`Self::build_with`] without its check that no item has the id `id`, for a caller that
    /// read the store for that id already.
    pub(crate) fn build_new(
        &self,
        draft: Draft,
        id: ItemId,
        mut consents: Vec<Consent>,
        now: DateTime<Utc>,
    ) -> Result<(Header, Record), Error> {
        let mut audience = draft.audience;
        audience.sort();
        audience.dedup();
        let mut co_owners = draft.co_owners;
        co_owners.sort();
        co_owners.dedup();
        consents.sort_by(|a, b| a.mechanism.cmp(&b.mechanism));
        let header = Header {
            v: SCHEMA_VERSION,
            id,
            kind: draft.kind,
            owner: self.identity.config.mechanism.clone(),
            co_owners,
            label: draft.label,
            audience,
            created: now,
            creator: self.identity.public_key(),
            supersedes: draft.supersedes,
            consents,
        };
        header.validate()?;
        if self.identity.config.role != liaison_protocol::Role::Member {
            return Err(FieldError::new(
                "role",
                self.identity.config.role,
                "only member nodes publish items; a mirror is read-only",
            )
            .into());
        }
        verify::check_fields(&header, &draft.fields)?;
        verify::check_consents(&header, &self.roster).map_err(|e| match e {
            verify::VerifyError::UnknownSigner(key) => FieldError::new(
                "consents",
                key,
                "a co-owner's consent is signed by a node in this node's roster; add its card",
            )
            .into(),
            e => Error::from(e),
        })?;
        if let Some(until) = draft.fields.embargo_until {
            if header.label == Label::Clear {
                return Err(FieldError::new(
                    "embargo-until",
                    until,
                    "an embargo delays publication: it needs a narrower label than clear",
                )
                .into());
            }
            if until <= now {
                return Err(FieldError::new(
                    "embargo-until",
                    until,
                    format!(
                        "must be in the future (it is now {})",
                        now.format("%Y-%m-%dT%H:%M:%SZ")
                    ),
                )
                .into());
            }
        }
        // The new document's state is the fields it is written from: not read back from it.
        let (doc, sig, state) =
            ItemDoc::create(&self.identity.key, header.id, draft.fields, now, self.session)
                .map_err(|e| Error::Store(e.to_string()))?;
        let signed = header.clone().sign(&self.identity.key);
        let record = Record {
            header: signed,
            doc: doc.save(),
            sigs: vec![sig],
            state,
            digest: digest(&doc),
        };
        Ok((header, record))
    }

    pub(crate) fn entry(&self, id: ItemId) -> Result<Entry, Error> {
        self.store.get(id)?.ok_or(Error::NotFound(id))
    }

    /// Applies `change` to the fields of item `id` as one signed change.
    /// Returns the new revision, or `None` when nothing changed.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::NotWriter`], [`Error::Withdrawn`], or what `change` or
    /// validation refuses; nothing is stored then.
    pub fn update(
        &self,
        id: ItemId,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut Fields) -> Result<(), Error>,
    ) -> Result<Option<u64>, Error> {
        let entry = self.entry(id)?;
        let mut fields = entry.record.state.fields.clone();
        change(&mut fields)?;
        fields.validate(entry.header.kind, entry.header.label)?;
        let record = self.edit(&entry, Some(&fields), false, now)?;
        let Some(record) = record else { return Ok(None) };
        self.store.put(&[(&entry.header, &record)])?;
        tracing::info!(item = %id, revision = record.state.revision, "updated");
        Ok(Some(record.state.revision))
    }

    /// Withdraws item `id`: mirrors and exports drop it. Returns false if it already was.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::NotWriter`].
    pub fn withdraw(&self, id: ItemId, now: DateTime<Utc>) -> Result<bool, Error> {
        let entry = self.entry(id)?;
        if entry.record.state.withdrawn {
            return Ok(false);
        }
        let Some(record) = self.edit(&entry, None, true, now)? else { return Ok(false) };
        self.store.put(&[(&entry.header, &record)])?;
        tracing::info!(item = %id, "withdrawn");
        Ok(true)
    }

    /// Reissues item `id` under a new label: a new item with a fresh history whose
    /// `supersedes` names the old one, which is withdrawn in the same atomic write.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::NotWriter`], [`Error::Withdrawn`], or a field the new label
    /// does not allow (a programme on a clear item); nothing is stored then.
    pub fn reissue(
        &self,
        id: ItemId,
        label: Label,
        audience: Vec<Mechanism>,
        now: DateTime<Utc>,
    ) -> Result<ItemId, Error> {
        let old = self.entry(id)?;
        let mut fields = old.record.state.fields.clone();
        fields.embargo_until = None;
        self.reissue_with(old, fields, label, audience, now)
    }

    fn reissue_with(
        &self,
        old: Entry,
        fields: Fields,
        label: Label,
        audience: Vec<Mechanism>,
        now: DateTime<Utc>,
    ) -> Result<ItemId, Error> {
        let id = old.header.id;
        label::check_audience(label, &audience)?;
        let draft = Draft {
            kind: old.header.kind,
            fields,
            label,
            audience,
            co_owners: old.header.co_owners.clone(),
            supersedes: Some(id),
        };
        let Some(withdrawn) = self.edit(&old, None, true, now)? else {
            return Err(Error::Withdrawn(id));
        };
        let (header, record) = self.build(draft, now)?;
        self.store.put(&[(&old.header, &withdrawn), (&header, &record)])?;
        tracing::info!(old = %id, new = %header.id, label = %label, "reissued");
        Ok(header.id)
    }

    /// This node's own embargoed items, with the time each becomes public.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record.
    pub fn embargoes(&self) -> Result<Vec<(DateTime<Utc>, ItemId)>, Error> {
        let me = self.identity.public_key();
        let mut out = Vec::new();
        self.store.each(&Query::default(), |e| {
            if e.header.creator == me
                && let Some(until) = e.record.state.fields.embargo_until
            {
                out.push((until, e.header.id));
            }
        })?;
        Ok(out)
    }

    /// Publishes embargoed item `id` if its time has come: reissued as `clear` (fresh history,
    /// the old item withdrawn), without the fields a clear item may not carry (a visit's
    /// programme and notes). Returns the new item's id, or `None` when it is not due or not
    /// this node's to publish.
    ///
    /// # Errors
    /// What [`Repo::reissue`] refuses.
    pub fn publish_embargoed(
        &self,
        id: ItemId,
        now: DateTime<Utc>,
    ) -> Result<Option<ItemId>, Error> {
        let Some(entry) = self.store.get(id)? else { return Ok(None) };
        let state = &entry.record.state;
        let due = state.fields.embargo_until.is_some_and(|t| t <= now);
        if !due || state.withdrawn || entry.header.creator != self.identity.public_key() {
            return Ok(None);
        }
        let mut fields = state.fields.clone();
        fields.embargo_until = None;
        if let Some(v) = fields.visit.as_mut() {
            v.programme.clear();
            v.notes = None;
        }
        let new = self.reissue_with(entry, fields, Label::Clear, Vec::new(), now)?;
        tracing::info!(old = %id, new = %new, "embargo ended: published as clear");
        Ok(Some(new))
    }

    /// The signed change of `entry` setting `fields` and/or withdrawing it, as a new record.
    pub(crate) fn edit(
        &self,
        entry: &Entry,
        fields: Option<&Fields>,
        withdraw: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<Record>, Error> {
        let me = self.identity.card().peer();
        if !may_write(&entry.header, &me) {
            return Err(Error::NotWriter {
                id: entry.header.id,
                owner: entry.header.owner.clone(),
                mechanism: me.mechanism,
            });
        }
        if entry.record.state.withdrawn {
            return Err(Error::Withdrawn(entry.header.id));
        }
        let mut doc = load_doc(entry)?;
        let edit = Edit { fields, withdraw, now, session: self.session };
        let Some(sig) = doc
            .write(&self.identity.key, entry.header.id, edit)
            .map_err(|e| Error::Store(e.to_string()))?
        else {
            return Ok(None);
        };
        let state = doc.read().map_err(|e| corrupt(entry, e))?;
        let mut sigs = entry.record.sigs.clone();
        sigs.push(sig);
        Ok(Some(Record {
            header: entry.record.header.clone(),
            doc: doc.save(),
            sigs,
            state,
            digest: digest(&doc),
        }))
    }

    /// The items matching `query`.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record.
    pub fn list(&self, query: &Query) -> Result<Vec<Entry>, Error> {
        self.store.list(query)
    }

    /// The items matching `query` whose text matches the words `text`, best first, at most
    /// `limit`: what [`Repo::list`] shows the operator, withdrawn items only when `query` asks.
    ///
    /// # Errors
    /// [`Error::Search`] for a query refused; the store's and the index's failures.
    pub fn search(
        &mut self,
        text: &str,
        query: &Query,
        limit: usize,
    ) -> Result<crate::search::Results, Error> {
        crate::search::check_query(text)?;
        let mut index = match self.search.take() {
            Some(index) => index,
            None => crate::search::Index::new(None)?,
        };
        let all = Query { withdrawn: true, ..Query::default() };
        let store = &self.store;
        crate::follow::catch_up(
            &mut index,
            |g| store.catch_up(g),
            |each| store.each(&all, each),
            |id| store.get(id),
        )?;
        let index = self.search.insert(index);
        let mut among = std::collections::HashSet::new();
        self.store.each(query, |e| {
            among.insert(e.header.id);
        })?;
        let found = index.search(text, Some(&among), 0, limit)??;
        let mut results = Vec::with_capacity(found.hits.len());
        for hit in &found.hits {
            if let Some(entry) = self.store.get(hit.id)?.filter(|e| query.matches(e)) {
                let highlights = found.highlights(&entry);
                results.push(crate::search::Match { entry, score: hit.score, highlights });
            }
        }
        Ok(crate::search::Results { total: found.total, results })
    }

    /// Item `id` with its verified history.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Corrupt`] if the record or its document was altered.
    pub fn view(&self, id: ItemId) -> Result<ItemView, Error> {
        let entry = self.entry(id)?;
        let doc = load_doc(&entry)?;
        if doc.read().map_err(|e| corrupt(&entry, e))? != entry.record.state {
            return Err(corrupt(&entry, "the cached fields differ from the document"));
        }
        let header_verifies = entry
            .record
            .header
            .verify()
            .ok()
            .is_some_and(|h| verify::check_creator(&h, &self.roster).is_ok());
        let sigs: HashMap<[u8; 32], &ChangeSig> =
            entry.record.sigs.iter().map(|s| (s.hash, s)).collect();
        let history = doc
            .changes()
            .into_iter()
            .map(|change| {
                let sig = sigs.get(&change.hash.0);
                let signer = sig.map(|s| s.signer);
                let at = DateTime::from_timestamp(change.time, 0);
                let peer = signer.zip(at).and_then(|(k, at)| self.roster.peer(&k, at));
                let actor_ok =
                    sig.is_some_and(|s| change.actor.to_bytes().get(..32) == Some(&s.signer.0[..]));
                History {
                    hash: change.hash.to_string(),
                    time: at,
                    signer,
                    mechanism: peer.as_ref().map(|p| p.mechanism.clone()),
                    verifies: actor_ok
                        && sig.is_some_and(|s| s.verifies(id))
                        && peer.is_some_and(|p| may_write(&entry.header, &p)),
                }
            })
            .collect();
        Ok(ItemView { entry, header_verifies, history })
    }

    /// Fully verifies item `id` as stored: header, creator, every change, cached fields.
    ///
    /// # Errors
    /// [`Error::Corrupt`] or [`Error::Verify`] when anything fails.
    pub fn verified(&self, id: ItemId) -> Result<VerifiedItem, Error> {
        let entry = self.entry(id)?;
        let item = verify::verify_item(
            &entry.record.header,
            &entry.record.doc,
            &entry.record.sigs,
            &self.roster,
            &held(Some(&entry)),
        )
        .map_err(|e| corrupt(&entry, e))?;
        if item.doc.read().map_err(|e| corrupt(&entry, e))? != entry.record.state {
            return Err(corrupt(&entry, "the cached fields differ from the document"));
        }
        Ok(item)
    }

    /// Stores verified items from elsewhere (an import, a peer), merging each with the local
    /// copy, in one atomic write.
    ///
    /// # Errors
    /// If an item's label does not allow this node to hold it, or its id is held locally by a
    /// different header; nothing is stored then.
    pub fn merge_verified(&self, items: Vec<VerifiedItem>) -> Result<ImportReport, Error> {
        self.import(items, Vec::new(), Utc::now()).map(|(report, _)| report)
    }

    /// Merges verified items and publishes new ones from drafts, all in one atomic write:
    /// if anything is refused, nothing is stored.
    ///
    /// # Errors
    /// The first item or draft refused.
    pub fn import(
        &self,
        items: Vec<VerifiedItem>,
        drafts: Vec<Draft>,
        now: DateTime<Utc>,
    ) -> Result<(ImportReport, Vec<ItemId>), Error> {
        let checked = items
            .into_iter()
            .map(|item| self.check_mergeable(&item).map(|local| (item, local)))
            .collect::<Result<Vec<_>, _>>()?;
        let (report, created, _) = self.import_checked(checked, drafts, now)?;
        Ok((report, created))
    }

    /// [`Self::import`] of items [`Self::check_mergeable`] passed, each with its local copy.
    /// Also returns the digest of every item written.
    fn import_checked(
        &self,
        items: Vec<(VerifiedItem, Option<Entry>)>,
        drafts: Vec<Draft>,
        now: DateTime<Utc>,
    ) -> Result<(ImportReport, Vec<ItemId>, Digests), Error> {
        let mut report = ImportReport::default();
        // Pending documents by id, so a file holding two versions of an item merges both.
        let mut pending: Vec<Pending> = Vec::new();
        let mut at: HashMap<ItemId, usize> = HashMap::new();
        for (mut item, local) in items {
            let id = item.header.id;
            if let Some(p) = at.get(&id).and_then(|&n| pending.get_mut(n)) {
                if p.signed != item.signed_header {
                    return Err(different_header(id));
                }
                let before = p.doc.heads();
                p.doc.merge(&mut item.doc).map_err(|e| Error::Store(e.to_string()))?;
                p.as_verified = None;
                append_sigs(&mut p.sigs, item.sigs);
                let doc = &p.doc;
                if doc.heads() != before && report.unchanged.contains(&id) {
                    report.unchanged.retain(|u| *u != id);
                    report.merged.push(id);
                }
                continue;
            }
            match local {
                None => {
                    report.added.push(id);
                    at.insert(id, pending.len());
                    pending.push(Pending {
                        header: item.header.into_inner(),
                        signed: item.signed_header,
                        doc: item.doc,
                        sigs: dedup_sigs(item.sigs),
                        as_verified: Some((item.state, item.saved)),
                    });
                }
                Some(local) => {
                    let mut doc = load_doc(&local)?;
                    let before = doc.heads();
                    doc.merge(&mut item.doc).map_err(|e| Error::Store(e.to_string()))?;
                    let mut sigs = local.record.sigs;
                    append_sigs(&mut sigs, item.sigs);
                    if doc.heads() == before {
                        report.unchanged.push(id);
                    } else {
                        report.merged.push(id);
                    }
                    at.insert(id, pending.len());
                    let (header, signed) = (item.header.into_inner(), item.signed_header);
                    pending.push(Pending { header, signed, doc, sigs, as_verified: None });
                }
            }
        }
        let mut writes: Vec<(Header, Record)> = Vec::new();
        let unchanged: HashSet<ItemId> = report.unchanged.iter().copied().collect();
        for Pending { header, signed, doc, sigs, as_verified } in pending {
            if unchanged.contains(&header.id) {
                continue;
            }
            let digest = digest(&doc);
            let (state, saved) = match as_verified {
                Some(as_verified) => as_verified,
                None => {
                    let state = doc.read();
                    (
                        state.map_err(|e| Error::Import(format!("item {}: {e}", header.id)))?,
                        doc.save(),
                    )
                }
            };
            writes.push((header, Record { header: signed, doc: saved, sigs, state, digest }));
        }
        let mut created = Vec::new();
        for draft in drafts {
            let (header, record) = self.build(draft, now)?;
            created.push(header.id);
            writes.push((header, record));
        }
        let refs: Vec<(&Header, &Record)> = writes.iter().map(|(h, r)| (h, r)).collect();
        self.store.put(&refs)?;
        let digests = writes.iter().map(|(h, r)| (h.id, digest_bytes(&r.digest))).collect();
        Ok((report, created, digests))
    }

    /// Hands `each` every item's header and heads digest, for the sync catalogue, one item at
    /// a time; on a member, keeps what its checkpoints cover from the same pass.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record.
    pub fn catalog(&mut self, mut each: impl FnMut(Header, [u8; 32])) -> Result<(), Error> {
        // A member's checkpoints cover its mechanism's public items: gathered in the same pass.
        let member = self.identity.config.role == liaison_protocol::Role::Member;
        let mechanism = self.identity.config.mechanism.clone();
        let mut leaves = std::collections::BTreeMap::new();
        self.store.each_head(|head| {
            if member && let Some(digest) = head.public_leaf(&mechanism) {
                leaves.insert(head.header.id, digest);
            }
            each(head.header, head.digest);
        })?;
        if member {
            self.store.keep_leaves(mechanism, leaves);
            self.covered = crate::covered::Covered::default();
        }
        Ok(())
    }

    /// One item's header and heads digest, if it is here.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record.
    pub fn catalog_entry(&self, id: ItemId) -> Result<Option<(Header, [u8; 32])>, Error> {
        Ok(self.store.get(id)?.map(|e| (e.header, digest_bytes(&e.record.digest))))
    }

    /// Item `id` as it travels to a peer: signed header, document, signatures.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record: it is never sent.
    pub fn payload(&self, id: ItemId) -> Result<Option<ItemPayload>, Error> {
        self.store.payload(id)
    }

    /// Stores items from a peer that [`verify_payloads`] checked, maybe against an older copy
    /// of the roster (it may run on another thread): every signer is checked again against the
    /// current roster, which costs no signature check.
    pub fn receive_verified(
        &self,
        checked: Vec<Result<VerifiedItem, Error>>,
    ) -> Vec<Result<Received, Error>> {
        let mut results: Vec<Result<Received, Error>> = Vec::with_capacity(checked.len());
        let mut accepted = Vec::new();
        let mut mergeable = Vec::new();
        for (n, item) in checked.into_iter().enumerate() {
            let checked = item.and_then(|v| {
                let local = self.check_mergeable(&v)?;
                verify::check_signers(&v, &self.roster, &held(local.as_ref()))?;
                Ok((v, local))
            });
            match checked {
                Ok((v, local)) => {
                    let sent = digest_bytes(&digest(&v.doc));
                    let held = local.as_ref().map_or(sent, |l| digest_bytes(&l.record.digest));
                    let header = (*v.header).clone();
                    results.push(Ok(Received { header, sent, digest: held, changed: false }));
                    accepted.push(n);
                    mergeable.push((v, local));
                }
                Err(e) => results.push(Err(e)),
            }
        }
        if mergeable.is_empty() {
            return results;
        }
        match self.import_checked(mergeable, Vec::new(), Utc::now()) {
            Ok((_, _, written)) => {
                for n in accepted {
                    if let Some(Ok(received)) = results.get_mut(n)
                        && let Some(digest) = written.get(&received.header.id)
                    {
                        received.digest = *digest;
                        received.changed = true;
                    }
                }
            }
            Err(e) => {
                let why = e.to_string();
                for n in accepted {
                    results[n] = Err(Error::Store(why.clone()));
                }
            }
        }
        results
    }

    /// Whether `item` may be merged here: this node may hold it, and a local copy has the same
    /// header. Returns the local copy.
    fn check_mergeable(&self, item: &VerifiedItem) -> Result<Option<Entry>, Error> {
        let id = item.header.id;
        let own = item.header.creator == self.identity.public_key();
        if !own && !liaison_protocol::may_receive(&item.header, &self.identity.card().peer()) {
            tracing::warn!(item = %id, label = %item.header.label, "refused an item this node may not hold");
            return Err(Error::NotForThisNode { id, label: item.header.label });
        }
        let local = self.store.get(id)?;
        if local.as_ref().is_some_and(|local| local.record.header != item.signed_header) {
            return Err(different_header(id));
        }
        Ok(local)
    }

    /// Builds new items from drafts (sample data, an import of hand-written JSON) in one
    /// atomic write.
    ///
    /// # Errors
    /// The first invalid draft; nothing is stored then.
    pub fn create_all(&self, drafts: Vec<Draft>, now: DateTime<Utc>) -> Result<Vec<ItemId>, Error> {
        self.import(Vec::new(), drafts, now).map(|(_, created)| created)
    }
}

/// The changes of `entry` (a stored item) this node took already, whose writers were checked
/// then (see [`verify::Held`]).
pub fn held(entry: Option<&Entry>) -> verify::Held {
    entry.map(|e| e.record.sigs.iter().map(|s| s.hash).collect()).unwrap_or_default()
}

/// Verifies items from a peer against `roster`: header, creator, every change's signature,
/// but for the changes `held` says this node holds already. Work that writes nothing: a node
/// runs it off its event loop. A panic while verifying an item (inside automerge, on input no
/// one foresaw) refuses that item and spares the rest.
///
/// The items are split among the machine's cores (at most 4 threads, each part at least 16
/// items), and each part's signatures verified in one batch ([`verify::Batch`]): a batch with
/// a bad signature is verified again one by one, so exactly the bad items are refused.
pub fn verify_payloads(
    roster: &Roster,
    items: &[ItemPayload],
    held: impl Fn(ItemId) -> verify::Held + Sync,
) -> Vec<Result<VerifiedItem, Error>> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let parts = cores.min(MAX_VERIFY_THREADS).min(items.len() / MIN_VERIFY_PART).max(1);
    if parts == 1 {
        return verify_part(roster, items, &held);
    }
    let size = items.len().div_ceil(parts);
    std::thread::scope(|s| {
        let (first, rest) = items.split_at(size);
        let others: Vec<_> = rest
            .chunks(size)
            .map(|part| (part.len(), s.spawn(|| verify_part(roster, part, &held))))
            .collect();
        let mut out = verify_part(roster, first, &held);
        for (len, thread) in others {
            match thread.join() {
                Ok(verified) => out.extend(verified),
                Err(_) => out.extend((0..len).map(|_| Err(panicked()))),
            }
        }
        out
    })
}

/// Most threads one call of [`verify_payloads`] verifies on: each keeps memory of its own.
const MAX_VERIFY_THREADS: usize = 4;
/// Fewest items worth a thread of their own in [`verify_payloads`].
const MIN_VERIFY_PART: usize = 16;

/// [`verify_payloads`] of one part, on this thread, its signatures in one batch.
fn verify_part(
    roster: &Roster,
    items: &[ItemPayload],
    held: &(impl Fn(ItemId) -> verify::Held + Sync),
) -> Vec<Result<VerifiedItem, Error>> {
    let mut batch = verify::Batch::new();
    let added: Vec<Result<(), Error>> = items
        .iter()
        .map(|item| {
            refusing_panics(|| {
                // Which local copy to compare with; the header's signature is the batch's.
                let held = codec::decode::<Header>(&item.header.bytes, codec::MAX_HEADER_BYTES)
                    .map(|h| held(h.id))
                    .unwrap_or_default();
                batch.add(&item.header, &item.doc, &item.sigs, roster, &held).map_err(Error::from)
            })
        })
        .collect();
    let finished =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| batch.finish(rand::rng())));
    let mut verified = finished.unwrap_or_default().into_iter();
    added
        .into_iter()
        .map(|added| {
            added?;
            verified.next().map_or_else(|| Err(panicked()), |v| v.map_err(Error::from))
        })
        .collect()
}

/// Runs `verify`, turning a panic into an error that refuses the item like any bad item.
fn refusing_panics<T>(verify: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(verify)).unwrap_or_else(|_| {
        tracing::warn!("verifying an item from a peer panicked; it is refused");
        Err(panicked())
    })
}

fn panicked() -> Error {
    Error::Import("verifying the item panicked; it is refused".to_owned())
}

/// An item on its way into the store, merged with what else arrived of it.
struct Pending {
    header: Header,
    signed: liaison_protocol::SignedHeader,
    doc: ItemDoc,
    sigs: Vec<ChangeSig>,
    /// The state verification read and the document as it arrived, while nothing was merged
    /// into it: then storing it needs no reading or saving of the document.
    as_verified: Option<(liaison_protocol::ItemState, Vec<u8>)>,
}

fn different_header(id: ItemId) -> Error {
    Error::Import(format!("item {id} is held here with a different header; refusing to merge"))
}

/// Signatures without repeats, in the order they came.
fn dedup_sigs(sigs: Vec<ChangeSig>) -> Vec<ChangeSig> {
    let mut out = Vec::with_capacity(sigs.len());
    append_sigs(&mut out, sigs);
    out
}

/// Appends the signatures of `more` that `sigs` lacks, keeping the order of both.
fn append_sigs(sigs: &mut Vec<ChangeSig>, more: Vec<ChangeSig>) {
    let mut seen: HashSet<[u8; 32]> = sigs.iter().map(|s| s.hash).collect();
    sigs.extend(more.into_iter().filter(|s| seen.insert(s.hash)));
}

fn digest_bytes(bytes: &[u8]) -> [u8; 32] {
    bytes.try_into().unwrap_or([0; 32])
}

fn digest(doc: &ItemDoc) -> Vec<u8> {
    liaison_protocol::sync::heads_digest(&doc.heads()).to_vec()
}

fn load_doc(entry: &Entry) -> Result<ItemDoc, Error> {
    ItemDoc::load(&entry.record.doc).map_err(|e| corrupt(entry, e))
}

fn corrupt(entry: &Entry, why: impl ToString) -> Error {
    let why = why.to_string();
    tracing::error!(item = %entry.header.id, %why, "corrupt item");
    Error::Corrupt { what: format!("store record of item {}", entry.header.id), why }
}

/// A member node of `mechanism` made in `dir`, for the node's own tests.
#[cfg(test)]
pub(crate) fn test_member(dir: &Path, mechanism: &str) -> Repo {
    let options = InitOptions {
        mechanism: mechanism.parse().expect("mechanism"),
        name: None,
        role: liaison_protocol::Role::Member,
        listen: Vec::new(),
        api: None,
        http: None,
    };
    Repo::init(dir, options).expect("init")
}

#[cfg(test)]
mod panic_tests {
    use super::{Error, refusing_panics};

    #[test]
    fn a_panic_while_verifying_refuses_the_item() {
        let refused = refusing_panics::<()>(|| panic!("crafted input"));
        assert!(matches!(refused, Err(Error::Import(why)) if why.contains("panicked")));
        assert!(matches!(refusing_panics(|| Ok(7)), Ok(7)));
    }
}
