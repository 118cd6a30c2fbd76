//! Conventions the code keeps: a pure protocol crate, formatting, module docs.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_owned()
}

fn cargo(args: &[&str]) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo).args(args).current_dir(workspace()).output().expect("run cargo");
    assert!(
        out.status.success(),
        "cargo {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn protocol_depends_on_no_io_crate() {
    let tree =
        cargo(&["tree", "-p", "liaison-protocol", "-e", "normal", "--prefix", "none", "--offline"]);
    for banned in ["tokio", "libp2p", "sled", "hyper", "axum", "mio", "socket2", "reqwest"] {
        assert!(
            !tree.lines().any(|l| l.starts_with(&format!("{banned} "))),
            "protocol depends on {banned}"
        );
    }
    assert!(tree.lines().any(|l| l.starts_with("automerge ")), "the tree was read");
}

#[test]
fn protocol_source_does_no_io_and_reads_no_clock_or_randomness() {
    let mut files = Vec::new();
    rust_files(&workspace().join("protocol/src"), &mut files);
    assert!(files.len() > 5);
    let banned = [
        "std::fs",
        "std::net",
        "std::io::stdin",
        "std::env",
        "std::process",
        "std::thread",
        "SystemTime",
        "Instant::now",
        "Utc::now",
        "Local::now",
        "rand::",
        "OsRng",
        "ActorId::random",
        "println!",
        "eprintln!",
    ];
    for file in files {
        if file.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read");
        for word in banned {
            assert!(
                !text.contains(word),
                "{} uses {word}: protocol must stay pure",
                file.display()
            );
        }
    }
}

#[test]
fn every_module_starts_with_a_doc_comment() {
    let mut files = Vec::new();
    for dir in ["protocol/src", "node/src", "cli/src", "tests/src", "tests/it"] {
        rust_files(&workspace().join(dir), &mut files);
    }
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        assert!(
            text.starts_with("//!"),
            "{} does not start with a //! line saying what it is for",
            file.display()
        );
    }
}

#[test]
fn code_is_formatted() {
    cargo(&["fmt", "--all", "--check"]);
}

/// Every way an item leaves a node: the files that carry it out (a path, or a folder ending in
/// `/`), and the file where it asks the one gate, `may_leave`, with its destination. A new way
/// out must join this list, or `nothing_leaves_a_node_past_the_gate` fails.
const WAYS_OUT: &[(&str, &str, &str)] = &[
    (
        "sync: reconciliation, offers, pushes, fetch answers, relays",
        "node/src/daemon/sync/",
        "node/src/sync/catalogue.rs",
    ),
    ("export, plain or --for", "node/src/api.rs", "node/src/api.rs"),
    ("digest, plain or --for", "node/src/digest.rs", "node/src/digest.rs"),
    (
        "public site: pages, API, feeds, provenance, metrics, static export",
        "node/src/public/",
        "node/src/public/mod.rs",
    ),
];

/// Files that send, serve or write, but never an item from the store, and why.
const NOT_ITEMS: &[(&str, &str)] = &[
    (
        "node/src/daemon/http.rs",
        "the local API: requests go to the event loop, answers come from api.rs",
    ),
    ("node/src/identity.rs", "writes the node's own key and config"),
    (
        "node/src/daemon/metrics.rs",
        "the operator's metrics: counts about peers, the store and queues, no item",
    ),
    (
        "node/src/daemon/trust.rs",
        "certificates, revocations and checkpoints: what authorities and members signed about \
         keys, and a root and count over public items only (Store::public_leaves asks may_leave)",
    ),
];

/// Files that write everything the node holds, `red` included, for its own operator only, and
/// why that is not a way out: the gate's `Destination::Operator`.
const FOR_THE_OPERATOR: &[(&str, &str)] = &[(
    "node/src/backup.rs",
    "a backup of this node (mode 0600), restored only as this node: what its data directory holds",
)];

/// The write path and the way in, which may ask `may_receive` directly (whether this node may
/// hold an item) and check labels (the rules of a write): they decide what is stored, not
/// what leaves.
const WAYS_IN: &[&str] = &["node/src/repo.rs"];

/// The node crate's source files, by path from the workspace root, without its unit tests.
fn node_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    rust_files(&workspace().join("node/src"), &mut files);
    let root = workspace();
    files.retain(|f| !f.ends_with("tests.rs") && !f.components().any(|c| c.as_os_str() == "tests"));
    files
        .into_iter()
        .map(|f| {
            let name = f.strip_prefix(&root).expect("under the workspace").display().to_string();
            (name, std::fs::read_to_string(&f).expect("read"))
        })
        .collect()
}

/// The gate is the only way out: every listed way out asks `may_leave`; any other file that
/// sends, serves or writes is either one that carries no item or part of the public site,
/// whose modules get items only from `Site::items` and `Site::item` (which ask the gate); and
/// no file outside the protocol decides on its own who may see an item.
#[test]
fn nothing_leaves_a_node_past_the_gate() {
    let files = node_files();
    for (way, _, gate) in WAYS_OUT {
        let text = &files.iter().find(|(f, _)| f == gate).expect("a listed gate exists").1;
        assert!(text.contains("may_leave("), "{way} ({gate}) does not ask may_leave");
    }
    let sends = ["axum::", "send_request(", "send_response(", "fs::write(", "File::create("];
    for (file, text) in &files {
        let listed = WAYS_OUT.iter().any(|(_, out, _)| file.starts_with(out));
        let gate = WAYS_OUT.iter().any(|(_, _, g)| g == file);
        let site = file.starts_with("node/src/public/");
        if sends.iter().any(|s| text.contains(s)) {
            assert!(
                listed
                    || NOT_ITEMS.iter().any(|(f, _)| f == file)
                    || FOR_THE_OPERATOR.iter().any(|(f, _)| f == file),
                "{file} sends, serves or writes: add it to WAYS_OUT (asking may_leave), NOT_ITEMS or FOR_THE_OPERATOR"
            );
        }
        if site && !gate {
            for read in [
                "store.list(",
                "store.each(",
                "store.get(",
                "store.head(",
                "store.matrix_facts(",
                "store.payload(",
                ".iter_items(",
            ] {
                assert!(!text.contains(read), "{file} reads items past Site::items ({read})");
            }
        }
        if text.contains("may_receive(") {
            assert!(WAYS_IN.contains(&file.as_str()), "{file} decides who receives an item itself");
        }
        for decision in ["label == Label::Clear", "label != Label::Clear"] {
            let decides = text.contains(decision) && !WAYS_IN.contains(&file.as_str());
            assert!(!decides, "{file} decides on a label itself ({decision})");
        }
    }
}
