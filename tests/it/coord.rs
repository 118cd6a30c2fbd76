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

#[test]
fn a_digest_for_an_audience_holds_exactly_what_it_may_receive() {
    let (ohchr, achpr) = (Node::init("ohchr"), Node::init("achpr"));
    let mut titles = Vec::new();
    for (label, audience) in [
        ("clear", ""),
        ("green", ""),
        ("amber", "coe"),
        ("amber", "iachr"),
        ("amber-strict", ""),
        ("red", ""),
    ] {
        let title = format!("Marker {label} {audience}");
        let mut args = vec![
            "report",
            "publish",
            "--title",
            &title,
            "--issued",
            "2027-01-10",
            "--label",
            label,
        ];
        if !audience.is_empty() {
            args.extend(["--audience", audience]);
        }
        ohchr.publish(&args);
        titles.push((title, label, audience));
    }
    let from_achpr = achpr.publish(&[
        "report",
        "publish",
        "--title",
        "Marker achpr amber ohchr",
        "--issued",
        "2027-01-11",
        "--label",
        "amber",
        "--audience",
        "ohchr",
    ]);
    share(&achpr, &ohchr, "ohchr");
    let visit = ohchr.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "SR on torture",
        "--country",
        "TN",
        "--from",
        "2027-01-20",
        "--to",
        "2027-01-25",
        "--label",
        "clear",
        "--call-for-input",
        "2026-12-10,https://www.ohchr.org/cfi",
    ]);

    for format in ["text", "markdown", "html"] {
        let coe = ohchr.ok(&["digest", "--for", "coe", "--format", format]);
        let public = ohchr.ok(&["digest", "--for", "public", "--format", format]);
        let own = ohchr.ok(&["digest", "--format", format]);
        for (title, label, audience) in &titles {
            let coe_may =
                matches!(*label, "clear" | "green") || (*label == "amber" && *audience == "coe");
            assert_eq!(
                coe.contains(title.as_str()),
                coe_may,
                "{title} in the digest for coe ({format})"
            );
            assert_eq!(
                public.contains(title.as_str()),
                *label == "clear",
                "{title} in the public digest ({format})"
            );
            assert!(own.contains(title.as_str()), "{title} in the node's own digest");
        }
        assert!(!coe.contains("Marker achpr"), "achpr's amber item for ohchr is not coe's");
        assert!(own.contains("Marker achpr") && !own.contains(&from_achpr));
    }
    let own = ohchr.ok(&["digest"]);
    assert!(own.contains("Calls for input") && own.contains("https://www.ohchr.org/cfi"), "{own}");
    assert!(own.contains("Tunisia"), "the visit is listed under its country: {own}");

    // What changed since a moment is listed with the fields that changed.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let moment = chrono::Utc::now().to_rfc3339();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ohchr.ok(&[
        "visit",
        "update",
        &visit,
        "--status",
        "postponed",
        "--note",
        "at the State's request",
    ]);
    let since = ohchr.ok(&["digest", "--since", &moment]);
    let changed = since.split("Changed").nth(1).expect("a Changed section");
    assert!(
        changed.contains("SR on torture") && changed.contains("visit.status: postponed"),
        "{since}"
    );
    assert!(
        !since.split("Changed").next().unwrap_or_default().contains("Marker clear"),
        "nothing new since"
    );
}

#[test]
fn calls_for_input_become_one_deadline_each_in_deadlines_ics() {
    let ohchr = Node::init("ohchr");
    let open = ohchr.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "SR on torture",
        "--country",
        "TN",
        "--planned",
        "2027-Q2",
        "--label",
        "clear",
        "--call-for-input",
        "2027-03-01,https://www.ohchr.org/cfi/tn",
    ]);
    ohchr.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "SR on food",
        "--country",
        "MX",
        "--planned",
        "2027-Q3",
        "--label",
        "green",
        "--call-for-input",
        "2027-04-01,https://www.ohchr.org/cfi/mx",
    ]);
    ohchr.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "WGAD",
        "--country",
        "FR",
        "--planned",
        "2027",
        "--label",
        "clear",
    ]);
    let site = ohchr.path().join("site");
    ohchr.ok(&["mirror", "export", site.to_str().expect("path")]);
    let ics = std::fs::read_to_string(site.join("deadlines.ics")).expect("deadlines.ics");
    let calendar = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()))
        .next()
        .expect("a calendar")
        .expect("parses");
    assert_eq!(calendar.events.len(), 1, "one public call for input: {ics}");
    let prop = |name: &str| {
        calendar.events[0]
            .properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
            .unwrap_or_default()
    };
    assert_eq!(prop("DTSTART"), "20270301");
    assert_eq!(prop("DTEND"), "20270302");
    assert_eq!(prop("URL"), "https://www.ohchr.org/cfi/tn");
    assert_eq!(prop("UID"), format!("{open}-call-for-input@liaison"));
    assert!(!ics.contains("cfi/mx"), "the green visit's call stays off the public site");
    let home = std::fs::read_to_string(site.join("index.html")).expect("home page");
    assert!(home.contains("https://www.ohchr.org/cfi/tn") && !home.contains("cfi/mx"));
}

#[test]
fn coordination_bad_input_is_refused_with_one_line_and_changes_nothing() {
    let ohchr = Node::init("ohchr");
    let before = ohchr.items();
    let visit =
        ["visit", "forecast", "--mandate", "SR", "--country", "TN", "--label", "amber-strict"];
    let past = [&visit[..], &["--embargo-until", "2020-01-01T00:00:00Z"]].concat();
    assert!(ohchr.bad(&past).contains("embargo-until"));
    let clear = [
        "visit",
        "forecast",
        "--mandate",
        "SR",
        "--country",
        "TN",
        "--label",
        "clear",
        "--embargo-until",
        "2030-01-01",
    ];
    assert!(ohchr.bad(&clear).contains("narrower label"));
    assert!(
        ohchr
            .bad(&["visit", "accept-joint", "0b8e0000-0000-4000-8000-000000000000"])
            .contains("id")
    );
    assert!(ohchr.bad(&["visit", "decline-joint", "nonsense"]).contains("id"));
    let programme = [
        "visit",
        "forecast",
        "--mandate",
        "SR",
        "--country",
        "TN",
        "--label",
        "clear",
        "--programme",
        "2027-05-04|Tunis|Defenders",
    ];
    assert!(ohchr.bad(&programme).contains("reprisal"));
    assert!(ohchr.bad(&["digest", "--since", "yesterday"]).contains("since"));
    assert_eq!(ohchr.items(), before);
}

#[test]
fn a_digest_never_prints_a_programme_or_notes() {
    let ohchr = Node::init("ohchr");
    let id = ohchr.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "SR on defenders",
        "--country",
        "TN",
        "--from",
        "2027-01-10",
        "--to",
        "2027-01-12",
        "--label",
        "amber",
        "--audience",
        "coe",
        "--programme",
        "2027-01-11|Tunis|Marker interlocutor",
        "--notes",
        "Marker note",
    ]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let moment = chrono::Utc::now().to_rfc3339();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ohchr.ok(&[
        "visit",
        "update",
        &id,
        "--programme",
        "2027-01-12|Sfax|Marker second",
        "--notes",
        "Marker changed note",
    ]);
    for args in [
        vec!["digest", "--for", "coe"],
        vec!["digest"],
        vec!["digest", "--since", &moment, "--format", "html"],
    ] {
        let digest = ohchr.ok(&args);
        assert!(digest.contains("SR on defenders"), "{digest}");
        assert!(!digest.contains("Marker"), "programme or notes printed: {digest}");
    }
    assert!(ohchr.ok(&["digest", "--since", &moment]).contains("visit.programme (changed)"));
}
