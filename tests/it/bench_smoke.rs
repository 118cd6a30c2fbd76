//! The benchmark harness (`liaison-bench`) at a tiny size, so it cannot rot: it must run every
//! figure and print the table with every row. Benchmarks measure, tests pass or fail: no figure
//! is checked against its target here.

use std::process::Command;

#[test]
fn the_benchmark_harness_prints_every_row() {
    let out = Command::new(env!("CARGO_BIN_EXE_liaison-bench"))
        .args(["--n", "50", "--big", "200", "--writes", "5"])
        .output()
        .expect("run liaison-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "liaison-bench failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("| figure | measured | target | result |"), "no table:\n{stdout}");
    assert!(stdout.contains(" cores, "), "no machine line:\n{stdout}");
    for figure in 1..=8 {
        let prefix = format!("| {figure}. ");
        assert!(stdout.lines().any(|l| l.starts_with(&prefix)), "no row {figure}:\n{stdout}");
    }
    assert!(!stdout.contains("failed:"), "a figure failed:\n{stdout}\n{stderr}");
}
