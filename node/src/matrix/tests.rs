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

/// A member's kept matrix (the index made once, then brought up to date item by item) is,
/// after every kind of change, the matrix made from the records, red recommendations
/// included; one too far behind is answered from the records and made anew.
#[test]
fn the_kept_matrix_follows_every_change() {
    use chrono::Utc;
    use liaison_protocol::{Fields, Kind, Label, Recommendation, Text};

    use crate::follow::Follower as _;
    use crate::store::Query;
    use crate::{Draft, sample};

    let dir = tempfile::tempdir().expect("tempdir");
    let repo = crate::repo::test_member(dir.path(), "ohchr");
    let now = Utc::now();
    let mut drafts = sample::drafts("ohchr");
    let draft = |text: &str, countries: &[&str], theme: &str, label: Label| {
        let mut fields = Fields::new(Text { value: text.into(), lang: LangTag::default() });
        fields.countries = countries.iter().map(|c| c.parse().expect("country")).collect();
        fields.themes = vec![theme.into()];
        fields.recommendation = Some(Recommendation::new("Treaty bodies", "CAT", "CAT/C/1"));
        Draft {
            kind: Kind::Recommendation,
            fields,
            label,
            audience: Vec::new(),
            co_owners: Vec::new(),
            supersedes: None,
        }
    };
    drafts.push(draft(SAMPLE[1].1, &["TN", "FR"], "detention", Label::Red));
    drafts.push(draft(SAMPLE[5].1, &["TN"], "defenders", Label::Green));
    drafts.push(draft(SAMPLE[7].1, &["FR"], "death penalty", Label::Clear));
    let ids = repo.create_all(drafts, now).expect("items");
    let asked: Vec<(CountryCode, Filter)> = ["TN", "FR", "SN"]
        .into_iter()
        .flat_map(|c| {
            let c: CountryCode = c.parse().expect("country");
            [
                (c, Filter::default()),
                (c, Filter { theme: Some("deten".into()), ..Filter::default() }),
                (c, Filter { mechanism: Some("cat".into()), ..Filter::default() }),
            ]
        })
        .collect();
    let from_records = |country: CountryCode, filter: &Filter| {
        let query = Query { country: Some(country), ..Query::default() };
        matrix(&repo.list(&query).expect("list"), country, filter)
    };
    let kept_at = || repo.matrix.lock().generation();
    let same = |step: &str| {
        for (country, filter) in &asked {
            let answered = repo.recommendations(*country, filter).expect("matrix");
            assert_eq!(answered, from_records(*country, filter), "{step}: {country} {filter:?}");
        }
    };
    same("before the index is kept");
    repo.keep_matrix();
    let made = std::time::Instant::now();
    while kept_at() != Some(repo.store().generation()) {
        assert!(made.elapsed().as_secs() < 30, "the matrix index is made");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let kept = |step: &str| {
        same(step);
        assert_eq!(kept_at(), Some(repo.store().generation()), "{step}: answered from the index");
    };
    kept("at first");
    let tn = "TN".parse().expect("country");
    let all = repo.recommendations(tn, &Filter::default()).expect("matrix");
    let rows = |m: &Matrix| {
        m.themes.iter().flat_map(|t| &t.clusters).flat_map(|c| c.recommendations.clone()).count()
    };
    assert!(rows(&all) >= 4, "the sample's recommendations and the red one: {all:?}");

    let red = ids[ids.len() - 3];
    repo.update(red, now, |f| {
        f.title.value = SAMPLE[2].1.into();
        Ok(())
    })
    .expect("update");
    kept("after an update");
    repo.assess(
        red,
        crate::recommend::AssessmentInput {
            status: liaison_protocol::Implementation::PartiallyImplemented,
            date: now.date_naive(),
            source: None,
            note: None,
        },
        now,
    )
    .expect("assess");
    kept("after an assessment");
    assert!(
        format!("{:?}", repo.recommendations(tn, &Filter::default()))
            .contains("PartiallyImplemented")
    );
    repo.withdraw(ids[ids.len() - 2], now).expect("withdraw");
    kept("after a withdrawal");
    repo.reissue(ids[ids.len() - 1], Label::Green, Vec::new(), now).expect("reissue");
    kept("after a reissue");

    // Writes the store no longer remembers: answered from the records, the index made anew.
    repo.matrix.lock().set_generation(Some(u64::MAX));
    same("too far behind");
    let made = std::time::Instant::now();
    while kept_at() != Some(repo.store().generation()) {
        assert!(made.elapsed().as_secs() < 30, "the matrix index is made anew");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    kept("made anew");
}
