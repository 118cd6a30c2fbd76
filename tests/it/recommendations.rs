//! Recommendations through the real command: adding one, assessing it, and importing the
//! Universal Human Rights Index export as OHCHR publishes it. The UHRI-shaped files are made
//! here, with the export's real column names ("Reccomending Body" as OHCHR spells it),
//! multi-value cells ("- " before each value, one a line) and Excel date serials: every field
//! of every row must read back, a second import must write nothing, and bad rows are named.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use liaison_node::uhri::{COLUMNS, excel_serial};
use liaison_node::{Query, Repo};
use liaison_protocol::{Fields, Implementation, LangTag, Recommendation, Text, Upr, UprPosition};
use rust_xlsxwriter::{Format, Workbook};

use crate::support::{Node, Run, parse_csv};

/// One row of the export, as typed values.
#[derive(Clone)]
struct Row {
    text: &'static str,
    countries: Vec<&'static str>,
    body: &'static str,
    symbol: &'static str,
    themes: Vec<&'static str>,
    affected: Vec<&'static str>,
    sdgs: Vec<&'static str>,
    kind: &'static str,
    published: NaiveDate,
    on_uhri: NaiveDate,
    upr_states: Vec<&'static str>,
    upr_position: &'static str,
    upr_session: Option<u32>,
    annotation: &'static str,
    regions: Vec<&'static str>,
    recommending_regions: Vec<&'static str>,
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            text: "Ensure that all persons deprived of their liberty are afforded, in law and in \
                   practice, all fundamental legal safeguards from the very outset of their \
                   deprivation of liberty, including access to a lawyer",
            countries: vec!["Tunisia"],
            body: "Committee against Torture",
            symbol: "CAT/C/TUN/CO/3",
            themes: vec![
                "A41 Constitutional and legislative framework",
                "D25 Prohibition of torture and cruel, inhuman or degrading treatment",
            ],
            affected: vec!["Persons deprived of their liberty"],
            sdgs: vec!["16.3 Promote the rule of law and ensure equal access to justice for all"],
            kind: "Treaty bodies",
            published: day(2023, 5, 15),
            on_uhri: day(2023, 7, 3),
            upr_states: vec![],
            upr_position: "",
            upr_session: None,
            annotation: "8f0a2c6e-1b3d-4c5e-9f70-a1b2c3d4e5f6",
            regions: vec!["Africa", "Middle East and North Africa"],
            recommending_regions: vec![],
        },
        Row {
            text: "Take measures to prevent torture in places of detention, in particular in \
                   police custody",
            countries: vec!["Tunisia"],
            body: "Universal Periodic Review",
            symbol: "A/HRC/52/5",
            themes: vec!["D25 Prohibition of torture and cruel, inhuman or degrading treatment"],
            affected: vec!["Persons deprived of their liberty", "General"],
            sdgs: vec![],
            kind: "UPR",
            published: day(2022, 12, 21),
            on_uhri: day(2023, 2, 1),
            upr_states: vec![
                "Germany",
                "Bolivia (Plurinational State of)",
                "United Kingdom of Great Britain and Northern Ireland",
            ],
            upr_position: "Supported",
            upr_session: Some(41),
            annotation: "41-TUN-118.52",
            regions: vec!["Africa"],
            recommending_regions: vec!["WEOG", "GRULAC"],
        },
        Row {
            text: "Guarantee the right to peaceful assembly and protect human rights defenders",
            countries: vec!["Bolivia (Plurinational State of)", "Türkiye"],
            body: "Special Rapporteur on the situation of human rights defenders",
            symbol: "A/HRC/55/50/Add.1",
            themes: vec![],
            affected: vec!["Human rights defenders"],
            sdgs: vec![
                "16.10 Ensure public access to information and protect fundamental freedoms",
            ],
            kind: "Special Procedures",
            published: day(2024, 1, 10),
            on_uhri: day(2024, 3, 28),
            upr_states: vec![],
            upr_position: "Noted",
            upr_session: None,
            annotation: "SP-2024-000731",
            regions: vec![],
            recommending_regions: vec![],
        },
    ]
}

/// A multi-value cell as the export writes it.
fn cell(values: &[&str]) -> String {
    values.iter().map(|v| format!("- {v}")).collect::<Vec<_>>().join("\n")
}

/// Every column's text, dates as serials (what a CSV holds); `None` leaves the column out.
fn texts(r: &Row) -> [String; 16] {
    [
        r.text.to_owned(),
        cell(&r.countries),
        r.body.to_owned(),
        r.symbol.to_owned(),
        cell(&r.themes),
        cell(&r.affected),
        cell(&r.sdgs),
        r.kind.to_owned(),
        excel_serial(r.published).to_string(),
        excel_serial(r.on_uhri).to_string(),
        cell(&r.upr_states),
        r.upr_position.to_owned(),
        r.upr_session.map(|s| s.to_string()).unwrap_or_default(),
        r.annotation.to_owned(),
        cell(&r.regions),
        cell(&r.recommending_regions),
    ]
}

/// The export as XLSX: dates as Excel serials with a date format, sessions as numbers.
fn write_xlsx(path: &Path, rows: &[Row], columns: &[&str]) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let wrap = Format::new().set_text_wrap();
    for (c, name) in columns.iter().enumerate() {
        sheet.write_string(0, c as u16, *name).unwrap();
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        let all = texts(r);
        for (c, name) in columns.iter().enumerate() {
            let at = COLUMNS.iter().position(|n| n == name).unwrap();
            let col = c as u16;
            match *name {
                "Document Publication Date" => {
                    sheet.write_number_with_format(row, col, excel_serial(r.published), &date)
                }
                "Date of publication on UHRI" => {
                    sheet.write_number_with_format(row, col, excel_serial(r.on_uhri), &date)
                }
                "UPR Session" if r.upr_session.is_some() => {
                    sheet.write_number(row, col, r.upr_session.unwrap())
                }
                _ => sheet.write_string_with_format(row, col, &all[at], &wrap),
            }
            .unwrap();
        }
    }
    book.save(path).unwrap();
}

/// The export as CSV, with the same columns.
fn write_csv(path: &Path, rows: &[Row], columns: &[&str]) {
    let mut out = csv_line(columns.iter().map(|c| c.to_string()));
    for r in rows {
        let all = texts(r);
        out += &csv_line(
            columns.iter().map(|name| all[COLUMNS.iter().position(|n| n == name).unwrap()].clone()),
        );
    }
    std::fs::write(path, out).unwrap();
}

fn csv_line(cells: impl Iterator<Item = String>) -> String {
    let quoted: Vec<_> = cells.map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
    quoted.join(",") + "\r\n"
}

/// The fields a row must become.
fn expected(r: &Row) -> Fields {
    let code = |name: &str| liaison_protocol::country_names::country_by_name(name).unwrap();
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut rec = Recommendation::new(r.kind, r.body, r.symbol);
    rec.affected_persons = strings(&r.affected);
    rec.sdg_targets = strings(&r.sdgs);
    rec.date = Some(r.published);
    rec.uhri_published = Some(r.on_uhri);
    rec.regions = strings(&r.regions);
    rec.recommending_regions = strings(&r.recommending_regions);
    rec.annotation_id = Some(r.annotation.to_owned());
    let position = match r.upr_position {
        "" => None,
        p => Some(p.to_lowercase().parse::<UprPosition>().unwrap()),
    };
    if !r.upr_states.is_empty() || r.upr_session.is_some() || position.is_some() {
        rec.upr = Some(Upr {
            states: r.upr_states.iter().map(|s| code(s)).collect(),
            session: r.upr_session.map(|s| s.to_string()),
            position,
        });
    }
    let mut f = Fields::new(Text { value: r.text.to_owned(), lang: LangTag::default() });
    f.countries = r.countries.iter().map(|c| code(c)).collect();
    f.themes = strings(&r.themes);
    f.recommendation = Some(rec);
    f
}

/// The node's store, opened in this process once the last one this process opened has let it
/// go: sled releases its lock from a background thread a moment after the handle is dropped,
/// later under load.
fn open(dir: &Path) -> Repo {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match Repo::open(dir) {
            Err(liaison_node::Error::StoreBusy(_)) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other.expect("open the node's store"),
        }
    }
}

/// The recommendations in the node's store, by annotation id, with their digests.
fn stored(node: &Node) -> Vec<(String, Fields, Vec<u8>, bool)> {
    let repo = open(node.path());
    let mut all: Vec<_> = repo
        .list(&Query { withdrawn: true, ..Query::default() })
        .unwrap()
        .into_iter()
        .map(|e| {
            let f = e.record.state.fields;
            let id =
                f.recommendation.as_ref().and_then(|r| r.annotation_id.clone()).unwrap_or_default();
            (id, f, e.record.digest, e.record.state.withdrawn)
        })
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all
}

fn import(node: &Node, file: &Path, more: &[&str]) -> Run {
    let mut args = vec!["recommendation", "import", file.to_str().unwrap(), "--label", "clear"];
    args.extend_from_slice(more);
    node.run(&args)
}

fn check_lossless(node: &Node, rows: &[Row]) {
    let stored = stored(node);
    assert_eq!(stored.len(), rows.len());
    for r in rows {
        let (_, fields, ..) = stored.iter().find(|s| s.0 == r.annotation).expect("imported");
        assert_eq!(fields, &expected(r), "row {}", r.annotation);
    }
}

fn imports_losslessly_and_idempotently(file: PathBuf, write: fn(&Path, &[Row], &[&str])) {
    let node = Node::init("ohchr");
    let rows = rows();
    write(&file, &rows, &COLUMNS);
    let first = import(&node, &file, &[]);
    assert_eq!(first.code, 0, "{first:?}");
    assert!(
        first.stderr.contains("3 rows") && first.stderr.contains("3 added"),
        "{}",
        first.stderr
    );
    assert!(first.stderr.contains("rows/s"), "{}", first.stderr);
    check_lossless(&node, &rows);

    // Again: nothing differs, so nothing is written (the digests are those of the first time).
    let before = stored(&node);
    let again = import(&node, &file, &[]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stderr.contains("0 added, 0 updated, 3 unchanged"), "{}", again.stderr);
    assert_eq!(stored(&node), before);

    // An assessment, then a newer file changing one row: only that row changes, and its
    // follow-up stays.
    let repo_id = {
        let repo = open(node.path());
        let me = repo.identity().config.mechanism.clone();
        liaison_node::recommend::imported_id(&me, rows[1].annotation)
    };
    node.ok(&[
        "recommendation",
        "assess",
        &repo_id.to_string(),
        "--status",
        "partially-implemented",
        "--date",
        "2024-06-01",
        "--source",
        "https://uhri.ohchr.org/",
    ]);
    let mut newer = rows.clone();
    newer[1].text = "Take effective measures to prevent torture in all places of detention";
    newer[1].upr_position = "Noted";
    write(&file, &newer, &COLUMNS);
    let update = import(&node, &file, &[]);
    assert!(update.stderr.contains("0 added, 1 updated, 2 unchanged"), "{}", update.stderr);
    let after = stored(&node);
    let (_, fields, ..) = after.iter().find(|s| s.0 == rows[1].annotation).unwrap();
    let r = fields.recommendation.as_ref().unwrap();
    assert_eq!(fields.title.value, newer[1].text);
    assert_eq!(r.upr.as_ref().unwrap().position, Some(UprPosition::Noted));
    assert_eq!(r.assessments.len(), 1, "the follow-up is kept");
    assert_eq!(r.assessments[0].status, Implementation::PartiallyImplemented);
    for (a, b) in before.iter().zip(&after) {
        if a.0 != rows[1].annotation {
            assert_eq!(a, b, "an unchanged row was written");
        }
    }
}

#[test]
fn a_uhri_xlsx_imports_losslessly_and_twice_idempotently() {
    let dir = tempfile::tempdir().unwrap();
    imports_losslessly_and_idempotently(dir.path().join("uhri-export.xlsx"), write_xlsx);
}

#[test]
fn a_uhri_csv_imports_losslessly_and_twice_idempotently() {
    let dir = tempfile::tempdir().unwrap();
    imports_losslessly_and_idempotently(dir.path().join("uhri-export.csv"), write_csv);
}

#[test]
fn a_missing_column_refuses_the_file_naming_it() {
    let node = Node::init("ohchr");
    let dir = tempfile::tempdir().unwrap();
    let columns: Vec<&str> = COLUMNS.iter().copied().filter(|c| *c != "Document Symbol").collect();
    for (file, write) in [
        (dir.path().join("a.xlsx"), write_xlsx as fn(&Path, &[Row], &[&str])),
        (dir.path().join("a.csv"), write_csv),
    ] {
        write(&file, &rows(), &columns);
        let run = import(&node, &file, &["--skip-bad"]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains("column 'Document Symbol' is missing"), "{}", run.stderr);
        assert!(stored(&node).is_empty());
    }
}

/// A workbook is read a cell at a time: a row after an empty row keeps its own number.
#[test]
fn a_workbook_row_after_an_empty_row_is_named_by_its_own_number() {
    let node = Node::init("ohchr");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gap.xlsx");
    let good = rows()[0].clone();
    let mut bad = rows()[1].clone();
    bad.countries = vec!["Atlantis"];
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet.write_string(0, c as u16, *name).unwrap();
    }
    // Sheet rows 2 and 4: row 3 has no cells.
    for (row, r) in [(1, &good), (3, &bad)] {
        for (c, text) in texts(r).iter().enumerate() {
            sheet.write_string(row, c as u16, text).unwrap();
        }
    }
    book.save(&file).unwrap();
    let refused = import(&node, &file, &[]);
    assert_eq!(refused.code, 2, "{refused:?}");
    for named in ["row 4, column 'Countries Concerned': 'Atlantis'", "1 bad rows (of 2)"] {
        assert!(refused.stderr.contains(named), "{named} not in {}", refused.stderr);
    }
    let skipped = import(&node, &file, &["--skip-bad"]);
    assert_eq!(skipped.code, 0, "{skipped:?}");
    let imported: Vec<_> = stored(&node).into_iter().map(|s| s.0).collect();
    assert_eq!(imported, [good.annotation]);
}

#[test]
fn bad_rows_are_named_and_refuse_the_file_unless_skipped_to_a_report() {
    let node = Node::init("ohchr");
    let dir = tempfile::tempdir().unwrap();
    let mut rows = rows();
    let good = rows[0].clone();
    let mut unknown_country = good.clone();
    unknown_country.countries = vec!["Tunisia", "Atlantis"];
    unknown_country.annotation = "bad-country";
    let mut empty_text = good.clone();
    empty_text.text = "";
    empty_text.annotation = "bad-text";
    rows.push(unknown_country);
    rows.push(empty_text);
    let file = dir.path().join("export.csv");
    write_csv(&file, &rows, &COLUMNS);
    // A bad date serial, in the first data row (row 2), column 'Date of publication on UHRI'.
    let text = std::fs::read_to_string(&file).unwrap();
    let serial = format!("\"{}\"", excel_serial(good.on_uhri));
    let text = text.replacen(&serial, "\"-5\"", 1);
    std::fs::write(&file, text).unwrap();

    let refused = import(&node, &file, &[]);
    assert_eq!(refused.code, 2, "{refused:?}");
    for named in [
        "row 2, column 'Date of publication on UHRI': '-5'",
        "row 5, column 'Countries Concerned': 'Atlantis'",
        "row 6, column 'Text': '': must not be empty",
        "3 bad rows (of 5); nothing was written",
    ] {
        assert!(refused.stderr.contains(named), "{named} not in {}", refused.stderr);
    }
    assert!(stored(&node).is_empty(), "a refused file wrote something");

    let report = dir.path().join("skipped.csv");
    let skipped = import(&node, &file, &["--skip-bad", "--report", report.to_str().unwrap()]);
    assert_eq!(skipped.code, 0, "{skipped:?}");
    assert!(
        skipped.stderr.contains("2 rows") && skipped.stderr.contains("3 bad rows skipped"),
        "{}",
        skipped.stderr
    );
    let imported: Vec<_> = stored(&node).into_iter().map(|s| s.0).collect();
    assert_eq!(imported, [rows[1].annotation, rows[2].annotation]);
    let lines = parse_csv(&std::fs::read_to_string(&report).unwrap());
    assert_eq!(lines[0], ["row", "column", "value", "problem"]);
    let named: Vec<_> =
        lines[1..].iter().map(|l| (l[0].as_str(), l[1].as_str(), l[2].as_str())).collect();
    assert_eq!(
        named,
        [
            ("2", "Date of publication on UHRI", "-5"),
            ("5", "Countries Concerned", "Atlantis"),
            ("6", "Text", ""),
        ]
    );
}

#[test]
fn a_focal_point_adds_a_recommendation_and_assesses_it() {
    let node = Node::init("achpr");
    let id = node.publish(&[
        "recommendation", "add",
        "--text", "Adopt a law criminalising torture in line with the Robben Island Guidelines",
        "--text-in", "fr=Adopter une loi incriminant la torture conformément aux Lignes directrices de Robben Island",
        "--country", "TN", "--body", "African Commission on Human and Peoples' Rights",
        "--symbol", "ACHPR/CO/TUN/2022", "--paragraph", "34 (a)", "--theme", "torture",
        "--label", "clear",
    ]);
    node.ok(&[
        "recommendation",
        "assess",
        &id[..8],
        "--status",
        "not-implemented",
        "--date",
        "2027-01-15",
        "--note",
        "No bill tabled",
    ]);
    let bad =
        node.bad(&["recommendation", "assess", &id, "--status", "done", "--date", "2027-01-15"]);
    assert!(
        bad.contains("not-implemented, partially-implemented, implemented, no-information"),
        "{bad}"
    );
    let shown = node.show_json(&id);
    let text = shown.to_string();
    for expected in [
        "ACHPR/CO/TUN/2022",
        "34 (a)",
        "not-implemented",
        "No bill tabled",
        "Adopter une loi",
        "\"achpr\"",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    // Its other languages travel as every kind's title_in: a map by language tag in JSON, the
    // CSV's title_in column; --title-in is not where a recommendation's text goes.
    assert_eq!(
        shown["item"]["fields"]["recommendation"]["text_in"]["fr"],
        "Adopter une loi incriminant la torture conformément aux Lignes directrices de Robben Island",
        "{shown}"
    );
    let csv = parse_csv(&node.ok(&["export", "csv"]));
    let title_in = csv[0].iter().position(|c| c == "title_in").expect("a title_in column");
    let row = csv.iter().find(|r| r[0] == id).expect("the recommendation's row");
    let texts: serde_json::Value = serde_json::from_str(&row[title_in]).expect("JSON by tag");
    assert!(texts["fr"].as_str().is_some_and(|t| t.starts_with("Adopter une loi")), "{row:?}");
    // `recommendation add` of text `text` with `more`, refused: its message.
    let refused = |text: &str, more: &[&str]| {
        let add = ["recommendation", "add", "--text", text, "--country", "TN", "--body", "B"];
        node.bad(&[&add[..], &["--symbol", "S"], more].concat())
    };
    let bad = refused("T", &["--text-in", "en=Again"]);
    assert!(bad.contains("text_in.en") && bad.contains("other than"), "{bad}");
    let bad = refused("T", &["--title-in", "fr=T"]);
    assert!(bad.contains("title_in") && bad.contains("--text-in"), "{bad}");
    let bad = refused(" ", &[]);
    assert!(bad.contains("title") && bad.contains("must not be empty"), "{bad}");
}

/// A recommendation reissued under another label is assessed in its newest version, whichever
/// id the focal point names, and the command says which version it assessed.
#[test]
fn assessing_an_older_version_assesses_the_newest_and_says_so() {
    let node = Node::init("achpr");
    let old = node.publish(&[
        "recommendation",
        "add",
        "--text",
        "Abolish the death penalty",
        "--country",
        "TN",
        "--body",
        "African Commission on Human and Peoples' Rights",
        "--symbol",
        "ACHPR/Res.1",
        "--label",
        "green",
    ]);
    let new = node.publish(&["reissue", &old, "--label", "clear"]);
    let assess = ["recommendation", "assess", &old, "--status", "no-information"];
    let run = node.run(&[&assess[..], &["--date", "2027-02-01"]].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("assessed {new}, the newest version of {old} (revision")),
        "{}",
        run.stderr
    );
    let again = node.run(&[&assess[..], &["--date", "2027-02-01"]].concat());
    assert!(
        again.stderr.contains(&format!("{new}, the newest version of {old}: holds this")),
        "{}",
        again.stderr
    );
    let r = &node.show_json(&new)["item"]["fields"]["recommendation"];
    assert_eq!(r["assessments"][0]["status"], "no-information", "{r}");
    let r = &node.show_json(&old)["item"]["fields"]["recommendation"];
    assert_eq!(r["assessments"], serde_json::json!([]), "the withdrawn version is left: {r}");
    // Named by its own id, the newest says nothing of versions.
    let run = node.run(&[
        "recommendation",
        "assess",
        &new,
        "--status",
        "implemented",
        "--date",
        "2027-03-01",
    ]);
    assert!(run.stderr.contains(&format!("assessed {new} (revision")), "{}", run.stderr);
}

/// The matrix of Tunisia on an OHCHR node that imported UHRI rows and received an ACHPR
/// recommendation: the ACHPR and the UN recommendation on access to a lawyer share a cluster,
/// the unrelated ones stand alone.
#[test]
fn the_matrix_clusters_an_achpr_and_a_un_recommendation_on_the_same_issue() {
    let ohchr = Node::init("ohchr");
    let achpr = Node::init("achpr");
    ohchr.knows(&achpr);
    let achpr_id = achpr.publish(&[
        "recommendation", "add",
        "--text", "Guarantee access to a lawyer for every person deprived of liberty from the outset of police custody, in line with the Luanda Guidelines",
        "--country", "TN", "--body", "African Commission on Human and Peoples' Rights",
        "--symbol", "ACHPR/CO/TUN/2022", "--paragraph", "41",
        "--theme", "D25 Prohibition of torture and cruel, inhuman or degrading treatment",
        "--label", "green",
    ]);
    let export = achpr.path().join("achpr.json");
    achpr.ok(&["export", "json", "--output", export.to_str().unwrap()]);
    ohchr.ok(&["import", export.to_str().unwrap()]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("uhri.csv");
    write_csv(&file, &rows(), &COLUMNS);
    assert_eq!(import(&ohchr, &file, &[]).code, 0);

    let matrix: serde_json::Value = serde_json::from_str(&ohchr.ok(&[
        "recommendations",
        "--country",
        "TN",
        "--theme",
        "D25",
        "--format",
        "json",
    ]))
    .unwrap();
    let themes = matrix["themes"].as_array().unwrap();
    assert_eq!(themes.len(), 1, "{matrix}");
    let clusters: Vec<Vec<String>> = themes[0]["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut refs: Vec<String> = c["recommendations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["reference"].as_str().unwrap().to_owned())
                .collect();
            refs.sort();
            refs
        })
        .collect();
    assert_eq!(
        clusters,
        [
            vec!["ACHPR/CO/TUN/2022, para. 41".to_owned(), "CAT/C/TUN/CO/3".to_owned()],
            vec!["A/HRC/52/5".to_owned()]
        ],
        "{matrix}"
    );
    let lawyer = &themes[0]["clusters"][0]["recommendations"];
    assert!(lawyer.as_array().unwrap().iter().any(|r| r["id"] == achpr_id.as_str()));

    let table =
        ohchr.ok(&["recommendations", "--country", "TN", "--mechanism", "African Commission"]);
    assert!(!table.contains("CAT/C/TUN/CO/3") && table.contains("ACHPR/CO/TUN/2022"), "{table}");
    let all = ohchr.ok(&["recommendations", "--country", "TN"]);
    assert!(
        all.contains("say the same thing") && all.contains("Recommendations to Tunisia"),
        "{all}"
    );
    let csv = parse_csv(&ohchr.ok(&["recommendations", "--country", "TN", "--format", "csv"]));
    assert_eq!(csv[0][..3], ["theme", "cluster", "id"]);
    assert!(csv.iter().any(|r| r[2] == achpr_id && r[1] == "1"));
    assert!(ohchr.ok(&["recommendations", "--country", "FR"]).contains("(no recommendations)"));
}

/// Copies what `from` may give `to` (by label) into `to`, as focal points can by file.
fn share(from: &Node, to: &Node, to_mechanism: &str) {
    to.knows(from);
    let file = from.path().join(format!("for-{to_mechanism}.json"));
    from.ok(&["export", "json", "--for", to_mechanism, "-o", file.to_str().unwrap()]);
    to.ok(&["import", file.to_str().unwrap()]);
}

/// An imported recommendation that ACHPR follows is reissued co-owned under a new id, the
/// original withdrawn: a newer file updates the co-owned item (a change OHCHR signs as its
/// owner, ACHPR staying co-owner), not the withdrawn original, and creates nothing.
#[test]
fn a_newer_file_updates_a_followed_recommendation_where_it_now_is() {
    let (ohchr, achpr) = (Node::init("ohchr"), Node::init("achpr"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("uhri.csv");
    let rows = rows();
    write_csv(&file, &rows, &COLUMNS);
    assert_eq!(import(&ohchr, &file, &[]).code, 0);
    let original = {
        let repo = open(ohchr.path());
        liaison_node::recommend::imported_id(&repo.identity().config.mechanism, rows[0].annotation)
    };

    share(&ohchr, &achpr, "achpr");
    let proposal = achpr.publish(&["recommendation", "follow", &original.to_string()]);
    share(&achpr, &ohchr, "ohchr");
    let followed = ohchr.publish(&["recommendation", "accept-follow", &proposal]);
    assert_ne!(followed, original.to_string());
    let before = stored(&ohchr);

    let mut newer = rows.clone();
    newer[0].text = "Ensure that all persons deprived of their liberty have access to a lawyer and \
                     to a doctor of their choice from the very outset of their deprivation of liberty";
    write_csv(&file, &newer, &COLUMNS);
    let update = import(&ohchr, &file, &[]);
    assert!(update.stderr.contains("0 added, 1 updated, 2 unchanged"), "{}", update.stderr);
    let after = stored(&ohchr);
    assert_eq!(after.len(), before.len(), "nothing new was created");
    let current = &ohchr.show_json(&followed)["item"];
    assert_eq!(current["co_owners"], serde_json::json!(["achpr"]), "{current}");
    assert_eq!(current["fields"]["title"]["value"], newer[0].text, "{current}");
    let versions: Vec<_> = after.iter().filter(|s| s.0 == rows[0].annotation).collect();
    assert_eq!(versions.len(), 2, "the original and the co-owned item");
    let withdrawn: Vec<_> = versions.iter().filter(|s| s.3).collect();
    assert_eq!(withdrawn.len(), 1);
    assert_eq!(withdrawn[0].1.title.value, rows[0].text, "the withdrawn original is left alone");

    // And again: nothing changes.
    let again = import(&ohchr, &file, &[]);
    assert!(again.stderr.contains("0 added, 0 updated, 3 unchanged"), "{}", again.stderr);
    assert_eq!(stored(&ohchr), after);
}
