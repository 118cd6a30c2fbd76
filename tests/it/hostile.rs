//! Hostile input against a running `liaison node` process: token-less API requests with large
//! bodies, a decompression bomb pushed by an anonymous peer to a mirror, and other local users
//! reading the data directory. Memory is read from `/proc/PID/status`.

use std::io::{Read as _, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::time::Duration;

use liaison_node::{Query, Repo};
use liaison_protocol::sync::{ItemPayload, SyncRequest, SyncResponse};

use crate::node_cli::{Daemon, init, listen_addr, start};
use crate::support::Node;
use crate::wire_support::RawPeer;

const MIB: u64 = 1024 * 1024;

/// A field of `/proc/PID/status` in bytes (`VmRSS`, `VmHWM`).
fn memory(daemon: &Daemon, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", daemon.child.id()))
        .expect("read /proc/PID/status");
    let line = status.lines().find(|l| l.starts_with(field)).expect("the field");
    let kib: u64 = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("kB");
    kib * 1024
}

/// Asserts that the peak memory of `daemon` is less than `bound` above `idle_peak`.
fn assert_peak_within(daemon: &Daemon, idle_peak: u64, bound: u64, what: &str) {
    let peak = memory(daemon, "VmHWM");
    eprintln!("{what}: idle peak {} KiB, peak after {} KiB", idle_peak / 1024, peak / 1024);
    assert!(peak < idle_peak + bound, "{what}: peak {peak} bytes, idle peak {idle_peak} bytes");
}

/// Sends a token-less POST announcing and sending `len` bytes of an import's JSON; returns the
/// answer's status line and body. Writing stops when the node closes the connection.
fn post_without_token(addr: &str, len: usize) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.set_write_timeout(Some(Duration::from_secs(5))).expect("timeout");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let head = format!(
        "POST /v1/request HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         content-length: {len}\r\n\r\n{{\"Import\":{{\"text\":\""
    );
    let _ = stream.write_all(head.as_bytes());
    let chunk = vec![b'a'; 1024 * 1024];
    let mut sent = head.len();
    while sent < len {
        let n = chunk.len().min(len - sent);
        if stream.write_all(&chunk[..n]).is_err() {
            break;
        }
        sent += n;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

#[test]
fn token_less_requests_with_large_bodies_leave_memory_near_idle() {
    let node = init("ohchr");
    let daemon = start(&node);
    let (addr, _) = liaison_node::daemon::read_token(node.path()).expect("token");
    let idle_peak = memory(&daemon, "VmHWM");
    for _ in 0..6 {
        let answer = post_without_token(&addr, 64 * MIB as usize);
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
        assert!(!answer.contains("Import") && !answer.contains("variant"), "{answer}");
    }
    // The bound: six 64 MiB bodies raise the node's peak by less than 4 MiB.
    assert_peak_within(&daemon, idle_peak, 4 * MIB, "token-less API requests");
    assert_eq!(node.run(&["status"]).code, 0, "the node still answers its owner");
}

/// A document chunk whose one operation column deflates `inflated` zero bytes.
fn bomb(inflated: usize) -> Vec<u8> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..inflated / zeros.len() {
        encoder.write_all(&zeros).expect("deflate");
    }
    let column = encoder.finish().expect("deflate");
    let mut data = vec![0, 0, 0, 1, (1 << 4) | 0b1000 | 2];
    uleb(column.len() as u64, &mut data);
    data.extend(column);
    let mut out = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 0];
    uleb(data.len() as u64, &mut out);
    out.extend(data);
    out
}

fn uleb(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decompression_bomb_from_an_anonymous_peer_is_refused_within_a_memory_bound() {
    // A member's clear item: its signed header is public (provenance shows it).
    let member = Node::init("ohchr");
    member.ok(&["event", "add", "--title", "Launch", "--start", "2027-04-01", "--label", "clear"]);
    let header = {
        let repo = Repo::open(member.path()).expect("open the member's store");
        repo.store().list(&Query::default()).expect("list").remove(0).record.header
    };
    let mirror = Node::empty();
    mirror.ok(&["init", "--mechanism", "ngo", "--role", "mirror", "--listen"]
        .into_iter()
        .chain(["/ip4/127.0.0.1/tcp/0", "--api", "127.0.0.1:0"])
        .collect::<Vec<_>>());
    mirror.ok(&["roster", "add", &member.card()]);
    let key = Repo::open(mirror.path()).expect("open the mirror's store").identity().public_key();
    let peer = liaison_node::daemon::net::peer_id(&key).expect("a peer id");
    let daemon = start(&mirror);
    let addr: libp2p::Multiaddr = listen_addr(&mirror).parse().expect("multiaddr");
    let idle_peak = memory(&daemon, "VmHWM");

    // 256 MiB of zeros, deflated to about 256 KiB: automerge alone would inflate all of it.
    let payload = ItemPayload { header, doc: bomb(256 * MIB as usize), sigs: Vec::new() };
    let anonymous = ed25519_dalek::SigningKey::from_bytes(&[77; 32]);
    let mut raw = RawPeer::new(&anonymous);
    let answer = raw.request(peer, &addr, SyncRequest::Push(vec![payload])).await;
    match answer {
        Ok(SyncResponse::Ack { accepted: 0, .. } | SyncResponse::Refused(_)) | Err(_) => {}
        other => panic!("the bomb was not refused: {other:?}"),
    }
    // The bound: the refused bomb raises the mirror's peak by less than 48 MiB (the inflated
    // limit is 16 MiB; the message read is a quarter of one).
    assert_peak_within(&daemon, idle_peak, 48 * MIB, "a pushed decompression bomb");
    assert_eq!(mirror.run(&["status"]).code, 0, "the mirror still runs");
}

/// The modes of `path` and of everything under it, as `(path, mode)` pairs.
fn modes(path: &Path, out: &mut Vec<(String, u32)>) {
    let meta = std::fs::metadata(path).expect("metadata");
    out.push((path.display().to_string(), meta.permissions().mode() & 0o777));
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).expect("read dir") {
            modes(&entry.expect("entry").path(), out);
        }
    }
}

#[test]
fn the_data_directory_and_store_are_not_readable_by_other_users() {
    let parent = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(parent.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let dir = parent.path().join("node");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(crate::support::liaison_bin())
            .arg("--data-dir")
            .arg(&dir)
            .args(args)
            .output()
            .expect("run liaison");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    run(&["init", "--mechanism", "ohchr"]);
    run(&["event", "add", "--title", "Red meeting", "--start", "2027-04-01", "--label", "red"]);
    let mut all = Vec::new();
    modes(&dir, &mut all);
    assert!(all.iter().any(|(p, _)| p.ends_with("store")), "{all:?}");
    let private =
        |p: &str| p == dir.display().to_string() || p.contains("/store") || p.ends_with("node.key");
    for (path, mode) in all.iter().filter(|(p, _)| private(p)) {
        assert_eq!(mode & 0o077, 0, "{path} is open to others: {mode:o}");
    }
    // Where the test runs as root, check it as another user too: nobody cannot list or read.
    if std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout == b"0\n") {
        for (reader, path) in [("ls", dir.clone()), ("cat", dir.join("store").join("db"))] {
            let read = std::process::Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups", reader])
                .arg(&path)
                .output()
                .expect("setpriv");
            assert!(!read.status.success(), "another user read {}", path.display());
        }
    }
}
