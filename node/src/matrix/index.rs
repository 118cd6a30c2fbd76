//! What the matrix needs of each recommendation, kept in memory item by item, so that a
//! country's matrix is made without reading its records: the public site's index keeps it of
//! the public recommendations (without rows: a page reads the rows it shows through the gate),
//! a member of every recommendation its operator may see (with rows, since its answer holds
//! every row). A matrix made once from a list of entries ([`super::matrix`]) is this index too,
//! so every matrix is made by the same code.

use std::collections::{BTreeSet, HashMap};

use liaison_protocol::{CountryCode, ItemId, Kind};

use super::{Cluster, Filter, Grouped, Layout, Matrix, Row, Theme, Words, layout, row};
use crate::Error;
use crate::follow::{Every, Follower};
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
    /// Whether each recommendation's [`Row`] is kept too, for [`Index::matrix`].
    rows: bool,
}

/// What the index keeps of one recommendation.
#[derive(Debug)]
struct Facts {
    grouped: Grouped,
    countries: Box<[CountryCode]>,
    /// Its row, when the index keeps rows.
    row: Option<Box<Row>>,
}

impl Index {
    /// An index that keeps each recommendation's row too, so that [`Index::matrix`] answers
    /// whole from memory.
    pub fn with_rows() -> Self {
        Self { rows: true, ..Self::default() }
    }

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
        let row = if self.rows { row(entry).map(Box::new) } else { None };
        self.kept.insert(id, Facts { grouped, countries, row });
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

    /// How many recommendations it keeps.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether it keeps none.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// About how many bytes of memory it holds: its facts, rows and sets, from their lengths
    /// (allocators round up), and its words.
    pub fn bytes(&self) -> usize {
        use std::mem::size_of;
        let text = |s: &str| s.len();
        let facts: usize = self
            .kept
            .values()
            .map(|f| {
                let g = &f.grouped;
                let versions: usize =
                    g.versions.iter().map(|v| size_of::<Box<[u32]>>() + 4 * v.len()).sum();
                let row = f.row.as_deref().map_or(0, |r| {
                    size_of::<Row>()
                        + text(&r.owner)
                        + text(&r.mechanism)
                        + text(&r.body)
                        + text(&r.reference)
                        + text(&r.text)
                        + text(r.lang.as_str())
                        + r.implementation.as_ref().map_or(0, |s| text(s.by.as_str()))
                });
                // A hash map slot and its control byte; a set entry per country.
                size_of::<(ItemId, Facts)>()
                    + 1
                    + 4 * g.themes.len()
                    + versions
                    + row
                    + f.countries.len() * (size_of::<CountryCode>() + 2 * size_of::<ItemId>())
            })
            .sum();
        facts + self.words.bytes()
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

    /// The matrix of `country`, filtered by `filter`, with the rows kept: every recommendation
    /// of the index when it keeps rows ([`Index::with_rows`]), none otherwise.
    pub fn matrix(&self, country: CountryCode, filter: &Filter) -> Matrix {
        let recommendations = self.of(country);
        let rows = |members: Vec<usize>| -> Vec<Row> {
            let kept = members.into_iter().filter_map(|i| self.kept.get(&recommendations[i].0));
            kept.filter_map(|k| k.row.as_deref().cloned()).collect()
        };
        let themes = layout(&recommendations, &self.words, filter)
            .into_iter()
            .map(|(theme, clusters)| Theme {
                theme,
                clusters: clusters
                    .into_iter()
                    .map(|c| Cluster { recommendations: rows(c) })
                    .collect(),
            })
            .collect();
        Matrix { country, themes }
    }

    /// The recommendations to `country`, with their facts, by id.
    fn of(&self, country: CountryCode) -> Vec<(ItemId, &Grouped)> {
        let Some(ids) = self.by_country.get(&country) else { return Vec::new() };
        ids.iter().filter_map(|id| Some((*id, &self.kept.get(id)?.grouped))).collect()
    }
}

/// An index with rows, kept up to date with the store item by item ([`crate::follow`]).
#[derive(Debug, Default)]
pub(crate) struct Followed {
    /// The store generation it is up to date with.
    generation: Option<u64>,
    /// The recommendations.
    pub(crate) index: Index,
}

impl Follower for Followed {
    fn generation(&self) -> Option<u64> {
        self.generation
    }

    fn set_generation(&mut self, generation: Option<u64>) {
        self.generation = generation;
    }

    fn update(&mut self, id: ItemId, entry: Option<Entry>) -> Result<(), Error> {
        match entry {
            Some(entry) => self.index.put(&entry),
            None => self.index.remove(id),
        }
        Ok(())
    }

    fn remake(&mut self, all: Every<'_>) -> Result<(), Error> {
        let mut fresh = Index::with_rows();
        all(&mut |entry| fresh.put(&entry))?;
        self.index = fresh;
        Ok(())
    }
}
