//! The public site's pages as a reader gets them: each kind of item reads as itself, each list
//! has its kind's columns, long titles are clamped in lists, a country's page gathers its
//! items with links to subscribe, every page says when the site last heard from each member,
//! and every answer carries the headers that keep browsers safe.

use liaison_protocol::{Kind, Label, Text};

use crate::fed_support::{DEADLINE, eventually};

use crate::mirror_support::*;
use crate::site_support::*;

/// What every HTML page must have and must not have; the problems found.
fn page_problems(path: &str, body: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut require = |ok: bool, what: &str| {
        if !ok {
            problems.push(format!("{path}: {what}"));
        }
    };
    require(body.matches("<h1").count() == 1, "one h1");
    for landmark in ["<header>", "<nav aria-label=", "<main id=\"main\"", "<footer"] {
        require(body.contains(landmark), landmark);
    }
    require(body.contains("<a class=\"skip\" href=\"#main\">"), "a skip link");
    require(body.contains("<link rel=\"stylesheet\" href=\"/site.css\">"), "the stylesheet");
    for inline in ["<script", "<style", " style=", " onclick="] {
        require(!body.contains(inline), &format!("no {inline}"));
    }
    require(body.matches("<table").count() == body.matches("<caption").count(), "captions");
    require(!body.contains("<th>"), "th with a scope");
    require(body.matches("<td").count() == body.matches("<td data-label=").count(), "labels");
    for raw in ["files[0]", "visit.country", "report.symbol", "contact.emails", "status_history"] {
        require(!body.contains(raw), &format!("no raw field {raw}"));
    }
    // Headings in order: never a level skipped on the way down.
    let mut level = 1;
    for part in body.split("<h").skip(1) {
        if let Some(next) = part.chars().next().and_then(|c| c.to_digit(10)) {
            require(next <= level + 1, &format!("h{next} after h{level}"));
            level = next;
        }
    }
    // (The crawl follows the language switcher too; other languages say it in their words.)
    let english = body.contains("<html lang=\"en\"");
    require(!english || body.contains("When this site last heard from each member:"), "freshness");
    for member in ["(ohchr)", "(achpr)", "(coe)"] {
        require(body.contains(member), &format!("freshness of {member}"));
    }
    require(!body.contains("(ngo-watch)"), "mirrors are not members");
    problems
}

/// Checks that `page` (`what`) shows each of `expected`.
fn shows(page: &str, what: &str, expected: &[&str]) {
    for shown in expected {
        assert!(page.contains(shown), "{what} lacks {shown}:\n{page}");
    }
}

/// A public visit whose title is longer than any list shows.
async fn long_titled_visit(fed: &Fed) -> (liaison_protocol::ItemId, String) {
    let title = format!("{PUBLIC}long {}end", "a visit with a very long title ".repeat(12));
    let mut draft = marked_drafts_with("zzlong", Label::Clear, &[])
        .into_iter()
        .find(|d| d.kind == Kind::Visit)
        .expect("a visit");
    draft.fields.title = Text { value: title.clone(), lang: "en".parse().expect("lang") };
    let id = fed.net[OHCHR].create(draft).await;
    until_status(fed.mirror(), &format!("/items/{id}/"), 200).await;
    (id, title)
}

/// The id of the marked public item of `kind` (about Senegal).
async fn marked(mirror: std::net::SocketAddr, kind: &str) -> String {
    let answer = get_json(mirror, &format!("/api/v1/items?kind={kind}&country=SN")).await;
    answer["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["fields"]["title"]["value"] == format!("{PUBLIC}clear{kind} title"))
        .and_then(|i| i["id"].as_str())
        .unwrap_or_else(|| panic!("no marked public {kind}: {answer}"))
        .to_owned()
}

/// Every page is guarded and well formed; each kind reads as itself; lists have their kind's
/// columns and clamp long titles; a country's page gathers its items and feeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_reads_as_itself_and_every_page_is_guarded() {
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    let (long_id, long_title) = long_titled_visit(&fed).await;

    let mut problems = Vec::new();
    let mut pages = crawl(mirror).await;
    pages.insert("/no/such/page".into(), get(mirror, "/no/such/page").await);
    pages.insert("/site.css".into(), get(mirror, "/site.css").await);
    assert!(pages.len() > 30, "the crawl found {} pages", pages.len());
    for (path, answer) in &pages {
        let csp = answer.header("content-security-policy").unwrap_or_default();
        let guarded = csp.contains("default-src 'none'")
            && csp.contains("style-src 'self'")
            && !csp.contains("unsafe-inline")
            && !csp.contains("script-src")
            && answer.header("x-content-type-options") == Some("nosniff")
            && answer.header("referrer-policy") == Some("no-referrer");
        if !guarded {
            problems.push(format!("{path}: headers {:?}", answer.headers));
        }
        if answer.content_type().starts_with("text/html") {
            problems.extend(page_problems(path, &answer.body));
        }
    }
    assert!(pages["/site.css"].content_type().starts_with("text/css"), "the stylesheet's type");
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Each kind's page shows its own facts, in words.
    let page = |id: String| async move { get_ok(mirror, &format!("/items/{id}/")).await };
    let visit = page(marked(mirror, "visit").await).await;
    shows(
        visit.as_str(),
        "the visit's page",
        &[
            "<dt>Mandate</dt><dd dir=\"auto\">zzpublicclearvisit mandate</dd>",
            "<a href=\"/countries/SN/\">Senegal</a>",
            "<dt>Status</dt><dd dir=\"auto\">Scheduled</dd>",
            "2 August 2027 to 6 August 2027",
            "<strong>By 1 July 2027</strong>",
            "<a href=\"https://example.org/zzpublicclearvisit/cfi\">",
            "<ol class=\"timeline\">",
            "<time datetime=\"2026-09-01\">1 September 2026</time>: Requested",
            "zzpublicclearvisit status note",
        ],
    );
    let report = page(marked(mirror, "report").await).await;
    shows(
        report.as_str(),
        "the report's page",
        &[
            "<dt>Symbol</dt><dd dir=\"auto\">zzpublicclearreport/symbol</dd>",
            "<a href=\"https://example.org/zzpublicclearreport.pdf\">English</a> (application/pdf)",
            "<a href=\"https://example.org/fr/zzpublicclearreport.pdf\">French</a>",
            "<time datetime=\"2026-10-15\">15 October 2026</time>",
        ],
    );
    let contact = page(marked(mirror, "contact").await).await;
    shows(
        contact.as_str(),
        "the contact's page",
        &[
            "<dt>Role</dt><dd dir=\"auto\">Desk officer</dd>",
            "<dt>Unit</dt><dd dir=\"auto\">zzpublicclearcontact unit</dd>",
            "<a href=\"mailto:zzpublicclearcontact@example.org\">",
            "<a href=\"tel:+41229170000\">",
        ],
    );
    let event = page(marked(mirror, "event").await).await;
    shows(
        event.as_str(),
        "the event's page",
        &[
            "<dt>Category</dt><dd dir=\"auto\">Meeting</dd>",
            "1 September 2027 to 2 September 2027",
            "<span dir=\"auto\">zzpublicclearevent venue</span>, <a href=\"/countries/SN/\">Senegal</a>",
            "<dt>Session</dt><dd dir=\"auto\">zzpublicclearevent session</dd>",
        ],
    );

    // Each list has its kind's columns; none borrows the visits' empty ones.
    for (path, columns, not) in [
        ("/visits/", &["Dates", "Visit", "Mandate", "Country", "Mechanism", "Status"][..], "Unit"),
        ("/calendar/", &["Dates", "Event", "Category", "Place", "Status"][..], "Mandate"),
        ("/reports/", &["Issued", "Report", "Symbol", "Type", "Countries"][..], "Status"),
        ("/contacts/", &["Contact", "Role", "Unit", "Covers"][..], "Dates"),
    ] {
        let body = &pages[path].body;
        for c in columns {
            assert!(body.contains(&format!("<th scope=\"col\">{c}</th>")), "{path}: no {c}");
        }
        assert!(!body.contains(&format!("<th scope=\"col\">{not}</th>")), "{path}: {not}");
    }

    // A long title: cut with an ellipsis and clamped in lists, whole on its own page.
    let list = get_ok(mirror, "/visits/?country=SN").await;
    let cut = list
        .split(&format!("<a class=\"clamp\" href=\"/items/{long_id}/\" lang=\"en\" dir=\"auto\">"))
        .nth(1)
        .and_then(|rest| rest.split("</a>").next())
        .unwrap_or_else(|| panic!("the long title is not listed:\n{list}"));
    assert!(cut.ends_with('…') && cut.chars().count() <= 121, "cut: {cut:?}");
    assert!(long_title.starts_with(cut.trim_end_matches('…')), "a prefix: {cut:?}");
    let whole = get_ok(mirror, &format!("/items/{long_id}/")).await;
    assert!(
        whole.contains(&format!("<h1 lang=\"en\" dir=\"auto\">{long_title}</h1>")),
        "the whole title"
    );

    // A country's page: its visits, events, reports, calls for input and contacts, and its
    // calendar to subscribe to.
    let country = get_ok(mirror, "/countries/SN/").await;
    for kind in ["visit", "event", "report", "contact"] {
        let id = marked(mirror, kind).await;
        assert!(country.contains(&format!("href=\"/items/{id}/\"")), "Senegal's page: no {kind}");
    }
    shows(
        country.as_str(),
        "Senegal's page",
        &[
            "<h1>Senegal</h1>",
            "<h2>Calls for input</h2>",
            "<a href=\"https://example.org/zzpublicclearvisit/cfi\">submit input</a>",
            &format!("href=\"webcal://{mirror}/calendar.ics?country=SN\""),
            "href=\"/calendar.ics?country=SN\"",
            "href=\"/deadlines.ics?country=SN\"",
            "href=\"/reports.atom?country=SN\"",
        ],
    );
    // A Host header that is not a host name goes in no link: the calendar is offered as a file.
    let odd = exchange(
        mirror,
        b"GET /countries/SN/ HTTP/1.1\r\nHost: x/\"><b>y\r\nConnection: close\r\n\r\n",
    )
    .await
    .expect("an answer");
    assert_eq!(odd.status, 200, "{odd:?}");
    assert!(!odd.body.contains("webcal:") && !odd.body.contains("<b>y"), "{}", odd.body);
    assert!(odd.body.contains("href=\"/calendar.ics?country=SN\""), "{}", odd.body);
}

/// The part of `page` that says when the site last heard from the member `code`.
fn heard_from(page: &str, code: &str) -> String {
    page.split(&format!("({code}): "))
        .nth(1)
        .and_then(|s| s.split("</li>").next())
        .unwrap_or_default()
        .to_owned()
}

/// Every page says when the site last heard from each member, and that it is not in touch
/// with one that went away; a static copy says it is a copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_says_when_the_site_last_heard_from_each_member() {
    let mut fed = Fed::start().await;
    let mirror = fed.mirror();
    let home = get_ok(mirror, "/").await;
    for code in ["ohchr", "achpr", "coe"] {
        let heard = heard_from(&home, code);
        assert!(heard.starts_with("<time datetime=\"20"), "{code}: {heard:?}");
        assert!(heard.ends_with(", connected"), "{code}: {heard:?}");
    }
    fed.net[ACHPR].stop().await;
    eventually(DEADLINE, || async {
        let page = get_ok(mirror, "/reports/").await;
        let heard = heard_from(&page, "achpr");
        if heard.starts_with("<time datetime=") && heard.ends_with(", not connected now") {
            Ok(())
        } else {
            Err(format!("achpr: {heard:?}"))
        }
    })
    .await;
    assert!(heard_from(&get_ok(mirror, "/").await, "coe").ends_with(", connected"));

    let dir = tempfile::tempdir().expect("tempdir");
    fed.export(MIRROR, dir.path()).await;
    let copy = std::fs::read_to_string(dir.path().join("index.html")).expect("index.html");
    assert!(copy.contains("A copy of the site written <time datetime="), "{copy}");
    let css = std::fs::read_to_string(dir.path().join("site.css")).expect("site.css");
    assert_eq!(css, get_ok(mirror, "/site.css").await, "the copy's stylesheet");
}
