//! Round trips: every field the CLI sets survives the store, `show`, `list` and a JSON export
//! imported by a node of another mechanism; withdrawal, reissue, CSV and table output.

use serde_json::{Value, json};

use crate::support::{Node, argv, parse_csv, without_empty_lists};

/// Ids of one item of each kind, published with every field the CLI can set.
struct Everything {
    visit: String,
    forecast: String,
    event: String,
    report: String,
    contact: String,
}

impl Everything {
    fn ids(&self) -> [&str; 5] {
        [&self.visit, &self.forecast, &self.event, &self.report, &self.contact]
    }
}

fn publish(node: &Node, line: &str) -> String {
    node.publish(&argv(line).iter().map(String::as_str).collect::<Vec<_>>())
}

fn publish_everything(node: &Node) -> Everything {
    let visit = publish(
        node,
        "visit forecast --mandate 'SR on torture' --country AU --title 'Visit to Australia' \
         --status dates_proposed --from 2027-05-10 --to 2027-05-21 --type follow_up \
         --call-for-input 2027-03-01,https://www.ohchr.org/cfi/au --site AU:Villawood \
         --site 'NR:Nauru Regional Processing Centre' --report A/HRC/58/55/Add.1 \
         --programme '2027-05-11|Canberra|Attorney-General, Department' \
         --programme '2027-05-14|Nauru|Meeting with detainees' --notes 'Confirm Nauru access' \
         --label amber --audience coe,achpr --theme detention --theme torture \
         --link https://www.ohchr.org/au --link alternate=https://www.ohchr.org/fr/au --lang en-AU \
         --title-in 'fr=Visite en Australie' --title-in 'ar=زيارة إلى أستراليا' \
         --summary 'A follow-up visit' --summary-in 'es=Una visita de seguimiento'",
    );
    let forecast = publish(
        node,
        "visit forecast --mandate SPT --country undisclosed --planned 2027-Q2 --type periodic",
    );
    let event = publish(
        node,
        "event add --title 'HRC 61: dialogue' --start 2027-03-03T10:00:00+01:00 \
         --end 2027-03-03T13:30:00-05:00 --category hearing --status tentative --country TN \
         --country LY --location 'Palais des Nations, Geneva' --location-country CH \
         --session 'HRC 61' --label clear --theme defenders --link via=https://www.ohchr.org/hrc61 \
         --lang fr",
    );
    let report = publish(
        node,
        &format!(
            "report publish --title 'Visit to Australia: report' --issued 2027-09-15 \
             --symbol A/HRC/58/55/Add.1 --type mission_report --file en=https://undocs.org/en/r \
             --file fr=https://undocs.org/fr/r --file ar=https://undocs.org/ar/r --country AU \
             --summary 'Detention, in \"quotes\", and commas' --related-visit {visit} \
             --theme detention --link https://www.ohchr.org/r --lang es"
        ),
    );
    let contact = publish(
        node,
        "contact add --role focal_point --function 'Focal point, regional mechanisms' \
         --unit 'Special Procedures Branch' --name 'Jane Roe' --public-name-consent \
         --email sp-focal@ohchr.org --email jane.roe@un.org --phone +41229179000 \
         --phone +41229179001 --country TN --country LY --valid-from 2027-01-01 \
         --valid-until 2028-12-31 --label clear --theme defenders \
         --link https://www.ohchr.org/contact --lang ar",
    );
    Everything { visit, forecast, event, report, contact }
}

/// The fields each item of [`publish_everything`] must hold (the status history's date aside).
fn expected_fields(all: &Everything) -> [Value; 5] {
    let link = |rel: &str, href: &str| json!({"rel": rel, "href": href});
    [
        json!({"title": {"value": "Visit to Australia", "lang": "en-AU"},
            "title_in": {"ar": "زيارة إلى أستراليا", "fr": "Visite en Australie"},
            "summary": "A follow-up visit",
            "summary_in": {"es": "Una visita de seguimiento"},
            "themes": ["detention", "torture"],
            "links": [link("related", "https://www.ohchr.org/au"),
                link("alternate", "https://www.ohchr.org/fr/au")],
            "visit": {"mandate": "SR on torture", "country": "AU",
                "sites": [{"country": "AU", "place": "Villawood"},
                    {"country": "NR", "place": "Nauru Regional Processing Centre"}],
                "visit_type": "follow_up", "status": "dates_proposed",
                "status_history": [{"status": "dates_proposed"}],
                "planned": {"start": "2027-05-10", "end": "2027-05-21", "precision": "day"},
                "call_for_input": {"deadline": "2027-03-01", "url": "https://www.ohchr.org/cfi/au"},
                "report": "A/HRC/58/55/Add.1",
                "programme": [
                    {"date": "2027-05-11", "place": "Canberra", "meeting": "Attorney-General, Department"},
                    {"date": "2027-05-14", "place": "Nauru", "meeting": "Meeting with detainees"}],
                "notes": "Confirm Nauru access"}}),
        json!({"title": {"value": "SPT: visit to an undisclosed State", "lang": "en"},
            "visit": {"mandate": "SPT", "country": "undisclosed", "visit_type": "periodic",
                "status": "accepted", "status_history": [{"status": "accepted"}],
                "planned": {"start": "2027-04-01", "end": "2027-06-30", "precision": "quarter"}}}),
        json!({"title": {"value": "HRC 61: dialogue", "lang": "fr"}, "countries": ["TN", "LY"],
            "themes": ["defenders"], "links": [link("via", "https://www.ohchr.org/hrc61")],
            "event": {"category": "hearing", "start": "2027-03-03T10:00:00+01:00",
                "end": "2027-03-03T13:30:00-05:00", "status": "tentative",
                "location": {"text": "Palais des Nations, Geneva", "country": "CH"},
                "session": "HRC 61"}}),
        json!({"title": {"value": "Visit to Australia: report", "lang": "es"}, "countries": ["AU"],
            "themes": ["detention"], "links": [link("related", "https://www.ohchr.org/r")],
            "report": {"symbol": "A/HRC/58/55/Add.1", "doc_type": "mission_report",
                "issued": "2027-09-15",
                "files": [{"lang": "en", "url": "https://undocs.org/en/r"},
                    {"lang": "fr", "url": "https://undocs.org/fr/r"},
                    {"lang": "ar", "url": "https://undocs.org/ar/r"}],
                "summary": "Detention, in \"quotes\", and commas", "related_visit": all.visit}}),
        json!({"title": {"value": "Focal point, regional mechanisms, Special Procedures Branch",
                "lang": "ar"},
            "links": [link("related", "https://www.ohchr.org/contact")],
            "contact": {"role": "focal_point", "function_title": "Focal point, regional mechanisms",
                "org_unit": "Special Procedures Branch", "person_name": "Jane Roe",
                "public_name_consent": true, "emails": ["sp-focal@ohchr.org", "jane.roe@un.org"],
                "phones": ["+41229179000", "+41229179001"], "coverage_countries": ["TN", "LY"],
                "coverage_themes": ["defenders"], "valid_from": "2027-01-01",
                "valid_until": "2028-12-31"}}),
    ]
}

/// `fields` with the status history's dates (the day of publishing) checked and removed, and
/// without empty lists.
fn dateless(fields: &Value) -> Value {
    let mut fields = without_empty_lists(fields);
    let steps = fields.get_mut("visit").and_then(|v| v.get_mut("status_history"));
    if let Some(steps) = steps.and_then(Value::as_array_mut) {
        for step in steps {
            let date = step.as_object_mut().unwrap().remove("date").expect("a date");
            assert!(date.as_str().is_some_and(|d| d.len() == 10), "{date}");
        }
    }
    fields
}

/// `export` with each item's change signatures in hash order: nodes need not agree on it.
fn by_hash(mut export: Value) -> Value {
    for item in export["items"].as_array_mut().unwrap() {
        let sigs = item["provenance"]["signatures"].as_array_mut().unwrap();
        sigs.sort_by_key(|s| s["hash"].as_str().unwrap().to_owned());
    }
    export
}

fn export_to_file(node: &Node, name: &str) -> (String, Value) {
    let file = node.path().join(name).display().to_string();
    node.ok(&["export", "json", "-o", &file]);
    let text = std::fs::read_to_string(&file).unwrap();
    (file, serde_json::from_str(&text).expect("export json"))
}

#[test]
fn every_field_round_trips_through_show_and_list() {
    let node = Node::init("ohchr");
    let all = publish_everything(&node);
    let listed = node.items();
    let labels = ["amber", "green", "clear", "green", "clear"];
    for ((id, fields), label) in all.ids().into_iter().zip(expected_fields(&all)).zip(labels) {
        let shown = &node.show_json(id)["item"];
        let in_list = listed.as_array().unwrap().iter().find(|i| i["id"] == id).expect("listed");
        for item in [shown, in_list] {
            assert_eq!(dateless(&item["fields"]), fields, "{id}");
            assert_eq!(item["owner"], "ohchr");
            assert_eq!(item["label"], label);
            assert_eq!(item["revision"], 0);
        }
        assert_eq!(in_list["provenance"], Value::Null, "list json carries no provenance");
    }
    assert_eq!(node.show_json(&all.visit)["item"]["audience"], json!(["achpr", "coe"]));
}

#[test]
fn a_json_export_imports_losslessly_into_a_node_of_another_mechanism() {
    let a = Node::init("ohchr");
    let all = publish_everything(&a);
    for status in ["invited", "accepted", "scheduled", "underway", "completed"] {
        a.ok(&["visit", "update", &all.visit, "--status", status]);
    }
    let (file, exported) = export_to_file(&a, "a.json");
    let b = Node::init("coe");
    b.knows(&a);
    let run = b.run(&["import", &file]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("5 added, 0 merged, 0 unchanged, 0 published"), "{run:?}");
    let again = b.export_json();
    let ids = |export: &Value| -> Vec<String> {
        export["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().into())
            .collect()
    };
    let mut expected_ids = all.ids().map(str::to_owned).to_vec();
    expected_ids.sort();
    assert_eq!(ids(&again), expected_ids);
    for (mine, theirs) in
        exported["items"].as_array().unwrap().iter().zip(again["items"].as_array().unwrap())
    {
        let id = &mine["id"];
        let sigs = |item: &Value| item["provenance"]["signatures"].clone();
        assert_eq!(sigs(mine), sigs(theirs), "{id}: the same signatures, in the same order");
        assert_eq!(
            mine["provenance"]["header_signature"],
            theirs["provenance"]["header_signature"]
        );
    }
    assert_eq!(again, exported, "export -> import -> export must be lossless");
    let items = b.items();
    let run = b.run(&["import", &file]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("0 added, 0 merged, 5 unchanged, 0 published"), "{run:?}");
    assert_eq!(b.items(), items);
    assert_eq!(b.export_json(), exported);
}

#[test]
fn an_update_exported_again_merges_on_the_importing_node() {
    let a = Node::init("ohchr");
    let all = publish_everything(&a);
    let (file, _) = export_to_file(&a, "a.json");
    let b = Node::init("coe");
    b.knows(&a);
    b.ok(&["import", &file]);
    let update = format!(
        "visit update {} --status completed --note 'Ended a day early' --actual-from 2027-05-10 \
         --actual-to 2027-05-20",
        all.visit
    );
    assert_eq!(a.run_line(&update).code, 0);
    let (file, exported) = export_to_file(&a, "a2.json");
    let run = b.run(&["import", &file]);
    assert!(run.stderr.contains("0 added, 1 merged, 4 unchanged"), "{run:?}");
    let shown = b.show_json(&all.visit);
    assert_eq!(shown["item"]["revision"], 1);
    assert_eq!(shown["item"]["fields"], a.show_json(&all.visit)["item"]["fields"]);
    assert_eq!(
        shown["item"]["fields"]["visit"]["actual"],
        json!({"start": "2027-05-10", "end": "2027-05-20"})
    );
    let history = shown["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert!(history.iter().all(|c| c["verifies"] == true && c["mechanism"] == "ohchr"));
    assert_eq!(by_hash(b.export_json()), by_hash(exported), "both nodes export the same");
    let run = b.run(&["import", &a.path().join("a.json").display().to_string()]);
    assert!(run.stderr.contains("0 added, 0 merged, 5 unchanged"), "the older file: {run:?}");
    assert_eq!(b.show_json(&all.visit)["item"]["revision"], 1);
}

#[test]
fn an_import_holding_two_versions_of_an_item_keeps_the_changes_of_both() {
    let a = Node::init("ohchr");
    let id = a.publish(&["visit", "forecast", "--mandate", "CPT", "--country", "TN"]);
    let old = a.export_json();
    a.ok(&["visit", "update", &id, "--status", "completed", "--country", "LY"]);
    let new = a.export_json();
    let both = json!({"format": old["format"], "items": [new["items"][0], old["items"][0]]});
    let b = Node::init("achpr");
    b.knows(&a);
    b.ok(&["import", &b.write_json("both.json", &both)]);
    assert_eq!(b.items().as_array().unwrap().len(), 1);
    let shown = b.show_json(&id);
    assert_eq!(shown["item"]["revision"], 1, "the newer version was lost: {shown}");
    assert_eq!(shown["item"]["fields"], a.show_json(&id)["item"]["fields"]);
    assert_eq!(b.ok(&["list", "--country", "TN", "--format", "json"]).trim(), "[]");
}

#[test]
fn withdrawn_items_are_left_out_of_exports() {
    let node = Node::init("ohchr");
    let all = publish_everything(&node);
    node.ok(&["withdraw", &all.event]);
    assert_eq!(node.run(&["withdraw", &all.event]).code, 0, "withdrawing twice is harmless");
    let exported = node.export_json();
    assert_eq!(exported["items"].as_array().unwrap().len(), 4);
    assert!(!exported.to_string().contains(&all.event));
    for format in ["csv", "ics"] {
        assert!(!node.ok(&["export", format]).contains(&all.event), "export {format}");
    }
    assert!(!node.ok(&["list", "--format", "json"]).contains(&all.event));
    assert_eq!(node.show_json(&all.event)["withdrawn"], true);
    assert_eq!(node.items().as_array().unwrap().len(), 5, "list --withdrawn still shows it");
}

#[test]
fn reissue_as_clear_makes_a_new_item_with_fresh_history_and_withdraws_the_old() {
    let node = Node::init("ohchr");
    let old = publish(&node, "visit forecast --mandate CPT --country TN --planned 2027-Q2");
    node.ok(&[
        "visit",
        "update",
        &old,
        "--status",
        "scheduled",
        "--from",
        "2027-05-03",
        "--to",
        "2027-05-07",
    ]);
    let new = node.ok(&["reissue", &old, "--label", "clear"]).trim().to_owned();
    assert_eq!(new.len(), 36);
    assert_ne!(new, old);
    let (was, is) = (node.show_json(&old), node.show_json(&new));
    assert_eq!(is["item"]["supersedes"], old.as_str());
    assert_eq!(is["item"]["label"], "clear");
    assert_eq!(is["item"]["revision"], 0);
    assert_eq!(is["item"]["fields"], was["item"]["fields"]);
    assert_eq!(is["history"].as_array().unwrap().len(), 1, "a fresh history: {is}");
    assert_eq!(was["withdrawn"], true);
    assert_eq!(was["history"].as_array().unwrap().len(), 3);
    let exported = node.export_json().to_string();
    assert!(exported.contains(&new) && !exported.contains(&format!("\"id\":\"{old}\"")));
}

#[test]
fn reissue_as_clear_of_a_visit_with_a_programme_is_refused_and_changes_nothing() {
    let node = Node::init("ohchr");
    let all = publish_everything(&node);
    let before = node.items();
    for label in ["clear", "green"] {
        let err = node.bad(&["reissue", &all.visit, "--label", label]);
        assert!(err.contains("programme") && err.contains("reprisal"), "{err}");
        assert_eq!(node.items(), before);
    }
    assert_eq!(node.show_json(&all.visit)["withdrawn"], false);
    let strict = node.ok(&["reissue", &all.visit, "--label", "amber-strict"]);
    let v = &node.show_json(strict.trim())["item"]["fields"]["visit"];
    assert_eq!(v["notes"], "Confirm Nauru access", "a narrower label keeps the programme");
}

#[test]
fn an_item_without_provenance_is_published_as_a_new_item_of_the_importing_node() {
    let b = Node::init("coe");
    let fields = json!({"title": {"value": "Launch of the annual report", "lang": "en"},
        "event": {"category": "launch", "start": "2027-04-01", "status": "confirmed"}});
    let new = json!({"format": "liaison-items/1",
        "items": [{"kind": "event", "label": "clear", "fields": fields}]});
    let file = b.write_json("new.json", &new);
    let run = b.run(&["import", &file]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("0 added, 0 merged, 0 unchanged, 1 published"), "{run:?}");
    let id = run.stdout.trim();
    let shown = b.show_json(id);
    assert_eq!(shown["item"]["owner"], "coe");
    assert_eq!(shown["item"]["label"], "clear");
    assert_eq!(without_empty_lists(&shown["item"]["fields"]), fields);
    assert_eq!(shown["history"][0]["verifies"], true);
    let mut foreign = new.clone();
    foreign["items"][0]["owner"] = "ohchr".into();
    let err = b.bad(&["import", &b.write_json("foreign.json", &foreign)]);
    assert!(err.contains("remove its id and owner"), "{err}");
    assert_eq!(b.items().as_array().unwrap().len(), 1);
}

#[test]
fn csv_has_a_header_and_one_row_per_item() {
    let node = Node::init("ohchr");
    let all = publish_everything(&node);
    node.ok(&["withdraw", &all.forecast]);
    let csv = node.ok(&["export", "csv"]);
    assert_eq!(node.ok(&["list", "--format", "csv"]), csv);
    let rows = parse_csv(&csv);
    assert_eq!(rows[0], liaison_node::export::CSV_COLUMNS.map(String::from).to_vec());
    assert_eq!(rows.len(), 5, "a header and 4 items: {csv}");
    assert!(rows.iter().all(|r| r.len() == 17), "{rows:?}");
    let row = |id: &str| rows.iter().find(|r| r[0] == id).expect("a row per item").clone();
    let visit = row(&all.visit);
    assert_eq!(visit[1..6], ["visit", "ohchr", "amber", "Visit to Australia", "en-AU"]);
    assert!(visit[6].starts_with("AU") && visit[6].ends_with("NR"), "the State, then sites");
    assert_eq!(row(&all.visit)[7..11], ["2027-05-10", "2027-05-21", "day", "dates_proposed"]);
    let contact = row(&all.contact);
    assert_eq!(contact[4], "Focal point, regional mechanisms, Special Procedures Branch");
    assert_eq!(row(&all.event)[7], "2027-03-03T10:00:00+01:00");
    assert_eq!(row(&all.report)[11], "A/HRC/58/55/Add.1");
    // Every language: the summary in the item's own, the others as JSON by language.
    assert_eq!(visit[14], "A follow-up visit");
    assert_eq!(visit[15], r#"{"ar":"زيارة إلى أستراليا","fr":"Visite en Australie"}"#);
    assert_eq!(visit[16], r#"{"es":"Una visita de seguimiento"}"#);
    assert_eq!(row(&all.report)[14], r#"Detention, in "quotes", and commas"#, "a report's own");
    assert_eq!(row(&all.event)[15], "", "no other language");
}

/// `--excel` puts the UTF-8 byte order mark first, so that Excel reads Arabic and accented
/// text as UTF-8; the rest of the file is the plain CSV, byte for byte.
#[test]
fn csv_for_excel_starts_with_the_byte_order_mark_and_is_otherwise_the_plain_csv() {
    let node = Node::init("ohchr");
    publish_everything(&node);
    publish(
        &node,
        "event add --title 'الدورة العادية: Séance à Genève' --start 2027-04-01 --category session \
         --country MA --lang ar",
    );
    let plain = node.path().join("plain.csv");
    let excel = node.path().join("excel.csv");
    node.ok(&["export", "csv", "-o", plain.to_str().expect("utf-8")]);
    node.ok(&["export", "csv", "--excel", "-o", excel.to_str().expect("utf-8")]);
    let (plain, excel) =
        (std::fs::read(plain).expect("plain"), std::fs::read(excel).expect("excel"));
    assert_eq!(excel[..3], [0xEF, 0xBB, 0xBF], "the byte order mark first");
    assert_eq!(excel[3..], plain[..], "otherwise the plain CSV");
    assert!(String::from_utf8(plain).expect("utf-8").contains("الدورة العادية: Séance à Genève"));
    let stdout = node.ok(&["export", "csv", "--excel"]);
    assert!(stdout.starts_with('\u{FEFF}'), "on standard output too");
    let err = node.bad(&["export", "json", "--excel"]);
    assert!(err.contains("--excel") && err.contains("csv"), "{err}");
}

#[test]
fn the_table_fits_in_100_columns() {
    let node = Node::init("ohchr");
    let all = publish_everything(&node);
    let long = "A very long title ".repeat(12);
    let id = node.publish(&[
        "visit",
        "forecast",
        "--mandate",
        &long,
        "--country",
        "AU",
        "--site",
        "NR",
        "--site",
        "PG:Manus",
        "--site",
        "NZ",
        "--title",
        &long,
        "--status",
        "reminder_sent",
    ]);
    let table = node.ok(&["list", "--format", "table"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("ID"), "{table}");
    assert_eq!(lines.len(), 7, "a header and 6 items: {table}");
    for line in &lines {
        assert!(line.chars().count() <= 100, "{} characters: {line}", line.chars().count());
    }
    for id in all.ids().into_iter().chain([id.as_str()]) {
        assert!(lines.iter().any(|l| l.starts_with(&id[..8])), "{id} missing: {table}");
    }
}

/// A plain export is a file for the node's own mechanism: every label its member nodes may
/// receive, never `red`; `--for` narrows it to another mechanism or to the public.
#[test]
fn a_plain_export_never_holds_a_red_item_and_for_narrows_it() {
    let node = Node::init("ohchr");
    let mut ids = Vec::new();
    for (label, audience) in
        [("clear", ""), ("green", ""), ("amber", "coe"), ("amber-strict", ""), ("red", "")]
    {
        let mut line =
            format!("report publish --title 'Marker {label}' --issued 2027-01-10 --label {label}");
        if !audience.is_empty() {
            line.push_str(&format!(" --audience {audience}"));
        }
        ids.push((label, publish(&node, &line)));
    }
    let exported = |args: &[&str]| {
        let mut all = vec!["export", "json"];
        all.extend(args);
        node.ok(&all)
    };
    let holds = |text: &str| -> Vec<&str> {
        ids.iter().filter(|(_, id)| text.contains(id.as_str())).map(|(l, _)| *l).collect()
    };
    assert_eq!(holds(&exported(&[])), ["clear", "green", "amber", "amber-strict"]);
    assert_eq!(holds(&exported(&["--for", "coe"])), ["clear", "green", "amber"]);
    assert_eq!(holds(&exported(&["--for", "iachr"])), ["clear", "green"]);
    assert_eq!(holds(&exported(&["--for", "public"])), ["clear"]);
    for format in ["csv", "ics"] {
        assert!(!node.ok(&["export", format]).contains(&ids[4].1), "no red item in {format}");
    }
    assert!(node.ok(&["list", "--format", "json"]).contains(&ids[4].1), "red is listed at home");
}
