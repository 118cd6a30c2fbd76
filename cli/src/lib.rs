//! `liaison`: the command a focal point uses to publish and read a Liaison node's items.
//!
//! The binary is `main()` of this library, so the integration tests can build the very same
//! command as a binary of their own.
//!
//! Thin by design: it parses arguments, calls `liaison-node`, and prints. Bad input exits with
//! code 2 and one line naming the field, the value and what is allowed; other failures exit 1.

mod args;
mod authority;
mod backup;
pub mod client;
mod coord;
mod daemon;
mod demo;
mod doctor;
mod items;
mod output;
mod recommend;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser as _;
use liaison_node::Error;

use crate::args::Cli;

/// A failure to report: one line, and an exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    message: String,
    code: u8,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure { code: if e.is_bad_input() { 2 } else { 1 }, message: e.to_string() }
    }
}

impl From<liaison_protocol::FieldError> for Failure {
    fn from(e: liaison_protocol::FieldError) -> Self {
        Failure { code: 2, message: e.to_string() }
    }
}

impl Failure {
    /// A failure of the system (exit code 1), not of the input.
    pub(crate) fn system(message: impl ToString) -> Self {
        Failure { code: 1, message: message.to_string() }
    }
}

/// Runs the `liaison` command with the process's arguments; returns its exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // A running node logs what it does; a one-shot command reports through its exit line.
    let long_running = matches!(cli.command, args::Command::Node(_) | args::Command::Demo(_));
    init_tracing(cli.verbose, long_running, cli.log_format == args::LogFormat::Json);
    let data_dir = match cli.data_dir.clone().or_else(liaison_node::identity::default_data_dir) {
        Some(dir) => dir,
        None => {
            eprintln!("error: no data directory: pass --data-dir DIR or set LIAISON_DIR");
            return ExitCode::from(2);
        }
    };
    if matches!(cli.command, args::Command::Restore(_)) && cli.data_dir.is_none() {
        eprintln!("error: restore needs --data-dir DIR: the empty directory to restore into");
        return ExitCode::from(2);
    }
    match run(cli, data_dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn init_tracing(verbose: u8, long_running: bool, json: bool) {
    let default = match (verbose, long_running) {
        (0, false) => "off",
        // automerge opens an info span on every document it loads, with its fields formatted:
        // 5% of a joining node's CPU when kept.
        (0, true) => "info,libp2p=warn,automerge=warn",
        (1, _) => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("LIAISON_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn run(cli: Cli, dir: PathBuf) -> Result<(), Failure> {
    items::dispatch(cli.command, &dir)
}
