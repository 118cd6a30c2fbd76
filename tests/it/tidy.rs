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
