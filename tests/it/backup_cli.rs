//! `liaison backup` and `liaison restore` on stopped nodes: a round trip keeps every item, the
//! withdrawn ones too, the roster and the key; a truncated, corrupted, foreign or newer-format
//! backup, a wrong passphrase and an occupied directory are refused before anything is written.

use std::path::Path;
use std::process::Command;

use crate::support::{Node, Run, argv, liaison_bin};

const PASSPHRASE: &str = "correct horse battery staple";

/// Runs `liaison --data-dir DIR args...` with the backup passphrase `pass` in the environment.
fn run_with(dir: &Path, pass: &str, args: &[&str]) -> Run {
    Command::new(liaison_bin())
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("LIAISON_DIR")
        .env("LIAISON_BACKUP_PASSPHRASE", pass)
        .output()
        .expect("run liaison")
        .into()
}

/// A coe node with three items (one withdrawn) and achpr in its roster; its backup file.
fn node_with_backup(include_key: bool) -> (Node, Node, tempfile::TempDir, String) {
    let (node, peer) = (Node::init("coe"), Node::init("achpr"));
    node.knows(&peer);
    node.publish(&["event", "add", "--title", "CPT plenary", "--start", "2027-03-01"]);
    let visit = argv("visit forecast --mandate CPT --country TR --planned 2027-Q2");
    node.publish(&visit.iter().map(String::as_str).collect::<Vec<_>>());
    let gone = node.publish(&["event", "add", "--title", "Cancelled", "--start", "2027-04-01"]);
    node.ok(&["withdraw", &gone]);
    let out = tempfile::tempdir().expect("tempdir");
    let file = out.path().join("coe.liaison").to_str().expect("utf-8").to_owned();
    let mut args = vec!["backup", file.as_str()];
    if include_key {
        args.push("--include-key");
    }
    let run = run_with(node.path(), PASSPHRASE, &args);
    assert_eq!(run.code, 0, "backup: {run:?}");
    (node, peer, out, file)
}

fn refused(dir: &Path, pass: &str, file: &str, needle: &str) {
    let run = run_with(dir, pass, &["restore", file]);
    assert_eq!(run.code, 2, "restore should be refused: {run:?}");
    assert!(run.stderr.contains(needle), "expected {needle:?} in {:?}", run.stderr);
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_restored_node_holds_every_item_the_roster_and_its_key() {
    let (node, peer, _out, file) = node_with_backup(true);
    let restored = Node::empty();
    let run = run_with(restored.path(), PASSPHRASE, &["restore", &file]);
    assert_eq!(run.code, 0, "restore: {run:?}");
    assert_eq!(restored.items(), node.items(), "every item, withdrawn ones included");
    assert_eq!(restored.card(), node.card(), "the same key and config");
    let roster = restored.ok(&["roster", "list"]);
    let achpr = &peer.card_key()[..14];
    assert!(roster.lines().any(|l| l.starts_with("achpr") && l.contains(achpr)), "{roster}");
    // The backup holds the key encrypted: the passphrase does not appear in it, nor the seed.
    let bytes = std::fs::read(&file).expect("backup");
    let seed = std::fs::read_to_string(node.key_file()).expect("key");
    assert!(!bytes.windows(64).any(|w| w == seed.trim().as_bytes()));
    // Restoring again into the now occupied directory is refused.
    refused(restored.path(), PASSPHRASE, &file, "already holds a Liaison node");
}

#[test]
fn damaged_foreign_and_locked_backups_are_refused_before_anything_is_written() {
    let (node, _peer, out, file) = node_with_backup(true);
    let bytes = std::fs::read(&file).expect("backup");
    let variant = |name: &str, damage: &dyn Fn(&mut Vec<u8>)| {
        let mut b = bytes.clone();
        damage(&mut b);
        let path = out.path().join(name);
        std::fs::write(&path, b).expect("write variant");
        path.to_str().expect("utf-8").to_owned()
    };
    let truncated = variant("truncated", &|b| b.truncate(b.len() - 100));
    let corrupted = variant("corrupted", &|b| {
        let middle = b.len() / 2;
        b[middle] ^= 0x40;
    });
    let newer = variant("newer", &|b| b[16] = 2);
    let not_backup = variant("text", &|b| *b = b"hello".to_vec());
    for (path, needle) in [
        (&truncated, "truncated"),
        (&corrupted, "checksum mismatch"),
        (&newer, "format version 2"),
        (&not_backup, "not a Liaison backup"),
    ] {
        let target = Node::empty();
        refused(target.path(), PASSPHRASE, path, needle);
        assert!(entries(target.path()).is_empty(), "{path}: nothing may be written");
    }
    let target = Node::empty();
    refused(target.path(), "wrong passphrase", &file, "wrong passphrase");
    assert!(entries(target.path()).is_empty());

    // A backup without the key, restored next to another node's key, is refused.
    let (_, _, _keep, keyless) = node_with_backup(false);
    let other = Node::init("iachr");
    let target = Node::empty();
    std::fs::copy(other.key_file(), target.key_file()).expect("copy key");
    refused(target.path(), PASSPHRASE, &keyless, "another node");
    assert_eq!(entries(target.path()), ["node.key"]);
    drop(node);
}
