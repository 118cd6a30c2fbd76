//! The order of the public items and what the site filters them by, in memory, kept up to
//! date with the store item by item ([`crate::store::Store::changed_since`]): a page of any
//! list, of any filter, reads only the records it shows, whatever the number of items, also
//! right after a write. Only after more writes than the store remembers (or at start) is every
//! record read again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use chrono::NaiveDate;
use liaison_protocol::{CountryCode, ItemId, Kind, Label, Mechanism};

use super::{Filter, SortKey, is_public, sort_key};
use crate::Error;
use crate::store::{Entry, Query, ReadOnlyStore};

/// What the site filters a public item by.
#[derive(Debug, Clone)]
struct Facts {
    key: SortKey,
    kind: Kind,
    label: Label,
    countries: Vec<CountryCode>,
    /// Its owner and co-owners.
    mechanisms: Vec<Mechanism>,
    span: Option<(NaiveDate, NaiveDate)>,
}

impl Facts {
    fn of(entry: &Entry) -> Facts {
        let header = &entry.header;
        Facts {
            key: sort_key(entry),
            kind: header.kind,
            label: header.label,
            countries: entry.record.state.fields.all_countries(),
            mechanisms: std::iter::once(&header.owner).chain(&header.co_owners).cloned().collect(),
            span: entry.record.state.fields.span(),
        }
    }

    fn matches(&self, query: &Query) -> bool {
        query.matches_parts(self.kind, &self.countries, &self.mechanisms, self.span, false)
    }
}

/// The public items in order, and by kind, country and mechanism.
#[derive(Debug, Default)]
pub(crate) struct PublicIndex {
    /// The store generation it is up to date with; `None` before it was first read.
    generation: Option<u64>,
    facts: HashMap<ItemId, Facts>,
    all: BTreeSet<SortKey>,
    by_kind: HashMap<Kind, BTreeSet<SortKey>>,
    by_country: HashMap<CountryCode, BTreeSet<SortKey>>,
    by_mechanism: HashMap<Mechanism, BTreeSet<SortKey>>,
}

impl PublicIndex {
    /// Brings the index up to date with `store`: the items changed since it was last, or every
    /// item when those changes are not remembered.
    ///
    /// # Errors
    /// [`Error::Corrupt`] on an altered record; the index is then read whole next time.
    pub(crate) fn refresh(&mut self, store: &ReadOnlyStore) -> Result<(), Error> {
        let changed = match self.generation {
            Some(generation) => store.changed_since(generation),
            None => (store.generation(), None),
        };
        let result = match changed {
            (now, Some(ids)) => self.update(store, now, &ids),
            (now, None) => self.rebuild(store, now),
        };
        if result.is_err() {
            self.generation = None;
        }
        result
    }

    fn rebuild(&mut self, store: &ReadOnlyStore, generation: u64) -> Result<(), Error> {
        *self = PublicIndex::default();
        for entry in store.list(&Query::default())?.iter().filter(|e| is_public(e)) {
            self.insert(entry.header.id, Facts::of(entry));
        }
        self.generation = Some(generation);
        Ok(())
    }

    fn update(
        &mut self,
        store: &ReadOnlyStore,
        generation: u64,
        ids: &[ItemId],
    ) -> Result<(), Error> {
        for id in ids {
            self.remove(*id);
            if let Some(entry) = store.get(*id)?.filter(is_public) {
                self.insert(*id, Facts::of(&entry));
            }
        }
        self.generation = Some(generation);
        Ok(())
    }

    fn insert(&mut self, id: ItemId, facts: Facts) {
        let key = facts.key;
        self.all.insert(key);
        self.by_kind.entry(facts.kind).or_default().insert(key);
        for c in &facts.countries {
            self.by_country.entry(*c).or_default().insert(key);
        }
        for m in &facts.mechanisms {
            self.by_mechanism.entry(m.clone()).or_default().insert(key);
        }
        self.facts.insert(id, facts);
    }

    fn remove(&mut self, id: ItemId) {
        let Some(facts) = self.facts.remove(&id) else { return };
        let key = facts.key;
        self.all.remove(&key);
        let drop_from = |set: Option<&mut BTreeSet<SortKey>>| {
            if let Some(set) = set {
                set.remove(&key);
            }
        };
        drop_from(self.by_kind.get_mut(&facts.kind));
        for c in &facts.countries {
            drop_from(self.by_country.get_mut(c));
        }
        for m in &facts.mechanisms {
            drop_from(self.by_mechanism.get_mut(m));
        }
    }

    /// The smallest of the sets `filter` selects from: every item it matches is in it.
    fn candidates(&self, filter: &Filter) -> Option<&BTreeSet<SortKey>> {
        let mut sets = vec![Some(&self.all)];
        sets.extend(filter.kind.map(|k| self.by_kind.get(&k)));
        sets.extend(filter.country.map(|c| self.by_country.get(&c)));
        sets.extend(filter.mechanism.as_ref().map(|m| self.by_mechanism.get(m)));
        // A filter whose set does not exist matches nothing.
        sets.into_iter().try_fold(None::<&BTreeSet<SortKey>>, |best, set| {
            let set = set?;
            Some(Some(match best {
                Some(b) if b.len() <= set.len() => b,
                _ => set,
            }))
        })?
    }

    /// Up to `count` sort keys of the items matching `filter`, in order after `after`, or
    /// from the last backwards when `backwards`.
    pub(crate) fn keys(
        &self,
        filter: &Filter,
        after: Option<SortKey>,
        backwards: bool,
        count: usize,
    ) -> Vec<SortKey> {
        let Some(set) = self.candidates(filter) else { return Vec::new() };
        let query = filter.query();
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        let range = set.range((start, Bound::Unbounded));
        let matching = |key: &&SortKey| self.facts.get(&key.1).is_some_and(|f| f.matches(&query));
        if backwards {
            range.rev().filter(matching).take(count).copied().collect()
        } else {
            range.filter(matching).take(count).copied().collect()
        }
    }

    /// Every country a public item concerns, and the public items by kind and label.
    pub(crate) fn summary(&self) -> (Vec<CountryCode>, BTreeMap<(Kind, Label), i64>) {
        let countries = self.by_country.iter().filter(|(_, s)| !s.is_empty()).map(|(c, _)| *c);
        let mut counts = BTreeMap::new();
        for facts in self.facts.values() {
            *counts.entry((facts.kind, facts.label)).or_default() += 1;
        }
        (countries.collect(), counts)
    }
}
