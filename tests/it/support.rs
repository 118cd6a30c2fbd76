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
