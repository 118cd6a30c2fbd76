//! Writes items in a loop and prints each write once it is acknowledged, for the crash test:
//! the test kills this process with SIGKILL and checks that every acknowledged write survived.
//!
//! Usage: `liaison-crash-writer DATA_DIR`. Prints `c <id> <n>` after creating item n and
//! `u <id> <revision>` after updating an item, flushing each line.

use std::io::Write as _;
use std::process::ExitCode;

use chrono::Utc;
use liaison_node::{Draft, Repo};
use liaison_protocol::{Fields, Kind, Label, LangTag, Text, Visit, VisitCountry, VisitStatus};

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: liaison-crash-writer DATA_DIR");
        return ExitCode::from(2);
    };
    let repo = match Repo::open(dir.as_ref()) {
        Ok(repo) => repo,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let mut out = std::io::stdout().lock();
    let mut last = None;
    for n in 0u64.. {
        let result = match last {
            Some(id) if n % 3 == 0 => repo
                .update(id, Utc::now(), |f| {
                    if let Some(v) = f.visit.as_mut() {
                        v.mandate = format!("crash test mandate {n}");
                    }
                    Ok(())
                })
                .map(|rev| format!("u {id} {}", rev.unwrap_or(0))),
            _ => repo.create(draft(n), Utc::now()).map(|id| {
                last = Some(id);
                format!("c {id} {n}")
            }),
        };
        match result {
            Ok(line) => {
                if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                    return ExitCode::SUCCESS;
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}

fn draft(n: u64) -> Draft {
    let mut fields =
        Fields::new(Text { value: format!("crash test visit {n}"), lang: LangTag::default() });
    let country =
        VisitCountry::Code("TN".parse().unwrap_or_else(|_| unreachable!("TN is a country")));
    fields.visit =
        Some(Visit::new(format!("crash test mandate {n}"), country, VisitStatus::Requested));
    Draft {
        kind: Kind::Visit,
        fields,
        label: Label::Green,
        audience: Vec::new(),
        co_owners: Vec::new(),
        supersedes: None,
    }
}
