//! The sync engine as one state machine, in the style of a sans-IO protocol: [`Machine`] owns
//! the catalogue, the reconciliation sessions, the fetch scheduler, the links and the queue of
//! fetch answers to verify, takes [`Input`]s (links opening and closing, peers' requests and
//! responses, requests that failed, the store's answers, local writes, roster changes, timer
//! ticks) and answers with [`Output`]s (requests and answers to send, items to verify and store,
//! refusals to count). It does no IO and reads no clock: the event loop (`daemon::sync`) turns
//! swarm events into inputs and carries out the outputs, and tests drive several machines
//! against each other in memory.
//!
//! Who a peer is for the policy comes from the roster, which the event loop holds: each call is
//! handed a lookup, `views`, that gives a node's roster entry (its mechanism and role) at the
//! time of the call, if it has one; a node without one is an anonymous mirror where this node
//! serves them ([`Machine::view`]), and otherwise no peer at all.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt::{Debug, Display};
use std::hash::Hash;
use std::time::{Duration, Instant};

use liaison_protocol::sync::{
    ItemPayload, MAX_OFFER, Reconcile, Reconciler, SyncError, SyncRequest, SyncResponse,
};
use liaison_protocol::{Header, ItemId, Peer, Role};

use super::fetch::Limits;
use super::{
    Arrived, Catalogue, Digest, FetchId, Scheduler, Sessions, offers, relays, sends_to, takes_from,
    turn,
};

/// Most items in one push, or in one answer to a fetch.
pub(crate) const MAX_BATCH_ITEMS: usize = 256;
/// Most ids a peer may ask for at once.
pub(crate) const MAX_FETCH: usize = 4096;
/// Refusals tolerated from a connected peer before it is disconnected.
pub(crate) const MAX_REFUSALS: u32 = 3;

/// An item the store took from a peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Taken {
    /// Its header.
    pub(crate) header: Header,
    /// The state the peer sent.
    pub(crate) sent: Digest,
    /// The state held now: unlike `sent` when this node held more.
    pub(crate) digest: Digest,
    /// Whether it changed anything here.
    pub(crate) changed: bool,
}

/// An item the store refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The item, when its header could be read.
    pub(crate) id: Option<ItemId>,
    /// Why, as the peer is told.
    pub(crate) error: String,
    /// Whether only its signer is unknown here: a gap in this node's roster, not proof that
    /// the peer that passed it on misbehaves.
    pub(crate) unknown_signer: bool,
}

/// What happened, as the machine is told.
#[derive(Debug)]
pub(crate) enum Input<P> {
    /// `peer` sent a request that does not decode (malformed or oversized); it is refused, and
    /// answered with [`Output::Answer`] where it can be.
    Malformed { peer: P, why: String },
    /// A connection to `peer` opened (`first`: its link opened); `dialed` says whether this
    /// node dialed it (that side starts the link's first reconciliation).
    Connected { peer: P, dialed: bool, first: bool },
    /// A node that connected from outside the roster introduced itself by a certificate and
    /// is a peer now.
    Introduced { peer: P },
    /// The link to `peer` closed.
    Disconnected { peer: P },
    /// The roster, or what this node trusts, changed what kinds of peers there are.
    RosterChanged,
    /// The event loop refused something `peer` sent outside sync (certificates): counted
    /// like the machine's own refusals.
    Refused { peer: P, why: String },
    /// `peer` asks a sync request (a reconciliation turn, an offer, a fetch or a push); the
    /// machine answers it with one [`Output::Answer`], at once or once its items are stored.
    Request { peer: P, request: SyncRequest },
    /// `peer` answered a request; `fetch` is the fetch that request carried, if any.
    Response { peer: P, fetch: Option<FetchId>, response: SyncResponse },
    /// A request to `peer` got no answer; `malformed` says why when the answer did not decode.
    Failed { peer: P, fetch: Option<FetchId>, malformed: Option<String> },
    /// The fetch answer last handed out with [`Output::Verify`] is verified.
    Verified,
    /// The store took what `from` sent (a fetch answer, or a push when `fetch` is `None`).
    Stored { from: P, fetch: Option<FetchId>, taken: Vec<Taken>, refusals: Vec<Refusal> },
    /// This node wrote these items: each with its header and digest now, or `None` when gone.
    Written { items: Vec<(ItemId, Option<(Header, Digest)>)> },
    /// Time passed.
    Tick,
}

/// What the event loop is to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Output<P> {
    /// Send `request` to `to`. A fetch carries its id: hand it back with the answer or failure.
    Send { to: P, request: SyncRequest, fetch: Option<FetchId> },
    /// Push the items `ids` (at most [`MAX_BATCH_ITEMS`], each one `to` may receive) to `to`,
    /// read from the store, in messages of bounded size.
    Push { to: P, ids: Vec<ItemId> },
    /// Answer the request being handled.
    Answer(Answer),
    /// Verify a fetch answer off the event loop, then say [`Input::Verified`], store what
    /// verifies and say [`Input::Stored`]. One at a time.
    Verify { from: P, fetch: FetchId, items: Vec<ItemPayload> },
    /// Verify and store pushed items now, then say [`Input::Stored`] with no fetch.
    Store { from: P, items: Vec<ItemPayload> },
    /// Items from `from` changed this node's store.
    Changed { from: P, ids: Vec<ItemId> },
    /// A reconciliation with `peer` completed, whichever side started it.
    Synced { peer: P },
    /// Count and show a refusal of what `peer` sent.
    Refuse { peer: P, why: String },
    /// Close the links to `peer`: a node that is no peer was refused, or a peer was refused
    /// more than [`MAX_REFUSALS`] times since it connected.
    Disconnect { peer: P },
    /// Count a refusal that is no grounds to disconnect `peer`.
    NoteRefusal { peer: P, why: String },
}

/// An answer to a peer's request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// This message.
    Message(SyncResponse),
    /// The items `ids`, each one the peer may receive, read from the store: as many as fit in
    /// one message (the rest are asked for again).
    Items(Vec<ItemId>),
}

/// How full the machine's bounded queues are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Queues {
    pub(crate) wanted: usize,
    pub(crate) fetching: usize,
    pub(crate) to_verify: usize,
}

/// The sync engine of one node, peers named by `P`.
#[derive(Debug)]
pub(crate) struct Machine<P> {
    role: Role,
    /// Whether nodes outside the roster are served as anonymous mirrors.
    allow_mirrors: bool,
    /// How often every link is reconciled.
    every: Duration,
    catalogue: Catalogue,
    reconciler: Reconciler,
    sessions: Sessions<P>,
    scheduler: Scheduler<P>,
    /// Peers with a link open.
    connected: BTreeSet<P>,
    /// When this node last started a round of reconciliations.
    last_round: Instant,
    /// Refusals from each peer since it last connected.
    refusals: HashMap<P, u32>,
    /// Fetch answers waiting to be verified (at most a few per peer).
    to_verify: VecDeque<(P, FetchId, Vec<ItemPayload>)>,
    /// Whether one is being verified.
    verifying: bool,
}

impl<P: Copy + Eq + Hash + Ord + Debug + Display> Machine<P> {
    /// The machine of a node of role `role` holding `catalogue`, reconciling every link every
    /// `every`, serving nodes outside the roster as anonymous mirrors if `allow_mirrors`,
    /// started at `now`.
    pub(crate) fn new(
        role: Role,
        every: Duration,
        allow_mirrors: bool,
        catalogue: Catalogue,
        now: Instant,
    ) -> Self {
        Self::with_limits(role, every, allow_mirrors, catalogue, now, Limits::default())
    }

    /// [`Machine::new`], with the fetch scheduler's bounds given.
    pub(crate) fn with_limits(
        role: Role,
        every: Duration,
        allow_mirrors: bool,
        catalogue: Catalogue,
        now: Instant,
        limits: Limits,
    ) -> Self {
        Self {
            role,
            allow_mirrors,
            every,
            catalogue,
            reconciler: Reconciler::default(),
            sessions: Sessions::default(),
            scheduler: Scheduler::new(limits),
            connected: BTreeSet::new(),
            refusals: HashMap::new(),
            last_round: now,
            to_verify: VecDeque::new(),
            verifying: false,
        }
    }

    /// The policy's view of a node whose roster entry is `listed`: that entry, or an anonymous
    /// mirror where this node serves them; `None` for a node that is not a peer.
    pub(crate) fn view_of(&self, listed: Option<Peer>) -> Option<Peer> {
        listed.or_else(|| {
            let anonymous =
                "public".parse().ok().map(|mechanism| Peer { mechanism, role: Role::Mirror });
            anonymous.filter(|_| self.allow_mirrors)
        })
    }

    fn view(&self, step: &Step<'_, P>, peer: &P) -> Option<Peer> {
        self.view_of((step.views)(peer))
    }

    /// Items held.
    pub(crate) fn len(&self) -> usize {
        self.catalogue.len()
    }

    /// How full the bounded queues are now.
    pub(crate) fn queues(&self) -> Queues {
        Queues {
            wanted: self.scheduler.wanted(),
            fetching: self.scheduler.fetching(),
            to_verify: self.to_verify.len(),
        }
    }

    /// Whether `fetch` is a fetch under way.
    pub(crate) fn is_fetch(&self, fetch: FetchId) -> bool {
        self.scheduler.is_fetch(fetch)
    }

    /// Takes `input` at `now`; `views` gives a node's roster entry now, if it has one. Returns
    /// what to do, in order.
    pub(crate) fn handle(
        &mut self,
        input: Input<P>,
        now: Instant,
        views: &dyn Fn(&P) -> Option<Peer>,
    ) -> Vec<Output<P>> {
        let mut out = Vec::new();
        let mut step = Step { out: &mut out, now, views };
        match input {
            Input::Connected { peer, dialed, first } => {
                self.refusals.insert(peer, 0);
                if first {
                    self.connected.insert(peer);
                }
                if first && dialed {
                    self.start_reconcile(&mut step, peer);
                }
            }
            Input::Introduced { peer } => {
                self.connected.insert(peer);
                self.start_reconcile(&mut step, peer);
            }
            Input::Disconnected { peer } => self.disconnected(&mut step, peer),
            Input::RosterChanged => self.catalogue.forget_catalogs(),
            Input::Malformed { peer, why } => {
                let why = format!("malformed request: {why}");
                self.refuse(&mut step, peer, why.clone());
                step.answer(SyncResponse::Refused(why));
            }
            Input::Refused { peer, why } => self.refuse(&mut step, peer, why),
            Input::Request { peer, request } => self.request(&mut step, peer, request),
            Input::Response { peer, fetch, response } => {
                self.response(&mut step, peer, fetch, response);
            }
            Input::Failed { peer, fetch, malformed } => {
                self.failed(&mut step, peer, fetch, malformed)
            }
            Input::Verified => {
                self.verifying = false;
                self.verify_next(&mut step);
            }
            Input::Stored { from, fetch, taken, refusals } => {
                self.stored(&mut step, from, fetch, taken, refusals);
            }
            Input::Written { items } => self.written(&mut step, items),
            Input::Tick => {
                if now.saturating_duration_since(self.last_round) >= self.every {
                    self.last_round = now;
                    let connected: Vec<P> = self.connected.iter().copied().collect();
                    for peer in connected {
                        self.start_reconcile(&mut step, peer);
                    }
                }
                for peer in self.sessions.due(now) {
                    if self.connected.contains(&peer) {
                        self.start_reconcile(&mut step, peer);
                    } else {
                        self.sessions.forget(&peer);
                    }
                }
            }
        }
        out
    }

    /// Starts a reconciliation with `peer`, unless one is under way or the peer started one
    /// lately (one session per link and interval is enough; both ends share it).
    fn start_reconcile(&mut self, step: &mut Step<'_, P>, peer: P) {
        let Some(view) = self.view(step, &peer) else { return };
        if !self.sessions.start(peer, step.now, self.every) {
            return;
        }
        let opening = self.reconciler.start(self.catalogue.catalog(&view));
        step.send(peer, SyncRequest::Reconcile(opening));
    }

    /// Forgets a peer whose link closed, and moves its fetches to other peers.
    fn disconnected(&mut self, step: &mut Step<'_, P>, peer: P) {
        self.connected.remove(&peer);
        self.refusals.remove(&peer);
        self.sessions.forget(&peer);
        for other in self.scheduler.forget(&peer) {
            self.pump(step, other);
        }
    }

    fn request(&mut self, step: &mut Step<'_, P>, peer: P, request: SyncRequest) {
        let Some(view) = self.view(step, &peer) else { return };
        let refused = |this: &mut Self, step: &mut Step<'_, P>, why: String, answer: String| {
            this.refuse(step, peer, why);
            step.answer(SyncResponse::Refused(answer));
        };
        match request {
            SyncRequest::Reconcile(incoming) => {
                self.sessions.answered(peer, step.now);
                match self.take_turn(step, peer, &view, &incoming) {
                    Ok((reply, ends)) => {
                        if ends {
                            self.sessions.completed(&peer);
                            step.out.push(Output::Synced { peer });
                        }
                        step.answer(SyncResponse::Reconcile(reply.unwrap_or_default()));
                    }
                    Err(e) => refused(self, step, format!("reconcile: {e}"), e.to_string()),
                }
            }
            SyncRequest::Push(items) => {
                if self.refuse_mirror_writes(step, peer, view.role) {
                    step.answer(SyncResponse::Refused(MIRROR.to_owned()));
                    return;
                }
                step.out.push(Output::Store { from: peer, items });
            }
            SyncRequest::Offer(offered) => {
                if offered.len() > MAX_OFFER {
                    let why = format!("offered {} items at once", offered.len());
                    let answer = format!("at most {MAX_OFFER} items per offer");
                    return refused(self, step, why, answer);
                }
                if self.refuse_mirror_writes(step, peer, view.role) {
                    step.answer(SyncResponse::Refused(MIRROR.to_owned()));
                    return;
                }
                let accepted = self.want(step, peer, offered);
                step.answer(SyncResponse::Ack { accepted, refused: Vec::new() });
            }
            SyncRequest::Fetch(ids) => {
                if ids.len() > MAX_FETCH {
                    let why = format!("asked for {} items at once", ids.len());
                    let answer = format!("at most {MAX_FETCH} ids per fetch");
                    return refused(self, step, why, answer);
                }
                // A denied item is left out exactly like a missing one.
                let ids = ids
                    .into_iter()
                    .filter(|id| self.catalogue.may_send(id, &view))
                    .take(MAX_FETCH)
                    .collect();
                step.out.push(Output::Answer(Answer::Items(ids)));
            }
            // Not the sync engine's: the event loop answers these itself.
            SyncRequest::Statements(_) | SyncRequest::Clock => {}
        }
    }

    fn response(
        &mut self,
        step: &mut Step<'_, P>,
        peer: P,
        fetch: Option<FetchId>,
        response: SyncResponse,
    ) {
        let Some(view) = self.view(step, &peer) else { return };
        match response {
            SyncResponse::Reconcile(incoming) if incoming.ranges.is_empty() => {
                self.finish_reconcile(step, peer);
            }
            SyncResponse::Reconcile(incoming) => {
                match self.take_turn(step, peer, &view, &incoming) {
                    Ok((Some(reply), _)) => step.send(peer, SyncRequest::Reconcile(reply)),
                    Ok((None, _)) => self.finish_reconcile(step, peer),
                    Err(e) => {
                        self.sessions.end(&peer);
                        self.refuse(step, peer, format!("reconcile: {e}"));
                    }
                }
            }
            SyncResponse::Items(items) => {
                // Only what this node asked for: anything else is an unasked push.
                let Some(fetch) = fetch.filter(|f| self.scheduler.is_fetch(*f)) else {
                    self.refuse(step, peer, "items nobody asked for".to_owned());
                    return;
                };
                if self.refuse_mirror_writes(step, peer, view.role) {
                    self.settle(step, Some(fetch), &[]);
                    return;
                }
                self.to_verify.push_back((peer, fetch, items));
                self.verify_next(step);
            }
            SyncResponse::Ack { refused, .. } => {
                for (id, why) in refused {
                    tracing::warn!(%peer, item = %id, reason = %why, "peer refused an item");
                }
            }
            SyncResponse::Refused(why) => {
                tracing::warn!(%peer, reason = %why, "peer refused a request");
                if !self.settle(step, fetch, &[]) {
                    self.sessions.end(&peer);
                }
            }
            // Not the sync engine's: the event loop takes these itself.
            SyncResponse::Statements(_) | SyncResponse::Clock(_) => {}
        }
    }

    fn failed(
        &mut self,
        step: &mut Step<'_, P>,
        peer: P,
        fetch: Option<FetchId>,
        malformed: Option<String>,
    ) {
        match malformed {
            Some(why) => {
                self.sessions.end(&peer);
                self.settle(step, fetch, &[]);
                self.refuse(step, peer, format!("malformed response: {why}"));
            }
            // A fetch goes to another holder; anything else (a turn, an offer, a push) may
            // have carried what the link still lacks: it is reconciled again soon.
            None => {
                if !self.settle(step, fetch, &[]) {
                    self.sessions.failed(peer, step.now, self.every);
                }
            }
        }
    }

    /// Takes one turn of a session with `peer` (see [`turn`]): offers what the peer lacks,
    /// fetches what this node lacks. Returns the reply to send, and whether it ends the
    /// session when this node answers.
    fn take_turn(
        &mut self,
        step: &mut Step<'_, P>,
        peer: P,
        view: &Peer,
        incoming: &Reconcile,
    ) -> Result<(Option<Reconcile>, bool), SyncError> {
        let turn = turn(&self.reconciler, &mut self.catalogue, self.role, view, incoming)?;
        let ends = turn.ends();
        step.offer(peer, &turn.offer);
        self.want(step, peer, turn.fetch);
        Ok((turn.reply, ends))
    }

    fn finish_reconcile(&mut self, step: &mut Step<'_, P>, peer: P) {
        self.sessions.end(&peer);
        self.sessions.completed(&peer);
        step.out.push(Output::Synced { peer });
    }

    /// Members take nothing from mirrors; mirrors pass signed items on to each other. Refuses
    /// and returns `true` when this node takes nothing from a peer of role `role`.
    fn refuse_mirror_writes(&mut self, step: &mut Step<'_, P>, peer: P, role: Role) -> bool {
        if takes_from(self.role, role) {
            return false;
        }
        self.refuse(step, peer, MIRROR.to_owned());
        true
    }

    /// Refuses what `peer` sent, and disconnects it when it is no roster peer, or when its
    /// refusals since it connected pass [`MAX_REFUSALS`].
    fn refuse(&mut self, step: &mut Step<'_, P>, peer: P, why: String) {
        step.out.push(Output::Refuse { peer, why });
        if (step.views)(&peer).is_none() {
            step.out.push(Output::Disconnect { peer });
            return;
        }
        let refusals = self.refusals.entry(peer).or_default();
        *refusals += 1;
        if *refusals > MAX_REFUSALS {
            tracing::warn!(%peer, "too many refusals: disconnecting");
            step.out.push(Output::Disconnect { peer });
        }
    }

    /// Queues what `peer` offered (or reconciliation found it holds) and this node lacks, and
    /// starts fetching it. Returns how many items were queued.
    fn want(&mut self, step: &mut Step<'_, P>, peer: P, offered: Vec<(ItemId, Digest)>) -> u32 {
        // A member takes nothing from a mirror, so it does not ask one either.
        let takes = self.view(step, &peer).is_none_or(|p| takes_from(self.role, p.role));
        if offered.is_empty() || !takes {
            return 0;
        }
        let catalogue = &self.catalogue;
        let queued = self.scheduler.want(peer, offered, |id, digest| catalogue.holds(id, digest));
        self.pump(step, peer);
        queued
    }

    /// Keeps the scheduler's fetches under way with `peer`.
    fn pump(&mut self, step: &mut Step<'_, P>, peer: P) {
        if !self.connected.contains(&peer) {
            return;
        }
        let catalogue = &self.catalogue;
        for fetch in self.scheduler.pump(peer, |id, digest| catalogue.holds(id, digest)) {
            let request = SyncRequest::Fetch(fetch.ids);
            step.out.push(Output::Send { to: peer, request, fetch: Some(fetch.id) });
        }
    }

    /// Settles `fetch`, if it is one under way, of which the items `got` came; fetches more.
    /// Returns whether it was a fetch.
    fn settle(&mut self, step: &mut Step<'_, P>, fetch: Option<FetchId>, got: &[ItemId]) -> bool {
        let Some(fetch) = fetch.filter(|f| self.scheduler.is_fetch(*f)) else { return false };
        let got = got.iter().copied().collect();
        for peer in self.scheduler.fetched(fetch, &got).unwrap_or_default() {
            self.pump(step, peer);
        }
        true
    }

    /// Hands out the next fetch answer to verify, unless one is being verified.
    fn verify_next(&mut self, step: &mut Step<'_, P>) {
        if self.verifying {
            return;
        }
        let Some((from, fetch, items)) = self.to_verify.pop_front() else { return };
        self.verifying = true;
        step.out.push(Output::Verify { from, fetch, items });
    }

    /// The store took items from `from`: counts what it refused against the peer, records
    /// what changed, offers it to the other peers, and answers the push or settles the fetch.
    fn stored(
        &mut self,
        step: &mut Step<'_, P>,
        from: P,
        fetch: Option<FetchId>,
        taken: Vec<Taken>,
        refusals: Vec<Refusal>,
    ) {
        let mut refused = Vec::new();
        for Refusal { id, error, unknown_signer } in refusals {
            let why = format!("item {}: {error}", id.map_or("?".to_owned(), |i| i.to_string()));
            // A signer this node does not know is a gap in its own roster, not proof the
            // relaying peer misbehaves: counted and shown, but never grounds to disconnect.
            if unknown_signer {
                step.out.push(Output::NoteRefusal { peer: from, why });
            } else {
                self.refuse(step, from, why);
            }
            refused.push((id.unwrap_or(ItemId::from_bytes([0; 16])), error));
        }
        let changed: Vec<ItemId> =
            taken.iter().filter(|t| t.changed).map(|t| t.header.id).collect();
        for t in taken.iter().filter(|t| t.changed) {
            self.catalogue.set(t.header.clone(), t.digest);
        }
        self.relay(step, from, &taken);
        if !changed.is_empty() {
            step.out.push(Output::Changed { from, ids: changed });
        }
        match fetch {
            Some(fetch) => {
                let got: Vec<ItemId> = taken.iter().map(|t| t.header.id).collect();
                self.settle(step, Some(fetch), &got);
            }
            None => {
                let accepted = u32::try_from(taken.len()).unwrap_or(u32::MAX);
                step.answer(SyncResponse::Ack { accepted, refused });
            }
        }
    }

    /// Offers items just received from `from` to every peer allowed to see them, except those
    /// known to hold them already; and back to `from` what this node holds more of than it sent.
    fn relay(&self, step: &mut Step<'_, P>, from: P, taken: &[Taken]) {
        let arrived: Vec<Arrived> = taken
            .iter()
            .map(|t| Arrived {
                id: t.header.id,
                sent: t.sent,
                digest: t.digest,
                changed: t.changed,
            })
            .collect();
        for peer in &self.connected {
            let Some(view) = self.view(step, peer) else { continue };
            let scheduler = &self.scheduler;
            let relayed = relays(from, *peer, &arrived, |id, digest, p| {
                scheduler.known_holder(id, digest, p)
            });
            if !relayed.is_empty() {
                step.offer(*peer, &offers(&self.catalogue, self.role, &view, relayed));
            }
        }
    }

    /// This node wrote items: records them, and pushes them whole to every peer allowed to see
    /// them. A mirror pushes only to other mirrors: members take no writes from mirrors.
    fn written(&mut self, step: &mut Step<'_, P>, items: Vec<(ItemId, Option<(Header, Digest)>)>) {
        let ids: Vec<ItemId> = items.iter().map(|(id, _)| *id).collect();
        for (id, entry) in items {
            match entry {
                Some((header, digest)) => self.catalogue.set(header, digest),
                None => self.catalogue.remove(&id),
            }
        }
        if ids.is_empty() {
            return;
        }
        for peer in &self.connected {
            let Some(view) = self.view(step, peer) else { continue };
            if !sends_to(self.role, view.role) {
                continue;
            }
            for chunk in ids.chunks(MAX_BATCH_ITEMS) {
                let ids: Vec<ItemId> =
                    chunk.iter().filter(|id| self.catalogue.may_send(id, &view)).copied().collect();
                if !ids.is_empty() {
                    step.out.push(Output::Push { to: *peer, ids });
                }
            }
        }
    }

    /// Panics unless the machine keeps its bounds: the scheduler's (see
    /// [`Scheduler::check`]); answers to fetches under way waiting to be verified, at most
    /// the fetches allowed under way with `peers` peers (an answer that came before its peer
    /// vanished is still verified and stored, and counts no more); and answers wait only while
    /// one is being verified.
    #[cfg(test)]
    pub(crate) fn check(&self, peers: usize) {
        self.scheduler.check();
        let live = self.to_verify.iter().filter(|(_, f, _)| self.scheduler.is_fetch(*f)).count();
        assert!(live <= peers * self.scheduler.limits().in_flight, "too many answers to verify");
        assert!(self.verifying || self.to_verify.is_empty(), "answers wait with none verified");
    }

    /// The catalogue, for tests to compare.
    #[cfg(test)]
    pub(crate) fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }
}

/// Why a member refuses what a mirror sends.
const MIRROR: &str = "a mirror never writes";

/// What one input yields, as it is worked out.
struct Step<'a, P> {
    out: &'a mut Vec<Output<P>>,
    now: Instant,
    views: &'a dyn Fn(&P) -> Option<Peer>,
}

impl<P> Step<'_, P> {
    fn send(&mut self, to: P, request: SyncRequest) {
        self.out.push(Output::Send { to, request, fetch: None });
    }

    fn answer(&mut self, response: SyncResponse) {
        self.out.push(Output::Answer(Answer::Message(response)));
    }

    /// Offers `to` the items of `allowed`, in bounded messages.
    fn offer(&mut self, to: P, allowed: &[(ItemId, Digest)])
    where
        P: Copy,
    {
        for chunk in allowed.chunks(MAX_OFFER) {
            self.send(to, SyncRequest::Offer(chunk.to_vec()));
        }
    }
}
