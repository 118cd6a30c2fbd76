//! Rule 1 on the public site: nothing restricted shows in any output of a mirror, nor of a
//! member that serves the site with restricted items in its own store.

use std::collections::BTreeSet;

use liaison_node::Query;
use liaison_node::api::{Request, Response};
use liaison_node::digest::Audience;
use liaison_node::export::ExportFormat;
use liaison_protocol::Label;

use crate::mirror_support::*;
use crate::site_support::*;

/// Rule 1 on the public site: no item that is not `clear`, nor any of its fields, ids or
/// countries, shows in anything the mirror serves or exports; the same on a member that
/// serves the site with restricted items in its own store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_restricted_shows_in_any_output_of_the_public_site() {
    let fed = Fed::start().await;
    let all = fed.all_ids().await;
    assert!(all.is_superset(&fed.restricted), "every restricted item is on some node");
    assert!(fed.restricted.len() >= 25 && fed.public.len() >= 10, "{fed:?}");
    let mirror_ids = fed.net[MIRROR].ids().await;
    assert_eq!(mirror_ids, fed.public.keys().copied().collect(), "the mirror holds clear only");
    let ohchr_entries = fed.net[OHCHR].entries().await;
    let ohchr_restricted = ohchr_entries.keys().filter(|id| fed.restricted.contains(id)).count();
    assert!(ohchr_restricted >= 20, "ohchr's store holds restricted items: {ohchr_restricted}");
    // A plain export is for ohchr's own people: everything but red, which never leaves.
    let exportable = ohchr_entries
        .iter()
        .filter(|(id, e)| fed.restricted.contains(id) && e.header.label != Label::Red)
        .count();

    // The detector finds restricted content where it is: in ohchr's own (member) exports.
    for format in [ExportFormat::Json, ExportFormat::Ics, ExportFormat::Csv] {
        let request = Request::Export { query: Query::default(), audience: Audience::Own, format };
        let Response::Text(text) = fed.net[OHCHR].request(request).await else { panic!("export") };
        let found = leaks(&text, &fed.restricted, &fed.secrets);
        assert!(found.iter().any(|l| l.starts_with("marker")), "{format:?}: {found:?}");
        if format != ExportFormat::Ics {
            let ids = found.iter().filter(|l| l.starts_with("restricted item id")).count();
            assert_eq!(ids, exportable, "{format:?}: every exportable restricted id is found");
        }
    }

    let mut problems = Vec::new();
    for (name, node) in [("mirror", MIRROR), ("ohchr member site", OHCHR)] {
        let addr = fed.site(node);
        let out = outputs(addr, &all).await;
        for (path, answer) in &out {
            assert!(answer.status < 500, "{name} {path}: {answer:?}");
            for leak in leaks(&answer.body, &fed.restricted, &fed.secrets) {
                problems.push(format!("{name} GET {path}: {leak}"));
            }
        }
        // The checks look where items are: every public item shows, its markers too.
        let everything: String = out.values().map(|a| readable(&a.body)).collect();
        for kind in ["visit", "event", "report", "contact"] {
            assert!(
                everything.contains(&format!("{PUBLIC}clear{kind}")),
                "{name}: no public {kind}"
            );
        }
        let (api, _) = api_items(addr, "", 500).await;
        let served: BTreeSet<String> =
            api.iter().filter_map(|i| i["id"].as_str().map(str::to_owned)).collect();
        let public: BTreeSet<String> = fed.public.keys().map(ToString::to_string).collect();
        assert_eq!(served, public, "{name}: the API serves exactly the clear items");
        for item in &api {
            assert_eq!(item["label"], "clear", "{name}: {item}");
            assert!(item.get("provenance").is_none(), "{name}: the API item carries provenance");
        }

        // Each item: a public one is served; any other answers exactly like an id never issued.
        let never = unknown_ids();
        for id in &all {
            for (path, never_path) in item_paths(&id.to_string()).iter().zip(item_paths(&never[0]))
            {
                let answer = &out[path];
                if let Some(title) = fed.public.get(id) {
                    assert_eq!(answer.status, 200, "{name} {path}: {answer:?}");
                    if path.ends_with('/') {
                        assert!(
                            answer.body.contains(&maud_escape(title)),
                            "{name} {path}: no title"
                        );
                    }
                    continue;
                }
                assert_eq!(answer.status, 404, "{name} {path}: {answer:?}");
                for unknown in [never_path, item_paths(&never[1])[0].clone()] {
                    let other = get(addr, &unknown).await;
                    assert_eq!(
                        answer.comparable(),
                        other.comparable(),
                        "{name}: {path} (not public) answers unlike {unknown} (no such item)"
                    );
                }
            }
        }

        // Countries only restricted items concern: not listed, and their pages are empty.
        let home = &out["/"];
        for c in RESTRICTED_COUNTRIES {
            assert!(!home.body.contains(&format!("/countries/{c}/")), "{name}: home lists {c}");
            let page = &out[&format!("/countries/{c}/")];
            assert_eq!(page.status, 200, "{name} /countries/{c}/");
            assert!(!page.body.contains("href=\"/items/"), "{name} /countries/{c}/ lists items");
        }
        let linked: Vec<&String> = out.keys().filter(|p| p.starts_with("/countries/")).collect();
        assert!(linked.len() > RESTRICTED_COUNTRIES.len(), "{name}: no country linked from home");

        // Metrics count public items only, by kind, under label="clear".
        let metrics = &out["/metrics"].body;
        let mut counted = 0;
        for line in metrics.lines().filter(|l| l.starts_with("liaison_public_items{")) {
            assert!(line.contains("label=\"clear\""), "{name} /metrics: {line}");
            counted +=
                line.rsplit(' ').next().and_then(|n| n.parse::<usize>().ok()).expect("value");
        }
        assert_eq!(counted, fed.public.len(), "{name} /metrics:\n{metrics}");
        for word in ["green", "amber", "amber-strict", "red"] {
            assert!(!metrics.contains(&format!("label=\"{word}\"")), "{name} /metrics: {word}");
        }

        // The static export: every file.
        let dir = tempfile::tempdir().expect("tempdir");
        let (files, items) = fed.export(node, dir.path()).await;
        assert_eq!(items, fed.public.len(), "{name}: static export items");
        let written = files_under(dir.path());
        assert_eq!(written.len(), files, "{name}: files said and written");
        for (path, text) in &written {
            for leak in leaks(text, &fed.restricted, &fed.secrets) {
                problems.push(format!("{name} static export {path}: {leak}"));
            }
        }
        for id in fed.public.keys() {
            assert!(
                written.contains_key(&format!("items/{id}/index.html")),
                "{name}: {id} not exported"
            );
        }
        for c in RESTRICTED_COUNTRIES {
            assert!(
                !written.keys().any(|p| p.starts_with(&format!("countries/{c}/"))),
                "{name}: exported {c}"
            );
        }
        let exported: String = written.values().map(|t| readable(t)).collect();
        assert!(exported.contains(PUBLIC), "{name}: the export holds no public item");
    }
    assert!(problems.is_empty(), "restricted content is public:\n{}", problems.join("\n"));
}
