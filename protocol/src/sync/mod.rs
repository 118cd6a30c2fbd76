//! Catalogue reconciliation by ranges, and the sync wire messages.
//!
//! Two nodes find which of the items they may share differ between them by comparing
//! [`Fingerprint`]s of id [`Range`]s and splitting the ranges that differ until they are small
//! enough to list. "Nothing changed" costs one small round trip whatever the number of items;
//! one changed item among 100,000 costs a few.
//!
//! # A session
//! 1. Each side builds a [`Catalog`] of the items it may share with the other (or a [`View`]
//!    of the classes of items the other may receive, in a catalogue of all it holds).
//! 2. The initiator sends `SyncRequest::Reconcile(reconciler.start(&catalog))`.
//! 3. Whoever receives a [`Reconcile`] calls [`Reconciler::respond`]. The responder always
//!    answers `SyncResponse::Reconcile(step.reply.unwrap_or_default())`; the initiator sends
//!    `step.reply` as its next request, or stops when it is `None`.
//! 4. Each side offers the peer the items of its steps' [`Step::send`] (which the peer then
//!    fetches, unless another peer already brought them) and fetches those of [`Step::fetch`];
//!    the peer does the same, so neither needs the other's lists.
//!
//! # Rules both sides keep
//! - No state between turns: each message says everything about the ranges still open, and a
//!   range that a reply does not carry on is settled. Ranges go in id order and never overlap.
//! - A fingerprint of everything that matches is answered `Done`, which makes "nothing
//!   changed" an explicit one-message answer. A matching fingerprint of a smaller range is not
//!   answered at all: the range is settled, and saying so would only cost bytes. `Done` asks
//!   for nothing and is never answered, so a turn that would hold nothing is `None`, never a
//!   message.
//! - A fingerprint that differs is answered with the answerer's own list (`Items`) if it holds
//!   at most `leaf` items there, else with fingerprints of up to `split` sub-ranges. A peer's
//!   fingerprint with count 0 says it holds nothing there: everything we hold goes to `send`.
//! - `Items` is settled by its receiver alone, which puts what the peer lacks in `send`, and
//!   what it lacks itself or holds in another state in `fetch`, and says nothing more about that
//!   range. An item both hold in different states is only fetched: the fetcher merges, and offers
//!   the merge back when it holds more than the peer sent (one transfer each way only when both
//!   sides changed it).
//! - A reply holds at most `max_ranges` ranges and [`MAX_RECONCILE_ENTRIES`] entries. When
//!   answering every range would exceed that, the ranges left over are answered with one
//!   fingerprint spanning them, which the peer splits again. That span may also cover ranges
//!   already settled, so only then can an id come up again in a later step: callers keep the
//!   ids of a session in a set.
//! - The catalogue should not change during a session; what changes meanwhile is caught by the
//!   push of local writes and by the next session.

mod messages;
mod range;
#[cfg(test)]
mod tests;

pub use messages::{
    ItemPayload, MAX_MESSAGE_BYTES, RangeMsg, Reconcile, SyncRequest, SyncResponse,
};
pub use range::{Catalog, Fingerprint, Range, View, heads_digest};

use crate::ItemId;

/// Most range messages in one [`Reconcile`]; more is refused.
pub const MAX_RANGES: usize = 4096;
/// Most entries in one `Items` list (64 times the default `leaf`); more is refused.
pub const MAX_ITEMS_ENTRIES: usize = 64 * 32;
/// Most entries across one [`Reconcile`]: even with [`MAX_RANGES`] fingerprints besides, this
/// keeps a message under 8 MiB, half of [`MAX_MESSAGE_BYTES`]. More is refused.
pub const MAX_RECONCILE_ENTRIES: usize = 128 * 1024;
/// Most entries in one [`SyncRequest::Offer`]; more is refused.
pub const MAX_OFFER: usize = 4096;
/// Most certificates and revocations in one [`SyncRequest::Statements`]; more is refused. A
/// node passes on at most this many (a federation has tens of nodes, not thousands).
pub const MAX_STATEMENTS: usize = 1024;
/// Most sub-ranges a range is split into.
const MAX_SPLIT: usize = 256;

/// Why a peer's [`Reconcile`] was refused. Each bounds the work a hostile peer can cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// More range messages than [`MAX_RANGES`].
    #[error("{len} ranges in one message, the limit is {max}")]
    TooManyRanges {
        /// Ranges given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// More entries than [`MAX_ITEMS_ENTRIES`] in one list, or [`MAX_RECONCILE_ENTRIES`] in all.
    #[error("{len} entries, the limit is {max}")]
    TooManyEntries {
        /// Entries given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Ranges out of order, overlapping or empty: overlapping ranges would make us scan the
    /// catalogue once per range instead of once per message.
    #[error("ranges out of order, overlapping or empty")]
    BadRanges,
    /// An item list out of id order, repeating an id, or straying outside its range.
    #[error("an item list is out of order or strays outside its range")]
    BadEntries,
}

/// The outcome of one turn.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Step {
    /// What to say next, or `None` when every range is settled.
    pub reply: Option<Reconcile>,
    /// Items to offer the peer: it lacks them.
    pub send: Vec<ItemId>,
    /// Items to fetch from the peer, with the peer's digest of each: we lack them or hold them
    /// in another state.
    pub fetch: Vec<(ItemId, [u8; 32])>,
}

/// How one side reconciles. The two sides may use different settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reconciler {
    /// Sub-ranges a differing range is split into (used between 2 and 256).
    pub split: usize,
    /// Most items listed instead of splitting further (used between 1 and
    /// [`MAX_ITEMS_ENTRIES`]).
    pub leaf: usize,
    /// Most range messages in a reply (used between `split + 1` and [`MAX_RANGES`]); lower it
    /// to keep messages small on a slow link, at the cost of more round trips.
    pub max_ranges: usize,
}

impl Default for Reconciler {
    fn default() -> Self {
        Self { split: 16, leaf: 32, max_ranges: MAX_RANGES }
    }
}

/// What answering one incoming range message yields.
#[derive(Debug, Default)]
struct Answer {
    reply: Vec<RangeMsg>,
    send: Vec<ItemId>,
    fetch: Vec<(ItemId, [u8; 32])>,
}

impl Reconciler {
    fn parts(&self) -> usize {
        self.split.clamp(2, MAX_SPLIT)
    }

    fn leaf_size(&self) -> usize {
        self.leaf.clamp(1, MAX_ITEMS_ENTRIES)
    }

    /// At least one split plus the span of the ranges left over, so every reply settles or
    /// narrows the first open range: that is what guarantees progress under the cap.
    fn reply_ranges(&self) -> usize {
        self.max_ranges.clamp(self.parts() + 1, MAX_RANGES)
    }

    fn is_leaf(&self, count: u64) -> bool {
        usize::try_from(count).is_ok_and(|count| count <= self.leaf_size())
    }

    /// The first message of a session: one fingerprint of everything, or the whole list when
    /// it is short enough that the peer can settle everything at once.
    pub fn start<'a>(&self, catalog: impl Into<View<'a>>) -> Reconcile {
        let catalog = catalog.into();
        let range = Range::all();
        let message = if catalog.len() <= self.leaf_size() {
            RangeMsg::Items { range, entries: catalog.entries(&range) }
        } else {
            RangeMsg::Fingerprint { range, fingerprint: catalog.fingerprint(&range) }
        };
        Reconcile { ranges: vec![message] }
    }

    /// Answers the peer's turn (see the module docs for the rules).
    ///
    /// A turn that breaks a limit is refused before any work, and ranges may not overlap, so
    /// answering costs a few passes over the catalogue at most, whatever the peer sends.
    ///
    /// # Errors
    /// A [`SyncError`] if the message breaks a limit or the ordering rules; the caller should
    /// then drop the session.
    pub fn respond<'a>(
        &self,
        catalog: impl Into<View<'a>>,
        incoming: &Reconcile,
    ) -> Result<Step, SyncError> {
        let catalog = catalog.into();
        check(incoming)?;
        let mut step = Step::default();
        let mut reply = Vec::new();
        let mut entries = 0;
        for message in &incoming.ranges {
            let answer = self.answer(catalog, message);
            let more_entries = answer.reply.iter().map(entry_count).sum::<usize>();
            let fits = reply.len() + answer.reply.len() < self.reply_ranges()
                && entries + more_entries <= MAX_RECONCILE_ENTRIES;
            if !fits {
                // Answer what is left with one fingerprint from here to the end of the last
                // range: nothing the peer raised is dropped, and the peer splits it again.
                let last = incoming.ranges.last().map_or(message.range(), RangeMsg::range);
                reply.push(fingerprint(catalog, Range { lo: message.range().lo, hi: last.hi }));
                break;
            }
            entries += more_entries;
            reply.extend(answer.reply);
            step.send.extend(answer.send);
            step.fetch.extend(answer.fetch);
        }
        step.reply = (!reply.is_empty()).then_some(Reconcile { ranges: reply });
        Ok(step)
    }

    fn answer(&self, catalog: View<'_>, message: &RangeMsg) -> Answer {
        match message {
            RangeMsg::Fingerprint { range, fingerprint } => {
                self.answer_fingerprint(catalog, range, fingerprint)
            }
            RangeMsg::Items { range, entries } => diff(&catalog.entries(range), entries),
            RangeMsg::Done { .. } => Answer::default(),
        }
    }

    fn answer_fingerprint(&self, catalog: View<'_>, range: &Range, theirs: &Fingerprint) -> Answer {
        let range = *range;
        let ours = catalog.fingerprint(&range);
        let reply = if ours == *theirs {
            // Only "everything matches" is worth saying: a smaller range is settled by silence.
            if range == Range::all() { vec![RangeMsg::Done { range }] } else { Vec::new() }
        } else if theirs.count == 0 {
            let send = catalog.entries(&range).into_iter().map(|(id, _)| id).collect();
            return Answer { send, ..Answer::default() };
        } else if self.is_leaf(ours.count) {
            vec![RangeMsg::Items { range, entries: catalog.entries(&range) }]
        } else {
            let parts = catalog.split(&range, self.parts()).into_iter();
            parts.map(|range| fingerprint(catalog, range)).collect()
        };
        Answer { reply, ..Answer::default() }
    }
}

fn fingerprint(catalog: View<'_>, range: Range) -> RangeMsg {
    RangeMsg::Fingerprint { range, fingerprint: catalog.fingerprint(&range) }
}

fn entry_count(message: &RangeMsg) -> usize {
    match message {
        RangeMsg::Items { entries, .. } => entries.len(),
        _ => 0,
    }
}

/// Settles a range from both lists, each in id order.
fn diff(ours: &[(ItemId, [u8; 32])], theirs: &[(ItemId, [u8; 32])]) -> Answer {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let mut answer = Answer::default();
    let (mut ours, mut theirs) = (ours.iter().peekable(), theirs.iter().peekable());
    loop {
        let order = match (ours.peek(), theirs.peek()) {
            (None, None) => return answer,
            (Some(_), None) => Less,
            (None, Some(_)) => Greater,
            (Some((a, _)), Some((b, _))) => a.cmp(b),
        };
        match order {
            Less => answer.send.extend(ours.next().map(|(id, _)| *id)),
            Greater => answer.fetch.extend(theirs.next().copied()),
            Equal => {
                if let (Some((id, a)), Some((_, b))) = (ours.next(), theirs.next())
                    && a != b
                {
                    answer.fetch.push((*id, *b));
                }
            }
        }
    }
}

/// Refuses a message that would make us do unbounded work or that breaks the ordering rules.
fn check(incoming: &Reconcile) -> Result<(), SyncError> {
    let len = incoming.ranges.len();
    if len > MAX_RANGES {
        return Err(SyncError::TooManyRanges { len, max: MAX_RANGES });
    }
    // The lowest id the next range may start at; `None` once a range has run to the end.
    let mut floor = Some([0; 16]);
    let mut entries = 0;
    for message in &incoming.ranges {
        let range = message.range();
        if floor.is_none_or(|floor| range.lo < floor) || range.is_empty() {
            return Err(SyncError::BadRanges);
        }
        floor = range.hi;
        if let RangeMsg::Items { range, entries: list } = message {
            check_entries(range, list)?;
            entries += list.len();
            if entries > MAX_RECONCILE_ENTRIES {
                return Err(SyncError::TooManyEntries { len: entries, max: MAX_RECONCILE_ENTRIES });
            }
        }
    }
    Ok(())
}

fn check_entries(range: &Range, entries: &[(ItemId, [u8; 32])]) -> Result<(), SyncError> {
    if entries.len() > MAX_ITEMS_ENTRIES {
        return Err(SyncError::TooManyEntries { len: entries.len(), max: MAX_ITEMS_ENTRIES });
    }
    let ascending = entries.windows(2).all(|pair| pair[0].0 < pair[1].0);
    if ascending && entries.iter().all(|(id, _)| range.contains(id)) {
        Ok(())
    } else {
        Err(SyncError::BadEntries)
    }
}
