//! The iCalendar export, read back by independent parsers: the `ical` crate always, and
//! Python's `icalendar` package where it is installed (`.ci/run` installs it).

use std::collections::HashMap;
use std::io::BufReader;
use std::process::Command;

use crate::support::Node;

/// One VEVENT's properties by name: (parameters, value).
type Props = HashMap<String, (Vec<(String, Vec<String>)>, String)>;

fn vevents(ics: &str) -> HashMap<String, Props> {
    let mut parser = ical::IcalParser::new(BufReader::new(ics.as_bytes()));
    let calendar = parser.next().expect("one calendar").expect("the ical crate parses the export");
    assert!(parser.next().is_none(), "exactly one VCALENDAR");
    let prop = |name: &str| {
        calendar
            .properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
            .unwrap_or_default()
    };
    assert_eq!(prop("VERSION"), "2.0");
    assert_eq!(prop("METHOD"), "PUBLISH");
    assert!(prop("PRODID").contains("Liaison"));
    assert!(!prop("X-WR-CALNAME").is_empty());
    calendar
        .events
        .into_iter()
        .map(|e| {
            let props: Props = e
                .properties
                .into_iter()
                .map(|p| (p.name, (p.params.unwrap_or_default(), p.value.unwrap_or_default())))
                .collect();
            (props["UID"].1.clone(), props)
        })
        .collect()
}

fn uid(id: &str) -> String {
    format!("{id}@liaison")
}

fn is_all_day(props: &Props, name: &str) -> bool {
    props[name].0.iter().any(|(k, v)| k == "VALUE" && v.iter().any(|v| v == "DATE"))
}

#[test]
fn ics_export_follows_the_data_model_and_parses() {
    let node = Node::init("ohchr");
    let session = node.publish(&[
        "event",
        "add",
        "--title",
        "ACHPR 80th Ordinary Session; Banjul, The Gambia",
        "--start",
        "2027-03-03",
        "--end",
        "2027-03-05",
        "--category",
        "session",
        "--location",
        "Banjul",
        "--location-country",
        "GM",
    ]);
    let hearing = node.publish(&[
        "event",
        "add",
        "--title",
        "Hearing",
        "--start",
        "2027-03-10T10:00:00+01:00",
        "--end",
        "2027-03-10T12:30:00+01:00",
        "--category",
        "hearing",
        "--status",
        "tentative",
        "--summary",
        "A hearing on defenders",
        "--title-in",
        "fr=Audience",
        "--title-in",
        "ar=جلسة استماع",
        "--summary-in",
        "fr=Une audience sur les défenseurs",
    ]);
    let scheduled = node.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "SR on torture",
        "--country",
        "TN",
        "--from",
        "2027-05-03",
        "--to",
        "2027-05-14",
        "--site",
        "LY:Tripoli",
    ]);
    let monthly = node.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "CPT",
        "--country",
        "FR",
        "--planned",
        "2027-06",
    ]);
    let agreed = node.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "WGAD",
        "--country",
        "MX",
        "--status",
        "accepted",
    ]);
    let cancelled = node.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "SR on defenders",
        "--country",
        "CO",
        "--from",
        "2027-07-01",
        "--to",
        "2027-07-09",
        "--status",
        "cancelled",
    ]);
    let withdrawn =
        node.publish(&["event", "add", "--title", "Withdrawn", "--start", "2027-01-01"]);
    node.ok(&["withdraw", &withdrawn]);

    let ics = node.ok(&["export", "ics"]);
    assert!(
        ics.contains("\r\n") && !ics.replace("\r\n", "").contains('\n'),
        "CRLF line endings only"
    );
    assert!(ics.split("\r\n").all(|line| line.len() <= 75), "lines folded at 75 octets");
    let events = vevents(&ics);

    // Only day-precision visits and events become VEVENTs; withdrawn items vanish.
    assert!(events.contains_key(&uid(&session)) && events.contains_key(&uid(&hearing)));
    assert!(events.contains_key(&uid(&scheduled)) && events.contains_key(&uid(&cancelled)));
    assert!(!events.contains_key(&uid(&monthly)), "month precision is no VEVENT");
    assert!(!events.contains_key(&uid(&agreed)), "dates to be agreed is no VEVENT");
    assert!(!events.contains_key(&uid(&withdrawn)));
    assert_eq!(events.len(), 4);

    // All-day DTEND is exclusive: 3-5 March ends on the 6th.
    let s = &events[&uid(&session)];
    assert!(is_all_day(s, "DTSTART") && is_all_day(s, "DTEND"));
    assert_eq!(s["DTSTART"].1, "20270303");
    assert_eq!(s["DTEND"].1, "20270306");
    assert_eq!(s["CATEGORIES"].1, "session");
    assert_eq!(s["SUMMARY"].1, "ACHPR 80th Ordinary Session\\; Banjul\\, The Gambia");
    assert_eq!(s["STATUS"].1, "CONFIRMED");
    assert_eq!(s["SEQUENCE"].1, "0");
    let v = &events[&uid(&scheduled)];
    assert_eq!((v["DTSTART"].1.as_str(), v["DTEND"].1.as_str()), ("20270503", "20270515"));
    assert!(v["LOCATION"].1.contains("Tunisia") && v["LOCATION"].1.contains("Tripoli"));

    // Timed events are in UTC.
    let h = &events[&uid(&hearing)];
    assert_eq!(h["DTSTART"].1, "20270310T090000Z");
    assert_eq!(h["DTEND"].1, "20270310T113000Z");
    assert_eq!(h["STATUS"].1, "TENTATIVE");
    // Every language: the item's own in SUMMARY and DESCRIPTION, the others beside them.
    let unfolded = ics.replace("\r\n ", "");
    for line in [
        "SUMMARY;LANGUAGE=en:Hearing",
        "DESCRIPTION;LANGUAGE=en:A hearing on defenders",
        "X-LIAISON-TITLE;LANGUAGE=fr:Audience",
        "X-LIAISON-TITLE;LANGUAGE=ar:جلسة استماع",
        "X-LIAISON-DESCRIPTION;LANGUAGE=fr:Une audience sur les défenseurs",
    ] {
        assert!(unfolded.contains(line), "no {line} in\n{unfolded}");
    }

    // Visit status mapping, and SEQUENCE grows on update.
    assert_eq!(v["STATUS"].1, "CONFIRMED");
    assert_eq!(events[&uid(&cancelled)]["STATUS"].1, "CANCELLED");
    node.ok(&[
        "visit",
        "update",
        &scheduled,
        "--status",
        "postponed",
        "--note",
        "at the State's request",
    ]);
    node.ok(&["visit", "update", &scheduled, "--from", "2027-09-06", "--to", "2027-09-17"]);
    let after = vevents(&node.ok(&["export", "ics"]));
    let v = &after[&uid(&scheduled)];
    assert_eq!(v["SEQUENCE"].1, "2");
    assert_eq!(v["STATUS"].1, "TENTATIVE");
    assert_eq!(v["DTSTART"].1, "20270906");

    python_icalendar_accepts(&ics, 4);
}

/// Parses `ics` with Python's `icalendar` and checks the number of VEVENTs and all-day ends.
fn python_icalendar_accepts(ics: &str, events: usize) {
    let script = r#"
import sys
from icalendar import Calendar
cal = Calendar.from_ical(sys.stdin.read())
events = cal.walk("VEVENT")
for e in events:
    assert e.get("UID") and e.get("DTSTAMP") and e.get("DTSTART") and e.get("SUMMARY"), e
    assert type(e.decoded("DTSTART")) is type(e.decoded("DTEND")), e
    assert e.decoded("DTEND") > e.decoded("DTSTART"), e
print(len(events))
"#;
    let skipped = "the check with Python's icalendar package; the ical crate check above ran";
    if !crate::support::python_has("icalendar", "LIAISON_REQUIRE_PYTHON_ICALENDAR", skipped) {
        return;
    }
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), ics.as_bytes())
        .expect("write ics");
    let out = child.wait_with_output().expect("python3 output");
    assert!(
        out.status.success(),
        "Python icalendar rejected the export: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), events.to_string());
}
