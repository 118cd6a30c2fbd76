//! What the matrix needs of each recommendation, kept in memory item by item, so that a
//! country's matrix is made without reading its records: the public site's index keeps it of
//! the public recommendations (without rows: a page reads the rows it shows through the gate).
//! A member reads the same facts of one country from its store instead
//! ([`super::of_facts`]); both group and cluster them with [`layout`].

use std::collections::{BTreeSet, HashMap};

use liaison_protocol::{CountryCode, ItemId, Kind};

use super::{Filter, Grouped, Layout, Words, layout};
use crate::store::Entry;

/// The recommendations (not withdrawn) an index was handed, by country.
#[derive(Debug, Default)]
pub struct Index {
    /// The words of the recommendations' [`Grouped`] facts.
    words: Words,
    /// Each recommendation's facts.
    kept: HashMap<ItemId, Facts>,
    /// The recommendations to each country (its `countries` field), by id.
    by_country: HashMap<CountryCode, BTreeSet<ItemId>>,
}

/// What the index keeps of one recommendation.
#[derive(Debug)]
struct Facts {
    grouped: Grouped,
    countries: Box<[CountryCode]>,
}

impl Index {
    /// Keeps `entry`'s facts when it is a recommendation that is not withdrawn, replacing what
    /// was kept of it; forgets it otherwise.
    pub fn put(&mut self, entry: &Entry) {
        let id = entry.header.id;
        self.remove(id);
        let state = &entry.record.state;
        if entry.header.kind != Kind::Recommendation || state.withdrawn {
            return;
        }
        let Some(grouped) = Grouped::of(entry, &mut self.words) else { return };
        let countries: Box<[CountryCode]> = state.fields.countries.iter().copied().collect();
        for c in &countries {
            self.by_country.entry(*c).or_default().insert(id);
        }
        self.kept.insert(id, Facts { grouped, countries });
    }

    /// Forgets item `id`.
    pub fn remove(&mut self, id: ItemId) {
        let Some(kept) = self.kept.remove(&id) else { return };
        for c in kept.countries.iter() {
            if let Some(ids) = self.by_country.get_mut(c) {
                ids.remove(&id);
                if ids.is_empty() {
                    self.by_country.remove(c);
                }
            }
        }
    }

    /// The shape of the matrix of `country` (see [`layout`]): each theme `filter` keeps, with
    /// its clusters of recommendations, by id.
    pub fn layout(&self, country: CountryCode, filter: &Filter) -> Layout<ItemId> {
        let recommendations = self.of(country);
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

    /// The recommendations to `country`, with their facts, by id.
    fn of(&self, country: CountryCode) -> Vec<(ItemId, &Grouped)> {
        let Some(ids) = self.by_country.get(&country) else { return Vec::new() };
        ids.iter().filter_map(|id| Some((*id, &self.kept.get(id)?.grouped))).collect()
    }
}
