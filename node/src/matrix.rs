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

use std::collections::{BTreeMap, BTreeSet};

use liaison_protocol::{CountryCode, ItemId, LangTag};
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
    /// The latest assessment's status and who made it, if any.
    pub implementation: Option<String>,
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
    let f = &entry.record.state.fields;
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
pub fn clusters(versions: &[Versions]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..versions.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for i in 0..versions.len() {
        for j in i + 1..versions.len() {
            if similarity(&versions[i], &versions[j]) >= THRESHOLD {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..versions.len() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut all: Vec<_> = groups.into_values().collect();
    all.sort_by_key(|g| std::cmp::Reverse(g.len()));
    all
}

fn contains(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.trim().to_lowercase())
}

fn row(e: &Entry) -> Option<Row> {
    let f = &e.record.state.fields;
    let r = f.recommendation.as_ref()?;
    Some(Row {
        id: e.header.id,
        owner: e.header.owner.to_string(),
        mechanism: r.mechanism.clone(),
        body: r.body.clone(),
        reference: match &r.paragraph {
            Some(p) => format!("{}, para. {p}", r.symbol),
            None => r.symbol.clone(),
        },
        text: f.title.value.clone(),
        lang: f.title.lang.clone(),
        implementation: r.latest().map(|a| format!("{} ({})", a.status, a.by)),
    })
}

/// The matrix of `country` from `entries` (recommendations not withdrawn; others are left
/// out), filtered by `filter`.
pub fn matrix(entries: &[Entry], country: CountryCode, filter: &Filter) -> Matrix {
    let mut by_theme: BTreeMap<String, Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        let f = &e.record.state.fields;
        let Some(r) = &f.recommendation else { continue };
        if e.record.state.withdrawn || !f.countries.contains(&country) {
            continue;
        }
        if let Some(m) = &filter.mechanism
            && !(contains(&r.mechanism, m)
                || contains(&r.body, m)
                || contains(e.header.owner.as_str(), m))
        {
            continue;
        }
        let themes: Vec<String> =
            if f.themes.is_empty() { vec![NO_THEME.to_owned()] } else { f.themes.clone() };
        for t in themes {
            if filter.theme.as_ref().is_none_or(|want| contains(&t, want)) {
                by_theme.entry(t).or_default().push(e);
            }
        }
    }
    let themes = by_theme
        .into_iter()
        .map(|(theme, mut entries)| {
            entries.sort_by_key(|e| {
                (e.record.state.fields.recommendation.as_ref().and_then(|r| r.date), e.header.id)
            });
            let versions: Vec<_> = entries.iter().map(|e| versions(e)).collect();
            let clusters = clusters(&versions)
                .into_iter()
                .map(|g| Cluster {
                    recommendations: g.into_iter().filter_map(|i| row(entries[i])).collect(),
                })
                .collect();
            Theme { theme, clusters }
        })
        .collect();
    Matrix { country, themes }
}

#[cfg(test)]
mod tests;
