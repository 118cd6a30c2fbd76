//! Integration tests: the real `liaison` binary on real data directories.

mod support;

mod cli;
mod crash;
mod ics;
