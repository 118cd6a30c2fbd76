//! Overlap warnings: visits of different mechanisms to one country close together in time.

use serde_json::Value;

use crate::support::Node;

/// Copies what `from` may give `to` (by label) into `to`, as focal points can by file.
fn share(from: &Node, to: &Node, to_mechanism: &str) {
    to.knows(from);
    let file = from.path().join(format!("for-{to_mechanism}.json"));
    from.ok(&["export", "json", "--for", to_mechanism, "-o", file.to_str().expect("path")]);
    to.ok(&["import", file.to_str().expect("path")]);
}

fn clusters(node: &Node, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["overlaps", "--format", "json"];
    all.extend_from_slice(args);
    serde_json::from_str::<Value>(&node.ok(&all))
        .expect("overlaps json")
        .as_array()
        .expect("array")
        .clone()
}

fn ids(cluster: &Value) -> Vec<String> {
    cluster["visits"]
        .as_array()
        .expect("visits")
        .iter()
        .map(|v| v["id"].as_str().expect("id").to_owned())
        .collect()
}

#[test]
fn overlaps_follow_precision_sites_status_and_labels() {
    let (ohchr, achpr, coe) = (Node::init("ohchr"), Node::init("achpr"), Node::init("coe"));
    // Month precision (all of May) against exact days at the end of June: 38 days apart.
    let torture = ohchr.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "SR on torture",
        "--country",
        "TN",
        "--from",
        "2027-06-28",
        "--to",
        "2027-07-02",
    ]);
    let prisons = achpr.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "SR on prisons",
        "--country",
        "TN",
        "--planned",
        "2027-05",
    ]);
    // A visit on Venezuela held in Cucuta, Colombia, overlaps a visit to Colombia.
    let cucuta = achpr.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "Joint mission",
        "--country",
        "VE",
        "--site",
        "CO:Cucuta",
        "--from",
        "2027-03-08",
        "--to",
        "2027-03-12",
    ]);
    let colombia = ohchr.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "SR on defenders",
        "--country",
        "CO",
        "--from",
        "2027-04-01",
        "--to",
        "2027-04-10",
    ]);
    // A cancelled visit does not count; nor does one a node may not see.
    let cancelled = achpr.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "WG",
        "--country",
        "FR",
        "--from",
        "2027-09-01",
        "--to",
        "2027-09-05",
        "--status",
        "cancelled",
    ]);
    ohchr.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "SR on migrants",
        "--country",
        "FR",
        "--from",
        "2027-09-10",
        "--to",
        "2027-09-12",
    ]);
    let hidden = achpr.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "SR on defenders",
        "--country",
        "MX",
        "--from",
        "2027-10-01",
        "--to",
        "2027-10-03",
        "--label",
        "amber",
        "--audience",
        "ohchr",
    ]);
    let seen = coe.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "Commissioner",
        "--country",
        "MX",
        "--from",
        "2027-10-05",
        "--to",
        "2027-10-06",
    ]);
    share(&achpr, &ohchr, "ohchr");
    share(&coe, &ohchr, "ohchr");
    share(&achpr, &coe, "coe");
    share(&ohchr, &coe, "coe");

    let on_ohchr = clusters(&ohchr, &[]);
    let by_country = |cs: &[Value], cc: &str| cs.iter().find(|c| c["country"] == cc).cloned();
    let tn = by_country(&on_ohchr, "TN")
        .expect("Tunisia: May counts as its whole month, 28 days from 28 June");
    assert_eq!(ids(&tn).len(), 2);
    assert!(ids(&tn).contains(&torture) && ids(&tn).contains(&prisons));
    let co = by_country(&on_ohchr, "CO").expect("Colombia: the Cucuta site of the Venezuela visit");
    assert!(ids(&co).contains(&cucuta) && ids(&co).contains(&colombia));
    assert!(
        by_country(&on_ohchr, "FR").is_none(),
        "the cancelled visit {cancelled} leaves ohchr's alone"
    );
    assert!(
        by_country(&on_ohchr, "MX").is_some_and(|c| ids(&c).contains(&hidden)),
        "ohchr may see the amber visit"
    );

    let on_coe = clusters(&coe, &[]);
    assert!(on_coe.iter().all(|c| !ids(c).contains(&hidden)), "coe never sees achpr's amber visit");
    assert!(by_country(&on_coe, "MX").is_none(), "alone, coe's own visit {seen} overlaps nothing");

    // A narrower window and filters narrow the report.
    assert!(by_country(&clusters(&ohchr, &["--window", "20"]), "TN").is_none(), "38 days apart");
    assert_eq!(clusters(&ohchr, &["--country", "CO"]).len(), 1);
    assert!(clusters(&ohchr, &["--from", "2027-11-01"]).is_empty());
}

#[test]
fn forecasting_an_overlapping_visit_warns_without_blocking() {
    let (ohchr, coe) = (Node::init("ohchr"), Node::init("coe"));
    coe.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "CPT",
        "--country",
        "TR",
        "--planned",
        "2027-Q2",
    ]);
    share(&coe, &ohchr, "ohchr");
    let run = ohchr.run(&[
        "visit",
        "forecast",
        "--mandate",
        "SR on torture",
        "--country",
        "TR",
        "--from",
        "2027-07-20",
        "--to",
        "2027-07-25",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.trim().len(), 36, "the id alone on stdout");
    assert!(
        run.stderr.contains("warning: overlapping visits to T") && run.stderr.contains("coe"),
        "{}",
        run.stderr
    );
    let far = ohchr.run(&[
        "visit",
        "forecast",
        "--mandate",
        "SR on torture",
        "--country",
        "TR",
        "--from",
        "2028-07-20",
        "--to",
        "2028-07-25",
    ]);
    assert!(!far.stderr.contains("warning"), "{}", far.stderr);
    // Moving a visit's dates next to another warns too.
    let id = far.stdout.trim().to_owned();
    let moved = ohchr.run(&["visit", "update", &id, "--from", "2027-04-20", "--to", "2027-04-22"]);
    assert!(moved.stderr.contains("warning: overlapping"), "{}", moved.stderr);
}
