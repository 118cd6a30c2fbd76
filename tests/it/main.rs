//! Integration tests: the real `liaison` binary on real data directories.

mod fed_support;
mod mirror_support;
mod support;

mod anon_mirror;
mod bad_input;
mod bench_smoke;
mod browser;
mod cli;
mod coord;
mod crash;
mod demo;
mod embargo;
mod federation;
mod forgery;
mod ics;
mod joint;
mod malformed;
mod mirror;
mod node_cli;
mod roundtrip;
mod signatures;
mod tidy;
