//! Joint visits: one mechanism proposes, the other accepts or declines, and an accepted
//! proposal becomes one visit item co-owned by both, linked from both original visits.
//!
//! The proposal is an `amber-strict` item owned by the proposer with the other mechanism as
//! co-owner, so only the two see it and either may write it (the one co-owner named without
//! consent: see [`liaison_protocol::consent`]). It carries the proposer's signed consent to
//! co-own the joint visit under an id chosen in advance. The acceptor creates the joint visit
//! under that id, with that consent in its header, and links its own visit; the proposer's node, on receiving the accepted proposal, links
//! its visit and adds it to the joint visit, so both signatures show in the joint visit's history.

use chrono::{DateTime, Utc};
use liaison_protocol::{
    Consent, FieldError, Fields, ItemId, JointConsent, Kind, Label, Mechanism, Proposal,
    ProposalStatus, ProposalSubject, Text, VisitType, label,
};

use crate::store::{Entry, Query};
use crate::{Draft, Error, Repo};

fn visit_of(entry: &Entry) -> Result<&liaison_protocol::Visit, Error> {
    entry.record.state.fields.visit.as_ref().ok_or_else(|| {
        FieldError::new(
            "id",
            entry.header.id,
            format!("this item is a {}, not a visit", entry.header.kind),
        )
        .into()
    })
}

fn proposal_of(entry: &Entry) -> Result<&Proposal, Error> {
    entry.record.state.fields.proposal.as_ref().ok_or_else(|| {
        FieldError::new(
            "proposal",
            entry.header.id,
            "this item is not a joint-visit proposal; see 'liaison inbox'",
        )
        .into()
    })
}

impl Repo {
    pub(crate) fn mine(&self) -> &Mechanism {
        &self.identity().config.mechanism
    }

    /// Proposes to the owner of visit `with` a joint visit with this node's visit `visit`.
    /// Returns the proposal's id.
    ///
    /// # Errors
    /// Unknown ids, items that are not visits, a visit this node may not write, or a visit of
    /// this node's own mechanism as the other side.
    pub fn propose_joint(
        &self,
        visit: ItemId,
        with: ItemId,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<ItemId, Error> {
        let ours = self.entry(visit)?;
        let theirs = self.entry(with)?;
        let (v, w) = (visit_of(&ours)?, visit_of(&theirs)?);
        if !liaison_protocol::may_write(&ours.header, &self.identity().card().peer()) {
            return Err(FieldError::new(
                "id",
                visit,
                format!(
                    "visit {visit} is {}'s; propose from a visit of {}",
                    ours.header.owner,
                    self.mine()
                ),
            )
            .into());
        }
        let to = theirs.header.owner.clone();
        if &to == self.mine() {
            return Err(FieldError::new(
                "with",
                with,
                "a joint visit is with another mechanism's visit",
            )
            .into());
        }
        let title = format!("Joint visit proposal: {} and {}", v.mandate, w.mandate);
        let fields = Fields::new(Text { value: title, lang: Default::default() });
        let joint = [ItemId::from_random_bytes(rand::random())];
        let consent_to = (Kind::Visit, &joint[..]);
        self.propose(fields, ProposalSubject::JointVisit, (visit, with), to, note, consent_to, now)
    }

    /// Creates an open proposal to mechanism `to` about `subject`'s items `(visit, with)`: with
    /// this node's consents to co-own items of kind `consent_to.0`, owned by `to`, with the ids
    /// `consent_to.1` (the first the one an acceptance creates, the others later versions of
    /// it); `amber-strict`, co-owned by `to`, so it reaches the two mechanisms only.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn propose(
        &self,
        mut fields: Fields,
        subject: ProposalSubject,
        (visit, with): (ItemId, ItemId),
        to: Mechanism,
        note: Option<String>,
        (kind, ids): (Kind, &[ItemId]),
        now: DateTime<Utc>,
    ) -> Result<ItemId, Error> {
        let mut consents = ids.iter().map(|&id| JointConsent {
            id,
            consent: Consent::sign(&self.identity().key, id, kind, &to, self.mine()),
        });
        let consent = consents.next();
        fields.proposal = Some(Proposal {
            subject,
            visit,
            with,
            to: to.clone(),
            status: ProposalStatus::Open,
            note,
            joint: None,
            consent,
            later: consents.collect(),
        });
        let draft = Draft {
            kind: Kind::Proposal,
            fields,
            label: Label::AmberStrict,
            audience: Vec::new(),
            co_owners: vec![to],
            supersedes: None,
        };
        self.create(draft, now)
    }

    /// Answers proposal `id`: declines it, or accepts it and creates the joint visit, co-owned
    /// by both mechanisms, under `label` (by default the narrower of the two visits' labels,
    /// and never wider). Returns the joint visit's id when accepted.
    ///
    /// # Errors
    /// An unknown proposal, one addressed to another mechanism or already answered, a visit
    /// this node cannot see, or a label wider than the two visits allow; nothing changes then.
    pub fn answer_joint(
        &self,
        id: ItemId,
        accept: bool,
        note: Option<String>,
        label: Option<(Label, Vec<Mechanism>)>,
        now: DateTime<Utc>,
    ) -> Result<Option<ItemId>, Error> {
        let entry = self.entry(id)?;
        let proposal = proposal_of(&entry)?.clone();
        if &proposal.to != self.mine() {
            return Err(FieldError::new(
                "proposal",
                id,
                format!("it is addressed to {}, not to {}", proposal.to, self.mine()),
            )
            .into());
        }
        if proposal.status != ProposalStatus::Open {
            return Err(FieldError::new(
                "proposal",
                id,
                format!("it was {} already", proposal.status),
            )
            .into());
        }
        let mut answered = entry.record.state.fields.clone();
        let p = answered
            .proposal
            .as_mut()
            .ok_or_else(|| FieldError::new("proposal", id, "not a proposal"))?;
        p.note = note.or(p.note.take());
        if !accept {
            p.status = ProposalStatus::Declined;
            let record =
                self.edit(&entry, Some(&answered), false, now)?.ok_or(Error::Withdrawn(id))?;
            self.store().put(&[(&entry.header, &record)])?;
            return Ok(None);
        }
        if proposal.subject == ProposalSubject::Follow {
            return self.accept_follow(&entry, answered, now).map(Some);
        }
        let consent = proposal
            .consent
            .clone()
            .filter(|c| c.consent.mechanism == entry.header.owner)
            .ok_or_else(|| {
                FieldError::new(
                    "proposal",
                    id,
                    format!(
                        "it carries no consent of {} to co-own the joint visit; ask them to \
                         propose again",
                        entry.header.owner
                    ),
                )
            })?;
        let ours = self.entry(proposal.with)?;
        let theirs = self.store().get(proposal.visit)?.ok_or_else(|| {
            FieldError::new(
                "proposal",
                id,
                format!(
                    "this node does not hold the proposer's visit {}; ask them to share it",
                    proposal.visit
                ),
            )
        })?;
        let (w, v) = (visit_of(&ours)?, visit_of(&theirs)?);
        let bound = label::narrower(
            (ours.header.label, &ours.header.audience),
            (theirs.header.label, &theirs.header.audience),
        );
        let (label, audience) = label.unwrap_or_else(|| bound.clone());
        label::check_audience(label, &audience)?;
        if !label::within((label, &audience), (bound.0, &bound.1)) {
            return Err(FieldError::new(
                "label",
                label,
                format!("a joint visit may not be wider than the narrower of the two visits' labels ({})", bound.0),
            )
            .into());
        }
        let mut fields = ours.record.state.fields.clone();
        fields.title.value = format!("Joint visit: {} and {}", w.mandate, v.mandate);
        fields.embargo_until = None;
        if let Some(joint) = fields.visit.as_mut() {
            joint.mandate = format!("{} and {}", w.mandate, v.mandate);
            joint.visit_type = VisitType::Joint;
            joint.joint_with = vec![proposal.with];
            if !label.is_restricted() {
                joint.programme.clear();
                joint.notes = None;
            }
        }
        let draft = Draft {
            kind: Kind::Visit,
            fields,
            label,
            audience,
            co_owners: vec![entry.header.owner.clone()],
            supersedes: None,
        };
        let (joint_header, joint_record) =
            self.build_with(draft, consent.id, vec![consent.consent], now)?;
        let joint = joint_header.id;
        let mut own = ours.record.state.fields.clone();
        if let Some(ov) = own.visit.as_mut() {
            for link in [proposal.visit, joint] {
                if !ov.joint_with.contains(&link) {
                    ov.joint_with.push(link);
                }
            }
        }
        own.validate(ours.header.kind, ours.header.label)?;
        let own_record =
            self.edit(&ours, Some(&own), false, now)?.ok_or(Error::Withdrawn(proposal.with))?;
        if let Some(p) = answered.proposal.as_mut() {
            p.status = ProposalStatus::Accepted;
            p.joint = Some(joint);
        }
        let answer = self.edit(&entry, Some(&answered), false, now)?.ok_or(Error::Withdrawn(id))?;
        self.store().put(&[
            (&joint_header, &joint_record),
            (&ours.header, &own_record),
            (&entry.header, &answer),
        ])?;
        tracing::info!(proposal = %id, joint = %joint, "joint visit accepted");
        Ok(Some(joint))
    }

    /// On the proposer's side, once proposal `id` was accepted: links the proposer's visit to
    /// the other visit and the joint visit, and adds it to the joint visit. Returns the items
    /// changed (none when there is nothing to do here).
    ///
    /// # Errors
    /// What the writes refuse.
    pub fn complete_joint(&self, id: ItemId, now: DateTime<Utc>) -> Result<Vec<ItemId>, Error> {
        let Some(entry) = self.store().get(id)? else { return Ok(Vec::new()) };
        let Some(p) = entry.record.state.fields.proposal.clone() else { return Ok(Vec::new()) };
        if p.subject != ProposalSubject::JointVisit {
            return Ok(Vec::new());
        }
        let (Some(joint), ProposalStatus::Accepted) = (p.joint, p.status) else {
            return Ok(Vec::new());
        };
        let me = self.identity().card().peer();
        let (Some(ours), Some(joint_entry)) =
            (self.store().get(p.visit)?, self.store().get(joint)?)
        else {
            return Ok(Vec::new());
        };
        if !liaison_protocol::may_write(&ours.header, &me)
            || !liaison_protocol::may_write(&joint_entry.header, &me)
        {
            return Ok(Vec::new());
        }
        let mut writes = Vec::new();
        let mut own = ours.record.state.fields.clone();
        if let Some(v) = own.visit.as_mut() {
            for link in [p.with, joint] {
                if !v.joint_with.contains(&link) {
                    v.joint_with.push(link);
                }
            }
        }
        if let Some(record) = self.edit(&ours, Some(&own), false, now)? {
            writes.push((ours.header.clone(), record));
        }
        let mut shared = joint_entry.record.state.fields.clone();
        if let Some(v) = shared.visit.as_mut()
            && !v.joint_with.contains(&p.visit)
        {
            v.joint_with.push(p.visit);
        }
        if let Some(record) = self.edit(&joint_entry, Some(&shared), false, now)? {
            writes.push((joint_entry.header.clone(), record));
        }
        let refs: Vec<_> = writes.iter().map(|(h, r)| (h, r)).collect();
        self.store().put(&refs)?;
        Ok(writes.iter().map(|(h, _)| h.id).collect())
    }

    /// After item `id` arrived: if it is an accepted proposal, or the joint visit of one,
    /// completes the proposer's side (whichever of the two arrives last).
    ///
    /// # Errors
    /// What the writes refuse.
    pub fn complete_joint_for(&self, id: ItemId, now: DateTime<Utc>) -> Result<Vec<ItemId>, Error> {
        // Most items that arrive are neither: their records' heads are enough to tell.
        let Some(head) = self.store().head(id)? else { return Ok(Vec::new()) };
        match head.header.kind {
            Kind::Proposal => self.complete_joint(id, now),
            Kind::Visit if !head.header.co_owners.is_empty() => {
                let mut written = Vec::new();
                for p in self.inbox()? {
                    if p.record.state.fields.proposal.as_ref().is_some_and(|p| p.joint == Some(id))
                    {
                        written.extend(self.complete_joint(p.header.id, now)?);
                    }
                }
                Ok(written)
            }
            _ => Ok(Vec::new()),
        }
    }

    /// Proposals addressed to this node's mechanism, and those it made.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record.
    pub fn inbox(&self) -> Result<Vec<Entry>, Error> {
        let all = self.list(&Query { kind: Some(Kind::Proposal), ..Query::default() })?;
        Ok(all
            .into_iter()
            .filter(|e| {
                e.header.owner == *self.mine()
                    || e.record.state.fields.proposal.as_ref().is_some_and(|p| &p.to == self.mine())
            })
            .collect())
    }
}
