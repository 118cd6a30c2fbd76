//! `liaison-bench`: the benchmark harness. Starts real nodes on 127.0.0.1 and prints one
//! markdown table of the figures of the benchmarks issue beside their targets.
//!
//!     cargo run --release --bin liaison-bench -- [--n 10000] [--big 100000] [--quick] [--peer]
//!
//! With `LIAISON_BENCH_AS_CLI` set it is the `liaison` command instead, so the harness can run
//! a node in a process of its own and time `liaison visit forecast` as a user runs it.

#[path = "../bench/mod.rs"]
mod bench;

fn main() -> std::process::ExitCode {
    if std::env::var_os(bench::AS_CLI).is_some() {
        return liaison::main();
    }
    bench::main()
}
