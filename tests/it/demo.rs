//! `liaison demo`: four nodes end up holding exactly what the label policy allows them.

use std::collections::HashMap;
use std::process::Command;

use liaison_node::{Query, Repo, matrix, sample};
use liaison_protocol::{Kind, Peer, may_receive};

#[test]
fn demo_nodes_hold_exactly_what_their_labels_allow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("federation");
    let out = Command::new(env!("CARGO_BIN_EXE_liaison-under-test"))
        .args(["demo", "--exit-after", "0", "--dir"])
        .arg(&base)
        .output()
        .expect("run demo");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    // Paths vary in length; every other line fits 100 columns.
    assert!(
        text.lines()
            .filter(|l| !l.contains(&*base.to_string_lossy()))
            .all(|l| l.chars().count() <= 100),
        "demo output fits 100 columns:\n{text}"
    );
    assert!(text.contains("public site: http://"), "{text}");

    let nodes = ["ohchr", "achpr", "coe", "iachr", "ngo-watch"];
    let repos: Vec<Repo> =
        nodes.iter().map(|m| Repo::open(&base.join(m)).expect("open demo node")).collect();
    // Every item published anywhere, by id, with the node that created it.
    let mut all = HashMap::new();
    for repo in &repos {
        for e in repo.list(&Query::default()).expect("list") {
            all.entry(e.header.id).or_insert(e.header.clone());
        }
    }
    assert!(all.values().any(|h| h.label == liaison_protocol::Label::Red), "every label is in use");
    for repo in &repos {
        let me = Peer {
            mechanism: repo.identity().config.mechanism.clone(),
            role: repo.identity().config.role,
        };
        let held: Vec<_> =
            repo.list(&Query::default()).expect("list").into_iter().map(|e| e.header.id).collect();
        for (id, header) in &all {
            let own = header.creator == repo.identity().public_key();
            let allowed = own || may_receive(header, &me);
            assert_eq!(
                held.contains(id),
                allowed,
                "{} and item {id} ({})",
                me.mechanism,
                header.label
            );
        }
        for id in &held {
            repo.verified(*id).expect("every held item verifies");
        }
    }

    // OHCHR followed the African Commission's recommendation on access to a lawyer and
    // assessed it: the mirror holds one record of it, co-owned, with the assessment, and the
    // matrix of Tunisia clusters it with the UN's recommendations saying the same thing.
    let mirror = &repos[4];
    let query = Query { kind: Some(Kind::Recommendation), ..Query::default() };
    let recommendations = mirror.list(&query).expect("list");
    let followed: Vec<_> = recommendations
        .iter()
        .filter(|e| e.record.state.fields.recommendation.as_ref().is_some_and(sample::is_followed))
        .collect();
    assert_eq!(followed.len(), 1, "one record of the followed recommendation");
    let e = followed[0];
    assert_eq!(e.header.co_owners.iter().map(|m| m.as_str()).collect::<Vec<_>>(), ["ohchr"]);
    assert!(e.header.supersedes.is_some());
    let r = e.record.state.fields.recommendation.as_ref().expect("a recommendation");
    assert_eq!(r.assessments.iter().map(|a| a.by.as_str()).collect::<Vec<_>>(), ["ohchr"]);
    let tn =
        matrix::matrix(&recommendations, "TN".parse().expect("TN"), &matrix::Filter::default());
    let lawyer = tn
        .themes
        .iter()
        .flat_map(|t| &t.clusters)
        .find(|c| c.recommendations.iter().any(|r| r.id == e.header.id))
        .expect("the followed recommendation is in the matrix");
    let bodies: std::collections::BTreeSet<_> =
        lawyer.recommendations.iter().map(|r| r.body.as_str()).collect();
    assert!(bodies.len() >= 3, "the UPR, CAT and the African Commission say the same: {bodies:?}");
}
