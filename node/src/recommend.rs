//! Recommendations: assessing their implementation, following another mechanism's
//! recommendation, and importing them in bulk (the rows of a UHRI export, see [`crate::uhri`]).
//!
//! Following reuses the joint-visit proposal ([`crate::joint`]): the follower sends the owner
//! an `amber-strict` proposal (subject `follow`) carrying its signed consent to co-own the
//! recommendation under an id agreed in advance. A header never changes, so the owner, on
//! accepting, reissues the recommendation under that id with the follower as co-owner (the
//! old item withdrawn, `supersedes` naming it), the fields and assessments kept. From then on
//! the mechanisms' nodes write the one item, and each assessment is a change signed by the
//! mechanism that made it.
//!
//! Each version's successor has an id known in advance, [`next_version`] of its own, so a
//! follower consents at once to the version that admits it and to the next
//! [`MAX_FOLLOWERS`] after it. A further follower is then admitted like the first: the owner
//! reissues the current version under its next id with every co-owner, taking each earlier
//! follower's consent for that id from the proposal it accepted from them, and withdraws the
//! current version. However many follow it, one record holds the follow-up.

use chrono::{DateTime, NaiveDate, Utc};
use liaison_protocol::{
    Assessment, CountryCode, FieldError, Fields, Header, Implementation, ItemId, ItemState, Kind,
    Label, Mechanism, ProposalStatus, ProposalSubject, Text, may_write,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::api::Written;
use crate::matrix::{Filter, Matrix};
use crate::store::{Entry, Record};
use crate::{Draft, Error, Repo};

/// What one import request did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// New items.
    pub added: usize,
    /// Items whose fields changed.
    pub updated: usize,
    /// Items the file holds as they are (or withdrawn here, which an import leaves alone).
    pub unchanged: usize,
}

/// An assessment as the focal point gives it; the assessing mechanism is the node's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentInput {
    /// How far it was implemented.
    pub status: Implementation,
    /// The day of the assessment.
    pub date: NaiveDate,
    /// Where it is published.
    pub source: Option<String>,
    /// What it found.
    pub note: Option<String>,
}

/// Most mechanisms that may follow one recommendation: a follower's consents cover this many
/// versions after the one it asks to follow, and the header of the last version names them all
/// with their consents well within its size limit.
pub const MAX_FOLLOWERS: usize = 16;

/// The id of the version of a followed recommendation that reissues version `id` to admit one
/// more follower: derived from `id`, so followers consent to it before it exists.
pub fn next_version(id: ItemId) -> ItemId {
    let digest = Sha256::new().chain_update(b"liaison/follow/v1\0").chain_update(id.as_bytes());
    let mut bytes = [0; 16];
    bytes.copy_from_slice(&digest.finalize()[..16]);
    ItemId::from_random_bytes(bytes)
}

/// The ids of the [`MAX_FOLLOWERS`] + 1 versions a follow may reissue version `id` under, in
/// order: [`next_version`] of it, of that, and so on; what a follower consents to in advance.
fn later_versions(id: ItemId) -> impl Iterator<Item = ItemId> {
    std::iter::successors(Some(next_version(id)), |v| Some(next_version(*v)))
        .take(MAX_FOLLOWERS + 1)
}

/// The id an imported recommendation has: derived from the importing mechanism and the
/// annotation id, so importing the same row again finds the same item.
pub fn imported_id(mechanism: &Mechanism, annotation_id: &str) -> ItemId {
    let digest = Sha256::new()
        .chain_update(b"liaison/uhri/v1\0")
        .chain_update(mechanism.as_str())
        .chain_update(b"\0")
        .chain_update(annotation_id.trim())
        .finalize();
    let mut bytes = [0; 16];
    bytes.copy_from_slice(&digest[..16]);
    ItemId::from_random_bytes(bytes)
}

/// What importing one row does.
enum Planned {
    /// Nothing: the item holds what the row says, or is withdrawn.
    Unchanged,
    /// A change of an item; the state the store holds of it.
    Updated(Box<(Header, Record, ItemState)>),
    /// A new item.
    Added(Box<(Header, Record)>),
}

/// The annotation id of an imported row.
fn annotation_of(fields: &Fields) -> Result<&str, Error> {
    fields.recommendation.as_ref().and_then(|r| r.annotation_id.as_deref()).ok_or_else(|| {
        FieldError::new("annotation_id", "", "an imported recommendation needs one").into()
    })
}

fn recommendation_of(entry: &Entry) -> Result<&liaison_protocol::Recommendation, Error> {
    entry.record.state.fields.recommendation.as_ref().ok_or_else(|| {
        FieldError::new(
            "id",
            entry.header.id,
            format!("this item is a {}, not a recommendation", entry.header.kind),
        )
        .into()
    })
}

/// The fields of `existing` with what a file says of it: every field the file carries, while
/// the follow-up (assessments), other languages, links and the source item stay as they are.
fn refreshed(existing: &Fields, from_file: &Fields) -> Fields {
    let mut fields = existing.clone();
    fields.title = from_file.title.clone();
    fields.countries = from_file.countries.clone();
    fields.themes = from_file.themes.clone();
    if let (Some(old), Some(new)) = (&existing.recommendation, &from_file.recommendation) {
        let mut r = new.clone();
        r.assessments = old.assessments.clone();
        r.source = old.source.or(new.source);
        for (lang, text) in &old.text_in {
            let same = |other: &liaison_protocol::LangTag| {
                other.as_str().eq_ignore_ascii_case(lang.as_str())
            };
            if !r.text_in.keys().any(same) && !same(&fields.title.lang) {
                r.text_in.insert(lang.clone(), text.clone());
            }
        }
        fields.recommendation = Some(r);
    }
    fields
}

impl Repo {
    /// The newest version of item `id` this node holds (see [`Repo::newest`]).
    ///
    /// # Errors
    /// An unknown id; a corrupt record.
    pub fn newest_version(&self, id: ItemId) -> Result<Entry, Error> {
        self.newest(self.entry(id)?)
    }

    /// The newest version of `entry` this node holds: `entry` itself, or the item of the same
    /// owner and kind that reissued it (by the store's index of reissues, `s/`, which every
    /// write keeps: a follow admitting a follower, a label changed, an embargo ended), and so
    /// on down the chain. A follow's version that has not reached this node yet is stepped
    /// over: the items superseding one of the ids a follow of `entry` may take
    /// ([`next_version`] of it, and of that, [`MAX_FOLLOWERS`] + 1 in all) count as its
    /// reissues when none supersedes it here. Where several supersede one version, one not
    /// withdrawn is taken. An item under such an id that does not supersede (another
    /// mechanism's, or another kind) is no version, and is passed over.
    ///
    /// # Errors
    /// A corrupt record.
    pub fn newest(&self, mut entry: Entry) -> Result<Entry, Error> {
        // A chain longer than this is not one Liaison makes; its end is left as it is.
        const LONGEST_CHAIN: usize = 4 * (MAX_FOLLOWERS + 1);
        for _ in 0..LONGEST_CHAIN {
            let id = entry.header.id;
            let mut next: Option<Entry> = None;
            for superseded in std::iter::once(id).chain(later_versions(id)) {
                for successor in self.store().successors(superseded)? {
                    let Some(e) = self.store().get(successor)?.filter(|e| e.header.id != id) else {
                        continue;
                    };
                    let same =
                        e.header.owner == entry.header.owner && e.header.kind == entry.header.kind;
                    if same && next.as_ref().is_none_or(|n| n.record.state.withdrawn) {
                        next = Some(e);
                    }
                }
                if next.is_some() {
                    break;
                }
            }
            match next {
                Some(e) => entry = e,
                None => break,
            }
        }
        Ok(entry)
    }

    /// The recommendations matrix of `country`, filtered by `filter`: every recommendation
    /// this node's operator may see, from the matrix facts the store keeps of them beside their
    /// records ([`crate::store::Store::matrix_facts`]), so that no record is read and nothing
    /// is held in memory between requests.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered entry.
    pub fn recommendations(&self, country: CountryCode, filter: &Filter) -> Result<Matrix, Error> {
        let facts = self.store().matrix_facts(country)?;
        Ok(crate::matrix::of_facts(country, facts, filter))
    }

    /// Records an assessment of recommendation `id` (its newest version) by this node's
    /// mechanism, kept in the item's follow-up history. Returns the id of the version assessed,
    /// and the new revision, or `None` when the same assessment is there already.
    ///
    /// # Errors
    /// An unknown id, an item that is not a recommendation, a recommendation this node's
    /// mechanism neither owns nor follows, or an invalid value; nothing changes then.
    pub fn assess(
        &self,
        id: ItemId,
        input: AssessmentInput,
        now: DateTime<Utc>,
    ) -> Result<(ItemId, Option<u64>), Error> {
        let entry = self.newest_version(id)?;
        recommendation_of(&entry)?;
        let id = entry.header.id;
        let me = self.identity().card().peer();
        if !may_write(&entry.header, &me) {
            return Err(FieldError::new(
                "id",
                id,
                format!(
                    "this recommendation is {}'s; to assess it, follow it first ('liaison \
                     recommendation follow {id}') and have {} accept",
                    entry.header.owner, entry.header.owner
                ),
            )
            .into());
        }
        let assessment = Assessment {
            by: me.mechanism,
            status: input.status,
            date: input.date,
            source: input.source,
            note: input.note,
        };
        let revision = self.update(id, now, |fields| {
            if let Some(r) = fields.recommendation.as_mut()
                && !r.assessments.contains(&assessment)
            {
                r.assessments.push(assessment);
            }
            Ok(())
        })?;
        Ok((id, revision))
    }

    /// Asks the owner of recommendation `id` (its newest version) to let this node's
    /// mechanism follow it (co-own it, to record assessments in it), consenting to co-own the
    /// version that admits it and the [`MAX_FOLLOWERS`] after it. Returns the proposal's id.
    ///
    /// # Errors
    /// An unknown id, an item that is not a recommendation, or one this mechanism may write
    /// already.
    pub fn propose_follow(
        &self,
        id: ItemId,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<ItemId, Error> {
        let entry = self.newest_version(id)?;
        let id = entry.header.id;
        let r = recommendation_of(&entry)?;
        let me = self.identity().card().peer();
        if may_write(&entry.header, &me) {
            return Err(FieldError::new(
                "id",
                id,
                format!("{} owns or follows this recommendation already", me.mechanism),
            )
            .into());
        }
        let to = entry.header.owner.clone();
        let title = format!("{} asks to follow {} ({})", me.mechanism, r.symbol, r.body);
        let fields = Fields::new(Text { value: title, lang: Default::default() });
        let versions: Vec<ItemId> = later_versions(id).collect();
        let consent_to = (Kind::Recommendation, &versions[..]);
        self.propose(fields, ProposalSubject::Follow, (id, id), to, note, consent_to, now)
    }

    /// Accepts follow proposal `entry` (open, addressed to this node's mechanism; `answered`
    /// holds its fields with the answer's note): reissues the newest version of the
    /// recommendation under its [`next_version`] id, co-owned by its co-owners and the
    /// proposer, each with its consent for that id (the proposer's from this proposal, each
    /// earlier follower's from the proposal accepted from it), and withdraws that version in
    /// the same write. Returns the reissued recommendation's id.
    pub(crate) fn accept_follow(
        &self,
        entry: &Entry,
        mut answered: Fields,
        now: DateTime<Utc>,
    ) -> Result<ItemId, Error> {
        let id = entry.header.id;
        let Some(proposal) = answered.proposal.clone() else {
            return Err(FieldError::new("proposal", id, "not a proposal").into());
        };
        let follower = entry.header.owner.clone();
        let old = self.newest_version(proposal.with)?;
        recommendation_of(&old)?;
        let refuse = |why: String| -> Error { FieldError::new("proposal", id, why).into() };
        if old.header.owner != *self.mine() {
            return Err(refuse(format!(
                "the recommendation is {}'s, not {}'s",
                old.header.owner,
                self.mine()
            )));
        }
        if old.record.state.withdrawn {
            return Err(Error::Withdrawn(old.header.id));
        }
        if old.header.co_owners.contains(&follower) {
            return Err(refuse(format!("{follower} follows {} already", old.header.id)));
        }
        if old.header.co_owners.len() >= MAX_FOLLOWERS {
            return Err(refuse(format!("{MAX_FOLLOWERS} mechanisms follow it already, the most")));
        }
        let new = self.free_version(&old)?;
        let consent_of = |p: &liaison_protocol::Proposal, m: &Mechanism| {
            p.consent.iter().chain(&p.later).find_map(|c| {
                let fits = c.id == new
                    && c.consent.mechanism == *m
                    && c.consent.verifies(new, Kind::Recommendation, self.mine());
                fits.then(|| c.consent.clone())
            })
        };
        let mut consents = vec![consent_of(&proposal, &follower).ok_or_else(|| {
            refuse(format!(
                "{follower}'s consent does not cover version {new} of the recommendation; ask \
                 {follower} to follow {} again",
                old.header.id
            ))
        })?];
        let accepted: Vec<Entry> = self
            .inbox()?
            .into_iter()
            .filter(|e| {
                e.record.state.fields.proposal.as_ref().is_some_and(|p| {
                    p.subject == ProposalSubject::Follow
                        && p.status == ProposalStatus::Accepted
                        && p.to == *self.mine()
                })
            })
            .collect();
        for m in &old.header.co_owners {
            let given = accepted.iter().filter(|e| e.header.owner == *m).find_map(|e| {
                e.record.state.fields.proposal.as_ref().and_then(|p| consent_of(p, m))
            });
            consents.push(given.ok_or_else(|| {
                refuse(format!(
                    "{m} follows the recommendation, but this node holds no consent of {m} to \
                     co-own its next version {new}: the proposal {m} made to follow it is \
                     missing here or altered"
                ))
            })?);
        }
        let mut co_owners = old.header.co_owners.clone();
        co_owners.push(follower.clone());
        let draft = Draft {
            kind: Kind::Recommendation,
            fields: old.record.state.fields.clone(),
            label: old.header.label,
            audience: old.header.audience.clone(),
            co_owners,
            supersedes: Some(old.header.id),
        };
        let (header, record) = self.build_with(draft, new, consents, now)?;
        let withdrawn = self.edit(&old, None, true, now)?.ok_or(Error::Withdrawn(old.header.id))?;
        if let Some(p) = answered.proposal.as_mut() {
            p.status = ProposalStatus::Accepted;
            p.joint = Some(header.id);
        }
        let answer = self.edit(entry, Some(&answered), false, now)?.ok_or(Error::Withdrawn(id))?;
        self.store().put(&[
            (&header, &record),
            (&old.header, &withdrawn),
            (&entry.header, &answer),
        ])?;
        tracing::info!(proposal = %id, old = %old.header.id, new = %header.id, %follower, "recommendation followed");
        Ok(header.id)
    }

    /// The id to reissue `old`, the newest version of a recommendation, under to admit one
    /// more follower: [`next_version`] of it, or, where an item this node holds has that id
    /// already (one that is no version of `old`, which is the newest: another mechanism's
    /// item, or another kind, published under it), the next id of that chain that no item
    /// holds, among the [`MAX_FOLLOWERS`] + 1 its followers consented to. [`Repo::newest`]
    /// finds the version so reissued from `old` by the index of reissues, as any other.
    ///
    /// # Errors
    /// Every one of those ids is held by an item here, each named.
    fn free_version(&self, old: &Entry) -> Result<ItemId, Error> {
        let mut taken = Vec::new();
        for id in later_versions(old.header.id) {
            match self.store().head(id)? {
                Some(h) => taken.push(format!("{id} ({} of {})", h.header.kind, h.header.owner)),
                None => {
                    if !taken.is_empty() {
                        tracing::warn!(
                            recommendation = %old.header.id, taken = ?taken, new = %id,
                            "the next version's id is held by another item: reissued under a later id"
                        );
                    }
                    return Ok(id);
                }
            }
        }
        Err(FieldError::new(
            "id",
            old.header.id,
            format!(
                "every id its next versions may take is held by another item ({}): it cannot be \
                 reissued to admit a follower",
                taken.join(", ")
            ),
        )
        .into())
    }

    /// Imports recommendations read from a file, each with its annotation id, as this node's
    /// items under `label`: new ones are created under the id [`imported_id`] derives, known
    /// ones updated where the file differs (their follow-up kept), and nothing is written for
    /// a row that changes nothing. A row whose item was reissued (followed by another
    /// mechanism, so reissued co-owned) updates the item that reissued it: the current one of
    /// the chain. All of it is one store write. The rows are read and their items built and
    /// signed on every core. Returns what it did and the items written.
    ///
    /// # Errors
    /// A row without an annotation id, an annotation id given twice, or a row its fields
    /// refuse, naming the annotation; nothing is written then.
    pub fn import_recommendations(
        &self,
        rows: Vec<Fields>,
        label: Label,
        audience: Vec<Mechanism>,
        now: DateTime<Utc>,
    ) -> Result<(Tally, Vec<Written>), Error> {
        let mut ids = std::collections::HashSet::with_capacity(rows.len());
        for fields in &rows {
            let annotation = annotation_of(fields)?;
            if !ids.insert(imported_id(self.mine(), annotation)) {
                return Err(FieldError::new(
                    "annotation_id",
                    annotation,
                    "given twice; each row has its own",
                )
                .into());
            }
        }
        let planned = crate::cores::on_every_core(&rows, |fields| {
            let annotation = annotation_of(fields)?;
            self.plan_import(fields, label, &audience, now).map_err(|e| match e {
                Error::Field(f) => Error::Field(FieldError {
                    field: format!("annotation {annotation}: {}", f.field),
                    ..f
                }),
                e => e,
            })
        });
        let mut tally = Tally::default();
        let mut writes = Vec::with_capacity(rows.len());
        for plan in planned {
            match plan? {
                Planned::Unchanged => tally.unchanged += 1,
                Planned::Updated(update) => {
                    let (header, record, old) = *update;
                    tally.updated += 1;
                    writes.push((header, record, Some(old)));
                }
                Planned::Added(new) => {
                    let (header, record) = *new;
                    tally.added += 1;
                    writes.push((header, record, None));
                }
            }
        }
        let refs: Vec<_> = writes.iter().map(|(h, r, old)| (h, r, old.as_ref())).collect();
        self.store().put_over(&refs)?;
        let me = self.identity().public_key();
        let written = writes
            .into_iter()
            .map(|(header, record, _)| Written {
                digest: record.digest.as_slice().try_into().unwrap_or([0; 32]),
                embargo_until: record
                    .state
                    .fields
                    .embargo_until
                    .filter(|_| !record.state.withdrawn && header.creator == me),
                header,
            })
            .collect();
        Ok((tally, written))
    }

    /// What importing one row does: nothing, an update of its item (or of the item that
    /// reissued it), or a new item. Reads the store, writes nothing.
    fn plan_import(
        &self,
        fields: &Fields,
        label: Label,
        audience: &[Mechanism],
        now: DateTime<Utc>,
    ) -> Result<Planned, Error> {
        let id = imported_id(self.mine(), annotation_of(fields)?);
        let Some(existing) = self.store().get(id)? else {
            let draft = Draft {
                kind: Kind::Recommendation,
                fields: fields.clone(),
                label,
                audience: audience.to_vec(),
                co_owners: Vec::new(),
                supersedes: None,
            };
            let (header, record) = self.build_new(draft, id, Vec::new(), now)?;
            return Ok(Planned::Added(Box::new((header, record))));
        };
        // An item reissued is withdrawn in the same write, so only a withdrawn one is looked
        // past (which spares a row whose item was never followed the index's look-ups).
        let existing =
            if existing.record.state.withdrawn { self.newest(existing)? } else { existing };
        let fields = refreshed(&existing.record.state.fields, fields);
        // An unchanged row costs no document load: the fields are the document's.
        if existing.record.state.withdrawn || fields == existing.record.state.fields {
            return Ok(Planned::Unchanged);
        }
        fields.validate(existing.header.kind, existing.header.label)?;
        Ok(match self.edit(&existing, Some(&fields), false, now)? {
            Some(record) => {
                Planned::Updated(Box::new((existing.header, record, existing.record.state)))
            }
            None => Planned::Unchanged,
        })
    }
}
