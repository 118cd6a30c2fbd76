//! Fuzz target: the JSON file `liaison import` reads, planned against the fixture roster:
//! parsing, provenance decoding, verification of signed items and validation of new ones.
#![no_main]

use std::sync::LazyLock;

use liaison_node::export::plan_import;
use liaison_protocol::{Mechanism, Roster};
use libfuzzer_sys::fuzz_target;

static ROSTER: LazyLock<Roster> = LazyLock::new(liaison_fuzz::roster);

fuzz_target!(init: liaison_fuzz::init(), |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let own: Mechanism = "ohchr".parse().expect("a valid mechanism");
    if let Ok(plan) = plan_import(text, &ROSTER, &own) {
        for item in &plan.signed {
            item.doc.read().expect("a verified, planned item reads");
        }
    }
});
