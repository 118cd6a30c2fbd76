//! The recommendations matrix: every mechanism's recommendations to one country, grouped by
//! theme, with those that say the same thing clustered together.
//!
//! Similarity: each text (the title and every `text_in` version) becomes a set of word stems:
//! lower case, accents folded, words of three letters or fewer and common function words
//! (English, French, Spanish, Portuguese) left out, each word cut to its first [`STEM`]
//! letters, so "detention", "detainees" and "détention" meet where inflections differ only at
//! the end. Two recommendations are as similar as the closest pair of their versions in the
//! same language, by the Dice coefficient of their stem sets (2|A∩B| / (|A|+|B|)); versions in
//! different languages are not compared, so recommendations cluster across languages where one
//! of them carries a version in the other's language. Recommendations at least [`THRESHOLD`]
//! alike are linked, and clusters are the connected groups (single linkage). The threshold was
//! set on a hand-labelled sample of recommendations to Tunisia from treaty bodies, the UPR,
//! special procedures and the African Commission (the `matrix` tests), where it separates every
//! labelled pair from every unrelated one.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use liaison_protocol::{
    CountryCode, Header, Implementation, ItemId, ItemState, Kind, LangTag, Mechanism,
};
use serde::{Deserialize, Serialize};

use crate::store::Entry;

/// Letters a word is cut to.
pub const STEM: usize = 6;
/// The least similarity of two recommendations that say the same thing.
pub const THRESHOLD: f64 = 0.45;
/// The group of recommendations that name no theme.
pub const NO_THEME: &str = "(no theme)";

const STOP: &[&str] = &[
    "that",
    "this",
    "with",
    "from",
    "their",
    "they",
    "them",
    "have",
    "which",
    "into",
    "also",
    "such",
    "other",
    "those",
    "these",
    "shall",
    "should",
    "would",
    "ensure",
    "take",
    "measures",
    "state",
    "party",
    "including",
    "order",
    "particular",
    "line",
    "effective",
    "effectively",
    "necessary",
    "further",
    "continue",
    "consider",
    "dans",
    "pour",
    "avec",
    "leur",
    "leurs",
    "sont",
    "elle",
    "cette",
    "tous",
    "toutes",
    "ainsi",
    "notamment",
    "veiller",
    "prendre",
    "mesures",
    "garantir",
    "para",
    "como",
    "todas",
    "todos",
    "sobre",
    "entre",
    "medidas",
    "garantizar",
    "estado",
    "parte",
];

/// One recommendation in the matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The item.
    pub id: ItemId,
    /// The publishing mechanism.
    pub owner: String,
    /// The sort of mechanism and the body that recommended it.
    pub mechanism: String,
    /// The body.
    pub body: String,
    /// The document's symbol, and the paragraph.
    pub reference: String,
    /// The text, in its language.
    pub text: String,
    /// The text's language.
    pub lang: LangTag,
    /// The latest assessment, if any.
    pub implementation: Option<Status>,
}

/// How far a recommendation was implemented, as its latest assessment says: data, so that
/// each reader sees it in their language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// How far.
    pub status: Implementation,
    /// The mechanism that assessed it.
    pub by: Mechanism,
    /// The day of the assessment.
    pub date: NaiveDate,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.status, self.by)
    }
}

/// Recommendations that say the same thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// Its recommendations, oldest document first.
    pub recommendations: Vec<Row>,
}

/// One theme's clusters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Theme {
    /// The theme, or [`NO_THEME`].
    pub theme: String,
    /// Its clusters, largest first.
    pub clusters: Vec<Cluster>,
}

/// The matrix of one country.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    /// The country.
    pub country: CountryCode,
    /// Its themes, by name.
    pub themes: Vec<Theme>,
}

/// What the matrix shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Only themes containing these words (case aside).
    pub theme: Option<String>,
    /// Only recommendations whose mechanism, body or publishing mechanism contains this.
    pub mechanism: Option<String>,
}

fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        c => c,
    }
}

/// The stems of `text`, as the module's documentation says.
pub fn stems(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(|w| w.chars().flat_map(char::to_lowercase).map(fold).collect::<String>())
        .filter(|w| w.chars().count() > 3 && !STOP.contains(&w.as_str()))
        .map(|w| w.chars().take(STEM).collect())
        .collect()
}

fn dice(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    2.0 * a.intersection(b).count() as f64 / (a.len() + b.len()) as f64
}

/// A recommendation's stem sets, by language.
pub type Versions = Vec<(LangTag, BTreeSet<String>)>;

/// The versions of `entry`'s text.
pub fn versions(entry: &Entry) -> Versions {
    versions_of(&entry.record.state)
}

/// The versions of the text of an item in `state`.
fn versions_of(state: &ItemState) -> Versions {
    let f = &state.fields;
    let mut all = vec![(f.title.lang.clone(), stems(&f.title.value))];
    if let Some(r) = &f.recommendation {
        all.extend(r.text_in.iter().map(|(lang, text)| (lang.clone(), stems(text))));
    }
    all
}

/// How alike two recommendations are: their closest versions in one language.
pub fn similarity(a: &Versions, b: &Versions) -> f64 {
    let mut best: f64 = 0.0;
    for (la, sa) in a {
        for (lb, sb) in b.iter().filter(|(lb, _)| lb == la) {
            let _ = lb;
            best = best.max(dice(sa, sb));
        }
    }
    best
}

/// Groups `versions` (by index) into clusters of those at least [`THRESHOLD`] alike.
pub fn clusters<V: Borrow<Versions>>(versions: &[V]) -> Vec<Vec<usize>> {
    let mut words = Words::default();
    let sets: Vec<(usize, Vec<u32>)> = versions
        .iter()
        .enumerate()
        .flat_map(|(i, v)| {
            v.borrow()
                .iter()
                .map(|(lang, stems)| {
                    (i, stem_numbers(&mut words, lang, stems.iter().map(String::as_str)))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    cluster_sets(versions.len(), sets)
}

/// The numbers of `stems` of a text in `lang`, sorted: a stem's number is its language's too,
/// so that versions in different languages share none.
fn stem_numbers<'a>(
    words: &mut Words,
    lang: &LangTag,
    stems: impl IntoIterator<Item = &'a str>,
) -> Vec<u32> {
    let mut numbers: Vec<u32> = stems.into_iter().map(|s| words.stem(lang, s)).collect();
    numbers.sort_unstable();
    numbers.dedup();
    numbers
}

/// Single linkage of `n` recommendations at [`THRESHOLD`] over `sets`, each a version's
/// recommendation and its stems as numbers (no number twice in a set): the numbers are first
/// ranked by how many versions have them, the rarest first, for [`link`].
fn cluster_sets(n: usize, mut sets: Vec<(usize, Vec<u32>)>) -> Vec<Vec<usize>> {
    // How many versions have each number: every number of every set, sorted, counted by runs
    // (sorting beats hashing here; a country's matrix ranks a few hundred thousand numbers).
    let mut all: Vec<u32> = sets.iter().flat_map(|(_, set)| set.iter().copied()).collect();
    all.sort_unstable();
    let mut order: Vec<(u32, u32)> =
        all.chunk_by(|a, b| a == b).map(|run| (run.len() as u32, run[0])).collect();
    let distinct: Vec<u32> = order.iter().map(|&(_, number)| number).collect();
    order.sort_unstable();
    let mut rank = vec![u32::MAX; distinct.len()];
    for (r, &(_, number)) in order.iter().enumerate() {
        if let Ok(i) = distinct.binary_search(&number) {
            rank[i] = r as u32;
        }
    }
    for (_, set) in &mut sets {
        for number in set.iter_mut() {
            *number = distinct.binary_search(number).map_or(u32::MAX, |i| rank[i]);
        }
        set.sort_unstable();
    }
    link(n, &sets, distinct.len())
}

/// The fewest stems two versions share when one has `len` stems and they are at least
/// [`THRESHOLD`] alike: Dice 2|A∩B|/(|A|+|B|) >= t and |B| >= |A∩B| give
/// |A∩B| >= t|A|/(2-t). A hair under, so that rounding never makes it one too many.
fn least_shared(len: usize) -> usize {
    ((THRESHOLD * len as f64 / (2.0 - THRESHOLD)) - 1e-9).ceil().max(1.0) as usize
}

/// Single linkage of `n` recommendations at [`THRESHOLD`] over `sets`: each version's
/// recommendation and its stems as numbers below `stems`, sorted, smaller numbers for rarer
/// stems.
///
/// Not every pair is compared. Two versions that share at least k stems share one among the
/// first |A|-k+1 of each's stems in any one order (prefix filtering, as in set-similarity
/// joins), so each version is compared only with the earlier versions whose first
/// |B|-[`least_shared`]+1 stems (its prefix) meet its own prefix: an inverted index from each
/// stem to the versions whose prefix holds it finds them. Rare stems come first, so the
/// prefixes hold few of the stems most recommendations share. Versions of recommendations
/// already in one cluster are not compared at all. Each pair compared is compared exactly as
/// [`similarity`] does, so the clusters are those of comparing every pair.
fn link(n: usize, sets: &[(usize, Vec<u32>)], stems: usize) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut postings: Vec<Vec<usize>> = vec![Vec::new(); stems];
    // The last version each earlier one was compared with, so that each pair is compared once.
    let mut met = vec![usize::MAX; sets.len()];
    for (v, (rec, set)) in sets.iter().enumerate() {
        if set.is_empty() {
            continue;
        }
        let prefix = &set[..set.len() - least_shared(set.len()) + 1];
        for stem in prefix {
            let Some(earlier) = postings.get_mut(*stem as usize) else { continue };
            for &u in earlier.iter() {
                if met[u] == v {
                    continue;
                }
                met[u] = v;
                let (other, other_set) = &sets[u];
                let (a, b) = (root(&mut parent, *rec), root(&mut parent, *other));
                if a != b && dice_sorted(set, other_set) >= THRESHOLD {
                    parent[a.max(b)] = a.min(b);
                }
            }
            earlier.push(v);
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut all: Vec<_> = groups.into_values().collect();
    all.sort_by_key(|g| std::cmp::Reverse(g.len()));
    all
}

/// [`dice`] of two sorted sets of numbers: the same value for the same sets.
fn dice_sorted(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * shared as f64 / (a.len() + b.len()) as f64
}

fn contains(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.trim().to_lowercase())
}

/// The row of recommendation `e`, if it is one.
pub fn row(e: &Entry) -> Option<Row> {
    row_of(&e.header, &e.record.state)
}

/// The row of the item of `header` in `state`, if it is a recommendation.
fn row_of(header: &Header, state: &ItemState) -> Option<Row> {
    let f = &state.fields;
    let r = f.recommendation.as_ref()?;
    Some(Row {
        id: header.id,
        owner: header.owner.to_string(),
        mechanism: r.mechanism.clone(),
        body: r.body.clone(),
        reference: match &r.paragraph {
            Some(p) => format!("{}, para. {p}", r.symbol),
            None => r.symbol.clone(),
        },
        text: f.title.value.clone(),
        lang: f.title.lang.clone(),
        implementation: r.latest().map(|a| Status {
            status: a.status,
            by: a.by.clone(),
            date: a.date,
        }),
    })
}

/// Numbers for words (stems with their language, themes, the names the mechanism filter
/// looks in), so that the matrix groups and compares numbers, and an index holds each word
/// once. It grows with the vocabulary, not with the number of recommendations.
#[derive(Debug, Default)]
pub struct Words {
    numbers: HashMap<Arc<str>, u32>,
    words: Vec<Arc<str>>,
    /// Where [`Words::stem`] writes a stem with its language, to look it up.
    spare: String,
}

impl Words {
    /// The number of stem `stem` of a text in `lang`, given it now if it has none: the word
    /// is the language, a NUL and the stem.
    pub fn stem(&mut self, lang: &LangTag, stem: &str) -> u32 {
        let mut spare = std::mem::take(&mut self.spare);
        spare.clear();
        spare.push_str(lang.as_str());
        spare.push('\u{0}');
        spare.push_str(stem);
        let n = self.number(&spare);
        self.spare = spare;
        n
    }

    /// The number of `word`, given it now if it has none.
    pub fn number(&mut self, word: &str) -> u32 {
        if let Some(n) = self.numbers.get(word) {
            return *n;
        }
        let n = self.words.len() as u32;
        let word: Arc<str> = Arc::from(word);
        self.words.push(Arc::clone(&word));
        self.numbers.insert(word, n);
        n
    }

    /// The word numbered `number`.
    pub fn word(&self, number: u32) -> &str {
        self.words.get(number as usize).map_or("", |w| w)
    }
}

/// A recommendation as the matrix groups and clusters it, without its text: what an index
/// keeps of it so that a country's matrix is made without reading its records.
#[derive(Debug, Clone)]
pub struct Grouped {
    /// The document's date: a cluster lists its recommendations oldest first.
    pub date: Option<NaiveDate>,
    /// Its themes (numbers of a [`Words`]).
    pub themes: Box<[u32]>,
    /// The stems of each version of its text, numbered with their language, sorted.
    pub versions: Box<[Box<[u32]>]>,
    /// Where `--mechanism` looks: the sort of mechanism, the body, the publishing mechanism.
    pub who: [u32; 3],
}

impl Grouped {
    /// `entry` as the matrix groups it, its words numbered in `words`; `None` when it is not a
    /// recommendation.
    pub fn of(entry: &Entry, words: &mut Words) -> Option<Grouped> {
        Some(Facts::of(&entry.header, &entry.record.state)?.grouped(words))
    }
}

/// What the matrix needs of one recommendation, its words as words: what the store keeps of
/// each recommendation its operator may see under its countries (see [`crate::store`]), written
/// in the same batch as its record, so that a country's matrix reads these and no record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// The document's date.
    pub date: Option<NaiveDate>,
    /// Its themes.
    pub themes: Vec<String>,
    /// Each version of its text: the language, and the stems, each once, joined by spaces
    /// (a stem holds letters and digits only).
    pub versions: Vec<(LangTag, String)>,
    /// Where `--mechanism` looks: the sort of mechanism, the body, the publishing mechanism.
    pub who: [String; 3],
    /// Its row.
    pub row: Row,
}

impl Facts {
    /// The facts of the item of `header` in `state`; `None` when it is not a recommendation.
    pub fn of(header: &Header, state: &ItemState) -> Option<Facts> {
        let f = &state.fields;
        let r = f.recommendation.as_ref()?;
        let join = |stems: BTreeSet<String>| stems.into_iter().collect::<Vec<_>>().join(" ");
        Some(Facts {
            date: r.date,
            themes: f.themes.clone(),
            versions: versions_of(state).into_iter().map(|(l, s)| (l, join(s))).collect(),
            who: [r.mechanism.clone(), r.body.clone(), header.owner.to_string()],
            row: row_of(header, state)?,
        })
    }

    /// These facts as the matrix groups them, their words numbered in `words`.
    pub fn grouped(&self, words: &mut Words) -> Grouped {
        Grouped {
            date: self.date,
            themes: self.themes.iter().map(|t| words.number(t)).collect(),
            versions: self
                .versions
                .iter()
                .map(|(lang, stems)| {
                    let stems = stems.split(' ').filter(|s| !s.is_empty());
                    stem_numbers(words, lang, stems).into_boxed_slice()
                })
                .collect(),
            who: self.who.each_ref().map(|w| words.number(w)),
        }
    }
}

/// The matrix's shape: each theme by name, with its clusters, each a list of recommendations
/// (indexes, or ids).
pub type Layout<T> = Vec<(String, Vec<Vec<T>>)>;

/// The matrix's shape: each theme `filter` keeps (by name), with its clusters of indexes into
/// `recommendations`, largest first, each listing its recommendations oldest document first.
pub fn layout(
    recommendations: &[(ItemId, &Grouped)],
    words: &Words,
    filter: &Filter,
) -> Layout<usize> {
    let mut matches: HashMap<(u32, bool), bool> = HashMap::new();
    let mut matching = |number: u32, theme: bool| {
        let want = if theme { &filter.theme } else { &filter.mechanism };
        *matches
            .entry((number, theme))
            .or_insert_with(|| want.as_ref().is_none_or(|w| contains(words.word(number), w)))
    };
    let mut by_theme: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (_, g)) in recommendations.iter().enumerate() {
        if filter.mechanism.is_some() && !g.who.iter().any(|w| matching(*w, false)) {
            continue;
        }
        if g.themes.is_empty() {
            if filter.theme.as_ref().is_none_or(|want| contains(NO_THEME, want)) {
                by_theme.entry(NO_THEME).or_default().push(i);
            }
            continue;
        }
        for t in &g.themes {
            if matching(*t, true) {
                by_theme.entry(words.word(*t)).or_default().push(i);
            }
        }
    }
    let mut themes: Vec<(&str, Vec<usize>)> = by_theme.into_iter().collect();
    for (_, members) in &mut themes {
        members.sort_by_key(|&i| (recommendations[i].1.date, recommendations[i].0));
    }
    // Each theme is clustered apart from the others: on every core.
    crate::cores::on_every_core(&themes, |(theme, members)| {
        let sets = members
            .iter()
            .enumerate()
            .flat_map(|(k, &i)| recommendations[i].1.versions.iter().map(move |v| (k, v.to_vec())))
            .collect();
        let clusters = cluster_sets(members.len(), sets)
            .into_iter()
            .map(|g| g.into_iter().map(|k| members[k]).collect())
            .collect();
        ((*theme).to_owned(), clusters)
    })
}

/// The matrix of `country` from `entries` (recommendations not withdrawn; others are left
/// out), filtered by `filter`.
pub fn matrix(entries: &[Entry], country: CountryCode, filter: &Filter) -> Matrix {
    let facts = entries
        .iter()
        .filter(|e| e.header.kind == Kind::Recommendation && !e.record.state.withdrawn)
        .filter(|e| e.record.state.fields.countries.contains(&country))
        .filter_map(|e| Facts::of(&e.header, &e.record.state));
    of_facts(country, facts.collect(), filter)
}

/// The matrix of `country` from the facts of its recommendations (each once), filtered by
/// `filter`: what the store keeps ([`crate::store::Store::matrix_facts`]) or what
/// [`matrix`] takes of records, so that both answer alike.
pub fn of_facts(country: CountryCode, mut facts: Vec<Facts>, filter: &Filter) -> Matrix {
    facts.sort_by_key(|f| f.row.id);
    facts.dedup_by_key(|f| f.row.id);
    let mut words = Words::default();
    let grouped: Vec<Grouped> = facts.iter().map(|f| f.grouped(&mut words)).collect();
    let recommendations: Vec<(ItemId, &Grouped)> =
        facts.iter().zip(&grouped).map(|(f, g)| (f.row.id, g)).collect();
    let themes = layout(&recommendations, &words, filter)
        .into_iter()
        .map(|(theme, clusters)| Theme {
            theme,
            clusters: clusters
                .into_iter()
                .map(|c| Cluster {
                    recommendations: c.into_iter().map(|i| facts[i].row.clone()).collect(),
                })
                .collect(),
        })
        .collect();
    Matrix { country, themes }
}

mod index;

pub use index::Index;

#[cfg(test)]
mod tests;
