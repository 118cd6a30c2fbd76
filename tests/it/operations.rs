//! What an IT service relies on to run a node: a store that says which format it is in and is
//! refused by a build that does not read it, config errors that name the key and the file, logs
//! as JSON lines for journald, and the operator's Prometheus metrics on a member.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use liaison_node::daemon::Options;

use crate::fed_support::{DEADLINE, MEMBER, TestNet, eventually, options};
use crate::node_cli::init;
use crate::site_support::get_ok;
use crate::support::{Node, liaison_bin};

#[test]
fn a_store_in_an_unknown_format_version_is_refused_with_a_clear_message() {
    let node = Node::init("ohchr");
    node.ok(&["event", "add", "--title", "Launch", "--start", "2027-04-01", "--label", "clear"]);
    {
        let db = sled::open(node.path().join("store")).expect("open the store");
        let version = db.get(b"meta/version").expect("read").expect("a recorded version");
        assert_eq!(version.as_ref(), 1u32.to_be_bytes(), "a new store records version 1");
        db.insert(b"meta/version", &2u32.to_be_bytes()).expect("write");
        db.flush().expect("flush");
    }
    let err = node.bad(&["list"]);
    assert!(err.contains("format version 2; this build reads version 1"), "{err}");
}

#[test]
fn config_errors_name_the_key_and_the_file() {
    let node = Node::init("ohchr");
    let path = node.path().join("config.toml");
    let good = std::fs::read_to_string(&path).expect("config");
    for (change, key) in [
        (format!("{good}colour = \"red\"\n"), "colour"),
        (good.replace("role = \"member\"", "role = \"chair\""), "role"),
    ] {
        assert_ne!(change, good, "the change applies");
        std::fs::write(&path, &change).expect("write");
        let err = node.bad(&["list"]);
        assert!(err.contains("config.toml") && err.contains(key), "{key}: {err}");
    }
}

#[test]
fn logs_are_json_lines_with_log_format_json() {
    let node = init("ohchr");
    let mut child = Command::new(liaison_bin())
        .arg("--data-dir")
        .arg(node.path())
        .args(["--log-format", "json", "node"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start liaison node");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut started = None;
    for line in lines.by_ref().take(50) {
        let line = line.expect("a line");
        // The CLI's own lines ("listening on ...") are plain text for people; logs are JSON.
        if line.starts_with('{') {
            let value: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
            assert!(value["level"].is_string() && value["timestamp"].is_string(), "{value}");
            if value["fields"]["message"] == "node started" {
                started = Some(value);
                break;
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let started = started.expect("a JSON 'node started' line");
    assert_eq!(started["level"], "INFO", "{started}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_serves_its_operator_metrics() {
    let with_metrics = Options { metrics: Some("127.0.0.1:0".into()), ..options() };
    let mut net = TestNet::start_with(&[("ohchr", MEMBER), ("coe", MEMBER)], with_metrics).await;
    net.link(0, 1).await;
    net.settle().await;
    let addr = net[0].running.as_ref().and_then(|r| r.metrics).expect("the metrics address");
    // The first metrics may come before the first reconciliation with coe completed: wait for
    // its lag, under load too.
    let lag_of_coe = |text: &str| {
        text.lines()
            .find(|l| {
                l.starts_with("liaison_peer_sync_lag_seconds{") && l.contains("mechanism=\"coe\"")
            })
            .map(str::to_owned)
    };
    let text = eventually(DEADLINE, || async {
        let text = get_ok(addr, "/metrics").await;
        if lag_of_coe(&text).is_some() { Ok(text) } else { Err(format!("no lag for coe: {text}")) }
    })
    .await;
    let lag = lag_of_coe(&text).unwrap_or_default();
    let seconds: i64 = lag.rsplit(' ').next().and_then(|v| v.parse().ok()).expect("a value");
    assert!((0..60).contains(&seconds), "{lag}");
    for name in
        ["liaison_store_bytes ", "liaison_queue_wanted ", "liaison_peer_refused{", "liaison_items "]
    {
        assert!(text.contains(name), "{name}: {text}");
    }
    assert!(text.contains("liaison_peer_connected{") && text.contains("} 1"), "{text}");
    // Each end measured the other's clock when the link opened: the same clock, so near zero.
    for (a, b) in [(0, 1), (1, 0)] {
        let offset = eventually(DEADLINE, || async {
            let peer = net[a].peer_status(net[b].key()).await.ok_or("no such peer".to_owned())?;
            peer.clock_offset_ms.ok_or("no clock offset measured yet".to_owned())
        })
        .await;
        assert!(offset.abs() < 5_000, "{offset} ms");
    }
}
