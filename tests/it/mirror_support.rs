//! Support for the mirror tests: a federation with every label in use whose mirror (and one
//! member) serve the public site on 127.0.0.1, and the check that nothing restricted shows in
//! what the site serves (HTTP helpers are in `site_support`).
#![allow(dead_code)] // Not every test uses every helper.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;

use liaison_node::api::{Request, Response};
use liaison_node::daemon::Options;
use liaison_node::{Draft, sample};
use liaison_protocol::{Fields, ItemId, Kind, Label, Role};
use serde_json::{Value, json};

use crate::fed_support::{DEADLINE, TestNet, TestNode, eventually, mech, options};

use crate::site_support::*;

/// Marker that every restricted test item carries in its title and in its fields.
pub(crate) const LEAK: &str = "zzleak";

/// Marker that every public test item carries, to show the checks look where items are.
pub(crate) const PUBLIC: &str = "zzpublic";

/// Countries that only restricted items concern: no public output may name them.
pub(crate) const RESTRICTED_COUNTRIES: [&str; 7] = ["NO", "IS", "MM", "KP", "TR", "GE", "BI"];

/// The country each label's marked items concern.
fn marked_country(label: Label) -> &'static str {
    match label {
        Label::Clear => "SN",
        Label::Green => "NO",
        Label::Amber => "IS",
        Label::AmberStrict => "MM",
        Label::Red => "KP",
    }
}

/// One item of each kind for `label`, with the marker `zzleak<label><kind>` (`zzpublic...` for
/// `clear`) in the title and in every text field of its kind, and, where the label allows them,
/// a programme and notes.
pub(crate) fn marked_drafts(label: Label, audience: &[&str]) -> Vec<Draft> {
    marked_drafts_with(if label == Label::Clear { PUBLIC } else { LEAK }, label, audience)
}

/// [`marked_drafts`] with the marker `prefix` instead of the label's.
pub(crate) fn marked_drafts_with(prefix: &str, label: Label, audience: &[&str]) -> Vec<Draft> {
    let word = label.to_string().replace('-', "");
    let cc = marked_country(label);
    let restricted = matches!(label, Label::Amber | Label::AmberStrict | Label::Red);
    [Kind::Visit, Kind::Event, Kind::Report, Kind::Contact]
        .into_iter()
        .map(|kind| {
            let m = format!("{prefix}{word}{kind}");
            let mut fields = json!({
                "title": {"value": format!("{m} title"), "lang": "en"},
                "countries": [],
                "themes": [format!("{m}-theme")],
                "links": [{"rel": "related", "href": format!("https://example.org/{m}")}],
            });
            // Not a `match`: other kinds of item may come, and have no test fields here.
            if kind == Kind::Visit {
                fields["visit"] = visit_fields(&m, cc, restricted);
            } else if kind == Kind::Event {
                fields["countries"] = json!([cc]);
                fields["event"] = event_fields(&m, cc);
            } else if kind == Kind::Report {
                fields["countries"] = json!([cc]);
                fields["report"] = report_fields(&m);
            } else {
                fields["contact"] = contact_fields(&m, cc, label != Label::Clear);
            }
            let fields: Fields = serde_json::from_value(fields)
                .unwrap_or_else(|e| panic!("test fields of {m}: {e}"));
            Draft {
                kind,
                fields,
                label,
                audience: audience.iter().map(|a| mech(a)).collect(),
                co_owners: Vec::new(),
                supersedes: None,
            }
        })
        .collect()
}

/// A visit to `cc` marked `m`; with a programme and notes when `restricted`.
fn visit_fields(m: &str, cc: &str, restricted: bool) -> Value {
    let mut visit = json!({
        "mandate": format!("{m} mandate"),
        "country": cc,
        "sites": [{"country": cc, "place": format!("{m} site")}],
        "visit_type": "official",
        "status": "scheduled",
        "status_history": [
            {"status": "requested", "date": "2026-09-01", "note": format!("{m} status note")},
        ],
        "planned": {"start": "2027-08-02", "end": "2027-08-06", "precision": "day"},
        "joint_with": [],
        "call_for_input": {"deadline": "2027-07-01", "url": format!("https://example.org/{m}/cfi")},
        "programme": [],
    });
    if restricted {
        let (place, meeting) = (format!("{m} place"), format!("{m} meeting"));
        visit["programme"] = json!([{"date": "2027-08-03", "place": place, "meeting": meeting}]);
        visit["notes"] = json!(format!("{m} notes"));
    }
    visit
}

/// A two-day meeting in `cc` marked `m`.
fn event_fields(m: &str, cc: &str) -> Value {
    json!({
        "category": "meeting",
        "start": "2027-09-01",
        "end": "2027-09-02",
        "status": "confirmed",
        "location": {"text": format!("{m} venue"), "country": cc},
        "session": format!("{m} session"),
        "related": [],
    })
}

/// A mission report marked `m`, with an English and a French file.
fn report_fields(m: &str) -> Value {
    json!({
        "symbol": format!("{m}/symbol"),
        "doc_type": "mission_report",
        "issued": "2026-10-15",
        "files": [
            {"lang": "en", "url": format!("https://example.org/{m}.pdf"),
             "media_type": "application/pdf"},
            {"lang": "fr", "url": format!("https://example.org/fr/{m}.pdf")},
        ],
        "summary": format!("{m} summary"),
    })
}

/// A desk officer covering `cc`, marked `m`; named when `named`.
fn contact_fields(m: &str, cc: &str, named: bool) -> Value {
    let mut contact = json!({
        "role": "desk_officer",
        "function_title": format!("{m} function"),
        "org_unit": format!("{m} unit"),
        "emails": [format!("{m}@example.org")],
        "phones": ["+41229170000"],
        "coverage_countries": [cc],
        "coverage_themes": [format!("{m}-coverage")],
    });
    if named {
        contact["person_name"] = json!(format!("{m} person"));
    }
    contact
}

/// Every text leaf of `value`.
fn strings(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            out.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The nodes of [`Fed`], by index.
pub(crate) const OHCHR: usize = 0;

pub(crate) const ACHPR: usize = 1;

pub(crate) const COE: usize = 2;

pub(crate) const MIRROR: usize = 3;

/// The address the mirror's site says it is reached at (`public_url`); the member's site has
/// none.
pub(crate) const MIRROR_URL: &str = "https://mirror.example.org";

/// Sets `public_url` in the config of the node in `dir`.
pub(crate) fn set_public_url(dir: &Path, url: &str) {
    let path = dir.join("config.toml");
    let text = std::fs::read_to_string(&path).expect("read config.toml");
    std::fs::write(&path, format!("{text}public_url = \"{url}\"\n")).expect("write config.toml");
}

/// A federation of ohchr, achpr and coe members and an NGO mirror, every node in every
/// roster, holding the sample items and marked items of every label. The mirror serves the
/// public site, and so does ohchr, a member that enables it: its store holds restricted items,
/// so its site shows that the site's own filter holds, not only sync.
#[derive(Debug)]
pub(crate) struct Fed {
    pub(crate) net: TestNet,
    /// Ids of the `clear` items, each with its title.
    pub(crate) public: BTreeMap<ItemId, String>,
    /// Ids of every item that is not `clear`, in whichever node's store.
    pub(crate) restricted: BTreeSet<ItemId>,
    /// Texts of restricted items (lower case) that no public item has: none may show.
    pub(crate) secrets: BTreeSet<String>,
}

impl Fed {
    /// Starts the federation and waits until every node holds what it may.
    pub(crate) async fn start() -> Fed {
        let site = Options { http: Some("127.0.0.1:0".into()), ..options() };
        let mut net = TestNet::default();
        for (i, (mechanism, role)) in [
            ("ohchr", Role::Member),
            ("achpr", Role::Member),
            ("coe", Role::Member),
            ("ngo-watch", Role::Mirror),
        ]
        .into_iter()
        .enumerate()
        {
            let mut node = TestNode::init(&format!("{mechanism}#{i}"), mechanism, role);
            if i == MIRROR {
                set_public_url(node.path(), MIRROR_URL);
            }
            let serves = i == OHCHR || i == MIRROR;
            node.start_with(if serves { site.clone() } else { options() }).await;
            net.nodes.push(node);
        }
        net.mesh().await;

        let mut drafts: Vec<(usize, Draft)> = Vec::new();
        for (i, code) in [(OHCHR, "ohchr"), (ACHPR, "achpr"), (COE, "coe")] {
            drafts.extend(sample::drafts(code).into_iter().map(|d| (i, d)));
        }
        drafts.extend(marked_drafts(Label::Clear, &[]).into_iter().map(|d| (OHCHR, d)));
        drafts.extend(marked_drafts(Label::Green, &[]).into_iter().map(|d| (OHCHR, d)));
        drafts.extend(marked_drafts(Label::Amber, &["achpr"]).into_iter().map(|d| (OHCHR, d)));
        drafts.extend(marked_drafts(Label::AmberStrict, &[]).into_iter().map(|d| (OHCHR, d)));
        drafts.extend(marked_drafts(Label::Red, &[]).into_iter().map(|d| (OHCHR, d)));
        // A restricted item of another owner that ohchr holds as its audience.
        drafts.extend(marked_drafts(Label::Amber, &["ohchr"]).into_iter().map(|d| (COE, d)));

        let mut public = BTreeMap::new();
        let mut restricted = BTreeSet::new();
        let (mut public_texts, mut restricted_texts) = (BTreeSet::new(), BTreeSet::new());
        for (i, draft) in drafts {
            let title = draft.fields.title.value.clone();
            let label = draft.label;
            let text = serde_json::to_value(&draft.fields).expect("fields as JSON");
            let id = net[i].create(draft).await;
            if label == Label::Clear {
                public.insert(id, title);
                strings(&text, &mut public_texts);
            } else {
                restricted.insert(id);
                strings(&text, &mut restricted_texts);
            }
        }
        let secrets = restricted_texts
            .difference(&public_texts)
            .filter(|s| s.len() >= 12 && s.chars().any(char::is_alphabetic))
            .map(|s| s.to_lowercase())
            .collect();
        let fed = Fed { net, public, restricted, secrets };
        fed.mirror_holds_every_public_item().await;
        fed.net.quiesce().await;
        fed
    }

    /// The address of node `i`'s public site.
    pub(crate) fn site(&self, i: usize) -> SocketAddr {
        self.net[i].running.as_ref().and_then(|r| r.http).expect("a node serving the site")
    }

    pub(crate) fn mirror(&self) -> SocketAddr {
        self.site(MIRROR)
    }

    /// Waits until the mirror's site serves every public item.
    pub(crate) async fn mirror_holds_every_public_item(&self) {
        let mirror = self.mirror();
        let expected: BTreeSet<String> = self.public.keys().map(ToString::to_string).collect();
        eventually(DEADLINE, || async {
            let (items, _) = api_items(mirror, "", 500).await;
            let served: BTreeSet<String> =
                items.iter().filter_map(|i| i["id"].as_str().map(str::to_owned)).collect();
            if served == expected {
                Ok(())
            } else {
                Err(format!("the mirror serves {served:?}, expected {expected:?}"))
            }
        })
        .await;
    }

    /// Every item id on any node, withdrawn ones included.
    pub(crate) async fn all_ids(&self) -> BTreeSet<ItemId> {
        let mut all = BTreeSet::new();
        for node in &self.net.nodes {
            all.extend(node.ids().await);
        }
        all
    }

    /// Writes the static export of node `i` into `dir` and returns (files, items).
    pub(crate) async fn export(&self, i: usize, dir: &Path) -> (usize, usize) {
        match self.net[i].request(Request::MirrorExport { dir: dir.to_owned() }).await {
            Response::Exported { files, items } => (files, items),
            other => panic!("mirror export answered {other:?}"),
        }
    }
}

/// What in `text` should never be public: markers, ids and texts of restricted items.
pub(crate) fn leaks(
    text: &str,
    restricted: &BTreeSet<ItemId>,
    secrets: &BTreeSet<String>,
) -> Vec<String> {
    let text = readable(text);
    let mut found = Vec::new();
    if text.contains(LEAK) {
        let at = text.find(LEAK).unwrap_or_default();
        found.push(format!(
            "marker: ...{}...",
            &text[at.saturating_sub(60)..(at + 60).min(text.len())]
        ));
    }
    for id in restricted {
        let simple: String = id.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
        if text.contains(&id.to_string()) || text.contains(&simple) {
            found.push(format!("restricted item id {id}"));
        }
    }
    found.extend(
        secrets.iter().filter(|s| text.contains(s.as_str())).map(|s| format!("text {s:?}")),
    );
    found
}
