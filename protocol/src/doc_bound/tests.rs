//! Tests of the bounds on what a document expands to: real documents pass, bombs do not.

use std::io::Write as _;

use automerge::transaction::Transactable as _;
use automerge::{Automerge, ObjType, ROOT};

use super::{MAX_INFLATED_BYTES, MAX_ROWS, check};
use crate::doc::{DocError, ItemDoc};

fn uleb(mut n: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A document chunk with no actors, heads or change columns, and these operation columns.
fn chunk(columns: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut data = vec![0, 0, 0];
    uleb(columns.len() as u64, &mut data);
    for (spec, bytes) in columns {
        uleb(*spec, &mut data);
        uleb(bytes.len() as u64, &mut data);
    }
    for (_, bytes) in columns {
        data.extend_from_slice(bytes);
    }
    let mut out = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 0];
    uleb(data.len() as u64, &mut out);
    out.extend(data);
    out
}

/// A saved document whose columns automerge compressed (a long list of strings).
fn real_document() -> Vec<u8> {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    let list = tx.put_object(ROOT, "notes", ObjType::List).expect("list");
    for i in 0..2_000 {
        tx.insert(&list, i, format!("note {i}")).expect("insert");
    }
    tx.commit();
    doc.save()
}

#[test]
fn real_documents_pass_and_load() {
    let bytes = real_document();
    assert_eq!(check(&bytes), Ok(()));
    let loaded = ItemDoc::load(&bytes).expect("loads");
    assert_eq!(loaded.automerge().get_changes(&[]).len(), 1);
}

#[test]
fn a_decompression_bomb_is_refused_before_loading() {
    // 64 MiB of zeros deflate to about 64 KiB: far past the inflated limit.
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..64 {
        encoder.write_all(&zeros).expect("deflate");
    }
    let compressed = encoder.finish().expect("deflate");
    assert!(compressed.len() < crate::codec::MAX_DOC_BYTES);
    // An operation column (id 1, RLE unsigned), with the DEFLATE bit.
    let bomb = chunk(&[((1 << 4) | 0b1000 | 2, compressed)]);
    let refused = check(&bomb).expect_err("a bomb");
    assert!(refused.contains(&MAX_INFLATED_BYTES.to_string()), "{refused}");
    assert!(matches!(ItemDoc::load(&bomb), Err(DocError::Expands(_))));
}

#[test]
fn a_run_length_bomb_is_refused_before_loading() {
    // One run of 2^40 rows, in seven bytes.
    let mut column = Vec::new();
    // As sleb, 2^40 takes six 7-bit groups, the last with bit 6 clear: as uleb.
    uleb(1 << 40, &mut column);
    column.push(0); // The repeated value.
    let bomb = chunk(&[((1 << 4) | 2, column)]);
    let refused = check(&bomb).expect_err("a bomb");
    assert!(refused.contains(&MAX_ROWS.to_string()), "{refused}");
}

#[test]
fn anything_but_one_document_chunk_is_refused() {
    let bytes = real_document();
    let twice = [bytes.clone(), bytes.clone()].concat();
    assert!(check(&twice).is_err());
    let mut change = bytes;
    change[8] = 1;
    assert!(check(&change).is_err());
    assert!(check(b"not automerge").is_err());
}
