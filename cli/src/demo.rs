//! `liaison demo`: a local federation of four secretariats (OHCHR, ACHPR, CoE, IACHR) on
//! loopback, with sample data, showing what each node holds and why. The nodes are real: each
//! has its own key and store, and they sync over libp2p like any federation. Once they hold
//! the sample items, OHCHR follows one of the African Commission's recommendations and assesses
//! its implementation, as focal points would.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use liaison_node::api::{Request, Response};
use liaison_node::daemon::{self, Options, Running};
use liaison_node::{Entry, InitOptions, Query, Repo, sample};
use liaison_protocol::{Card, Header, ItemId, Label, Role};

use crate::Failure;
use crate::args::DemoArgs;

/// The demo's nodes: four secretariats and an NGO's public mirror.
const NODES: [(&str, Role); 5] = [
    ("ohchr", Role::Member),
    ("achpr", Role::Member),
    ("coe", Role::Member),
    ("iachr", Role::Member),
    ("ngo-watch", Role::Mirror),
];

/// How long to wait for the federation to converge before showing it anyway.
const CONVERGE_WITHIN: Duration = Duration::from_secs(30);

pub(crate) fn run(a: DemoArgs) -> Result<(), Failure> {
    let base = a.dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("liaison-demo-{}", std::process::id()))
    });
    if base.exists() && std::fs::read_dir(&base).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(liaison_protocol::FieldError::new(
            "dir",
            base.display(),
            "expected a new or empty directory",
        )
        .into());
    }
    let cards = create_nodes(&base)?;
    let runtime = tokio::runtime::Runtime::new().map_err(Failure::system)?;
    runtime.block_on(async {
        let mut nodes = Vec::new();
        for (mechanism, _) in NODES {
            nodes.push(daemon::start(base.join(mechanism), Options::default()).await?);
        }
        introduce(&nodes, &cards).await?;
        let started = Instant::now();
        for (node, (mechanism, _)) in nodes.iter().zip(NODES) {
            for draft in sample::drafts(mechanism) {
                node.handle
                    .request(Request::Create { draft: Box::new(draft) })
                    .await
                    .map_err(api)?;
            }
        }
        let converged = wait_converged(&nodes).await? && follow_up(&nodes).await?;
        let elapsed = started.elapsed();
        print(&nodes, &base, converged, elapsed).await?;
        match a.exit_after {
            Some(secs) => tokio::time::sleep(Duration::from_secs(secs)).await,
            None => {
                eprintln!("the federation keeps running; stop it with Ctrl-C");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        for node in nodes {
            node.stop().await?;
        }
        Ok(())
    })
}

fn api(e: daemon::ApiError) -> Failure {
    Failure { code: if e.bad_input { 2 } else { 1 }, message: e.message }
}

/// Creates the nodes, each on ports the system picks when it starts; returns their cards.
fn create_nodes(base: &Path) -> Result<Vec<Card>, Failure> {
    let mut cards = Vec::new();
    for (mechanism, role) in NODES {
        let name = match role {
            Role::Member => format!("{} secretariat (demo)", mechanism.to_uppercase()),
            Role::Mirror => "NGO public mirror (demo)".to_owned(),
        };
        let http = match role {
            Role::Member => None,
            Role::Mirror => Some("127.0.0.1:0".to_owned()),
        };
        let options = InitOptions {
            mechanism: mechanism.parse()?,
            name: Some(name),
            role,
            listen: vec!["/ip4/127.0.0.1/tcp/0".to_owned()],
            api: Some("127.0.0.1:0".to_owned()),
            http,
        };
        cards.push(Repo::init(&base.join(mechanism), options)?.identity().card());
    }
    Ok(cards)
}

/// Gives each running node the others' cards, with the addresses they listen on.
async fn introduce(nodes: &[Running], cards: &[Card]) -> Result<(), Failure> {
    for (node, own) in nodes.iter().zip(cards) {
        for (other, card) in nodes.iter().zip(cards).filter(|(_, c)| c.key != own.key) {
            let addrs = other.listening.iter().map(ToString::to_string).collect();
            let card = Card { addrs, ..card.clone() };
            node.handle.request(Request::RosterAdd { card }).await.map_err(api)?;
        }
    }
    Ok(())
}

async fn entries(node: &Running) -> Result<Vec<Entry>, Failure> {
    match node.handle.request(Request::List { query: Query::default() }).await.map_err(api)? {
        Response::Entries(e) => Ok(e),
        r => Err(Failure::system(format!("unexpected answer: {r:?}"))),
    }
}

/// OHCHR asks to follow the African Commission's recommendation [`sample::FOLLOWED`], ACHPR
/// accepts (the recommendation is reissued co-owned by both), and OHCHR records its assessment
/// ([`sample::follow_up`]); waits until the mirror shows it. Returns whether all of it happened
/// in time.
async fn follow_up(nodes: &[Running]) -> Result<bool, Failure> {
    let (ohchr, achpr, mirror) = (&nodes[0], &nodes[1], &nodes[4]);
    let is_followed =
        |e: &Entry| e.record.state.fields.recommendation.as_ref().is_some_and(sample::is_followed);
    let Some(original) = entries(ohchr).await?.into_iter().find(is_followed) else {
        return Ok(false);
    };
    let note = Some("OHCHR follows up the same issue with the Committee against Torture".into());
    let request = Request::ProposeFollow { id: original.header.id, note };
    let Response::Id(proposal) = ohchr.handle.request(request).await.map_err(api)? else {
        return Err(Failure::system("no proposal id in the answer"));
    };
    if !holds(achpr, proposal, |_| true).await? {
        return Ok(false);
    }
    let request = Request::AnswerJoint { proposal, accept: true, note: None, label: None };
    let Response::Answered(Some(followed)) = achpr.handle.request(request).await.map_err(api)?
    else {
        return Err(Failure::system("the proposal was not accepted"));
    };
    if !holds(ohchr, followed, |_| true).await? {
        return Ok(false);
    }
    let request = Request::Assess { id: followed, assessment: sample::follow_up() };
    ohchr.handle.request(request).await.map_err(api)?;
    let assessed = |e: &Entry| {
        e.record.state.fields.recommendation.as_ref().is_some_and(|r| !r.assessments.is_empty())
    };
    Ok(holds(mirror, followed, assessed).await? && wait_converged(nodes).await?)
}

/// Waits until `node` holds item `id` in a state that is `ready`; returns whether it did.
async fn holds(
    node: &Running,
    id: ItemId,
    ready: impl Fn(&Entry) -> bool,
) -> Result<bool, Failure> {
    let deadline = Instant::now() + CONVERGE_WITHIN;
    while Instant::now() < deadline {
        if entries(node).await?.iter().any(|e| e.header.id == id && ready(e)) {
            return Ok(true);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(false)
}

/// Waits until every node holds every item its labels allow; returns whether it did.
async fn wait_converged(nodes: &[Running]) -> Result<bool, Failure> {
    let deadline = Instant::now() + CONVERGE_WITHIN;
    while Instant::now() < deadline {
        let mut all: Vec<Vec<Entry>> = Vec::new();
        for node in nodes {
            all.push(entries(node).await?);
        }
        let headers: Vec<&Header> = all.iter().flatten().map(|e| &e.header).collect();
        let done = nodes.iter().zip(&all).zip(NODES).all(|((node, held), (mechanism, role))| {
            let Ok(mechanism) = mechanism.parse() else { return false };
            let me = liaison_protocol::Peer { mechanism, role };
            headers.iter().all(|h| {
                let allowed = h.creator == node.key || liaison_protocol::may_receive(h, &me);
                !allowed || held.iter().any(|e| e.header.id == h.id)
            })
        });
        if done {
            return Ok(true);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(false)
}

async fn print(
    nodes: &[Running],
    base: &Path,
    converged: bool,
    elapsed: Duration,
) -> Result<(), Failure> {
    let mut out = format!(
        "Liaison demo federation: {} member nodes and a public mirror on 127.0.0.1\ndata in {}\n",
        nodes.len() - 1,
        base.display()
    );
    out.push_str(&if converged {
        format!(
            "Every node holds what its labels allow, {} ms after the first write.\n",
            elapsed.as_millis()
        )
    } else {
        "The federation has not converged yet; see 'liaison peers' on each node.\n".to_owned()
    });
    out.push_str("Columns: owner, label, title, who may hold it.\n\n");
    for (node, (mechanism, _)) in nodes.iter().zip(NODES) {
        let mut entries = entries(node).await?;
        entries.sort_by(|a, b| {
            (&a.header.owner, a.header.label).cmp(&(&b.header.owner, b.header.label))
        });
        let count = |l: Label| entries.iter().filter(|e| e.header.label == l).count();
        out.push_str(&format!(
            "== {mechanism}: {} items (clear {}, green {}, amber {}, amber-strict {}, red {})\n",
            entries.len(),
            count(Label::Clear),
            count(Label::Green),
            count(Label::Amber),
            count(Label::AmberStrict),
            count(Label::Red)
        ));
        out.push_str(&format!(
            "   listening on {}, local API on {}\n",
            node.listening.first().map(ToString::to_string).unwrap_or_default(),
            node.api
        ));
        if let Some(http) = node.http {
            out.push_str(&format!("   public site: http://{http}/ (pages, /api/v1/items, /calendar.ics, /reports.atom)\n"));
            out.push_str(&format!(
                "   recommendations to Tunisia by theme: http://{http}/countries/TN/recommendations/\n"
            ));
        }
        for e in &entries {
            out.push_str(&format!(
                "   {:<6} {:<12} {:<50} {}\n",
                e.header.owner.as_str(),
                e.header.label.as_str(),
                clip(&e.record.state.fields.title.value, 50),
                who(&e.header)
            ));
        }
        out.push('\n');
    }
    let first: PathBuf = base.join(sample::MECHANISMS[0]);
    out.push_str("While it runs, look closer from another terminal:\n");
    out.push_str(&format!("  liaison --data-dir {} peers\n", first.display()));
    out.push_str(&format!("  liaison --data-dir {} list\n", first.display()));
    crate::output::line(out.trim_end());
    Ok(())
}

/// Who may hold an item, in a few words.
fn who(h: &Header) -> String {
    let insiders = || std::iter::once(&h.owner).chain(&h.co_owners).map(|m| m.as_str());
    match h.label {
        Label::Clear => "everyone".to_owned(),
        Label::Green => "all members".to_owned(),
        Label::Amber => {
            insiders().chain(h.audience.iter().map(|m| m.as_str())).collect::<Vec<_>>().join("+")
        }
        Label::AmberStrict => format!("{} only", insiders().collect::<Vec<_>>().join("+")),
        Label::Red => "this node".to_owned(),
    }
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        text.chars().take(width - 1).collect::<String>() + "~"
    }
}
