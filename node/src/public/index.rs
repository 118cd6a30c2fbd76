//! The order of the public items and what the site filters them by, in memory, kept up to
//! date with the store item by item ([`crate::follow`]): a page of any
//! list, of any filter, reads only the records it shows, whatever the number of items, also
//! right after a write. Only after more writes than the store remembers (or at start) is every
//! record read again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use chrono::NaiveDate;
use liaison_protocol::{CountryCode, ItemId, Kind, Label, Mechanism};

use super::{Filter, SortKey, sort_key};
use crate::follow::{Every, Follower};
use crate::matrix::{self, Filter as MatrixFilter, Layout};
use crate::store::{Entry, Query};
use crate::{Error, export};

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
    /// Its event in the site's calendars ([`export::ics_event`]), made once here so that a
    /// calendar of any filter reads no record.
    event: Option<Box<str>>,
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
            event: export::ics_event(entry).map(String::into_boxed_str),
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
    /// What the matrix groups and clusters the public recommendations by (not their rows).
    matrix: matrix::Index,
}

impl PublicIndex {
    fn insert(&mut self, entry: &Entry) {
        let (id, facts) = (entry.header.id, Facts::of(entry));
        self.matrix.put(entry);
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
        self.matrix.remove(id);
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

    /// The items matching `filter` that sort after `after`, in order.
    fn matching(
        &self,
        filter: &Filter,
        after: Option<SortKey>,
    ) -> impl DoubleEndedIterator<Item = (&SortKey, &Facts)> {
        let query = filter.query();
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        self.candidates(filter)
            .into_iter()
            .flat_map(move |set| set.range((start, Bound::Unbounded)))
            .filter_map(move |key| {
                self.facts.get(&key.1).filter(|f| f.matches(&query)).map(|f| (key, f))
            })
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
        let matching = self.matching(filter, after).map(|(key, _)| *key);
        if backwards {
            matching.rev().take(count).collect()
        } else {
            matching.take(count).collect()
        }
    }

    /// The calendar events of the items matching `filter`, in order.
    pub(crate) fn events(&self, filter: &Filter) -> impl Iterator<Item = &str> {
        self.matching(filter, None).filter_map(|(_, facts)| facts.event.as_deref())
    }

    /// The shape of the recommendations matrix of `country` (see [`crate::matrix::layout`]):
    /// each theme with its clusters of public recommendations, from what the index holds, so
    /// that no record is read.
    pub(crate) fn matrix(&self, country: CountryCode, filter: &MatrixFilter) -> Layout<ItemId> {
        self.matrix.layout(country, filter)
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

/// Brought up to date item by item: an item changed is taken out and put in again as it is now
/// (`None`: not public now); made anew, it is every public item.
impl Follower for PublicIndex {
    fn generation(&self) -> Option<u64> {
        self.generation
    }

    fn set_generation(&mut self, generation: Option<u64>) {
        self.generation = generation;
    }

    fn update(&mut self, id: ItemId, entry: Option<Entry>) -> Result<(), Error> {
        self.remove(id);
        if let Some(entry) = entry {
            self.insert(&entry);
        }
        Ok(())
    }

    fn remake(&mut self, all: Every<'_>) -> Result<(), Error> {
        let mut fresh = PublicIndex::default();
        all(&mut |entry| fresh.insert(&entry))?;
        *self = fresh;
        Ok(())
    }
}
