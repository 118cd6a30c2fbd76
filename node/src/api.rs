//! The requests a node answers: the same whether the CLI opens the store itself or talks to a
//! running node over its local API. [`Repo::handle`] is the one place they are carried out.

use chrono::{DateTime, Utc};
use liaison_protocol::{Card, Consent, ItemId, Label, Mechanism, Peer, VisitPatch};
use serde::{Deserialize, Serialize};

use crate::export::{self, ExportFormat};
use crate::repo::ImportReport;
use crate::{Draft, Entry, Error, ItemView, Query, Repo};

/// Something asked of a node.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Request {
    /// The node's identity card.
    Identity,
    /// Publish a new item.
    Create {
        /// The item.
        draft: Box<Draft>,
    },
    /// Publish a new item with co-owners, under the id they consented to.
    CreateConsented {
        /// The item.
        draft: Box<Draft>,
        /// The id its co-owners consented to.
        id: ItemId,
        /// One consent per co-owner.
        consents: Vec<Consent>,
    },
    /// Change a visit.
    UpdateVisit {
        /// The visit.
        id: ItemId,
        /// The change.
        patch: VisitPatch,
    },
    /// Withdraw an item.
    Withdraw {
        /// The item.
        id: ItemId,
    },
    /// Reissue an item under a new label.
    Reissue {
        /// The item.
        id: ItemId,
        /// The new label.
        label: Label,
        /// The new audience.
        audience: Vec<Mechanism>,
    },
    /// Items matching a query.
    List {
        /// The query.
        query: Query,
    },
    /// One item with its verified history.
    View {
        /// The item.
        id: ItemId,
    },
    /// Every item id, to resolve a prefix.
    Ids,
    /// An export as text.
    Export {
        /// Which items.
        query: Query,
        /// Only what this peer may receive.
        audience: Option<Peer>,
        /// The format.
        format: ExportFormat,
    },
    /// Import a JSON export.
    Import {
        /// The file's text.
        text: String,
    },
    /// The roster.
    RosterList,
    /// Add a node to the roster.
    RosterAdd {
        /// Its card.
        card: Card,
    },
    /// Remove nodes from the roster by key or mechanism.
    RosterRemove {
        /// A key or a mechanism code.
        peer: String,
    },
    /// The running node's state and its peers (only a running node answers).
    Status,
    /// Overlapping visits of different mechanisms.
    Overlaps {
        /// Only this country.
        country: Option<liaison_protocol::CountryCode>,
        /// Only clusters with a visit ending on or after this day.
        from: Option<chrono::NaiveDate>,
        /// Only clusters with a visit starting on or before this day.
        to: Option<chrono::NaiveDate>,
        /// Days either side; the config's (or 60) when absent.
        window: Option<u32>,
        /// Only the clusters that include this visit.
        of: Option<ItemId>,
    },
    /// Propose a joint visit to the owner of another visit.
    ProposeJoint {
        /// This node's visit.
        visit: ItemId,
        /// The other mechanism's visit.
        with: ItemId,
        /// Why.
        note: Option<String>,
    },
    /// Accept or decline a joint-visit proposal.
    AnswerJoint {
        /// The proposal.
        proposal: ItemId,
        /// Accept (or decline).
        accept: bool,
        /// Why.
        note: Option<String>,
        /// The joint visit's label and audience, if not the narrower of the two visits'.
        label: Option<(Label, Vec<Mechanism>)>,
    },
    /// Joint-visit proposals to and from this node's mechanism.
    Inbox,
    /// The digest of a period for an audience.
    Digest {
        /// Start of the period.
        since: DateTime<Utc>,
        /// Who it is for.
        audience: crate::digest::Audience,
    },
    /// Write the public site as static files into a directory.
    MirrorExport {
        /// The directory.
        dir: std::path::PathBuf,
    },
}

/// A node's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Response {
    /// An identity card.
    Card(Card),
    /// The id of a new item.
    Id(ItemId),
    /// The new revision, or `None` when nothing changed.
    Updated(Option<u64>),
    /// Whether the item was withdrawn now (false: it already was).
    Withdrawn(bool),
    /// Items.
    Entries(Vec<Entry>),
    /// One item.
    View(Box<ItemView>),
    /// Item ids.
    Ids(Vec<ItemId>),
    /// Text (an export).
    Text(String),
    /// What an import did, and the ids of items published anew.
    Imported {
        /// Signed items added, merged or unchanged.
        report: ImportReport,
        /// Items without provenance, published by this node.
        created: Vec<ItemId>,
    },
    /// Roster cards.
    Cards(Vec<Card>),
    /// The running node's state.
    Status(Box<crate::daemon::Status>),
    /// Clusters of overlapping visits.
    Overlaps(Vec<crate::coord::Cluster>),
    /// A digest.
    Digest(Box<crate::digest::Digest>),
    /// The answer to a proposal: the joint visit's id when accepted.
    Answered(Option<ItemId>),
    /// Files and items written by a static export.
    Exported {
        /// Files written.
        files: usize,
        /// Public items exported.
        items: usize,
    },
}

/// A request carried out: the answer, and the items it changed (to push to peers).
#[derive(Debug)]
pub struct Handled {
    /// The answer.
    pub response: Response,
    /// Items written by this request.
    pub changed: Vec<ItemId>,
}

impl Repo {
    /// Carries out `request` at time `now`.
    ///
    /// # Errors
    /// What the operation refuses; nothing changed then.
    pub fn handle(&mut self, request: Request, now: DateTime<Utc>) -> Result<Handled, Error> {
        let (response, changed) = match request {
            Request::Identity => (Response::Card(self.identity().card()), vec![]),
            Request::Create { draft } => {
                let id = self.create(*draft, now)?;
                (Response::Id(id), vec![id])
            }
            Request::CreateConsented { draft, id, consents } => {
                let id = self.create_consented(*draft, id, consents, now)?;
                (Response::Id(id), vec![id])
            }
            Request::UpdateVisit { id, patch } => {
                let revision = self.update(id, now, |fields| Ok(patch.apply(fields)?))?;
                (Response::Updated(revision), if revision.is_some() { vec![id] } else { vec![] })
            }
            Request::Withdraw { id } => {
                let done = self.withdraw(id, now)?;
                (Response::Withdrawn(done), if done { vec![id] } else { vec![] })
            }
            Request::Reissue { id, label, audience } => {
                let new = self.reissue(id, label, audience, now)?;
                (Response::Id(new), vec![id, new])
            }
            Request::List { query } => (Response::Entries(self.list(&query)?), vec![]),
            Request::View { id } => (Response::View(Box::new(self.view(id)?)), vec![]),
            Request::Ids => (Response::Ids(self.store().ids()?), vec![]),
            Request::Export { query, audience, format } => {
                (Response::Text(self.export(&query, audience.as_ref(), format)?), vec![])
            }
            Request::Import { text } => {
                let plan =
                    export::plan_import(&text, self.roster(), &self.identity().config.mechanism)?;
                let (report, created) = self.import(plan.signed, plan.drafts, now)?;
                let mut changed: Vec<ItemId> =
                    report.added.iter().chain(&report.merged).chain(&created).copied().collect();
                for id in changed.clone() {
                    changed.extend(self.complete_joint_for(id, now)?);
                }
                (Response::Imported { report, created }, changed)
            }
            Request::RosterList => {
                (Response::Cards(self.roster().iter().cloned().collect()), vec![])
            }
            Request::RosterAdd { card } => {
                self.add_peer(card.clone())?;
                (Response::Cards(vec![card]), vec![])
            }
            Request::RosterRemove { peer } => (Response::Cards(self.remove_peer(&peer)?), vec![]),
            Request::Status => return Err(Error::NotRunning),
            Request::Overlaps { country, from, to, window, of } => {
                let window = window.unwrap_or(self.identity().config.overlap_window_days);
                let clusters = match of {
                    Some(id) => crate::coord::overlaps_of(self.store(), id, window)?,
                    None => crate::coord::overlaps(self.store(), country, from, to, window)?,
                };
                (Response::Overlaps(clusters), vec![])
            }
            Request::ProposeJoint { visit, with, note } => {
                let id = self.propose_joint(visit, with, note, now)?;
                (Response::Id(id), vec![id])
            }
            Request::AnswerJoint { proposal, accept, note, label } => {
                let joint = self.answer_joint(proposal, accept, note, label, now)?;
                let own_visit = self
                    .store()
                    .get(proposal)?
                    .and_then(|e| e.record.state.fields.proposal)
                    .map(|p| p.with);
                let changed = match joint {
                    Some(joint) => {
                        [Some(proposal), Some(joint), own_visit].into_iter().flatten().collect()
                    }
                    None => vec![proposal],
                };
                (Response::Answered(joint), changed)
            }
            Request::Inbox => (Response::Entries(self.inbox()?), vec![]),
            Request::Digest { since, audience } => {
                let window = self.identity().config.overlap_window_days;
                let digest = crate::digest::digest(self.store(), &audience, since, now, window)?;
                (Response::Digest(Box::new(digest)), vec![])
            }
            Request::MirrorExport { dir } => {
                let site = crate::public::Site::offline(self.store().clone(), self.site_title());
                let written = crate::public::static_site::export(&site, &dir)?;
                (Response::Exported { files: written.files, items: written.items }, vec![])
            }
        };
        Ok(Handled { response, changed })
    }

    /// The public site's name.
    pub fn site_title(&self) -> String {
        let config = &self.identity().config;
        format!("Liaison: {}", config.name.as_deref().unwrap_or(config.mechanism.as_str()))
    }

    /// The export of the items matching `query` that `audience` may receive, every one verified
    /// in full first: exports leave the node, so nothing is served on trust.
    ///
    /// # Errors
    /// [`Error::Corrupt`] if an item fails verification.
    pub fn export(
        &self,
        query: &Query,
        audience: Option<&Peer>,
        format: ExportFormat,
    ) -> Result<String, Error> {
        let mut entries = self.list(query)?;
        entries.retain(|e| audience.is_none_or(|p| liaison_protocol::may_receive(&e.header, p)));
        for e in &entries {
            self.verified(e.header.id)?;
        }
        let config = &self.identity().config;
        Ok(match format {
            ExportFormat::Ics => {
                let name = format!(
                    "Liaison: {}",
                    config.name.as_deref().unwrap_or(config.mechanism.as_str())
                );
                export::to_ics(&entries, &name)
            }
            ExportFormat::Json => export::to_json(&entries),
            ExportFormat::Csv => export::to_csv(&entries)?,
        })
    }
}
