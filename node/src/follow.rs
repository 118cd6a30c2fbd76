//! Keeping what is derived from the store's items (the public site's index, the search
//! indexes) up to date with the store item by item: after writes,
//! only the items the store says changed since the generation it was made at
//! ([`crate::store::Store::changed_since`]) are read again; only when those changes are no
//! longer remembered, or at first, is it made anew of every item.

use liaison_protocol::ItemId;

use crate::Error;
use crate::store::Entry;

/// What is kept of the store's items, and how it takes one item's change or all of them.
pub(crate) trait Follower {
    /// The store generation it is up to date with; `None` before it first read the store, or
    /// after it failed to catch up (so the next catch-up reads everything).
    fn generation(&self) -> Option<u64>;

    /// Records the generation it is up to date with.
    fn set_generation(&mut self, generation: Option<u64>);

    /// Item `id` changed: `entry` is what it is now, or `None` when it is gone (or not one
    /// this follower holds).
    ///
    /// # Errors
    /// The follower's own failures.
    fn update(&mut self, id: ItemId, entry: Option<Entry>) -> Result<(), Error>;

    /// Makes it anew of the items `all` hands its argument, one at a time.
    ///
    /// # Errors
    /// What `all` returns; the follower's own failures.
    fn remake(&mut self, all: Every<'_>) -> Result<(), Error>;

    /// Called once the changes of one catch-up are all taken.
    ///
    /// # Errors
    /// The follower's own failures.
    fn settle(&mut self) -> Result<(), Error> {
        Ok(())
    }
}

/// Hands every item a follower holds to its argument, one at a time.
pub(crate) type Every<'a> = &'a mut dyn FnMut(&mut dyn FnMut(Entry)) -> Result<(), Error>;

/// Brings `follower` to the store: `since` tells the generation now and the items changed
/// since the follower's (`None` for "read everything"; see
/// [`crate::store::Store::catch_up`]), `one` reads one item as the follower holds it (`None`
/// when it is gone or not its), `all` hands it every item it holds.
///
/// # Errors
/// What `all`, `one` or the follower return; the follower then reads everything at its next
/// catch-up.
pub(crate) fn catch_up<F: Follower + ?Sized>(
    follower: &mut F,
    since: impl FnOnce(Option<u64>) -> (u64, Option<Vec<ItemId>>),
    mut all: impl FnMut(&mut dyn FnMut(Entry)) -> Result<(), Error>,
    mut one: impl FnMut(ItemId) -> Result<Option<Entry>, Error>,
) -> Result<(), Error> {
    let (generation, changed) = since(follower.generation());
    if follower.generation() == Some(generation) {
        return Ok(());
    }
    let result = match changed.filter(|_| follower.generation().is_some()) {
        Some(ids) => ids.into_iter().try_for_each(|id| follower.update(id, one(id)?)),
        None => follower.remake(&mut all),
    }
    .and_then(|()| follower.settle());
    follower.set_generation(result.is_ok().then_some(generation));
    result
}
