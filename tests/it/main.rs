//! Integration tests: the real `liaison` binary on real data directories.

mod fed_support;
mod mirror_support;
mod site_support;
mod support;
mod wire_support;

mod anon_mirror;
mod bad_input;
mod bench_smoke;
mod browser;
mod cli;
mod coord;
mod crash;
mod demo;
mod deploy_files;
mod embargo;
mod fed_forgery;
mod fed_labels;
mod fed_mirrors;
mod fed_offers;
mod fed_random;
mod fed_roster;
mod fed_writes;
mod ics;
mod joint;
mod malformed;
mod node_cli;
mod roundtrip;
mod signatures;
mod site_feeds;
mod site_http;
mod site_leaks;
mod site_verify;
mod site_withdrawals;
mod tidy;
