//! Search on the public site and on a node: words of a title, a summary and a mandate are
//! found, filters narrow, a title match ranks above a match in other text, nothing restricted
//! is ever found on a public site, results follow withdrawals and updates, bad queries get a
//! 400 naming the problem, and `liaison search` shows a node's operator what it holds.

use std::net::SocketAddr;

use liaison_node::Draft;
use liaison_node::api::{Request, Response};
use liaison_protocol::{Kind, Label, VisitPatch};
use serde_json::Value;

use crate::fed_support::{DEADLINE, eventually};
use crate::mirror_support::*;
use crate::site_support::*;

/// Words that only the test's own public items carry.
const IN_TITLE: &str = "kestrelword";
const IN_MANDATE: &str = "ospreyterm";
const IN_SUMMARY: &str = "heronphrase";
const RETITLED: &str = "merlinword";
/// A word of the visit's French title only, and of the report's Spanish summary only.
const IN_FRENCH_TITLE: &str = "martinetmot";
const IN_SPANISH_SUMMARY: &str = "vencejofrase";

/// A visit with [`IN_TITLE`] in its title and [`IN_MANDATE`] in its mandate, a report with
/// [`IN_SUMMARY`] in its summary, and an event with [`IN_TITLE`] in its themes only.
fn drafts() -> Vec<Draft> {
    let mut drafts = marked_drafts_with("zzfind", Label::Clear, &[]);
    for draft in &mut drafts {
        let f = &mut draft.fields;
        match draft.kind {
            Kind::Visit => {
                f.title.value = format!("Visit about {IN_TITLE} and detention");
                f.title_in.insert(lang("fr"), format!("Visite sur {IN_FRENCH_TITLE}"));
                if let Some(v) = &mut f.visit {
                    v.mandate = format!("Special Rapporteur on {IN_MANDATE}");
                }
            }
            Kind::Report => {
                if let Some(r) = &mut f.report {
                    r.summary = Some(format!("Findings on {IN_SUMMARY} in places of detention"));
                }
                f.summary_in.insert(lang("es"), format!("Conclusiones sobre {IN_SPANISH_SUMMARY}"));
            }
            Kind::Event => f.themes = vec![IN_TITLE.to_owned()],
            _ => {}
        }
    }
    drafts
}

fn lang(tag: &str) -> liaison_protocol::LangTag {
    tag.parse().expect("a language tag")
}

/// A visit only members may see, with the public visit's French word in its French title.
fn restricted_french_visit() -> Draft {
    let mut drafts = marked_drafts_with("zzfindgreen", Label::Green, &[]);
    let mut visit = drafts.remove(0);
    assert_eq!(visit.kind, Kind::Visit);
    visit.fields.title_in.insert(lang("fr"), format!("Visite {IN_FRENCH_TITLE}"));
    visit
}

/// `/api/v1/search` with `query` (already escaped); must answer 200.
async fn api(addr: SocketAddr, query: &str) -> Value {
    get_json(addr, &format!("/api/v1/search?{query}")).await
}

/// The ids of the results of `/api/v1/search?query`, best first.
async fn found(addr: SocketAddr, query: &str) -> Vec<String> {
    let answer = api(addr, query).await;
    answer["results"]
        .as_array()
        .unwrap_or_else(|| panic!("{query}: {answer}"))
        .iter()
        .map(|r| r["item"]["id"].as_str().expect("an id").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_public_items_only_and_follows_changes() {
    let fed = Fed::start().await;
    let ohchr = &fed.net[OHCHR];
    let mut ids = std::collections::BTreeMap::new();
    for draft in drafts() {
        let kind = draft.kind;
        ids.insert(kind, ohchr.create(draft).await);
    }
    let id = |kind: Kind| ids[&kind].to_string();
    ohchr.create(restricted_french_visit()).await;
    let mirror = fed.mirror();
    eventually(DEADLINE, || async {
        let got = found(mirror, &format!("q={IN_SUMMARY}")).await;
        if got == [id(Kind::Report)] { Ok(()) } else { Err(format!("found {got:?}")) }
    })
    .await;

    for (name, addr) in [("mirror", mirror), ("ohchr member site", fed.site(OHCHR))] {
        // A word of the title, of the mandate, of the summary; the title match ranks first.
        let by_title = found(addr, &format!("q={IN_TITLE}")).await;
        assert_eq!(by_title, [id(Kind::Visit), id(Kind::Event)], "{name}: title above themes");
        assert_eq!(found(addr, &format!("q={IN_MANDATE}")).await, [id(Kind::Visit)], "{name}");
        assert_eq!(found(addr, &format!("q={IN_SUMMARY}")).await, [id(Kind::Report)], "{name}");
        // A word of a title or summary in another language than the item's own; the visit
        // only members see, with the same French word, is never found.
        let french = found(addr, &format!("q={IN_FRENCH_TITLE}")).await;
        assert_eq!(french, [id(Kind::Visit)], "{name}");
        let spanish = found(addr, &format!("q={IN_SPANISH_SUMMARY}")).await;
        assert_eq!(spanish, [id(Kind::Report)], "{name}");
        // All words must match.
        assert_eq!(found(addr, &format!("q={IN_TITLE}+{IN_SUMMARY}")).await.len(), 0, "{name}");
        // Filters narrow: kind, mechanism, dates (the visit is in August 2027, the event in
        // September), country.
        let q = format!("q={IN_TITLE}");
        assert_eq!(found(addr, &format!("{q}&kind=event")).await, [id(Kind::Event)], "{name}");
        assert_eq!(found(addr, &format!("{q}&mechanism=achpr")).await.len(), 0, "{name}");
        assert_eq!(found(addr, &format!("{q}&mechanism=ohchr")).await.len(), 2, "{name}");
        assert_eq!(found(addr, &format!("{q}&from=2027-08-20")).await, [id(Kind::Event)]);
        assert_eq!(found(addr, &format!("{q}&to=2027-08-20")).await, [id(Kind::Visit)]);
        assert_eq!(found(addr, &format!("{q}&country=TN")).await.len(), 0, "{name}");

        // The words found are marked, in the JSON and in the page, whose markup is escaped.
        let answer = api(addr, &q).await;
        assert_eq!(answer["total"], 2, "{name}: {answer}");
        let title = &answer["results"][0]["highlights"][0];
        assert_eq!(title["field"], "title", "{name}: {answer}");
        assert!(
            title["pieces"]
                .as_array()
                .expect("pieces")
                .iter()
                .any(|p| p["text"] == IN_TITLE && p["match"] == true),
            "{name}: {answer}"
        );
        let page = get_ok(addr, &format!("/search?{q}")).await;
        assert!(page.contains(&format!("<mark>{IN_TITLE}</mark>")), "{name}: {page}");
        assert_eq!(page.matches("<h1").count(), 1, "{name}: one h1");
        assert!(page.contains("role=\"search\"") && page.contains("<label"), "{name}: {page}");
        let home = get_ok(addr, "/").await;
        assert!(home.contains("href=\"/search\""), "{name}: no search link in the navigation");
        // (`<` starts a range in the query syntax: refused, and echoed escaped.)
        let markup = get(addr, "/search?q=%3Cscript%3E+kestrelword").await;
        assert_eq!(markup.status, 400, "{name}: {markup:?}");
        assert!(!markup.body.contains("<script>"), "{name}: the query is echoed unescaped");
        assert!(markup.body.contains("&lt;script&gt;"), "{name}: {}", markup.body);

        // Nothing restricted is ever found: every marker word of a restricted item, in HTML
        // and JSON, and every item when searching for everything.
        let mut markers: Vec<String> = Vec::new();
        for label in ["green", "amber", "amberstrict", "red"] {
            for kind in ["visit", "event", "report", "contact"] {
                markers.push(format!("{LEAK}{label}{kind}"));
            }
        }
        for marker in &markers {
            let answer = api(addr, &format!("q={marker}")).await;
            assert_eq!(answer["total"], 0, "{name}: {marker} found: {answer}");
            let page = get_ok(addr, &format!("/search?q={marker}")).await;
            let shown = page.replace(marker.as_str(), "");
            let found = leaks(&shown, &fed.restricted, &fed.secrets);
            assert!(found.is_empty(), "{name} /search?q={marker}: {found:?}");
            assert!(page.contains("No public item matches"), "{name}: {marker}: {page}");
        }
        let mut everything = Vec::new();
        for page in 1..=20 {
            let answer = api(addr, &format!("q=*&limit=50&page={page}")).await;
            let text = answer.to_string();
            let found = leaks(&text, &fed.restricted, &fed.secrets);
            assert!(found.is_empty(), "{name}: searching for everything: {found:?}");
            everything.extend(answer["results"].as_array().expect("results").clone());
            if answer["next"].is_null() {
                break;
            }
        }
        assert_eq!(everything.len(), fed.public.len() + ids.len(), "{name}: every public item");

        // A bad query gets a 400 naming the problem, in the page and in the API.
        let long = "a".repeat(201);
        for (query, problem) in
            [(long.as_str(), "201 characters"), ("nosuchfield:word", "nosuchfield"), ("", "empty")]
        {
            let answer = get(addr, &format!("/api/v1/search?q={query}")).await;
            assert_eq!(answer.status, 400, "{name} q={query}: {answer:?}");
            assert!(answer.body.contains(problem), "{name} q={query}: {}", answer.body);
            if !query.is_empty() {
                let page = get(addr, &format!("/search?q={query}")).await;
                assert_eq!(page.status, 400, "{name} /search?q={query}");
                assert!(page.body.contains(problem), "{name} /search?q={query}: {}", page.body);
            }
        }
        for bad in ["limit=51", "page=0", "country=XX", "colour=red"] {
            let answer = get(addr, &format!("/search?q=a&{bad}")).await;
            assert_eq!(answer.status, 400, "{name} {bad}: {answer:?}");
        }
        // An empty query shows the form alone.
        assert!(get_ok(addr, "/search").await.contains("name=\"q\""), "{name}");
    }

    // A node's operator searches everything the node holds, restricted items included.
    let dir = ohchr.path().to_owned();
    let search = |args: Vec<String>| {
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || {
            let out = std::process::Command::new(crate::support::liaison_bin())
                .arg("--data-dir")
                .arg(&dir)
                .arg("search")
                .args(&args)
                .env_remove("LIAISON_DIR")
                .output()
                .expect("liaison search");
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
        })
    };
    let run = search(vec![format!("{LEAK}greenvisit")]).await.expect("ran");
    assert_eq!(run.0, 0, "{run:?}");
    assert!(run.1.contains(&format!("[{LEAK}greenvisit]")), "{run:?}");
    let run = search(vec![IN_TITLE.into(), "--kind".into(), "visit".into()]).await.expect("ran");
    assert_eq!(run.0, 0, "{run:?}");
    assert!(run.1.contains(&id(Kind::Visit)[..8]), "{run:?}");
    assert!(run.1.contains("1 item found"), "{run:?}");
    let run = search(vec!["nosuchfield:word".into()]).await.expect("ran");
    assert_eq!(run.0, 2, "{run:?}");
    assert!(run.2.contains("nosuchfield"), "{run:?}");

    // Results follow a withdrawal and an update.
    let withdrawn = ohchr.request(Request::Withdraw { id: ids[&Kind::Report] }).await;
    assert!(matches!(withdrawn, Response::Withdrawn(true)), "{withdrawn:?}");
    let patch =
        VisitPatch { title: Some(format!("Visit about {RETITLED}")), ..VisitPatch::default() };
    let updated = ohchr.request(Request::UpdateVisit { id: ids[&Kind::Visit], patch }).await;
    assert!(matches!(updated, Response::Updated(Some(_))), "{updated:?}");
    for addr in [mirror, fed.site(OHCHR)] {
        eventually(DEADLINE, || async {
            let summary = found(addr, &format!("q={IN_SUMMARY}")).await;
            let old = found(addr, &format!("q={IN_TITLE}")).await;
            let new = found(addr, &format!("q={RETITLED}")).await;
            if summary.is_empty() && old == [id(Kind::Event)] && new == [id(Kind::Visit)] {
                Ok(())
            } else {
                Err(format!("{IN_SUMMARY}: {summary:?}, {IN_TITLE}: {old:?}, {RETITLED}: {new:?}"))
            }
        })
        .await;
    }
}
