//! Running the real `liaison` binary against throwaway data directories.
#![allow(dead_code)] // Not every test module uses every helper.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `liaison` binary under test.
pub(crate) fn liaison_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_liaison-under-test"))
}

/// What one run of the command gave.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// A node in a temporary data directory, driven through the CLI.
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) dir: tempfile::TempDir,
}

impl Node {
    /// A fresh member node of `mechanism`.
    pub(crate) fn init(mechanism: &str) -> Node {
        let node = Node { dir: tempfile::tempdir().expect("tempdir") };
        node.ok(&["init", "--mechanism", mechanism, "--name", &format!("{mechanism} test node")]);
        node
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `liaison --data-dir DIR args...`.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        Command::new(liaison_bin())
            .arg("--data-dir")
            .arg(self.path())
            .args(args)
            .env_remove("LIAISON_DIR")
            .output()
            .expect("run liaison")
            .into()
    }

    /// Runs and expects success; returns stdout.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(run.code, 0, "liaison {args:?} failed: {}", run.stderr);
        run.stdout
    }

    /// Runs a publishing command and returns the id it printed.
    pub(crate) fn publish(&self, args: &[&str]) -> String {
        let out = self.ok(args);
        let id = out.trim().to_owned();
        assert_eq!(id.len(), 36, "expected an item id alone on stdout, got {out:?}");
        id
    }

    /// Runs and expects exit code 2; returns stderr.
    pub(crate) fn bad(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(run.code, 2, "liaison {args:?} should fail with code 2: {run:?}");
        assert_eq!(run.stderr.trim().lines().count(), 1, "one line expected: {}", run.stderr);
        run.stderr
    }

    /// The node's items as `list --format json --withdrawn`.
    pub(crate) fn items(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["list", "--format", "json", "--withdrawn"]))
            .expect("list json")
    }

    /// The identity card.
    pub(crate) fn card(&self) -> String {
        self.ok(&["id"]).trim().to_owned()
    }
}

impl Node {
    /// An empty temporary directory that holds no node yet.
    pub(crate) fn empty() -> Node {
        Node { dir: tempfile::tempdir().expect("tempdir") }
    }

    /// The key file (`node.key`).
    pub(crate) fn key_file(&self) -> PathBuf {
        self.path().join("node.key")
    }

    /// `show ID --format json`, parsed.
    pub(crate) fn show_json(&self, id: &str) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["show", id, "--format", "json"])).expect("show json")
    }

    /// `export json` to stdout, parsed.
    pub(crate) fn export_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["export", "json"])).expect("export json")
    }

    /// Writes `value` as JSON to `name` in this node's directory; returns the path as text.
    pub(crate) fn write_json(&self, name: &str, value: &serde_json::Value) -> String {
        let path = self.path().join(name);
        std::fs::write(&path, serde_json::to_string_pretty(value).expect("json")).expect("write");
        path.to_str().expect("utf-8 path").to_owned()
    }

    /// Adds `other`'s identity card to this node's roster.
    pub(crate) fn knows(&self, other: &Node) {
        self.ok(&["roster", "add", &other.card()]);
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding, as the JSON export writes it.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes what [`base64_encode`] writes.
pub(crate) fn base64_decode(text: &str) -> Vec<u8> {
    let digits: Vec<u32> = text
        .bytes()
        .filter(|b| *b != b'=')
        .map(|b| BASE64.iter().position(|c| *c == b).expect("base64 digit") as u32)
        .collect();
    let mut out = Vec::new();
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, d)| n | d << (18 - 6 * i));
        out.extend((0..chunk.len() - 1).map(|i| (n >> (16 - 8 * i)) as u8));
    }
    out
}

/// Decodes hex digits.
pub(crate) fn hex_decode(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Splits CSV text into rows of cells (RFC 4180 quoting).
pub(crate) fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

/// Splits a command line on spaces; `'...'` keeps spaces inside one argument.
pub(crate) fn argv(line: &str) -> Vec<String> {
    let (mut out, mut arg, mut quoted, mut started) = (Vec::new(), String::new(), false, false);
    for c in line.chars() {
        match c {
            '\'' => (quoted, started) = (!quoted, true),
            ' ' if !quoted => {
                if started {
                    out.push(std::mem::take(&mut arg));
                }
                started = false;
            }
            c => {
                arg.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(arg);
    }
    out
}

impl Node {
    /// Runs a command line split by [`argv`].
    pub(crate) fn run_line(&self, line: &str) -> Run {
        self.run(&argv(line).iter().map(String::as_str).collect::<Vec<_>>())
    }
}

/// `value` without empty lists in objects, so that comparisons do not depend on whether empty
/// lists are written or left out.
pub(crate) fn without_empty_lists(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| v.as_array().is_none_or(|a| !a.is_empty()))
                .map(|(k, v)| (k.clone(), without_empty_lists(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_empty_lists).collect()),
        other => other.clone(),
    }
}

impl Node {
    /// This node's public key, 64 hex digits, as `roster list` and error messages name it.
    pub(crate) fn card_key(&self) -> String {
        let config = std::fs::read_to_string(self.path().join("config.toml")).expect("config");
        let line = config.lines().find(|l| l.starts_with("public_key")).expect("public_key");
        line.split('"').nth(1).expect("quoted key").to_owned()
    }
}

/// Whether Python can import `modules` (a comma-separated `import` list). When it cannot, fails
/// if the environment variable `require` is `1` (as `.ci/run` sets it), and otherwise says
/// plainly which checks were skipped and why.
pub(crate) fn python_has(modules: &str, require: &str, skipped: &str) -> bool {
    let has = std::process::Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        assert!(
            std::env::var(require).as_deref() != Ok("1"),
            "{require}=1 but Python cannot import {modules}"
        );
        eprintln!(
            "SKIPPED: {skipped} (Python cannot import {modules}; .ci/run installs it with pip)"
        );
    }
    has
}

/// Rewrites the stored record of item `id` in `node`'s sled store with `damage`.
pub(crate) fn damage_record(node: &Node, id: &str, damage: fn(&mut Vec<u8>)) {
    let db = sled::open(node.path().join("store")).expect("open store");
    let id: liaison_protocol::ItemId = id.parse().expect("item id");
    let key = [&b"r/"[..], id.as_bytes()].concat();
    let mut value = db.get(&key).expect("read").expect("record of the item").to_vec();
    damage(&mut value);
    db.insert(&key, value).expect("write");
    db.flush().expect("flush");
}

/// The folder of the JavaScript checks (`tests/js`), when its packages are installed and Node.js
/// runs. When they are not, fails if `LIAISON_REQUIRE_NODE_CHECKS` is `1` (as `.ci/run` sets
/// it), and otherwise says plainly which checks were skipped and why.
pub(crate) fn js_checks(skipped: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("js");
    let installed = dir.join("node_modules/@automerge/automerge").is_dir();
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if installed && node {
        return Some(dir);
    }
    assert!(
        std::env::var("LIAISON_REQUIRE_NODE_CHECKS").as_deref() != Ok("1"),
        "LIAISON_REQUIRE_NODE_CHECKS=1 but Node.js or tests/js's packages are missing"
    );
    eprintln!("SKIPPED: {skipped} (needs Node.js and 'npm ci' in tests/js, which .ci/run does)");
    None
}
