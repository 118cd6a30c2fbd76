//! Durability: a node killed with SIGKILL while writing loses no acknowledged write.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use liaison_node::Repo;
use liaison_protocol::ItemId;

use crate::support::Node;

/// Iterations of write-then-kill on the same store.
const ROUNDS: usize = 12;

#[test]
fn sigkill_while_writing_loses_no_acknowledged_write() {
    let node = Node::init("ohchr");
    // id -> (acknowledged mandate number or revision); later acks supersede earlier ones.
    let mut created: HashMap<ItemId, u64> = HashMap::new();
    let mut revisions: HashMap<ItemId, u64> = HashMap::new();
    for round in 0..ROUNDS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_liaison-crash-writer"))
            .arg(node.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn writer");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        // Kill after a varying number of acknowledgements, so the kill lands at varied points.
        let kill_after = 5 + (round * 7) % 23;
        let mut acked = Vec::new();
        for _ in 0..kill_after {
            let Some(line) = lines.next() else {
                let mut why = String::new();
                let _ = std::io::Read::read_to_string(
                    &mut child.stderr.take().expect("stderr"),
                    &mut why,
                );
                panic!("round {round}: the writer ended early: {why}");
            };
            acked.push(line.expect("read line"));
        }
        child.kill().expect("SIGKILL");
        // Lines already written to the pipe were acknowledged too.
        acked.extend(lines.map_while(Result::ok));
        child.wait().expect("reap");
        assert!(acked.len() >= kill_after);
        for line in acked {
            let parts: Vec<&str> = line.split(' ').collect();
            let id: ItemId = parts[1].parse().expect("id");
            let n: u64 = parts[2].parse().expect("number");
            match parts[0] {
                "c" => {
                    created.insert(id, n);
                }
                "u" => {
                    revisions.insert(id, n);
                }
                other => panic!("unexpected line kind {other}"),
            }
        }
        // Reopen after every kill and compare with everything acknowledged so far.
        let repo = Repo::open(node.path()).expect("reopen after SIGKILL");
        for (id, n) in &created {
            let item = repo
                .verified(*id)
                .unwrap_or_else(|e| panic!("round {round}: acknowledged item {id} lost: {e}"));
            let state = item.doc.read().expect("read");
            assert!(
                state.fields.title.value.ends_with(&format!(" {n}")),
                "round {round}: {id} holds the wrong item"
            );
        }
        for (id, revision) in &revisions {
            let state = repo.verified(*id).expect("updated item").doc.read().expect("read");
            assert!(state.revision >= *revision, "round {round}: {id} lost an acknowledged update");
        }
    }
    assert!(created.len() >= ROUNDS * 3, "too few writes to mean anything: {}", created.len());
}
