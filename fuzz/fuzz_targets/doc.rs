//! Fuzz target: a saved automerge document as it arrives, loaded and read as an item;
//! a document that loads must save and load again with the same heads.
#![no_main]

use liaison_protocol::ItemDoc;
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: liaison_fuzz::init(), |data: &[u8]| {
    let Ok(doc) = ItemDoc::load(data) else { return };
    let _ = doc.read();
    let _ = doc.changes();
    let again = ItemDoc::load(&doc.save()).expect("a saved document loads");
    assert_eq!(again.heads(), doc.heads());
});
