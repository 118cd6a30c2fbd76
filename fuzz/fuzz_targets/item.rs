//! Fuzz target: an item as a peer sends it (signed header, saved document, change signatures),
//! verified as a node verifies pushes and fetch answers, against the fixture roster.
#![no_main]

use std::sync::LazyLock;

use liaison_node::verify_payloads;
use liaison_protocol::codec::{self, MAX_RECORD_BYTES};
use liaison_protocol::sync::ItemPayload;
use liaison_protocol::{ItemDoc, Roster, verify};
use libfuzzer_sys::fuzz_target;

static ROSTER: LazyLock<Roster> = LazyLock::new(liaison_fuzz::roster);

fuzz_target!(init: liaison_fuzz::init(), |data: &[u8]| {
    let Ok(payload) = codec::decode::<ItemPayload>(data, MAX_RECORD_BYTES) else { return };
    // As a node that holds none of it yet: every change's writer is checked.
    let none = |_| verify::Held::new();
    for verified in verify_payloads(&ROSTER, std::slice::from_ref(&payload), none).into_iter().flatten() {
        let held = verify::Held::new();
        verify::check_signers(&verified, &ROSTER, &held).expect("verified signers are on the roster");
        let _ = verified.doc.read();
        let saved = verified.doc.save();
        let loaded = ItemDoc::load(&saved).expect("a saved document loads");
        assert_eq!(loaded.heads(), verified.doc.heads());
    }
});
