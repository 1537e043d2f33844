//! Strict CBOR decoder for CTAP2 messages.
//!
//! Accepts exactly one data item of the CTAP2 subset (integers, byte and text strings,
//! arrays, maps, false/true/null/undefined) with definite lengths. Every problem is
//! reported as a [`CborError`] carrying the byte offset where it was found; no input can
//! make it panic, allocate more than the input justifies, or recurse deeper than
//! [`DecodeOptions::max_depth`].

use super::encode::{canonical_key_order, encode};
use super::value::Value;

/// Nesting depth never exceeded, whatever the options say (keeps recursion bounded).
const HARD_MAX_DEPTH: usize = 32;

/// What the decoder tolerates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Maximum nesting of arrays and maps; a top-level map counts as depth 1. CTAP 2.1 §8
    /// limits messages to four levels. Values above 32 are treated as 32.
    pub max_depth: usize,
    /// Reject anything not in CTAP2 canonical form: non-shortest integer or length
    /// encodings and map keys out of canonical order.
    pub require_canonical: bool,
    /// Reject maps holding the same key twice.
    pub reject_duplicate_keys: bool,
}

impl DecodeOptions {
    /// Tolerant of real-world peers: any key order and non-shortest forms are accepted;
    /// duplicate keys (ambiguous) are rejected; depth up to 8.
    pub const TOLERANT: DecodeOptions = DecodeOptions {
        max_depth: 8,
        require_canonical: false,
        reject_duplicate_keys: true,
    };

    /// Exactly CTAP 2.1 §8: canonical form and at most four levels of nesting.
    pub const CANONICAL: DecodeOptions = DecodeOptions {
        max_depth: 4,
        require_canonical: true,
        reject_duplicate_keys: true,
    };
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self::TOLERANT
    }
}

/// Why a byte string is not an acceptable CTAP2 CBOR item. Offsets are from the start of
/// the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CborError {
    /// The input ended in the middle of an item.
    #[error("CBOR input truncated at offset {offset}: {needed} more byte(s) needed")]
    Truncated {
        /// Where the missing bytes should have started.
        offset: usize,
        /// How many bytes were missing at least.
        needed: usize,
    },
    /// Bytes follow the single top-level item.
    #[error("{count} trailing byte(s) after the CBOR item, starting at offset {offset}")]
    TrailingBytes {
        /// Offset of the first extra byte.
        offset: usize,
        /// How many extra bytes.
        count: usize,
    },
    /// An indefinite-length string, array or map (forbidden by CTAP2).
    #[error("indefinite-length item at offset {offset} (CTAP2 requires definite lengths)")]
    IndefiniteLength {
        /// Offset of the item's head.
        offset: usize,
    },
    /// A "break" byte (0xff) outside any indefinite-length item.
    #[error("unexpected break byte at offset {offset}")]
    UnexpectedBreak {
        /// Offset of the break byte.
        offset: usize,
    },
    /// Arrays and maps nested deeper than allowed.
    #[error("nesting deeper than {limit} levels at offset {offset}")]
    DepthLimitExceeded {
        /// Offset of the container that went too deep.
        offset: usize,
        /// The limit in force.
        limit: usize,
    },
    /// A declared length or element count larger than the bytes that remain.
    #[error("length {declared} at offset {offset} exceeds the {remaining} byte(s) remaining")]
    LengthExceedsInput {
        /// Offset of the item's head.
        offset: usize,
        /// The declared length (bytes, or elements for arrays and maps).
        declared: u64,
        /// Bytes left after the head.
        remaining: usize,
    },
    /// Additional information values 28-30 (reserved), or 31 where it has no meaning.
    #[error("reserved additional information {info} in head 0x{head:02x} at offset {offset}")]
    ReservedAdditionalInfo {
        /// Offset of the head byte.
        offset: usize,
        /// The head byte.
        head: u8,
        /// Its low five bits.
        info: u8,
    },
    /// A tag (major type 6); CTAP2 messages carry none.
    #[error("CBOR tag {tag} at offset {offset} (CTAP2 forbids tags)")]
    TagNotAllowed {
        /// Offset of the tag head.
        offset: usize,
        /// The tag number.
        tag: u64,
    },
    /// A half, single or double precision float; CTAP2 messages carry none.
    #[error("floating-point value at offset {offset} (not used by CTAP2)")]
    FloatNotAllowed {
        /// Offset of the float head.
        offset: usize,
    },
    /// A simple value other than false, true, null and undefined.
    #[error("unsupported simple value {value} at offset {offset}")]
    UnsupportedSimpleValue {
        /// Offset of the head.
        offset: usize,
        /// The simple value number.
        value: u8,
    },
    /// A text string that is not valid UTF-8.
    #[error("text string at offset {offset} is not valid UTF-8")]
    InvalidUtf8 {
        /// Offset of the string's head.
        offset: usize,
    },
    /// An integer or length not written in its shortest form (canonical mode only).
    #[error("integer or length at offset {offset} is not in its shortest form")]
    NonMinimalEncoding {
        /// Offset of the head.
        offset: usize,
    },
    /// A map key not in CTAP2 canonical order after its predecessor (canonical mode only).
    #[error("map key at offset {offset} is out of canonical order")]
    NonCanonicalKeyOrder {
        /// Offset of the misplaced key.
        offset: usize,
    },
    /// The same key appears twice in one map.
    #[error("duplicate map key at offset {offset}")]
    DuplicateKey {
        /// Offset of the second occurrence (or of the map, if detected after decoding it).
        offset: usize,
    },
}

/// Decodes exactly one item from `input` with [`DecodeOptions::TOLERANT`].
pub fn decode(input: &[u8]) -> Result<Value, CborError> {
    decode_with(input, DecodeOptions::TOLERANT)
}

/// Decodes exactly one item from `input`: trailing bytes are an error.
pub fn decode_with(input: &[u8], options: DecodeOptions) -> Result<Value, CborError> {
    let (value, used) = decode_prefix_with(input, options)?;
    if used < input.len() {
        return Err(CborError::TrailingBytes {
            offset: used,
            count: input.len() - used,
        });
    }
    Ok(value)
}

/// Decodes the first item of `input` and returns it with the number of bytes it took;
/// whatever follows is left to the caller (used for the COSE key inside authenticator
/// data, which is followed by more data).
pub fn decode_prefix_with(input: &[u8], options: DecodeOptions) -> Result<(Value, usize), CborError> {
    let mut reader = Reader {
        input,
        pos: 0,
        options,
        max_depth: options.max_depth.min(HARD_MAX_DEPTH),
    };
    let value = reader.item(0)?;
    Ok((value, reader.pos))
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    options: DecodeOptions,
    max_depth: usize,
}

impl Reader<'_> {
    fn remaining(&self) -> usize {
        self.input.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize) -> Result<&[u8], CborError> {
        let start = self.pos;
        let end = start.checked_add(n).filter(|&e| e <= self.input.len());
        match end.and_then(|e| self.input.get(start..e)) {
            Some(bytes) => {
                self.pos = start + n;
                Ok(bytes)
            }
            None => Err(CborError::Truncated {
                offset: start,
                needed: n - self.remaining().min(n),
            }),
        }
    }

    /// Reads the argument that follows a head byte with additional info 24..=27.
    fn argument(&mut self, head_offset: usize, head: u8) -> Result<u64, CborError> {
        let info = head & 0x1f;
        let (value, minimum) = match info {
            0..=23 => return Ok(u64::from(info)),
            24 => (u64::from(self.take(1)?[0]), 24),
            25 => {
                let b = self.take(2)?;
                (u64::from(u16::from_be_bytes([b[0], b[1]])), 0x100)
            }
            26 => {
                let b = self.take(4)?;
                (u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])), 0x1_0000)
            }
            27 => {
                let b = self.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                (u64::from_be_bytes(a), 0x1_0000_0000)
            }
            31 => return Err(CborError::IndefiniteLength { offset: head_offset }),
            _ => {
                return Err(CborError::ReservedAdditionalInfo {
                    offset: head_offset,
                    head,
                    info,
                })
            }
        };
        if self.options.require_canonical && value < minimum {
            return Err(CborError::NonMinimalEncoding { offset: head_offset });
        }
        Ok(value)
    }

    /// Checks a declared length (in bytes, or minimum bytes per element) against the input.
    fn check_length(&self, offset: usize, declared: u64, bytes_each: u64) -> Result<usize, CborError> {
        let needed = declared.checked_mul(bytes_each);
        match needed {
            Some(n) if n <= self.remaining() as u64 => Ok(declared as usize),
            _ => Err(CborError::LengthExceedsInput {
                offset,
                declared,
                remaining: self.remaining(),
            }),
        }
    }

    fn item(&mut self, depth: usize) -> Result<Value, CborError> {
        let offset = self.pos;
        let head = self.take(1)?[0];
        let major = head >> 5;
        let info = head & 0x1f;
        match major {
            0 | 1 if info == 31 => Err(CborError::ReservedAdditionalInfo { offset, head, info }),
            0 => Ok(Value::Unsigned(self.argument(offset, head)?)),
            1 => Ok(Value::Negative(self.argument(offset, head)?)),
            2 => {
                let len = self.argument(offset, head)?;
                let len = self.check_length(offset, len, 1)?;
                Ok(Value::Bytes(self.take(len)?.to_vec()))
            }
            3 => {
                let len = self.argument(offset, head)?;
                let len = self.check_length(offset, len, 1)?;
                let bytes = self.take(len)?;
                match std::str::from_utf8(bytes) {
                    Ok(s) => Ok(Value::Text(s.to_owned())),
                    Err(_) => Err(CborError::InvalidUtf8 { offset }),
                }
            }
            4 => {
                let count = self.argument(offset, head)?;
                let count = self.check_length(offset, count, 1)?;
                self.enter(offset, depth)?;
                let mut items = Vec::with_capacity(count);
                for _ in 0..count {
                    items.push(self.item(depth + 1)?);
                }
                Ok(Value::Array(items))
            }
            5 => {
                let count = self.argument(offset, head)?;
                let count = self.check_length(offset, count, 2)?;
                self.enter(offset, depth)?;
                self.map(offset, count, depth)
            }
            6 => {
                if info == 31 {
                    return Err(CborError::ReservedAdditionalInfo { offset, head, info });
                }
                let tag = self.argument(offset, head)?;
                Err(CborError::TagNotAllowed { offset, tag })
            }
            _ => match info {
                20 => Ok(Value::Bool(false)),
                21 => Ok(Value::Bool(true)),
                22 => Ok(Value::Null),
                23 => Ok(Value::Undefined),
                0..=19 => Err(CborError::UnsupportedSimpleValue { offset, value: info }),
                24 => {
                    let value = self.take(1)?[0];
                    Err(CborError::UnsupportedSimpleValue { offset, value })
                }
                25..=27 => Err(CborError::FloatNotAllowed { offset }),
                31 => Err(CborError::UnexpectedBreak { offset }),
                _ => Err(CborError::ReservedAdditionalInfo { offset, head, info }),
            },
        }
    }

    fn enter(&self, offset: usize, depth: usize) -> Result<(), CborError> {
        if depth >= self.max_depth {
            Err(CborError::DepthLimitExceeded {
                offset,
                limit: self.max_depth,
            })
        } else {
            Ok(())
        }
    }

    fn map(&mut self, map_offset: usize, count: usize, depth: usize) -> Result<Value, CborError> {
        let mut entries = Vec::with_capacity(count);
        let mut previous_key: Option<(usize, usize)> = None;
        for _ in 0..count {
            let key_start = self.pos;
            let key = self.item(depth + 1)?;
            let key_end = self.pos;
            if self.options.require_canonical {
                if let Some((start, end)) = previous_key {
                    let prev = self.input.get(start..end).unwrap_or_default();
                    let this = self.input.get(key_start..key_end).unwrap_or_default();
                    match canonical_key_order(prev, this) {
                        std::cmp::Ordering::Less => {}
                        std::cmp::Ordering::Equal => {
                            return Err(CborError::DuplicateKey { offset: key_start })
                        }
                        std::cmp::Ordering::Greater => {
                            return Err(CborError::NonCanonicalKeyOrder { offset: key_start })
                        }
                    }
                }
                previous_key = Some((key_start, key_end));
            }
            let value = self.item(depth + 1)?;
            entries.push((key, value));
        }
        // In canonical mode strict ordering already excluded duplicates.
        if self.options.reject_duplicate_keys && !self.options.require_canonical {
            let mut keys: Vec<Vec<u8>> = entries.iter().map(|(k, _)| encode(k)).collect();
            keys.sort_unstable();
            if keys.windows(2).any(|w| w[0] == w[1]) {
                return Err(CborError::DuplicateKey { offset: map_offset });
            }
        }
        Ok(Value::Map(entries))
    }
}
