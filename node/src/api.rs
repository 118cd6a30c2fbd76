//! The requests a node answers: the same whether the CLI opens the store itself or talks to a
//! running node over its local API. [`Repo::handle`] is the one place they are carried out.

use chrono::{DateTime, Utc};
use liaison_protocol::{
    Card, Consent, Destination, ItemId, Label, Mechanism, PublicKey, Role, VisitPatch, may_leave,
};
use serde::{Deserialize, Serialize};

use liaison_protocol::trust::{Added, AuthorityCard, Certificate, KeysetFile, Revocation, Signed};

use crate::export::{self, ExportFormat};
use crate::repo::ImportReport;
use crate::{Draft, Entry, Error, ItemView, Query, Repo};

/// Something asked of a node.
// A visit's patch is the largest request (its titles and summaries in other languages among
// it); requests are made one at a time, so its size costs nothing worth a box at every caller.
#[allow(clippy::large_enum_variant)]
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
    /// Items whose text matches words, best first (`liaison search`).
    Search {
        /// The words, in the query syntax of [`crate::search`].
        text: String,
        /// Which items: the filters of a list.
        query: Query,
        /// Most items answered.
        limit: usize,
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
        /// Who it is for: this node's own mechanism by default (never `red`), another
        /// mechanism, or the public.
        audience: crate::digest::Audience,
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
    /// Anchor a mechanism's authority: trust every node key it certifies, for that mechanism.
    RosterAddAuthority {
        /// Its card.
        card: AuthorityCard,
    },
    /// The anchored authorities, and the certificates and revocations kept.
    Trust,
    /// Install certificates or revocations by anchored authorities (they travel on to peers).
    AddStatements {
        /// The signed statements.
        statements: Vec<Signed>,
    },
    /// Install a keyset of an anchored authority: its certificates and revocations, and the file,
    /// which the public site serves at `/keysets/CODE.json`.
    AddKeyset {
        /// The keyset file.
        file: KeysetFile,
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
    /// Record an assessment of a recommendation by this node's mechanism.
    Assess {
        /// The recommendation.
        id: ItemId,
        /// The assessment.
        assessment: crate::recommend::AssessmentInput,
    },
    /// Ask the owner of a recommendation to let this node's mechanism follow it (answered with
    /// [`Request::AnswerJoint`], as every proposal is).
    ProposeFollow {
        /// The recommendation.
        id: ItemId,
        /// Why.
        note: Option<String>,
    },
    /// The recommendations matrix of a country.
    Recommendations {
        /// The country.
        country: liaison_protocol::CountryCode,
        /// Which themes and mechanisms.
        filter: crate::matrix::Filter,
    },
    /// Import recommendations read from a file (one batch of it: one store write).
    ImportRecommendations {
        /// Their fields, each with its annotation id.
        rows: Vec<liaison_protocol::Fields>,
        /// The label of new ones.
        label: Label,
        /// For `amber`: who else may receive new ones.
        audience: Vec<Mechanism>,
    },
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
    /// The version of a recommendation assessed (its newest), and its new revision; `None` when
    /// it held the same assessment already.
    Assessed {
        /// The version assessed.
        id: ItemId,
        /// Its new revision.
        revision: Option<u64>,
    },
    /// Whether the item was withdrawn now (false: it already was).
    Withdrawn(bool),
    /// Items.
    Entries(Vec<Entry>),
    /// What a search found.
    Found(Box<crate::search::Results>),
    /// One item.
    View(Box<ItemView>),
    /// Item ids.
    Ids(Vec<ItemId>),
    /// Text (an export).
    Text(String),
    /// A country's recommendations matrix.
    Matrix(Box<crate::matrix::Matrix>),
    /// What an import of recommendations did.
    RecommendationsImported(crate::recommend::Tally),
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
    Status(Box<Status>),
    /// The anchored authorities, certificates and revocations.
    Trust(Box<TrustView>),
    /// What each statement installed said, or why it was refused, in order.
    Statements(Vec<Result<String, String>>),
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

/// What a node trusts beyond its pinned cards.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrustView {
    /// The anchored authorities.
    pub authorities: Vec<AuthorityCard>,
    /// The certificates kept (by anchored authorities).
    pub certificates: Vec<Certificate>,
    /// The revocations kept.
    pub revocations: Vec<Revocation>,
    /// The certificates and revocations as signed, to pass on or back up.
    pub signed: Vec<Signed>,
    /// The keysets kept (to serve), by mechanism, and when each expires.
    #[serde(default)]
    pub keysets: Vec<(Mechanism, DateTime<Utc>)>,
}

/// Why a certificate the operator installs does not hold now, if it does not.
fn not_current(signed: &Signed, now: DateTime<Utc>) -> Option<String> {
    let cert = signed.verify::<Certificate>().ok()?.into_inner();
    if cert.not_after.is_some_and(|end| end <= now) {
        return Some(format!(
            "the certificate of key {} expired on {}",
            cert.key,
            cert.not_after?.to_rfc3339()
        ));
    }
    if cert.not_before > now + liaison_protocol::trust::MAX_CLOCK_SKEW {
        return Some(format!(
            "the certificate of key {} holds only from {}",
            cert.key,
            cert.not_before.to_rfc3339()
        ));
    }
    None
}

/// One line about a certificate or revocation taken in.
pub fn describe(added: &Added) -> String {
    let new = if added.is_new() { "" } else { " (already known)" };
    match added {
        Added::Certificate(c, _) => {
            let until =
                c.not_after.map(|t| format!(" until {}", t.to_rfc3339())).unwrap_or_default();
            format!("certificate: {} {} {}{until}{new}", c.role, c.mechanism, c.key)
        }
        Added::Checkpoint(c, _) => {
            format!(
                "checkpoint: {} public items of {} at {} by {}{new}",
                c.count,
                c.mechanism,
                c.time.to_rfc3339(),
                c.signer
            )
        }
        Added::Revocation(r, _) => {
            format!(
                "revocation: {} of {} ({}) at {}{new}",
                r.key,
                r.mechanism,
                r.reason,
                r.revoked_at.to_rfc3339()
            )
        }
    }
}

/// A request carried out: the answer, and the items it changed (to push to peers).
#[derive(Debug)]
pub struct Handled {
    /// The answer.
    pub response: Response,
    /// Items written by this request.
    pub changed: Vec<ItemId>,
    /// The items of `changed` as the running node needs them, when the request hands them
    /// back (an import does, so that the node need not read thousands of records again);
    /// empty otherwise.
    pub written: Vec<Written>,
}

/// An item a request wrote: what the running node tells its peers and keeps in its list of
/// embargoes.
#[derive(Debug, Clone)]
pub struct Written {
    /// Its header.
    pub header: liaison_protocol::Header,
    /// The digest of its document's heads.
    pub digest: [u8; 32],
    /// When it becomes public, if it is this node's own embargoed item, not withdrawn.
    pub embargo_until: Option<DateTime<Utc>>,
}

impl Repo {
    /// Carries out `request` at time `now`.
    ///
    /// # Errors
    /// What the operation refuses; nothing changed then.
    pub fn handle(&mut self, request: Request, now: DateTime<Utc>) -> Result<Handled, Error> {
        let mut written = Vec::new();
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
            Request::Search { text, query, limit } => {
                (Response::Found(Box::new(self.search(&text, &query, limit)?)), vec![])
            }
            Request::View { id } => (Response::View(Box::new(self.view(id)?)), vec![]),
            Request::Ids => (Response::Ids(self.store().ids()?), vec![]),
            Request::Export { query, audience, format } => {
                (Response::Text(self.export(&query, &audience, format)?), vec![])
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
            Request::RosterAddAuthority { card } => {
                self.add_authority(&card)?;
                (Response::Trust(Box::new(self.trust_view())), vec![])
            }
            Request::Trust => (Response::Trust(Box::new(self.trust_view())), vec![]),
            Request::AddStatements { statements } => {
                // The operator installs what holds now; peers may pass on older certificates,
                // which still vouch for what their keys signed while they held.
                let mut lines: Vec<Result<String, String>> = Vec::new();
                let mut current = Vec::new();
                for signed in statements {
                    match not_current(&signed, now) {
                        Some(why) => {
                            tracing::warn!(reason = %why, "refused a certificate");
                            lines.push(Err(why));
                        }
                        None => {
                            lines.push(Ok(String::new()));
                            current.push(signed);
                        }
                    }
                }
                let mut added = self.add_statements(&current)?.into_iter();
                for line in lines.iter_mut().filter(|l| l.is_ok()) {
                    if let Some(result) = added.next() {
                        *line = result.map(|a| describe(&a)).map_err(|e| e.to_string());
                    }
                }
                (Response::Statements(lines), vec![])
            }
            Request::AddKeyset { file } => {
                let lines = self
                    .add_keyset(&file, now)?
                    .into_iter()
                    .map(|r| r.map(|a| describe(&a)).map_err(|e| e.to_string()))
                    .collect();
                (Response::Statements(lines), vec![])
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
                // A followed recommendation's version withdrawn is the one the new version
                // supersedes, which may be newer than the one the proposal named.
                let superseded = match joint {
                    Some(joint) => self.store().get(joint)?.and_then(|e| e.header.supersedes),
                    None => None,
                };
                let changed = match joint {
                    Some(joint) => [Some(proposal), Some(joint), own_visit, superseded]
                        .into_iter()
                        .flatten()
                        .collect(),
                    None => vec![proposal],
                };
                (Response::Answered(joint), changed)
            }
            Request::Inbox => (Response::Entries(self.inbox()?), vec![]),
            Request::Assess { id, assessment } => {
                let (id, revision) = self.assess(id, assessment, now)?;
                (
                    Response::Assessed { id, revision },
                    if revision.is_some() { vec![id] } else { vec![] },
                )
            }
            Request::ProposeFollow { id, note } => {
                let proposal = self.propose_follow(id, note, now)?;
                (Response::Id(proposal), vec![proposal])
            }
            Request::Recommendations { country, filter } => {
                (Response::Matrix(Box::new(self.recommendations(country, &filter)?)), vec![])
            }
            Request::ImportRecommendations { rows, label, audience } => {
                let (tally, wrote) = self.import_recommendations(rows, label, audience, now)?;
                let changed = wrote.iter().map(|w| w.header.id).collect();
                written = wrote;
                (Response::RecommendationsImported(tally), changed)
            }
            Request::Digest { since, audience } => {
                let window = self.identity().config.overlap_window_days;
                let digest = crate::digest::digest(self.store(), &audience, since, now, window)?;
                (Response::Digest(Box::new(digest)), vec![])
            }
            Request::MirrorExport { dir } => {
                let written = self.export_site(&dir)?;
                (Response::Exported { files: written.files, items: written.items }, vec![])
            }
        };
        Ok(Handled { response, changed, written })
    }

    /// The public site's name.
    pub fn site_title(&self) -> String {
        let config = &self.identity().config;
        format!("Liaison: {}", config.name.as_deref().unwrap_or(config.mechanism.as_str()))
    }

    /// The export of the items matching `query` that may go to `audience`, every one verified
    /// in full first: exports leave the node, so nothing is served on trust. A plain export
    /// (`Audience::Own`) is a file for this node's own mechanism: what its member nodes may
    /// receive, so never a `red` item.
    ///
    /// # Errors
    /// [`Error::Corrupt`] if an item fails verification.
    pub fn export(
        &self,
        query: &Query,
        audience: &crate::digest::Audience,
        format: ExportFormat,
    ) -> Result<String, Error> {
        use crate::digest::Audience;
        let own = &self.identity().config.mechanism;
        let to = match audience {
            Audience::Own => Destination::Mechanism(own),
            Audience::Mechanism(m) => Destination::Mechanism(m),
            Audience::Public => Destination::Public,
        };
        let mut entries = self.list(query)?;
        entries.retain(|e| may_leave(&e.header, e.record.state.withdrawn, to));
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

/// A node's state, for `liaison status` and `liaison peers`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Status {
    /// The node's card.
    pub card: Card,
    /// Where it listens.
    pub listening: Vec<String>,
    /// Its local API address.
    pub api: String,
    /// Items in its store.
    pub items: usize,
    /// Each roster peer.
    pub peers: Vec<PeerStatus>,
    /// Bytes the store takes on disk.
    #[serde(default)]
    pub store_bytes: u64,
    /// How full its sync queues are.
    #[serde(default)]
    pub queues: Queues,
}

/// How full a node's sync queues are (each is bounded; see ARCHITECTURE.md, "Sync").
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Queues {
    /// Items offered that this node wants and has not fetched yet.
    pub wanted: usize,
    /// Fetches under way.
    pub fetching: usize,
    /// Fetch answers waiting to be verified.
    pub to_verify: usize,
}

/// One peer's state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PeerStatus {
    /// Its key.
    pub key: Option<PublicKey>,
    /// Its mechanism.
    pub mechanism: Option<Mechanism>,
    /// Member or mirror.
    pub role: Option<Role>,
    /// Its name.
    pub name: Option<String>,
    /// Connected now.
    pub connected: bool,
    /// When a reconciliation with it last completed.
    pub last_sync: Option<DateTime<Utc>>,
    /// Items sent to it.
    pub items_sent: u64,
    /// Items received from it that changed something here.
    pub items_received: u64,
    /// Items or messages from it that were refused.
    pub refused: u64,
    /// Why the last one was refused.
    pub last_refusal: Option<String>,
    /// Sync protocol bytes sent to it: every request and response as encoded (CBOR), without
    /// the transport's framing, encryption, identify or ping.
    #[serde(default)]
    pub bytes_sent: u64,
    /// Sync protocol bytes received from it, counted the same way.
    #[serde(default)]
    pub bytes_received: u64,
    /// Reconciliations with it that completed, whichever side started them.
    #[serde(default)]
    pub reconciliations: u64,
    /// Round trips of the reconciliations this node started with it (each `Reconcile` it sent).
    #[serde(default)]
    pub reconcile_round_trips: u64,
    /// How far its clock is ahead of this node's (negative: behind), in milliseconds, as
    /// measured when the link opened (half the round trip is the error).
    #[serde(default)]
    pub clock_offset_ms: Option<i64>,
}
