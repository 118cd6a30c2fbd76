//! Fuzz target: `liaison1:` identity cards as `roster add` reads them; a card that decodes
//! must encode to a card that decodes to the same.
#![no_main]

use liaison_protocol::Card;
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: liaison_fuzz::init(), |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(card) = Card::decode(text) {
        let again = Card::decode(&card.encode()).expect("an encoded card decodes");
        assert_eq!(again, card);
        let _ = card.peer();
    }
});
