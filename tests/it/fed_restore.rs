//! A node killed, wiped and restored from a backup taken before a round of writes: its peers
//! bring it up to date, and what it writes afterwards merges with what it wrote before the
//! backup without divergence (each process signs under a fresh actor id).

use std::path::Path;
use std::process::Command;

use liaison_node::api::{Request, Response};
use liaison_protocol::{Label, VisitPatch};

use crate::fed_support::*;
use crate::support::{Run, liaison_bin};

const OHCHR: usize = 0;
const COE: usize = 1;
const PASS: &str = "restore test passphrase";

/// Runs the real `liaison` command on `dir` (a running in-process node answers on its API).
async fn liaison(dir: &Path, args: &[&str]) -> Run {
    let (dir, args) = (dir.to_owned(), args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>());
    tokio::task::spawn_blocking(move || {
        Command::new(liaison_bin())
            .arg("--data-dir")
            .arg(&dir)
            .args(&args)
            .env_remove("LIAISON_DIR")
            .env("LIAISON_BACKUP_PASSPHRASE", PASS)
            .output()
            .expect("run liaison")
            .into()
    })
    .await
    .expect("join")
}

async fn retitle(node: &TestNode, id: liaison_protocol::ItemId, title: &str) {
    let patch = VisitPatch { title: Some(title.to_owned()), ..VisitPatch::default() };
    match node.request(Request::UpdateVisit { id, patch }).await {
        Response::Updated(Some(_)) => {}
        other => panic!("update answered {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_restored_from_an_old_backup_catches_up_and_keeps_writing_without_divergence() {
    let mut net = TestNet::start(&[("ohchr", MEMBER), ("coe", MEMBER)]).await;
    net.link(OHCHR, COE).await;
    let draft = visit("Visit A", Label::Green, &[], &[]);
    let a = net[OHCHR].create_co_owned(draft, &[&net[COE]]).await;
    let b = net[OHCHR].create(visit("Visit B", Label::Amber, &["coe"], &[])).await;
    converged(&net, &[OHCHR, COE], &[a, b]).await;

    // The backup, taken through the running node's local API.
    let out = tempfile::tempdir().expect("tempdir");
    let file = out.path().join("ohchr.liaison");
    let file = file.to_str().expect("utf-8");
    let run = liaison(net[OHCHR].path(), &["backup", file, "--include-key"]).await;
    assert_eq!(run.code, 0, "backup: {run:?}");

    // The writes the backup misses: ohchr edits A and publishes C; coe edits A and publishes D.
    retitle(&net[OHCHR], a, "Visit A, dates agreed").await;
    let c = net[OHCHR].create(visit("Visit C", Label::Green, &[], &[])).await;
    retitle(&net[COE], a, "Visit A, dates agreed, with coe").await;
    let d = net[COE].create(visit("Visit D", Label::Green, &[], &[])).await;
    let before = converged(&net, &[OHCHR, COE], &[a, b, c, d]).await;

    // Killed and wiped, then restored: it holds the backup's state, not C.
    net[OHCHR].stop().await;
    let dir = net[OHCHR].path().to_owned();
    for entry in std::fs::read_dir(&dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path).expect("wipe");
        } else {
            std::fs::remove_file(&path).expect("wipe");
        }
    }
    let run = liaison(&dir, &["restore", file]).await;
    assert_eq!(run.code, 0, "restore: {run:?}");
    let restored = net[OHCHR].entries().await;
    assert!(restored.contains_key(&a) && restored.contains_key(&b) && !restored.contains_key(&c));
    assert_ne!(restored[&a].record.digest, before[&a].digest, "A as it was at the backup");

    // Edited while still apart: the very case where reusing the old process's actor id and
    // sequence numbers would collide with the edit it made after the backup.
    net[OHCHR].offline(|repo| {
        let patch = VisitPatch { title: Some("Visit A, offline".into()), ..VisitPatch::default() };
        repo.handle(Request::UpdateVisit { id: a, patch }, chrono::Utc::now()).expect("edit")
    });

    // Back in the federation, its peer brings it up to date.
    net[OHCHR].start().await;
    converged(&net, &[OHCHR, COE], &[a, b, c, d]).await;

    // It keeps writing on the item it edited before and after the backup, and publishes more:
    // both nodes end with the same state, every change verified, none lost.
    retitle(&net[OHCHR], a, "Visit A, after the restore").await;
    let e = net[OHCHR].create(visit("Visit E", Label::Green, &[], &[])).await;
    let last = converged(&net, &[OHCHR, COE], &[a, b, c, d, e]).await;
    assert_eq!(last[&a].state.fields.title.value, "Visit A, after the restore");
    // The same changes on both (concurrent ones may be listed in either order).
    let hashes = |view: liaison_node::ItemView| -> std::collections::BTreeSet<String> {
        assert!(view.history.iter().all(|h| h.verifies), "{:?}", view.history);
        view.history.into_iter().map(|h| h.hash).collect()
    };
    let (on_ohchr, on_coe) = (hashes(net[OHCHR].view(a).await), hashes(net[COE].view(a).await));
    // Created, edited by ohchr after the backup, by coe, by the restored ohchr offline and online.
    assert_eq!(on_ohchr.len(), 5, "{on_ohchr:?}");
    assert_eq!(on_ohchr, on_coe);
    assert!(net.refusals().await.is_empty(), "{:?}", net.refusals().await);
}
