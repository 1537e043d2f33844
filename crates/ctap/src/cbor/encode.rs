//! CTAP2 canonical CBOR encoder (CTAP 2.1 §8 "Message Encoding", "CTAP2 canonical CBOR
//! encoding form"):
//! - integers and lengths use the shortest possible form,
//! - all strings, arrays and maps have definite lengths,
//! - map keys are sorted by their encoded form: shorter first, then bytewise
//!   (the RFC 7049 §3.9 "length-first" order),
//! - no tags, no floats.

use super::value::Value;

/// Encodes `value` in CTAP2 canonical form.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(value, &mut out);
    out
}

/// Appends the canonical encoding of `value` to `out`.
pub fn encode_into(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Unsigned(n) => write_head(out, 0, *n),
        Value::Negative(n) => write_head(out, 1, *n),
        Value::Bytes(b) => {
            write_head(out, 2, b.len() as u64);
            out.extend_from_slice(b);
        }
        Value::Text(t) => {
            write_head(out, 3, t.len() as u64);
            out.extend_from_slice(t.as_bytes());
        }
        Value::Array(items) => {
            write_head(out, 4, items.len() as u64);
            for item in items {
                encode_into(item, out);
            }
        }
        Value::Map(entries) => {
            write_head(out, 5, entries.len() as u64);
            let mut encoded: Vec<(Vec<u8>, &Value)> =
                entries.iter().map(|(k, v)| (encode(k), v)).collect();
            encoded.sort_by(|(a, _), (b, _)| canonical_key_order(a, b));
            for (key, v) in encoded {
                out.extend_from_slice(&key);
                encode_into(v, out);
            }
        }
        Value::Bool(false) => out.push(0xf4),
        Value::Bool(true) => out.push(0xf5),
        Value::Null => out.push(0xf6),
        Value::Undefined => out.push(0xf7),
    }
}

/// The CTAP2 canonical order of two encoded map keys: shorter first, then bytewise.
pub fn canonical_key_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Writes a major type and argument in the shortest form.
fn write_head(out: &mut Vec<u8>, major: u8, arg: u64) {
    let mt = major << 5;
    if arg < 24 {
        out.push(mt | arg as u8);
    } else if let Ok(b) = u8::try_from(arg) {
        out.push(mt | 24);
        out.push(b);
    } else if let Ok(s) = u16::try_from(arg) {
        out.push(mt | 25);
        out.extend_from_slice(&s.to_be_bytes());
    } else if let Ok(w) = u32::try_from(arg) {
        out.push(mt | 26);
        out.extend_from_slice(&w.to_be_bytes());
    } else {
        out.push(mt | 27);
        out.extend_from_slice(&arg.to_be_bytes());
    }
}
