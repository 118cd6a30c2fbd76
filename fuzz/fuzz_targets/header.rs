//! Fuzz target: a signed header as it arrives in a record or a sync message: decoded with the
//! header size limit, its signature verified, and a verified header checked and re-encoded.
#![no_main]

use std::sync::LazyLock;

use liaison_protocol::codec::{self, MAX_HEADER_BYTES};
use liaison_protocol::{Roster, SignedHeader, verify};
use libfuzzer_sys::fuzz_target;

static ROSTER: LazyLock<Roster> = LazyLock::new(liaison_fuzz::roster);

fuzz_target!(init: liaison_fuzz::init(), |data: &[u8]| {
    let Ok(signed) = codec::decode::<SignedHeader>(data, MAX_HEADER_BYTES) else { return };
    let again: SignedHeader =
        codec::decode(&codec::encode(&signed), MAX_HEADER_BYTES).expect("a header re-decodes");
    assert_eq!(again, signed);
    if let Ok(header) = signed.verify() {
        let _ = header.validate();
        let _ = verify::check_creator(&header, &ROSTER);
    }
});
