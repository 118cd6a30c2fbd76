//! The sync engine's state and decisions, with no IO: the catalogue, the reconciliation
//! sessions, the fetch scheduler, what to offer, fetch, push or relay to whom, and the state
//! machine that owns them all (`Machine`).
//!
//! Nothing here touches the network, the store or the clock: the event loop (`daemon::sync`)
//! hands the machine what peers said, what the store answered and the time, and carries out
//! what it answers (messages to send, items to verify and store, refusals to count), so the
//! engine is tested in memory, several nodes' machines against each other.

mod catalogue;
mod decide;
mod fetch;
mod machine;
mod sessions;
#[cfg(test)]
mod tests;
mod turn;

pub(crate) use catalogue::Catalogue;
pub(crate) use decide::{Arrived, offers, relays, sends_to, step_offers, takes_from};
pub(crate) use fetch::{FetchId, Scheduler};
pub(crate) use machine::{Answer, Input, Machine, Output, Refusal, Taken};
pub(crate) use sessions::Sessions;
pub(crate) use turn::turn;

/// The digest of an item's document heads: equal digests, equal states.
pub(crate) type Digest = [u8; 32];
