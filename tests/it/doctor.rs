//! `liaison doctor`: quiet and exit 0 on a healthy node; on a damaged one it names a corrupted
//! record, a world-readable key and an unreachable roster peer, each with what to do, and
//! exits 1.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt as _;

use crate::support::{Node, damage_record};

/// Adds `peer`'s card to `node`'s roster with the address `127.0.0.1:port`.
fn knows_at(node: &Node, peer: &Node, port: u16) {
    let addr = format!("/ip4/127.0.0.1/tcp/{port}");
    node.ok(&["roster", "add", &peer.card(), "--addr", &addr]);
}

#[test]
fn doctor_passes_a_healthy_node_and_finds_a_corrupt_record_an_open_key_and_a_lost_peer() {
    let node = Node::init("coe");
    // The temporary directory is made with the process's umask; a server's is 0700.
    std::fs::set_permissions(node.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let id = node.publish(&["event", "add", "--title", "CPT plenary", "--start", "2027-03-01"]);
    node.publish(&["event", "add", "--title", "Bureau", "--start", "2027-03-02"]);
    let reachable = TcpListener::bind("127.0.0.1:0").expect("bind");
    knows_at(&node, &Node::init("achpr"), reachable.local_addr().expect("addr").port());

    let healthy = node.run(&["doctor"]);
    assert_eq!(healthy.code, 0, "{healthy:?}");
    assert!(
        healthy.stdout.contains("no problems found: 2 items and 1 roster peers"),
        "{healthy:?}"
    );

    let gone = TcpListener::bind("127.0.0.1:0").expect("bind");
    let gone_port = gone.local_addr().expect("addr").port();
    drop(gone);
    knows_at(&node, &Node::init("iachr"), gone_port);
    damage_record(&node, &id, |v| {
        let last = v.len() - 1;
        v[last] ^= 1;
    });
    let key = node.key_file();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");

    let sick = node.run(&["doctor"]);
    assert_eq!(sick.code, 1, "{sick:?}");
    let out = &sick.stdout;
    assert!(out.contains(&format!("item {id}")) && out.contains("corrupt"), "{out}");
    assert!(out.contains("node.key is open to other users (mode 644)"), "{out}");
    assert!(out.contains(&format!("chmod 600 {}", key.display())), "{out}");
    assert!(out.contains("iachr") && out.contains("does not answer"), "{out}");
    assert!(out.contains(&format!("/ip4/127.0.0.1/tcp/{gone_port}")), "{out}");
    assert_eq!(out.matches("problem:").count(), 3, "{out}");
    assert!(sick.stderr.contains("3 problem(s) found"), "{sick:?}");
}

/// A node whose certificate ends within 30 days is told to renew it; a running node's doctor
/// says how many peers' clocks it compared.
#[test]
fn doctor_warns_of_a_certificate_that_ends_soon() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("coe.key");
    let file = file.to_str().expect("utf-8");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(crate::support::liaison_bin())
            .arg("authority")
            .args(args)
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let card = run(&["init", "--mechanism", "coe", "--out", file]);
    let node = Node::init("coe");
    std::fs::set_permissions(node.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let until = (chrono::Utc::now() + chrono::Duration::days(10)).date_naive().to_string();
    let cert = run(&["certify", "--authority", file, &node.card(), "--until", &until]);
    node.ok(&["roster", "add", &card]);
    assert_eq!(node.run(&["cert", "add", &cert]).code, 0);
    let out = node.run(&["doctor"]);
    assert_eq!(out.code, 1, "{out:?}");
    // The certificate holds through the last day given.
    assert!(out.stdout.contains("this node's certificate ends on 20"), "{out:?}");
    assert!(out.stdout.contains("'liaison cert add'"), "{out:?}");
}
