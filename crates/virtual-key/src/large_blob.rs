//! Large-blob array storage (CTAP 2.1 §6.10 authenticatorLargeBlobs).

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// maxSerializedLargeBlobArray this key reports (the spec's minimum is 1024).
pub const MAX_SERIALIZED_LARGE_BLOB_ARRAY: usize = 4096;

/// The initial serialized large-blob array: an empty CBOR array followed by
/// LEFT(SHA-256(0x80), 16) (CTAP 2.1 §6.10.2).
pub fn initial_array() -> Vec<u8> {
    let mut out = vec![0x80];
    let digest = Sha256::digest([0x80]);
    out.extend_from_slice(&digest[..16]);
    out
}

/// Whether `array` ends with the truncated SHA-256 of what precedes it.
pub fn has_valid_checksum(array: &[u8]) -> bool {
    let Some(split) = array.len().checked_sub(16) else { return false };
    let (body, check) = array.split_at(split);
    Sha256::digest(body)[..16] == *check
}

/// The stored array plus a write in progress.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LargeBlobStore {
    #[serde(with = "serde_bytes")]
    array: Vec<u8>,
    #[serde(skip)]
    pending: Option<PendingWrite>,
}

#[derive(Clone, Debug)]
struct PendingWrite {
    expected_length: usize,
    buffer: Vec<u8>,
}

/// Why a fragment was refused (statuses of CTAP 2.1 §6.10.2 "set" processing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteError {
    /// `length` exceeds maxSerializedLargeBlobArray (CTAP2_ERR_LARGE_BLOB_STORAGE_FULL).
    TooLarge,
    /// offset 0 without `length`, or `length` with a non-zero offset (CTAP1_ERR_INVALID_PARAMETER).
    InvalidLength,
    /// The offset is not where the write continues (CTAP1_ERR_INVALID_SEQ).
    WrongOffset,
    /// More bytes than announced (CTAP1_ERR_INVALID_PARAMETER).
    Overflow,
    /// The finished array's checksum is wrong (CTAP2_ERR_INTEGRITY_FAILURE).
    IntegrityFailure,
}

/// Result of an accepted fragment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteProgress {
    NeedMore,
    Committed,
}

impl Default for LargeBlobStore {
    fn default() -> Self {
        Self { array: initial_array(), pending: None }
    }
}

impl LargeBlobStore {
    pub fn array(&self) -> &[u8] {
        &self.array
    }

    /// The bytes for a `get` of `count` bytes at `offset` (empty past the end).
    pub fn read(&self, offset: usize, count: usize) -> &[u8] {
        let start = offset.min(self.array.len());
        let end = start.saturating_add(count).min(self.array.len());
        self.array.get(start..end).unwrap_or_default()
    }

    /// One `set` fragment (CTAP 2.1 §6.10.2 steps for set).
    pub fn write(&mut self, offset: usize, length: Option<usize>, fragment: &[u8]) -> Result<WriteProgress, WriteError> {
        if offset == 0 {
            let length = length.ok_or(WriteError::InvalidLength)?;
            if length > MAX_SERIALIZED_LARGE_BLOB_ARRAY {
                return Err(WriteError::TooLarge);
            }
            if length < 17 {
                return Err(WriteError::InvalidLength);
            }
            self.pending = Some(PendingWrite { expected_length: length, buffer: Vec::with_capacity(length) });
        } else if length.is_some() {
            return Err(WriteError::InvalidLength);
        }
        let pending = self.pending.as_mut().ok_or(WriteError::WrongOffset)?;
        if offset != pending.buffer.len() {
            return Err(WriteError::WrongOffset);
        }
        if pending.buffer.len().saturating_add(fragment.len()) > pending.expected_length {
            return Err(WriteError::Overflow);
        }
        pending.buffer.extend_from_slice(fragment);
        if pending.buffer.len() < pending.expected_length {
            return Ok(WriteProgress::NeedMore);
        }
        let finished = self.pending.take().map(|p| p.buffer).unwrap_or_default();
        if !has_valid_checksum(&finished) {
            return Err(WriteError::IntegrityFailure);
        }
        self.array = finished;
        Ok(WriteProgress::Committed)
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_value_matches_the_spec() {
        assert_eq!(hex::encode(initial_array()), "8076be8b528d0075f7aae98d6fa57a6d3c");
    }

    #[test]
    fn fragmented_write_commits_only_with_a_valid_checksum() {
        let mut store = LargeBlobStore::default();
        let mut array = vec![0x81, 0x01];
        let digest = Sha256::digest(&array);
        array.extend_from_slice(&digest[..16]);
        assert_eq!(store.write(0, Some(array.len()), &array[..5]), Ok(WriteProgress::NeedMore));
        assert_eq!(store.write(4, None, &array[5..]), Err(WriteError::WrongOffset));
        assert_eq!(store.write(5, None, &array[5..]), Ok(WriteProgress::Committed));
        assert_eq!(store.array(), array.as_slice());
        let mut bad = array.clone();
        bad[0] = 0x80;
        assert_eq!(store.write(0, Some(bad.len()), &bad), Err(WriteError::IntegrityFailure));
        assert_eq!(store.array(), array.as_slice());
        assert_eq!(store.write(0, Some(MAX_SERIALIZED_LARGE_BLOB_ARRAY + 1), &[]), Err(WriteError::TooLarge));
    }
}
