//! The order of the public items and what the site filters them by, in memory, kept up to
//! date with the store item by item ([`crate::store::Store::changed_since`]): a page of any
//! list, of any filter, reads only the records it shows, whatever the number of items, also
//! right after a write. Only after more writes than the store remembers (or at start) is every
//! record read again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use chrono::NaiveDate;
use liaison_protocol::{CountryCode, ItemId, Kind, Label, Mechanism};

use super::{Filter, SortKey, sort_key};
use crate::matrix::{Filter as MatrixFilter, Grouped, Layout, Words, layout};
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
    /// For a recommendation, what the matrix groups and clusters it by.
    recommendation: Option<Box<Grouped>>,
}

impl Facts {
    fn of(entry: &Entry, words: &mut Words) -> Facts {
        let header = &entry.header;
        Facts {
            recommendation: Grouped::of(entry, words).map(Box::new),
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
    /// The words of the recommendations' [`Grouped`] facts.
    words: Words,
}

impl PublicIndex {
    /// The store generation the index is up to date with, if any.
    pub(crate) fn generation(&self) -> Option<u64> {
        self.generation
    }

    /// Brings the index to the store at `generation`: `changed` names the items changed since
    /// [`PublicIndex::generation`], each read again with `one` (`None` when it is not public
    /// now); when it is `None`, the index is made anew of what `all` hands its argument, every
    /// public item, one at a time.
    ///
    /// # Errors
    /// What `all` or `one` return; the index is then read whole next time.
    pub(crate) fn refresh(
        &mut self,
        generation: u64,
        changed: Option<Vec<ItemId>>,
        all: impl FnOnce(&mut dyn FnMut(Entry)) -> Result<(), Error>,
        mut one: impl FnMut(ItemId) -> Result<Option<Entry>, Error>,
    ) -> Result<(), Error> {
        if self.generation == Some(generation) {
            return Ok(());
        }
        let result = match changed.filter(|_| self.generation.is_some()) {
            Some(ids) => ids.into_iter().try_for_each(|id| {
                self.remove(id);
                if let Some(entry) = one(id)? {
                    let facts = Facts::of(&entry, &mut self.words);
                    self.insert(id, facts);
                }
                Ok(())
            }),
            None => {
                let mut fresh = PublicIndex::default();
                let read = all(&mut |entry| {
                    let facts = Facts::of(&entry, &mut fresh.words);
                    fresh.insert(entry.header.id, facts);
                });
                read.map(|()| *self = fresh)
            }
        };
        self.generation = result.is_ok().then_some(generation);
        result
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
        let Some(keys) = self.by_country.get(&country) else { return Vec::new() };
        let recommendations: Vec<(ItemId, &Grouped)> = keys
            .iter()
            .filter_map(|(_, id)| Some((*id, self.facts.get(id)?.recommendation.as_deref()?)))
            .collect();
        layout(&recommendations, &self.words, filter)
            .into_iter()
            .map(|(theme, clusters)| {
                let ids = clusters
                    .into_iter()
                    .map(|c| c.into_iter().map(|i| recommendations[i].0).collect())
                    .collect();
                (theme, ids)
            })
            .collect()
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
