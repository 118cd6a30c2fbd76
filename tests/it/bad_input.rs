//! Bad input: every invalid value exits 2 with one line naming field, value and what is allowed,
//! and leaves the store as it was; corrupt keys, files and store records are refused, not skipped.

use crate::support::{Node, argv, damage_record};

const VISIT: &str = "visit forecast --mandate CPT --country TN";
const EVENT: &str = "event add --title Session --start 2027-03-05";
const REPORT: &str = "report publish --title Report --issued 2027-01-01";
const CONTACT: &str = "contact add --role press --function Press --unit Media";
const ISO: &str = "ISO 3166-1 alpha-2";
const YMD: &str = "YYYY-MM-DD";

/// A node holding one green visit, so that "no change" means something; and the visit's id.
fn seeded() -> (Node, String) {
    let node = Node::init("ohchr");
    let id = node.publish(&["visit", "forecast", "--mandate", "CPT", "--country", "TN"]);
    (node, id)
}

/// Runs `line`, expects exit 2 with one stderr line containing every needle, and no change.
fn refused(node: &Node, line: &str, needles: &[&str]) {
    let before = node.items();
    let err = node.bad(&argv(line).iter().map(String::as_str).collect::<Vec<_>>());
    for needle in needles {
        assert!(err.contains(needle), "liaison {line}: expected {needle:?} in {err:?}");
    }
    assert_eq!(node.items(), before, "liaison {line} changed the store");
}

/// Runs `line` and expects it to publish an item; returns the id.
fn accepted(node: &Node, line: &str) -> String {
    node.publish(&argv(line).iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn an_unknown_country_code_is_refused_wherever_a_country_goes() {
    let (node, id) = seeded();
    refused(&node, "visit forecast --mandate CPT --country XX", &["country", "'XX'", ISO]);
    refused(&node, &format!("{VISIT} --site XX:Somewhere"), &["site", "'XX'", ISO]);
    refused(&node, &format!("visit update {id} --country XX"), &["country", "'XX'", ISO]);
    refused(&node, &format!("visit update {id} --site XX"), &["site", "'XX'", ISO]);
    refused(&node, &format!("{EVENT} --country XX"), &["country", "'XX'", ISO]);
    refused(&node, &format!("{EVENT} --location-country XX"), &["country", "'XX'", ISO]);
    refused(&node, &format!("{REPORT} --country XX"), &["country", "'XX'", ISO]);
    refused(&node, &format!("{CONTACT} --country XX"), &["country", "'XX'", ISO]);
}

#[test]
fn an_end_before_the_start_is_refused() {
    let (node, id) = seeded();
    let before = ["end", "'2027-05-01'", "before the start (2027-05-10)"];
    refused(&node, &format!("{VISIT} --from 2027-05-10 --to 2027-05-01"), &before);
    refused(&node, &format!("visit update {id} --from 2027-05-10 --to 2027-05-01"), &before);
    let actual = format!("visit update {id} --actual-from 2027-05-10 --actual-to 2027-05-01");
    refused(&node, &actual, &["actual", "'2027-05-01'", "before the start"]);
    let event = "event add --title Session --start 2027-03-05 --end 2027-03-03";
    refused(&node, event, &["end", "'2027-03-03'", "before the start (2027-03-05)"]);
    let timed =
        "event add --title Call --start 2027-03-05T10:00:00+01:00 --end 2027-03-05T09:59:00+01:00";
    refused(&node, timed, &["end", "'2027-03-05T09:59:00+01:00'", "before the start"]);
    let valid = format!("{CONTACT} --valid-from 2027-06-01 --valid-until 2027-01-01");
    refused(&node, &valid, &["valid_until", "'2027-01-01'", "before valid_from"]);
    refused(&node, "list --from 2027-06-01 --to 2027-01-01", &["to", "'2027-01-01'", "before"]);
}

#[test]
fn an_audience_must_fit_the_label() {
    let (node, id) = seeded();
    let no_audience = "only amber items name one";
    refused(
        &node,
        &format!("{VISIT} --label green --audience coe"),
        &["audience", "'coe'", no_audience],
    );
    refused(
        &node,
        &format!("{VISIT} --label clear --audience coe,achpr"),
        &["'coe,achpr'", no_audience],
    );
    refused(&node, &format!("{VISIT} --label amber"), &["audience", "needs an audience"]);
    refused(
        &node,
        &format!("{VISIT} --label amber --audience 'Not A Code'"),
        &["mechanism", "'Not A Code'", "lowercase"],
    );
    refused(
        &node,
        &format!("reissue {id} --label green --audience coe"),
        &["audience", no_audience],
    );
    refused(&node, &format!("reissue {id} --label amber"), &["audience", "needs an audience"]);
}

#[test]
fn unknown_words_are_refused_listing_the_allowed_ones() {
    let (node, _) = seeded();
    let contact = "contact add --function Press --unit Media";
    refused(
        &node,
        &format!("{VISIT} --label purple"),
        &["label", "'purple'", "clear, green, amber"],
    );
    refused(&node, &format!("{VISIT} --status maybe"), &["status", "'maybe'", "requested"]);
    refused(&node, &format!("{VISIT} --type holiday"), &["type", "'holiday'", "in_loco"]);
    refused(&node, &format!("{EVENT} --status maybe"), &["status", "'maybe'", "tentative"]);
    refused(&node, &format!("{EVENT} --category party"), &["category", "'party'", "hearing"]);
    refused(&node, &format!("{REPORT} --type memo"), &["type", "'memo'", "mission_report"]);
    refused(&node, &format!("{contact} --role boss"), &["role", "'boss'", "focal_point"]);
    refused(&node, "list --kind memo", &["kind", "'memo'", "event, visit"]);
}

#[test]
fn bad_periods_dates_and_language_tags_are_refused() {
    let (node, id) = seeded();
    for period in ["2027-Q5", "2027-13", "27", "'next year'"] {
        let value = format!("'{}'", period.trim_matches('\''));
        refused(&node, &format!("{VISIT} --planned {period}"), &["planned", &value, "2027-Q2"]);
    }
    refused(&node, &format!("visit update {id} --planned 2027-Q0"), &["planned", "'2027-Q0'"]);
    refused(
        &node,
        &format!("{VISIT} --from 2027-02-30 --to 2027-03-02"),
        &["from", "'2027-02-30'", YMD],
    );
    let cfi = format!("{VISIT} --call-for-input soon,https://ohchr.org/cfi");
    refused(&node, &cfi, &["call-for-input", "'soon'", YMD]);
    refused(
        &node,
        "report publish --title R --issued 01/02/2027",
        &["issued", "'01/02/2027'", YMD],
    );
    refused(&node, "event add --title S --start tomorrow", &["start", "'tomorrow'", YMD]);
    for tag in ["english", "en_US", "e"] {
        refused(&node, &format!("{VISIT} --lang {tag}"), &["lang", &format!("'{tag}'"), "BCP 47"]);
    }
    let file = format!("{REPORT} --file english=https://undocs.org/r.pdf");
    refused(&node, &file, &["lang", "'english'", "BCP 47"]);
    refused(&node, &format!("{VISIT} --link 'not a url'"), &["links.href", "'not a url'", "http"]);
    // Titles and summaries in other languages: LANG=TEXT, a real tag, another language than
    // the item's own, not empty, a summary of its own first.
    refused(&node, &format!("{VISIT} --title-in Visite"), &["title-in", "'Visite'", "LANG=TEXT"]);
    refused(&node, &format!("{VISIT} --title-in english=T"), &["title-in", "'english'", "BCP 47"]);
    refused(&node, &format!("{VISIT} --title-in en=T"), &["title_in.en", "other than"]);
    refused(&node, &format!("{VISIT} --title-in 'fr= '"), &["title_in.fr", "empty"]);
    refused(&node, &format!("{EVENT} --summary-in fr=R"), &["summary_in", "--summary"]);
    refused(
        &node,
        &format!("visit update {id} --title-in fr=A --title-in fr=B"),
        &["title-in", "once"],
    );
    refused(&node, &format!("visit update {id} --title-in en=T"), &["title_in.en", "other than"]);
}

#[test]
fn bad_emails_and_phones_on_a_contact_are_refused() {
    let (node, _) = seeded();
    for email in ["not-an-email", "a@@b.org", "press@"] {
        let line = format!("{CONTACT} --email {email}");
        refused(&node, &line, &["email", &format!("'{email}'"), "e-mail address"]);
    }
    for phone in ["0041229179000", "'+41 22 917 90 00'", "+123", "twelve"] {
        let value = format!("'{}'", phone.trim_matches('\''));
        refused(&node, &format!("{CONTACT} --phone {phone}"), &["phone", &value, "E.164"]);
    }
    accepted(&node, &format!("{CONTACT} --email press@ohchr.org --phone +41229179000"));
}

#[test]
fn a_person_name_on_a_clear_contact_needs_consent() {
    let (node, _) = seeded();
    let named = format!("{CONTACT} --name 'Jane Roe'");
    refused(&node, &format!("{named} --label clear"), &["name", "'Jane Roe'", "consent"]);
    let id = accepted(&node, &format!("{named} --label clear --public-name-consent"));
    assert_eq!(node.show_json(&id)["item"]["fields"]["contact"]["person_name"], "Jane Roe");
    accepted(&node, &named);
}

#[test]
fn programme_and_notes_are_refused_on_clear_and_green_visits_but_kept_on_amber() {
    let (node, green) = seeded();
    let programme = "--programme '2027-05-11|Tunis|Meeting with NGOs'";
    let notes = "--notes 'Met the minister informally'";
    for label in ["clear", "green"] {
        let guard = format!("not on {label}");
        let line = format!("{VISIT} --label {label} {programme}");
        refused(&node, &line, &["programme", "'1 entries'", "reprisal", &guard]);
        let line = format!("{VISIT} --label {label} {notes}");
        refused(&node, &line, &["notes", "'Met the minister informally'", "reprisal", &guard]);
    }
    refused(&node, &format!("visit update {green} {notes}"), &["notes", "reprisal"]);
    refused(&node, &format!("visit update {green} {programme}"), &["programme", "reprisal"]);
    let id = accepted(&node, &format!("{VISIT} --label amber --audience coe {programme} {notes}"));
    let v = &node.show_json(&id)["item"]["fields"]["visit"];
    assert_eq!(v["programme"][0]["meeting"], "Meeting with NGOs");
    assert_eq!(v["notes"], "Met the minister informally");
}

#[test]
fn unknown_item_ids_are_refused_by_every_command_that_takes_one() {
    let (node, _) = seeded();
    // A well-formed id of no item; garbage; and prefixes no v4 UUID can have.
    for id in ["0b8e6c1e-3f2a-4d5b-9c7d-1e2f3a4b5c6d", "not-an-id", "zz", "0b8e6c1e-3f2a-5d"] {
        for command in ["show {}", "withdraw {}", "reissue {} --label clear", "visit update {}"] {
            let line = command.replace("{}", id);
            refused(&node, &line, &[&format!("'{id}'"), "item"]);
        }
    }
}

#[test]
fn a_corrupt_key_file_stops_every_command_and_names_the_file() {
    let (node, id) = seeded();
    let before = node.items();
    let key = std::fs::read(node.key_file()).unwrap();
    let other_seed = format!("{}\n", "ab".repeat(32));
    for junk in [&b"junk"[..], &b"\xff\xfe\x00"[..], &key[..20], b"", other_seed.as_bytes()] {
        std::fs::write(node.key_file(), junk).unwrap();
        for line in [
            "id".to_owned(),
            "list".to_owned(),
            format!("show {id}"),
            "export json".to_owned(),
            "roster list".to_owned(),
            VISIT.to_owned(),
            format!("visit update {id} --status completed"),
        ] {
            let err = node.bad(&argv(&line).iter().map(String::as_str).collect::<Vec<_>>());
            let file = node.key_file().display().to_string();
            assert!(err.contains(&file) && err.contains("corrupt"), "{line}: {err}");
        }
    }
    std::fs::write(node.key_file(), &key).unwrap();
    assert_eq!(node.items(), before);
}

#[test]
fn a_second_init_is_refused_and_leaves_the_key_byte_for_byte() {
    let (node, _) = seeded();
    let key = std::fs::read(node.key_file()).unwrap();
    let config = std::fs::read(node.path().join("config.toml")).unwrap();
    for line in ["init --mechanism ohchr", "init --mechanism coe --role mirror"] {
        refused(&node, line, &["already holds a Liaison node", "refusing to overwrite"]);
        assert_eq!(std::fs::read(node.key_file()).unwrap(), key);
        assert_eq!(std::fs::read(node.path().join("config.toml")).unwrap(), config);
    }
}

#[test]
fn init_refuses_an_invalid_mechanism_code_and_creates_nothing() {
    for code in ["OHCHR", "o", "1ohchr", "oh chr", "ohchr!", ""] {
        let node = Node::empty();
        let err = node.bad(&["init", "--mechanism", code]);
        assert!(err.contains("mechanism") && err.contains(&format!("'{code}'")), "{err}");
        assert!(!node.key_file().exists() && !node.path().join("config.toml").exists());
    }
}

#[test]
fn import_refuses_a_file_that_is_not_json() {
    let (node, _) = seeded();
    let text = node.path().join("notes.txt");
    std::fs::write(&text, "SR on torture, Tunisia, 2027-Q2\n").unwrap();
    let line = format!("import '{}'", text.display());
    refused(&node, &line, &["notes.txt", "not a Liaison JSON export"]);
    let other = node.write_json("other.json", &serde_json::json!({"format": "x/1", "items": []}));
    refused(&node, &format!("import '{other}'"), &["format", "'x/1'"]);
}

#[test]
fn import_refuses_an_export_edited_by_hand() {
    let (a, _) = seeded();
    let b = Node::init("coe");
    b.knows(&a);
    let export = a.export_json();
    let edits = [
        ("fields", "/fields/visit/country", "FR"),
        ("label", "/label", "clear"),
        ("kind", "/kind", "event"),
        ("owner", "/owner", "coe"),
        ("created", "/created", "2020-01-01T00:00:00Z"),
    ];
    for (field, pointer, value) in edits {
        let mut edited = export.clone();
        *edited.pointer_mut(&format!("/items/0{pointer}")).unwrap() = value.into();
        let file = b.write_json("edited.json", &edited);
        refused(&b, &format!("import '{file}'"), &[&format!("'{field}' differs from the signed")]);
        assert_eq!(b.items(), serde_json::json!([]));
    }
}

#[test]
fn a_refused_import_stores_none_of_its_items() {
    let a = Node::init("ohchr");
    a.publish(&["event", "add", "--title", "Launch", "--start", "2027-04-01", "--label", "clear"]);
    let mut file = a.export_json();
    let event =
        serde_json::json!({"category": "launch", "start": "2027-04-01", "status": "confirmed"});
    let new = serde_json::json!({"kind": "event", "label": "clear", "co_owners": ["coe"],
        "fields": {"title": {"value": "New", "lang": "en"}, "event": event}});
    file["items"].as_array_mut().unwrap().push(new);
    // A member node may not co-own its own item; a mirror publishes nothing.
    let (member, mirror) = (Node::init("coe"), Node::empty());
    mirror.ok(&["init", "--mechanism", "ngo-watch", "--role", "mirror"]);
    for (node, needle) in [(&member, "co_owners"), (&mirror, "mirror")] {
        node.knows(&a);
        refused(node, &format!("import '{}'", node.write_json("f.json", &file)), &[needle]);
    }
}

/// Show, list and every export must fail with "corrupt" rather than skip the damaged item.
fn assert_reported_corrupt(node: &Node, id: &str) {
    for line in [
        format!("show {id}"),
        format!("show {id} --format json"),
        "list".to_owned(),
        "list --format json".to_owned(),
        "list --kind visit --country TN".to_owned(),
        "export json".to_owned(),
        "export csv".to_owned(),
        "export ics".to_owned(),
    ] {
        let run = node.run_line(&line);
        assert_eq!(run.code, 2, "{line} should fail with code 2: {run:?}");
        assert!(run.stderr.contains("corrupt") && run.stderr.contains(id), "{line}: {run:?}");
        assert!(run.stdout.is_empty(), "{line} printed {:?}", run.stdout);
    }
}

#[test]
fn a_truncated_store_record_is_reported_corrupt_not_skipped() {
    let (node, id) = seeded();
    accepted(&node, &format!("{VISIT} --planned 2027-Q3"));
    damage_record(&node, &id, |v| v.truncate(v.len() / 2));
    assert_reported_corrupt(&node, &id);
}

#[test]
fn a_tampered_store_record_is_reported_corrupt_not_skipped() {
    let (node, id) = seeded();
    accepted(&node, &format!("{VISIT} --planned 2027-Q3"));
    damage_record(&node, &id, |v| {
        let middle = v.len() / 2;
        v[middle] ^= 0x01;
    });
    assert_reported_corrupt(&node, &id);
}

#[test]
fn an_update_to_an_item_of_another_mechanism_is_refused() {
    let (a, id) = seeded();
    let b = Node::init("coe");
    b.knows(&a);
    let file = a.path().join("export.json").display().to_string();
    a.ok(&["export", "json", "-o", &file]);
    b.ok(&["import", &file]);
    let not_owner = ["owned by ohchr", "this node (coe) may not change it"];
    refused(&b, &format!("visit update {id} --status completed"), &not_owner);
    refused(&b, &format!("withdraw {id}"), &not_owner);
    refused(&b, &format!("reissue {id} --label clear"), &not_owner);
}
