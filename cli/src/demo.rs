//! `liaison demo`: a local federation of four secretariats with sample data, showing what each
//! node holds and why.
//!
//! The nodes exchange items the way focal points can without a network: each node hands each
//! peer exactly what the peer's label policy allows (`export json --for CODE`), and the peer
//! verifies every signature before storing it; received items are passed on under the same
//! check, until nothing changes.

use std::path::{Path, PathBuf};

use chrono::Utc;
use liaison_node::{InitOptions, Query, Repo, sample};
use liaison_protocol::{Label, Role};

use crate::Failure;
use crate::args::DemoArgs;

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
    let mut repos = Vec::new();
    for (i, mechanism) in sample::MECHANISMS.iter().enumerate() {
        let options = InitOptions {
            mechanism: mechanism.parse()?,
            name: Some(format!("{} secretariat (demo)", mechanism.to_uppercase())),
            role: Role::Member,
            listen: vec![format!("/ip4/127.0.0.1/tcp/{}", 4747 + i)],
            api: Some(format!("127.0.0.1:{}", 7878 + i)),
        };
        repos.push(Repo::init(&base.join(mechanism), options)?);
    }
    let cards: Vec<_> = repos.iter().map(|r| r.identity().card()).collect();
    for repo in &mut repos {
        for card in &cards {
            if card.key != repo.identity().public_key() {
                repo.add_peer(card.clone())?;
            }
        }
    }
    let now = Utc::now();
    for repo in &repos {
        let drafts = sample::drafts(repo.identity().config.mechanism.as_str());
        repo.create_all(drafts, now)?;
    }
    let rounds = exchange(&repos)?;
    print(&repos, &base, rounds);
    Ok(())
}

/// Hands every node's allowed items to every peer until nothing changes; returns the rounds.
fn exchange(repos: &[Repo]) -> Result<usize, Failure> {
    for round in 1.. {
        let mut changed = 0;
        for from in repos {
            for to in repos {
                if from.identity().public_key() == to.identity().public_key() {
                    continue;
                }
                let items = from.outgoing_for(&to.identity().public_key())?;
                let report = to.receive(&items)?;
                changed += report.added.len() + report.merged.len();
            }
        }
        if changed == 0 {
            return Ok(round);
        }
    }
    Ok(0)
}

fn print(repos: &[Repo], base: &Path, rounds: usize) {
    let mut out = String::new();
    out.push_str(&format!(
        "Liaison demo federation: {} member nodes in {}\n\
         Each node handed each peer what its labels allow; every signature was verified on arrival;\n\
         nothing changed after {rounds} rounds. Columns: owner, label, title, who may hold it.\n\n",
        repos.len(),
        base.display()
    ));
    for repo in repos {
        let me = &repo.identity().config.mechanism;
        let mut entries = repo.list(&Query::default()).unwrap_or_default();
        entries.sort_by(|a, b| {
            (&a.header.owner, a.header.label).cmp(&(&b.header.owner, b.header.label))
        });
        let count = |l: Label| entries.iter().filter(|e| e.header.label == l).count();
        out.push_str(&format!(
            "== {me}: {} items (clear {}, green {}, amber {}, amber-strict {}, red {})\n",
            entries.len(),
            count(Label::Clear),
            count(Label::Green),
            count(Label::Amber),
            count(Label::AmberStrict),
            count(Label::Red)
        ));
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
    out.push_str("Look closer with, for example:\n");
    let first: PathBuf = base.join(sample::MECHANISMS[0]);
    out.push_str(&format!("  liaison --data-dir {} list\n", first.display()));
    out.push_str(&format!("  liaison --data-dir {} export ics --for public\n", first.display()));
    crate::output::line(out.trim_end());
}

/// Who may hold an item, in a few words.
fn who(h: &liaison_protocol::Header) -> String {
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
