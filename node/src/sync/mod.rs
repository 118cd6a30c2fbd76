//! The sync engine's state and decisions, with no IO: the catalogue, the reconciliation
//! sessions, the fetch scheduler, and what to offer, fetch, push or relay to whom.
//!
//! Nothing here touches the network, the store or the clock: the event loop (`daemon::sync`)
//! feeds in what peers said, what the store holds and the time, and carries out what these
//! answer (fetches to send, peers to pump, items to offer), so they are tested in memory,
//! several peers' schedulers against each other.

mod catalogue;
mod decide;
mod fetch;
mod sessions;
#[cfg(test)]
mod tests;
mod turn;

pub(crate) use catalogue::Catalogue;
pub(crate) use decide::{Arrived, offers, relays, sends_to, step_offers, takes_from};
pub(crate) use fetch::{Fetch, FetchId, Scheduler};
pub(crate) use sessions::Sessions;
pub(crate) use turn::turn;

/// The digest of an item's document heads: equal digests, equal states.
pub(crate) type Digest = [u8; 32];
