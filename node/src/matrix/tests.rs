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
