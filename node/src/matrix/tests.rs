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

/// The matrix facts a member's store keeps beside its records are, after every kind of
/// write (add, update, assessment, withdrawal, reissue, import and import update, items merged
/// from a peer), exactly those of its recommendations not withdrawn, red ones included; and
/// the matrix it answers from them is the matrix made from the records.
#[test]
fn the_stored_matrix_facts_follow_every_write() {
    use chrono::Utc;
    use liaison_protocol::{Fields, Kind, Label, Recommendation, Text};

    use crate::store::Query;
    use crate::{Draft, sample};

    let dir = tempfile::tempdir().expect("tempdir");
    let mut repo = crate::repo::test_member(dir.path(), "ohchr");
    let now = Utc::now();
    let mut drafts = sample::drafts("ohchr");
    let fields = |text: &str, countries: &[&str], theme: &str| {
        let mut fields = Fields::new(Text { value: text.into(), lang: LangTag::default() });
        fields.countries = countries.iter().map(|c| c.parse().expect("country")).collect();
        fields.themes = vec![theme.into()];
        fields.recommendation = Some(Recommendation::new("Treaty bodies", "CAT", "CAT/C/1"));
        fields
    };
    let draft = |text: &str, countries: &[&str], theme: &str, label: Label| Draft {
        kind: Kind::Recommendation,
        fields: fields(text, countries, theme),
        label,
        audience: Vec::new(),
        co_owners: Vec::new(),
        supersedes: None,
    };
    drafts.push(draft(SAMPLE[1].1, &["TN", "FR"], "detention", Label::Red));
    drafts.push(draft(SAMPLE[5].1, &["TN"], "defenders", Label::Green));
    drafts.push(draft(SAMPLE[7].1, &["FR"], "death penalty", Label::Clear));
    let countries: Vec<CountryCode> =
        ["TN", "FR", "SN"].into_iter().map(|c| c.parse().expect("country")).collect();
    let asked: Vec<(CountryCode, Filter)> = countries
        .iter()
        .flat_map(|&c| {
            [
                (c, Filter::default()),
                (c, Filter { theme: Some("deten".into()), ..Filter::default() }),
                (c, Filter { mechanism: Some("cat".into()), ..Filter::default() }),
            ]
        })
        .collect();
    let same = |repo: &crate::Repo, step: &str| {
        for &country in &countries {
            let query = Query { country: Some(country), ..Query::default() };
            let records = repo.list(&query).expect("list");
            let mut expected: Vec<Facts> = records
                .iter()
                .filter(|e| e.header.kind == Kind::Recommendation)
                .filter(|e| e.record.state.fields.countries.contains(&country))
                .filter_map(|e| Facts::of(&e.header, &e.record.state))
                .collect();
            expected.sort_by_key(|f| f.row.id);
            let kept = repo.store().matrix_facts(country).expect("facts");
            assert_eq!(kept, expected, "{step}: the facts kept of {country}");
            for (c, filter) in asked.iter().filter(|(c, _)| *c == country) {
                let answered = repo.recommendations(*c, filter).expect("matrix");
                assert_eq!(answered, matrix(&records, *c, filter), "{step}: {c} {filter:?}");
            }
        }
    };
    let rows = |m: &Matrix| {
        m.themes.iter().flat_map(|t| &t.clusters).flat_map(|c| c.recommendations.clone()).count()
    };
    let tn: CountryCode = "TN".parse().expect("country");
    same(&repo, "empty");

    let ids = repo.create_all(drafts, now).expect("items");
    same(&repo, "after adding");
    let all = repo.recommendations(tn, &Filter::default()).expect("matrix");
    assert!(rows(&all) >= 4, "the sample's recommendations and the red one: {all:?}");

    let red = ids[ids.len() - 3];
    repo.update(red, now, |f| {
        f.title.value = SAMPLE[2].1.into();
        Ok(())
    })
    .expect("update");
    same(&repo, "after an update");
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
    same(&repo, "after an assessment");
    assert!(
        format!("{:?}", repo.recommendations(tn, &Filter::default()))
            .contains("PartiallyImplemented")
    );
    let withdrawn = ids[ids.len() - 2];
    repo.withdraw(withdrawn, now).expect("withdraw");
    same(&repo, "after a withdrawal");
    assert!(
        !format!("{:?}", repo.recommendations(tn, &Filter::default()))
            .contains(&withdrawn.to_string())
    );
    repo.reissue(ids[ids.len() - 1], Label::Green, Vec::new(), now).expect("reissue");
    same(&repo, "after a reissue");

    // An import, then a newer file moving a recommendation from Senegal to Tunisia.
    let imported = |text: &str, country: &str, annotation: &str| {
        let mut f = fields(text, &[country], "detention");
        if let Some(r) = f.recommendation.as_mut() {
            r.annotation_id = Some(annotation.into());
        }
        f
    };
    let file = vec![imported(SAMPLE[0].1, "TN", "a1"), imported(SAMPLE[3].1, "SN", "a2")];
    repo.import_recommendations(file, Label::Clear, Vec::new(), now).expect("import");
    same(&repo, "after an import");
    let newer = vec![imported(SAMPLE[0].1, "TN", "a1"), imported(SAMPLE[4].1, "TN", "a2")];
    repo.import_recommendations(newer, Label::Clear, Vec::new(), now).expect("import again");
    same(&repo, "after an import update");
    let sn: CountryCode = "SN".parse().expect("country");
    assert_eq!(repo.store().matrix_facts(sn).expect("facts"), Vec::new(), "moved to TN");

    // A peer's recommendation merged, then its assessment merged into the copy held.
    let peer_dir = tempfile::tempdir().expect("tempdir");
    let peer = crate::repo::test_member(peer_dir.path(), "achpr");
    repo.add_peer(peer.identity().card()).expect("peer");
    let theirs = peer
        .create_all(vec![draft(SAMPLE[6].1, &["TN"], "defenders", Label::Clear)], now)
        .expect("peer's item")[0];
    let merge = |repo: &crate::Repo| {
        let payload = peer.payload(theirs).expect("payload").expect("held");
        let held = |id| crate::repo::held(repo.store().get(id).ok().flatten().as_ref());
        let verified = crate::verify_payloads(repo.roster(), &[payload], held);
        for received in repo.receive_verified(verified) {
            received.expect("merged");
        }
    };
    merge(&repo);
    same(&repo, "after a merge from a peer");
    peer.assess(theirs, sample::follow_up(), now).expect("peer's assessment");
    merge(&repo);
    same(&repo, "after a peer's change merged");
    assert!(
        format!("{:?}", repo.recommendations(tn, &Filter::default())).contains(&theirs.to_string())
    );

    // A store made before the facts gets them when it is opened.
    repo.store().forget_matrix_facts();
    assert_eq!(repo.store().matrix_facts(tn).expect("facts"), Vec::new(), "forgotten");
    drop(repo);
    let reopened = crate::Repo::open(dir.path()).expect("reopen");
    same(&reopened, "after opening a store made before the facts");
}
