//! CBOR codec: canonical encoding rules (CTAP 2.1 §8) and strict decoding errors.

// Test helpers outside #[test] functions panic on purpose when a vector is broken.
#![allow(clippy::unwrap_used)]

use keydesk_ctap::cbor::{decode, decode_with, encode, CborError, DecodeOptions, Value};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn integers_use_shortest_form() {
    // RFC 8949 Appendix A examples.
    let cases: [(i64, &str); 12] = [
        (0, "00"),
        (23, "17"),
        (24, "1818"),
        (255, "18ff"),
        (256, "190100"),
        (65535, "19ffff"),
        (65536, "1a00010000"),
        (4294967296, "1b0000000100000000"),
        (-1, "20"),
        (-24, "37"),
        (-25, "3818"),
        (-1000, "3903e7"),
    ];
    for (n, expected) in cases {
        assert_eq!(encode(&Value::from(n)), hex(expected), "{n}");
        assert_eq!(decode_with(&hex(expected), DecodeOptions::CANONICAL).unwrap().as_i64(), Some(n));
    }
    assert_eq!(encode(&Value::Unsigned(u64::MAX)), hex("1bffffffffffffffff"));
    assert_eq!(encode(&Value::Negative(u64::MAX)), hex("3bffffffffffffffff"));
}

#[test]
fn map_keys_sorted_length_first_then_bytewise() {
    // Keys given in scrambled order; the RFC 7049 §3.9 canonical order is
    // 10, -1, false, 100, "z", [-1], "aa", [100].
    let map = Value::Map(vec![
        (Value::text("aa"), Value::Null),
        (Value::Bool(false), Value::Null),
        (Value::from(-1i64), Value::Null),
        (Value::Array(vec![Value::from(-1i64)]), Value::Null),
        (Value::text("z"), Value::Null),
        (Value::from(100i64), Value::Null),
        (Value::Array(vec![Value::from(100i64)]), Value::Null),
        (Value::from(10i64), Value::Null),
    ]);
    let encoded = encode(&map);
    assert_eq!(
        encoded,
        hex("a8 0af6 20f6 f4f6 1864f6 617af6 8120f6 626161f6 811864f6")
    );
    let decoded = decode_with(&encoded, DecodeOptions::CANONICAL).unwrap();
    assert_eq!(encode(&decoded), encoded);
}

#[test]
fn strings_and_simple_values() {
    assert_eq!(encode(&Value::text("IETF")), hex("6449455446"));
    assert_eq!(encode(&Value::bytes(vec![1, 2, 3, 4])), hex("4401020304"));
    assert_eq!(encode(&Value::Bool(true)), hex("f5"));
    assert_eq!(encode(&Value::Null), hex("f6"));
    let long = "a".repeat(300);
    let enc = encode(&Value::text(long.as_str()));
    assert_eq!(&enc[..3], &hex("79012c")[..]);
    assert_eq!(decode(&enc).unwrap(), Value::text(long));
}

#[test]
fn decoder_errors_are_precise() {
    let cases: Vec<(&str, CborError)> = vec![
        ("", CborError::Truncated { offset: 0, needed: 1 }),
        ("19 01", CborError::Truncated { offset: 1, needed: 1 }),
        ("01 02", CborError::TrailingBytes { offset: 1, count: 1 }),
        ("5f 41 00 ff", CborError::IndefiniteLength { offset: 0 }),
        ("9f ff", CborError::IndefiniteLength { offset: 0 }),
        ("bf ff", CborError::IndefiniteLength { offset: 0 }),
        ("ff", CborError::UnexpectedBreak { offset: 0 }),
        ("45 01 02", CborError::LengthExceedsInput { offset: 0, declared: 5, remaining: 2 }),
        ("9b ffffffffffffffff", CborError::LengthExceedsInput { offset: 0, declared: u64::MAX, remaining: 0 }),
        ("a2 01 02", CborError::LengthExceedsInput { offset: 0, declared: 2, remaining: 2 }),
        ("1c", CborError::ReservedAdditionalInfo { offset: 0, head: 0x1c, info: 28 }),
        ("1f", CborError::ReservedAdditionalInfo { offset: 0, head: 0x1f, info: 31 }),
        ("c1 00", CborError::TagNotAllowed { offset: 0, tag: 1 }),
        ("f9 3c00", CborError::FloatNotAllowed { offset: 0 }),
        ("fa 3f800000", CborError::FloatNotAllowed { offset: 0 }),
        ("f0", CborError::UnsupportedSimpleValue { offset: 0, value: 16 }),
        ("f8 ff", CborError::UnsupportedSimpleValue { offset: 0, value: 255 }),
        ("62 c3 28", CborError::InvalidUtf8 { offset: 0 }),
        ("a2 01 00 01 00", CborError::DuplicateKey { offset: 0 }),
    ];
    for (input, expected) in cases {
        assert_eq!(decode(&hex(input)), Err(expected), "input {input}");
    }
}

#[test]
fn canonical_mode_rejects_non_canonical_forms() {
    let strict = DecodeOptions::CANONICAL;
    assert_eq!(decode_with(&hex("18 05"), strict), Err(CborError::NonMinimalEncoding { offset: 0 }));
    assert_eq!(decode_with(&hex("59 0001 00"), strict), Err(CborError::NonMinimalEncoding { offset: 0 }));
    assert_eq!(decode_with(&hex("a2 02 00 01 00"), strict), Err(CborError::NonCanonicalKeyOrder { offset: 3 }));
    // "aa" before "b" is bytewise order but not length-first order.
    assert_eq!(
        decode_with(&hex("a2 626161 00 6162 00"), strict),
        Err(CborError::NonCanonicalKeyOrder { offset: 5 })
    );
    assert_eq!(decode_with(&hex("a2 01 00 01 00"), strict), Err(CborError::DuplicateKey { offset: 3 }));
    // The tolerant default accepts the same inputs (except duplicates).
    assert!(decode(&hex("18 05")).is_ok());
    assert!(decode(&hex("a2 02 00 01 00")).is_ok());
}

#[test]
fn depth_limit() {
    // Four nested arrays are allowed by CTAP 2.1 §8, five are not.
    assert!(decode_with(&hex("81 81 81 81 00"), DecodeOptions::CANONICAL).is_ok());
    assert_eq!(
        decode_with(&hex("81 81 81 81 81 00"), DecodeOptions::CANONICAL),
        Err(CborError::DepthLimitExceeded { offset: 4, limit: 4 })
    );
    let deep = vec![0x81u8; 100_000];
    assert!(matches!(decode(&deep), Err(CborError::DepthLimitExceeded { limit: 8, .. })));
    let unlimited = DecodeOptions { max_depth: usize::MAX, ..DecodeOptions::TOLERANT };
    assert!(matches!(decode_with(&deep, unlimited), Err(CborError::DepthLimitExceeded { limit: 32, .. })));
}

/// xorshift64*, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    let kind = rng.next() % if depth >= 3 { 7 } else { 9 };
    match kind {
        0 => Value::Unsigned(rng.next() >> (rng.next() % 64)),
        1 => Value::Negative(rng.next() >> (rng.next() % 64)),
        2 => Value::Bytes((0..rng.next() % 40).map(|_| rng.next() as u8).collect()),
        3 => Value::Text(
            (0..rng.next() % 10)
                .map(|_| ['a', 'é', '€', '𝄞', 'z'][(rng.next() % 5) as usize])
                .collect(),
        ),
        4 => Value::Bool(rng.next() & 1 == 0),
        5 => Value::Null,
        6 => Value::Undefined,
        7 => Value::Array((0..rng.next() % 5).map(|_| random_value(rng, depth + 1)).collect()),
        _ => {
            // Distinct keys: integers and short texts.
            let mut entries: Vec<(Value, Value)> = Vec::new();
            for _ in 0..rng.next() % 6 {
                let key = if rng.next() & 1 == 0 {
                    Value::from((rng.next() % 600) as i64 - 300)
                } else {
                    Value::text(format!("k{}", rng.next() % 50))
                };
                if entries.iter().all(|(k, _)| *k != key) {
                    entries.push((key, random_value(rng, depth + 1)));
                }
            }
            Value::Map(entries)
        }
    }
}

fn contains_map(value: &Value) -> bool {
    match value {
        Value::Map(_) => true,
        Value::Array(items) => items.iter().any(contains_map),
        _ => false,
    }
}

#[test]
fn random_values_round_trip_canonically() {
    let mut rng = Rng(0xc7a9_0000_cb04_0001);
    for _ in 0..3_000 {
        let value = random_value(&mut rng, 0);
        let bytes = encode(&value);
        // Our output is always accepted by the strict decoder, and re-encodes identically.
        let decoded = decode_with(&bytes, DecodeOptions::CANONICAL).unwrap();
        assert_eq!(encode(&decoded), bytes);
        // Without maps, the value itself survives unchanged (maps come back sorted).
        if !contains_map(&value) {
            assert_eq!(decoded, value);
        }
    }
}
