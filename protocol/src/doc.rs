//! An item's body as an automerge document, and the bridge between its fields and the document.
//!
//! The document's root holds `fields` (the [`Fields`] as a tree of maps, lists and scalars),
//! `revision` (a counter, so concurrent edits both count), `created`, `updated` and `withdrawn`.
//! Writing reconciles the new fields against the tree: only what differs becomes an operation,
//! so concurrent edits of different fields, or appends to the same list, merge.

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use std::collections::HashMap;

use automerge::{
    ActorId, AutoSerde, Automerge, ObjId, ObjType, ReadDoc, ScalarValue, Value, hydrate,
};
use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::change::{self, ChangeSig};
use crate::codec::MAX_DOC_BYTES;
use crate::{Fields, ItemId, PublicKey};

/// The state of an item, read from its document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemState {
    /// Its fields.
    pub fields: Fields,
    /// +1 on each change that changed something (iCalendar SEQUENCE); 0 when created.
    pub revision: u64,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// When it last changed.
    pub updated: DateTime<Utc>,
    /// Withdrawn items vanish from mirrors and exports.
    pub withdrawn: bool,
}

/// One change of a document, as its history shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeInfo {
    /// The change's hash.
    pub hash: automerge::ChangeHash,
    /// The actor that made it; its first 32 bytes are the signer's public key.
    pub actor: ActorId,
    /// When, in Unix seconds, as its author's clock said (advisory).
    pub time: i64,
}

/// An edit of an item: new fields, or a withdrawal, or both.
#[derive(Debug, Clone, Copy)]
pub struct Edit<'a> {
    /// The fields as they should be after the edit.
    pub fields: Option<&'a Fields>,
    /// Marks the item withdrawn.
    pub withdraw: bool,
    /// The time of the edit.
    pub now: DateTime<Utc>,
    /// Random bytes the caller draws once per process: they follow the public key in the actor
    /// id, so two histories written under one key (a restored backup) never collide.
    pub session: [u8; 8],
}

/// Why a document could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocError {
    /// The bytes are not an automerge document.
    #[error("document does not load: {0}")]
    Load(String),
    /// The document is larger than [`MAX_DOC_BYTES`].
    #[error("document is {len} bytes, the limit is {MAX_DOC_BYTES}")]
    TooLarge {
        /// Its size.
        len: usize,
    },
    /// The document would expand past [`crate::doc_bound`]'s limits once loaded.
    #[error("document refused before loading: {0}")]
    Expands(String),
    /// The document loads but does not hold an item.
    #[error("document does not hold an item: {0}")]
    Shape(String),
    /// Automerge refused an operation.
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
}

/// One item's automerge document.
#[derive(Debug, Clone)]
pub struct ItemDoc {
    doc: Automerge,
}

impl ItemDoc {
    /// A new, empty document.
    pub fn new() -> Self {
        Self { doc: Automerge::new() }
    }

    /// Loads a saved document of at most [`MAX_DOC_BYTES`], which must be one document chunk
    /// within [`crate::doc_bound`]'s limits on what it expands to.
    ///
    /// # Errors
    /// If it is too large, would expand too far, or does not load; a panic inside automerge
    /// is caught and reported as [`DocError::Load`].
    pub fn load(bytes: &[u8]) -> Result<Self, DocError> {
        if bytes.len() > MAX_DOC_BYTES {
            return Err(DocError::TooLarge { len: bytes.len() });
        }
        crate::doc_bound::check(bytes).map_err(DocError::Expands)?;
        match std::panic::catch_unwind(|| Automerge::load(bytes)) {
            Ok(loaded) => loaded.map(|doc| Self { doc }).map_err(|e| DocError::Load(e.to_string())),
            Err(_) => Err(DocError::Load("automerge panicked while loading it".to_owned())),
        }
    }

    /// The whole document, compacted.
    pub fn save(&self) -> Vec<u8> {
        self.doc.save()
    }

    /// The underlying automerge document, for reading.
    pub fn automerge(&self) -> &Automerge {
        &self.doc
    }

    /// Merges `other` into this document.
    ///
    /// Only call this with a document whose changes were verified.
    ///
    /// # Errors
    /// If automerge refuses the merge.
    pub fn merge(&mut self, other: &mut ItemDoc) -> Result<(), DocError> {
        self.doc.merge(&mut other.doc)?;
        Ok(())
    }

    /// Applies `edit` as one change signed with `key`; the actor id is the key's public key
    /// followed by `edit.session`.
    /// Returns the change's signature, or `None` when the edit changed nothing.
    ///
    /// # Errors
    /// If the fields do not serialize or automerge refuses an operation.
    pub fn write(
        &mut self,
        key: &SigningKey,
        item: ItemId,
        edit: Edit<'_>,
    ) -> Result<Option<ChangeSig>, DocError> {
        let signer = PublicKey::from(&key.verifying_key());
        self.doc.set_actor(ActorId::from(&[&signer.0[..], &edit.session[..]].concat()[..]));
        let fields = edit
            .fields
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| DocError::Shape(e.to_string()))?;
        let now = edit.now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let time = edit.now.timestamp();
        let result = self.doc.transact_with(
            |_| CommitOptions::default().with_time(time),
            |tx| -> Result<(), automerge::AutomergeError> {
                if tx.get(automerge::ROOT, "created")?.is_none() {
                    // A new document holds nothing yet: its whole tree goes in as one batch of
                    // operations appended together, where putting each value would look up
                    // and splice the document's columns once per value.
                    let scalar = |v: ScalarValue| hydrate::Value::Scalar(v);
                    let mut root = HashMap::from([
                        ("created".to_owned(), scalar(ScalarValue::Str(now.as_str().into()))),
                        ("updated".to_owned(), scalar(ScalarValue::Str(now.as_str().into()))),
                        ("revision".to_owned(), scalar(ScalarValue::counter(0))),
                        ("withdrawn".to_owned(), scalar(ScalarValue::Boolean(edit.withdraw))),
                    ]);
                    if let Some(fields) = &fields {
                        root.insert("fields".to_owned(), hydrated(fields));
                    }
                    return tx.init_root_from_hydrate(&hydrate::Map::from(root));
                }
                if let Some(fields) = &fields {
                    put_value(tx, &automerge::ROOT, "fields".into(), fields)?;
                }
                if edit.withdraw && !matches!(tx.get(automerge::ROOT, "withdrawn")?, Some((Value::Scalar(s), _)) if s.as_ref() == &ScalarValue::Boolean(true)) {
                    tx.put(automerge::ROOT, "withdrawn", true)?;
                }
                if tx.pending_ops() > 0 {
                    tx.increment(automerge::ROOT, "revision", 1)?;
                    tx.put(automerge::ROOT, "updated", now.as_str())?;
                }
                Ok(())
            },
        );
        let hash = result.map_err(|f| DocError::Automerge(f.error))?.hash;
        Ok(hash.map(|h| change::sign(key, item, h.0)))
    }

    /// The first version of an item's document: `fields` written as one change signed with
    /// `key` (as [`Self::write`] on a new document), with the change's signature and the
    /// item's state. The state is made from what was written, not read back from the
    /// document: a new document holds exactly that (the fields, revision 0, created and
    /// updated at `now` to the millisecond, not withdrawn), and reading it back costs more
    /// than writing it.
    ///
    /// # Errors
    /// As [`Self::write`].
    pub fn create(
        key: &SigningKey,
        item: ItemId,
        fields: Fields,
        now: DateTime<Utc>,
        session: [u8; 8],
    ) -> Result<(Self, ChangeSig, ItemState), DocError> {
        let mut doc = Self::new();
        let edit = Edit { fields: Some(&fields), withdraw: false, now, session };
        let sig = doc
            .write(key, item, edit)?
            .ok_or_else(|| DocError::Shape("the first write made no change".to_owned()))?;
        // `write` keeps times to the millisecond.
        let at = chrono::SubsecRound::trunc_subsecs(now, 3);
        let state = ItemState { fields, revision: 0, created: at, updated: at, withdrawn: false };
        Ok((doc, sig, state))
    }

    /// Reads the item's state.
    ///
    /// # Errors
    /// If the document does not hold an item of this schema.
    pub fn read(&self) -> Result<ItemState, DocError> {
        let json = serde_json::to_value(AutoSerde::from(&self.doc))
            .map_err(|e| DocError::Shape(e.to_string()))?;
        serde_json::from_value(json).map_err(|e| DocError::Shape(e.to_string()))
    }

    /// Every change in the document, in causal order.
    pub fn changes(&self) -> Vec<ChangeInfo> {
        self.doc
            .get_changes(&[])
            .iter()
            .map(|c| ChangeInfo {
                hash: c.hash(),
                actor: c.actor_id().clone(),
                time: c.timestamp(),
            })
            .collect()
    }

    /// The item's state as it was at Unix time `time` (by its authors' clocks): the state made
    /// of the changes made at or before then, or `None` if there were none.
    ///
    /// # Errors
    /// If the document does not hold an item at that point.
    pub fn read_at(&self, time: i64) -> Result<Option<ItemState>, DocError> {
        let before: Vec<automerge::ChangeHash> =
            self.changes().into_iter().filter(|c| c.time <= time).map(|c| c.hash).collect();
        if before.is_empty() {
            return Ok(None);
        }
        let doc = self.doc.fork_at(&before)?;
        Self { doc }.read().map(Some)
    }

    /// The current heads.
    pub fn heads(&self) -> Vec<automerge::ChangeHash> {
        self.doc.get_heads()
    }
}

impl Default for ItemDoc {
    fn default() -> Self {
        Self::new()
    }
}

/// Makes `obj[prop]` hold `value`, writing only what differs.
fn put_value(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    prop: automerge::Prop,
    value: &Json,
) -> Result<(), automerge::AutomergeError> {
    let existing = tx.get(obj, prop.clone())?;
    match value {
        Json::Object(map) => {
            let child = match existing {
                Some((Value::Object(ObjType::Map), id)) => id,
                _ => tx.put_object(obj, prop, ObjType::Map)?,
            };
            let stale: Vec<String> = tx.keys(&child).filter(|k| !map.contains_key(k)).collect();
            for key in stale {
                tx.delete(&child, key.as_str())?;
            }
            for (key, v) in map {
                put_value(tx, &child, key.as_str().into(), v)?;
            }
        }
        Json::Array(items) => {
            let child = match existing {
                Some((Value::Object(ObjType::List), id)) => id,
                _ => tx.put_object(obj, prop, ObjType::List)?,
            };
            let len = tx.length(&child);
            for index in (items.len()..len).rev() {
                tx.delete(&child, index)?;
            }
            for (index, v) in items.iter().enumerate() {
                if index >= len {
                    insert_value(tx, &child, index, v)?;
                } else {
                    put_value(tx, &child, index.into(), v)?;
                }
            }
        }
        scalar => {
            let new = to_scalar(scalar);
            let same = matches!(&existing, Some((Value::Scalar(old), _)) if old.as_ref() == &new);
            if !same {
                tx.put(obj, prop, new)?;
            }
        }
    }
    Ok(())
}

/// `value` as the tree of values automerge builds a new document from.
fn hydrated(value: &Json) -> hydrate::Value {
    match value {
        Json::Object(map) => hydrate::Value::Map(hydrate::Map::from(
            map.iter().map(|(k, v)| (k.clone(), hydrated(v))).collect::<HashMap<_, _>>(),
        )),
        Json::Array(items) => hydrate::Value::List(hydrate::List::from(
            items.iter().map(hydrated).collect::<Vec<_>>(),
        )),
        scalar => hydrate::Value::Scalar(to_scalar(scalar)),
    }
}

/// Makes `obj[prop]` hold `value` where `obj` holds nothing yet (a map in a new list
/// element): the operations [`put_value`] makes there, without reading what is there.
fn insert_new(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    prop: automerge::Prop,
    value: &Json,
) -> Result<(), automerge::AutomergeError> {
    match value {
        Json::Object(map) => {
            let child = tx.put_object(obj, prop, ObjType::Map)?;
            for (key, v) in map {
                insert_new(tx, &child, key.as_str().into(), v)?;
            }
        }
        Json::Array(items) => {
            let child = tx.put_object(obj, prop, ObjType::List)?;
            for (index, v) in items.iter().enumerate() {
                insert_value(tx, &child, index, v)?;
            }
        }
        scalar => tx.put(obj, prop, to_scalar(scalar))?,
    }
    Ok(())
}

/// Inserts `value` into the list `obj` at `index`.
fn insert_value(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    index: usize,
    value: &Json,
) -> Result<(), automerge::AutomergeError> {
    match value {
        Json::Object(_) => {
            let child = tx.insert_object(obj, index, ObjType::Map)?;
            if let Json::Object(map) = value {
                for (key, v) in map {
                    insert_new(tx, &child, key.as_str().into(), v)?;
                }
            }
        }
        Json::Array(items) => {
            let child = tx.insert_object(obj, index, ObjType::List)?;
            for (i, v) in items.iter().enumerate() {
                insert_value(tx, &child, i, v)?;
            }
        }
        scalar => {
            tx.insert(obj, index, to_scalar(scalar))?;
        }
    }
    Ok(())
}

fn to_scalar(value: &Json) -> ScalarValue {
    match value {
        Json::Null => ScalarValue::Null,
        Json::Bool(b) => ScalarValue::Boolean(*b),
        Json::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => ScalarValue::Uint(u),
            (None, Some(i)) => ScalarValue::Int(i),
            _ => ScalarValue::F64(n.as_f64().unwrap_or_default()),
        },
        Json::String(s) => ScalarValue::Str(s.as_str().into()),
        Json::Array(_) | Json::Object(_) => ScalarValue::Null,
    }
}

#[cfg(test)]
mod tests;
