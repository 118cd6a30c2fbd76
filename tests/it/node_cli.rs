//! `liaison node` as its own process: the item commands work the same through its local API,
//! two nodes added to each other's roster from the CLI sync, and SIGTERM stops it cleanly.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Node, liaison_bin};

/// A `liaison node` child process, killed if the test fails.
pub(crate) struct Daemon {
    pub(crate) child: Child,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn init(mechanism: &str) -> Node {
    let node = Node::empty();
    node.ok(&[
        "init",
        "--mechanism",
        mechanism,
        "--listen",
        "/ip4/127.0.0.1/tcp/0",
        "--api",
        "127.0.0.1:0",
    ]);
    node
}

pub(crate) fn start(node: &Node) -> Daemon {
    let child = Command::new(liaison_bin())
        .arg("--data-dir")
        .arg(node.path())
        .args(["node", "--reconcile-every", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start liaison node");
    let daemon = Daemon { child };
    eventually(|| node.run(&["status"]).code == 0, "the node answers 'liaison status'");
    daemon
}

fn eventually(mut check: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting until {what}");
}

/// The first address `liaison status` says the node listens on.
pub(crate) fn listen_addr(node: &Node) -> String {
    let status = node.ok(&["status"]);
    let line = status.lines().find(|l| l.starts_with("listening")).expect("a listening line");
    line.split_whitespace().nth(1).expect("an address").to_owned()
}

fn terminate(mut daemon: Daemon) {
    let pid = daemon.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = daemon.child.try_wait().expect("wait") {
            assert!(status.success(), "liaison node exited with {status} on SIGTERM");
            return;
        }
        assert!(Instant::now() < deadline, "liaison node did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn item_commands_work_through_a_running_node_and_two_nodes_sync() {
    let ohchr = init("ohchr");
    let coe = init("coe");
    let offline =
        ohchr.publish(&["visit", "forecast", "--mandate", "SR on torture", "--country", "TN"]);
    let (a, b) = (start(&ohchr), start(&coe));

    // With the node running, the store is its; the same commands go through the local API.
    let id = ohchr.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "CPT",
        "--country",
        "TR",
        "--planned",
        "2027-Q2",
    ]);
    ohchr.ok(&["visit", "update", &id[..8], "--status", "scheduled", "--note", "dates agreed"]);
    let shown = ohchr.ok(&["show", &id]);
    assert!(shown.contains("dates agreed") && shown.contains("signature verifies"), "{shown}");
    assert!(ohchr.ok(&["list"]).contains(&offline[..8]));
    assert!(ohchr.ok(&["status"]).contains("items         2"));
    ohchr.bad(&["visit", "forecast", "--mandate", "X", "--country", "XX"]);

    // Introduce them from the CLI; they connect and sync what their labels allow.
    let (ohchr_addr, coe_addr) = (listen_addr(&ohchr), listen_addr(&coe));
    ohchr.ok(&["roster", "add", &coe.card(), "--addr", &coe_addr]);
    coe.ok(&["roster", "add", &ohchr.card(), "--addr", &ohchr_addr]);
    let secret = ohchr.publish(&[
        "report",
        "publish",
        "--title",
        "Draft",
        "--issued",
        "2027-01-10",
        "--label",
        "amber-strict",
    ]);
    eventually(
        || coe.ok(&["list"]).contains(&id[..8]) && coe.ok(&["list"]).contains(&offline[..8]),
        "coe holds ohchr's green visits",
    );
    assert!(!coe.ok(&["list"]).contains(&secret[..8]), "amber-strict must not reach coe");
    let peers = ohchr.ok(&["peers"]);
    assert!(peers.contains("coe") && peers.contains("connected"), "{peers}");

    terminate(a);
    terminate(b);
    // Stopped, the store is the CLI's again, with everything acknowledged.
    let items = ohchr.ok(&["list"]);
    assert!(items.contains(&id[..8]) && items.contains(&secret[..8]), "{items}");
    assert!(ohchr.run(&["status"]).stderr.contains("running node"));
}
