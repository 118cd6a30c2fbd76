//! Bounds on what a saved document expands to, checked before automerge loads it.
//!
//! automerge 0.12's `load` inflates DEFLATE-compressed columns without a limit and expands
//! run-length-encoded columns into one operation per row, so a few KiB can ask for gigabytes.
//! Liaison saves an item's document as exactly one automerge document chunk (`Automerge::save`),
//! so that is all this accepts; it walks the chunk's column layout, inflates each compressed
//! column through a reader capped at what is left of [`MAX_INFLATED_BYTES`], and counts the rows
//! each column encodes, refusing more than [`MAX_ROWS`]. The format is automerge's binary
//! format: a chunk header (magic, checksum, type, length), then actors, heads, the change and
//! operation column layouts (`(spec, length)` pairs, bit 3 of a spec marking DEFLATE), the
//! column data, and the head indices.

use std::io::Read as _;

/// Most bytes a document's columns may hold once inflated (four times the saved size limit).
pub const MAX_INFLATED_BYTES: usize = 4 * crate::codec::MAX_DOC_BYTES;
/// Most rows (changes, or operations) any column of a document may encode.
pub const MAX_ROWS: u64 = 1 << 20;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DOCUMENT_CHUNK: u8 = 0;
const DEFLATE_BIT: u64 = 0b1000;

/// Checks that `bytes` is one document chunk whose columns inflate to at most
/// [`MAX_INFLATED_BYTES`] and encode at most [`MAX_ROWS`] rows each.
///
/// # Errors
/// Why the document is refused, in words.
pub(crate) fn check(bytes: &[u8]) -> Result<(), String> {
    let mut r = Reader(bytes);
    if r.take(4)? != MAGIC {
        return Err("not an automerge document".to_owned());
    }
    r.take(4)?; // The checksum, which automerge checks.
    if r.take(1)? != [DOCUMENT_CHUNK] {
        return Err("not a single automerge document chunk".to_owned());
    }
    let len = usize::try_from(r.uleb()?).map_err(|_| "chunk too long")?;
    let mut chunk = Reader(r.take(len)?);
    if !r.0.is_empty() {
        return Err("bytes after the document chunk".to_owned());
    }
    for _ in 0..chunk.uleb()? {
        let actor_len = usize::try_from(chunk.uleb()?).map_err(|_| "actor too long")?;
        chunk.take(actor_len)?;
    }
    let heads = usize::try_from(chunk.uleb()?).map_err(|_| "too many heads")?;
    chunk.take(heads.checked_mul(32).ok_or("too many heads")?)?;
    let changes = columns(&mut chunk)?;
    let ops = columns(&mut chunk)?;
    let mut left = MAX_INFLATED_BYTES;
    for (spec, len) in changes.into_iter().chain(ops) {
        let data = chunk.take(len)?;
        let inflated;
        let data = if spec & DEFLATE_BIT != 0 {
            inflated = inflate(data, left)?;
            &inflated[..]
        } else {
            data
        };
        left = left.checked_sub(data.len()).ok_or("columns inflate past the limit")?;
        let rows = rows(spec, data)?;
        if rows > MAX_ROWS {
            return Err(format!("a column encodes {rows} rows, the limit is {MAX_ROWS}"));
        }
    }
    Ok(())
}

/// A column layout: `(spec, length)` pairs.
fn columns(r: &mut Reader<'_>) -> Result<Vec<(u64, usize)>, String> {
    let n = r.uleb()?;
    if n > 64 {
        return Err(format!("{n} columns"));
    }
    (0..n)
        .map(|_| Ok((r.uleb()?, usize::try_from(r.uleb()?).map_err(|_| "column too long")?)))
        .collect()
}

/// Inflates `data`, refusing more than `max` bytes.
fn inflate(data: &[u8], max: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::bufread::DeflateDecoder::new(data)
        .take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("a compressed column does not inflate: {e}"))?;
    if out.len() > max {
        return Err(format!("columns inflate past {MAX_INFLATED_BYTES} bytes"));
    }
    Ok(out)
}

/// How many rows a column encodes, by its type (the low three bits of its spec).
fn rows(spec: u64, data: &[u8]) -> Result<u64, String> {
    let mut r = Reader(data);
    let mut rows: u64 = 0;
    match spec & 0b111 {
        // Boolean: alternating run lengths.
        4 => {
            while !r.0.is_empty() {
                rows = rows.saturating_add(r.uleb()?);
            }
        }
        // Raw values, whose rows the value metadata column counts.
        7 => {}
        // Run-length encoded: group, actor, integer, delta, string, value metadata.
        kind => {
            while !r.0.is_empty() {
                let count = r.sleb()?;
                if count > 0 {
                    rows = rows.saturating_add(count.unsigned_abs());
                    value(&mut r, kind)?;
                } else if count < 0 {
                    for _ in 0..count.unsigned_abs() {
                        value(&mut r, kind)?;
                    }
                    rows = rows.saturating_add(count.unsigned_abs());
                } else {
                    rows = rows.saturating_add(r.uleb()?);
                }
                if rows > MAX_ROWS {
                    break;
                }
            }
        }
    }
    Ok(rows)
}

/// Skips one value of a run-length encoded column of type `kind`.
fn value(r: &mut Reader<'_>, kind: u64) -> Result<(), String> {
    match kind {
        // Strings: length-prefixed UTF-8.
        5 => {
            let len = usize::try_from(r.uleb()?).map_err(|_| "string too long")?;
            r.take(len)?;
        }
        // Signed integers (delta columns).
        3 => {
            r.sleb()?;
        }
        _ => {
            r.uleb()?;
        }
    }
    Ok(())
}

/// Bytes being read from the front.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.0.len() {
            return Err("document truncated".to_owned());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn uleb(&mut self) -> Result<u64, String> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("number too long".to_owned())
    }

    fn sleb(&mut self) -> Result<i64, String> {
        let mut value: i64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            value |= i64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                if shift + 7 < 64 && byte & 0x40 != 0 {
                    value |= -1 << (shift + 7);
                }
                return Ok(value);
            }
        }
        Err("number too long".to_owned())
    }
}

#[cfg(test)]
mod tests;
