//! The similarity method against a hand-labelled sample: recommendations to Tunisia from treaty
//! bodies, the UPR, special procedures and the African Commission, each labelled with the issue
//! it raises. Pairs on the same issue must reach [`THRESHOLD`]; pairs on different issues
//! (some sharing phrases such as "persons deprived of their liberty") must not.

use super::*;

/// (issue, text): the hand labels.
const SAMPLE: &[(&str, &str)] = &[
    (
        "lawyer",
        "Ensure that all persons deprived of their liberty are afforded all fundamental legal safeguards from the outset of detention, including prompt access to a lawyer",
    ),
    (
        "lawyer",
        "Guarantee prompt access to a lawyer for all persons in police custody from the outset of detention",
    ),
    (
        "lawyer",
        "Guarantee access to a lawyer for every person deprived of liberty from the outset of police custody, in line with the Luanda Guidelines",
    ),
    (
        "definition",
        "Amend the Criminal Code so that the definition of torture is in full conformity with article 1 of the Convention",
    ),
    (
        "definition",
        "Amend the Criminal Code to bring the definition of torture into conformity with the Convention and the Robben Island Guidelines",
    ),
    ("defenders", "Protect human rights defenders and journalists from harassment and reprisals"),
    (
        "defenders",
        "Protect journalists and human rights defenders from harassment, intimidation and reprisals",
    ),
    (
        "death penalty",
        "Abolish the death penalty and ratify the Second Optional Protocol to the International Covenant on Civil and Political Rights",
    ),
    (
        "nhri",
        "Strengthen the independence of the national human rights institution in line with the Paris Principles",
    ),
    (
        "prisons",
        "Reduce overcrowding in prisons and improve conditions of detention for all persons deprived of their liberty",
    ),
    (
        "investigations",
        "Investigate promptly and impartially all allegations of torture by law enforcement officials and prosecute those responsible",
    ),
    (
        "npm",
        "Ensure that the national preventive mechanism has access to all places of detention without prior notice",
    ),
];

fn english(text: &str) -> Versions {
    vec![(LangTag::default(), stems(text))]
}

#[test]
fn the_threshold_separates_the_labelled_sample() {
    let versions: Vec<_> = SAMPLE.iter().map(|(_, t)| english(t)).collect();
    for i in 0..SAMPLE.len() {
        for j in i + 1..SAMPLE.len() {
            let s = similarity(&versions[i], &versions[j]);
            let same = SAMPLE[i].0 == SAMPLE[j].0;
            assert_eq!(s >= THRESHOLD, same, "{s:.2}: {:?} / {:?}", SAMPLE[i].1, SAMPLE[j].1);
        }
    }
    let mut got: Vec<Vec<&str>> = clusters(&versions)
        .into_iter()
        .map(|g| g.into_iter().map(|i| SAMPLE[i].0).collect())
        .collect();
    got.sort();
    let mut want: Vec<Vec<&str>> = Vec::new();
    for (issue, _) in SAMPLE {
        match want.iter_mut().find(|g| g[0] == *issue) {
            Some(g) => g.push(issue),
            None => want.push(vec![issue]),
        }
    }
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn languages_meet_only_through_a_version_in_the_same_language() {
    let fr = |t: &str| ("fr".parse::<LangTag>().unwrap(), stems(t));
    let french_only = vec![fr("Garantir l'accès à un avocat dès le début de la garde à vue")];
    let with_english = vec![
        fr(
            "Garantir à toute personne privée de liberté l'accès à un avocat dès le début de la garde à vue",
        ),
        (LangTag::default(), stems(SAMPLE[2].1)),
    ];
    let english_one = english(SAMPLE[1].1);
    assert_eq!(similarity(&french_only, &english_one), 0.0, "no common language");
    assert!(similarity(&with_english, &english_one) >= THRESHOLD);
    assert!(
        similarity(&with_english, &french_only) >= THRESHOLD,
        "{}",
        similarity(&with_english, &french_only)
    );
}

#[test]
fn stems_fold_case_and_accents_and_drop_short_and_function_words() {
    let s = stems("Veiller à la DÉTENTION des détenus, and ensure the detainees' rights");
    assert_eq!(s.into_iter().collect::<Vec<_>>(), ["detain", "detent", "detenu", "rights"]);
}

/// Clusters by comparing every pair, as the matrix did before it compared only candidates.
fn every_pair(versions: &[Versions]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..versions.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
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

#[test]
fn comparing_only_candidates_finds_the_clusters_of_comparing_every_pair() {
    // Texts of 1 to 14 words from a small vocabulary, so that many pairs sit near the
    // threshold, some with a second version in French.
    let words: Vec<String> = (0..40).map(|i| format!("word{i:02}x")).collect();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let fr: LangTag = "fr".parse().unwrap();
    for round in 0..40 {
        let versions: Vec<Versions> = (0..60)
            .map(|_| {
                let text = |next: &mut dyn FnMut(usize) -> usize| {
                    let common = next(8);
                    (0..1 + next(14))
                        .map(|_| words[(common * 4 + next(12)) % words.len()].clone())
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                let mut v = vec![(LangTag::default(), stems(&text(&mut next)))];
                if next(4) == 0 {
                    v.push((fr.clone(), stems(&text(&mut next))));
                }
                v
            })
            .collect();
        assert_eq!(clusters(&versions), every_pair(&versions), "round {round}");
    }
}
