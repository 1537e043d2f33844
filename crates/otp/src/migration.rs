//! Google Authenticator export QR codes: `otpauth-migration://offline?data=BASE64`.
//!
//! The payload is the protobuf `MigrationPayload { repeated OtpParameters otp_parameters = 1;
//! int32 version = 2; int32 batch_size = 3; int32 batch_index = 4; int32 batch_id = 5; }` with
//! `OtpParameters { bytes secret = 1; string name = 2; string issuer = 3; Algorithm algorithm = 4;
//! DigitCount digits = 5; OtpType type = 6; int64 counter = 7; }`. The reader is hand-written,
//! bounded (payload size, entry count, field lengths) and never panics. Large exports span several
//! QR codes sharing a `batch_id`; [`BatchCollector`] gathers every `batch_index` before anything is
//! committed and reports which are missing.

use std::collections::BTreeMap;

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

use crate::model::{Account, HashAlgorithm, OtpKind};
use crate::secret::{SecretBytes, SecretString};

/// Largest decoded payload accepted (a QR code holds under 3 KB).
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;
/// Most entries in one payload.
pub const MAX_ENTRIES: usize = 1000;
/// Largest `batch_size` accepted.
pub const MAX_BATCH_SIZE: i32 = 1000;
/// Entries per QR code when exporting (keeps each QR code comfortably scannable).
pub const DEFAULT_ENTRIES_PER_BATCH: usize = 10;

const PREFIX: &str = "otpauth-migration://offline?";

/// Why a migration payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MigrationError {
    #[error("not an otpauth-migration://offline URI")]
    NotMigrationUri,
    #[error("the URI has no data parameter")]
    MissingData,
    #[error("the data parameter is not valid base64")]
    InvalidBase64,
    #[error("the payload is {0} bytes; at most {MAX_PAYLOAD_BYTES} are accepted")]
    PayloadTooLarge(usize),
    #[error("the payload is truncated inside field {field}")]
    Truncated { field: u32 },
    #[error("a varint is longer than 10 bytes")]
    VarintTooLong,
    #[error("field {field} has wire type {wire_type}, expected {expected}")]
    WrongWireType { field: u32, wire_type: u8, expected: u8 },
    #[error("unsupported protobuf wire type {0} (groups are not used by this format)")]
    UnsupportedWireType(u8),
    #[error("field number 0 is invalid")]
    ZeroFieldNumber,
    #[error("more than {MAX_ENTRIES} entries in one payload")]
    TooManyEntries,
    #[error("{field} is not valid UTF-8")]
    InvalidUtf8 { field: &'static str },
    #[error("batch_size {0} is outside 0..={MAX_BATCH_SIZE}")]
    InvalidBatchSize(i32),
    #[error("batch_index {index} is outside 0..{size}")]
    InvalidBatchIndex { index: i32, size: i32 },
}

/// One account as stored in the payload, before interpretation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationEntry {
    pub secret: SecretBytes,
    pub name: String,
    pub issuer: String,
    /// 0 unspecified (SHA1), 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5.
    pub algorithm: u64,
    /// 0 unspecified (6), 1 six, 2 eight.
    pub digits: u64,
    /// 0 unspecified (TOTP), 1 HOTP, 2 TOTP.
    pub otp_type: u64,
    pub counter: i64,
}

/// A decoded payload (one QR code).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationPayload {
    pub entries: Vec<MigrationEntry>,
    pub version: i32,
    pub batch_size: i32,
    pub batch_index: i32,
    pub batch_id: i32,
}

impl MigrationEntry {
    /// Turns the entry into an account, or says why it cannot be one.
    pub fn to_account(&self) -> Result<Account, String> {
        let algorithm = match self.algorithm {
            0 | 1 => HashAlgorithm::Sha1,
            2 => HashAlgorithm::Sha256,
            3 => HashAlgorithm::Sha512,
            4 => return Err("MD5 accounts are not supported by any authenticator KeyDesk knows".into()),
            other => return Err(format!("unknown algorithm value {other}")),
        };
        let digits = match self.digits {
            0 | 1 => 6,
            2 => 8,
            other => return Err(format!("unknown digit-count value {other}")),
        };
        let kind = match self.otp_type {
            0 | 2 => OtpKind::Totp { period: 30 },
            1 => OtpKind::Hotp {
                counter: u64::try_from(self.counter).map_err(|_| format!("negative HOTP counter {}", self.counter))?,
            },
            other => return Err(format!("unknown OTP type value {other}")),
        };
        // Google stores the label ("Issuer:name") in `name`; drop the duplicated prefix.
        let mut issuer = self.issuer.trim().to_owned();
        let mut name = self.name.trim().to_owned();
        if let Some((prefix, rest)) = self.name.split_once(':') {
            if issuer.is_empty() || prefix.trim() == issuer {
                issuer = prefix.trim().to_owned();
                name = rest.trim().to_owned();
            }
        }
        Account::new(&issuer, &name, kind, algorithm, digits, self.secret.clone()).map_err(|e| e.to_string())
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn varint(&mut self, field: u32) -> Result<u64, MigrationError> {
        let mut value = 0u64;
        for i in 0..10 {
            let byte = *self.buf.get(self.pos).ok_or(MigrationError::Truncated { field })?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(MigrationError::VarintTooLong)
    }

    fn bytes(&mut self, field: u32) -> Result<&'a [u8], MigrationError> {
        let len = self.varint(field)?;
        let len = usize::try_from(len).map_err(|_| MigrationError::Truncated { field })?;
        let end = self.pos.checked_add(len).ok_or(MigrationError::Truncated { field })?;
        let out = self.buf.get(self.pos..end).ok_or(MigrationError::Truncated { field })?;
        self.pos = end;
        Ok(out)
    }

    fn skip(&mut self, field: u32, wire_type: u8) -> Result<(), MigrationError> {
        let width = match wire_type {
            0 => return self.varint(field).map(|_| ()),
            2 => return self.bytes(field).map(|_| ()),
            1 => 8,
            5 => 4,
            other => return Err(MigrationError::UnsupportedWireType(other)),
        };
        let end = self.pos.checked_add(width).ok_or(MigrationError::Truncated { field })?;
        if end > self.buf.len() {
            return Err(MigrationError::Truncated { field });
        }
        self.pos = end;
        Ok(())
    }

    fn key(&mut self) -> Result<(u32, u8), MigrationError> {
        let key = self.varint(0)?;
        let field = u32::try_from(key >> 3).map_err(|_| MigrationError::ZeroFieldNumber)?;
        if field == 0 {
            return Err(MigrationError::ZeroFieldNumber);
        }
        Ok((field, (key & 7) as u8))
    }
}

fn expect_wire(field: u32, wire_type: u8, expected: u8) -> Result<(), MigrationError> {
    if wire_type == expected {
        Ok(())
    } else {
        Err(MigrationError::WrongWireType { field, wire_type, expected })
    }
}

fn utf8(bytes: &[u8], field: &'static str) -> Result<String, MigrationError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| MigrationError::InvalidUtf8 { field })
}

/// Decodes the protobuf bytes of one payload.
pub fn decode_payload(bytes: &[u8]) -> Result<MigrationPayload, MigrationError> {
    if bytes.len() > MAX_PAYLOAD_BYTES {
        return Err(MigrationError::PayloadTooLarge(bytes.len()));
    }
    let mut payload = MigrationPayload::default();
    let mut reader = Reader::new(bytes);
    while !reader.done() {
        let (field, wire_type) = reader.key()?;
        match field {
            1 => {
                expect_wire(field, wire_type, 2)?;
                if payload.entries.len() >= MAX_ENTRIES {
                    return Err(MigrationError::TooManyEntries);
                }
                let entry = decode_entry(reader.bytes(field)?)?;
                payload.entries.push(entry);
            }
            2..=5 => {
                expect_wire(field, wire_type, 0)?;
                // int32 values are sent as (possibly sign-extended) varints; truncate like protobuf.
                let value = reader.varint(field)? as i32;
                match field {
                    2 => payload.version = value,
                    3 => payload.batch_size = value,
                    4 => payload.batch_index = value,
                    _ => payload.batch_id = value,
                }
            }
            _ => reader.skip(field, wire_type)?,
        }
    }
    Ok(payload)
}

fn decode_entry(bytes: &[u8]) -> Result<MigrationEntry, MigrationError> {
    let mut entry = MigrationEntry::default();
    let mut reader = Reader::new(bytes);
    while !reader.done() {
        let (field, wire_type) = reader.key()?;
        match field {
            1 => {
                expect_wire(field, wire_type, 2)?;
                entry.secret = SecretBytes::from_slice(reader.bytes(field)?);
            }
            2 => {
                expect_wire(field, wire_type, 2)?;
                entry.name = utf8(reader.bytes(field)?, "name")?;
            }
            3 => {
                expect_wire(field, wire_type, 2)?;
                entry.issuer = utf8(reader.bytes(field)?, "issuer")?;
            }
            4..=7 => {
                expect_wire(field, wire_type, 0)?;
                let value = reader.varint(field)?;
                match field {
                    4 => entry.algorithm = value,
                    5 => entry.digits = value,
                    6 => entry.otp_type = value,
                    _ => entry.counter = value as i64,
                }
            }
            _ => reader.skip(field, wire_type)?,
        }
    }
    Ok(entry)
}

fn base64_engine() -> GeneralPurpose {
    GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    )
}

/// Parses a full `otpauth-migration://offline?data=...` URI.
pub fn parse_uri(uri: &str) -> Result<MigrationPayload, MigrationError> {
    let uri = uri.trim();
    if uri.len() > MAX_PAYLOAD_BYTES * 3 {
        return Err(MigrationError::PayloadTooLarge(uri.len()));
    }
    let query = match uri.get(..PREFIX.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(PREFIX) => uri.get(PREFIX.len()..).unwrap_or_default(),
        _ => return Err(MigrationError::NotMigrationUri),
    };
    let data = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("data="))
        .ok_or(MigrationError::MissingData)?;
    // Percent-decode; a space can only be a '+' mangled by form decoding.
    let data = crate::percent::decode(data, false).replace(' ', "+");
    let bytes = base64_engine().decode(data.trim()).map_err(|_| MigrationError::InvalidBase64)?;
    let bytes = zeroize::Zeroizing::new(bytes);
    decode_payload(&bytes)
}

/// Progress of collecting a multi-QR export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CollectStatus {
    /// Every batch of this `batch_id` is present.
    Complete { batch_id: i32 },
    /// Still waiting: the zero-based indexes not scanned yet.
    Waiting { batch_id: i32, missing: Vec<i32> },
}

/// Collects the QR codes of one or more exports; nothing is released until a batch is complete.
#[derive(Debug, Default)]
pub struct BatchCollector {
    batches: BTreeMap<i32, (i32, BTreeMap<i32, MigrationPayload>)>,
}

/// A QR code that contradicts what was already collected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    #[error(transparent)]
    Payload(#[from] MigrationError),
    #[error("batch {batch_id} was announced with {expected} parts, this code says {actual}")]
    BatchSizeMismatch { batch_id: i32, expected: i32, actual: i32 },
    #[error("part {index} of batch {batch_id} was scanned twice with different contents")]
    ConflictingDuplicate { batch_id: i32, index: i32 },
    #[error("batch {batch_id} is incomplete: parts {missing:?} (zero-based) have not been scanned")]
    Incomplete { batch_id: i32, missing: Vec<i32> },
    #[error("nothing has been scanned")]
    Empty,
}

impl BatchCollector {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one scanned URI.
    pub fn add_uri(&mut self, uri: &str) -> Result<CollectStatus, CollectError> {
        self.add(parse_uri(uri)?)
    }

    /// Adds one decoded payload. A re-scan of the same part is accepted if identical.
    pub fn add(&mut self, payload: MigrationPayload) -> Result<CollectStatus, CollectError> {
        let size = payload.batch_size.max(1);
        if !(0..=MAX_BATCH_SIZE).contains(&payload.batch_size) {
            return Err(MigrationError::InvalidBatchSize(payload.batch_size).into());
        }
        if !(0..size).contains(&payload.batch_index) {
            return Err(MigrationError::InvalidBatchIndex { index: payload.batch_index, size }.into());
        }
        let batch_id = payload.batch_id;
        let (expected, parts) = self.batches.entry(batch_id).or_insert_with(|| (size, BTreeMap::new()));
        if *expected != size {
            return Err(CollectError::BatchSizeMismatch { batch_id, expected: *expected, actual: size });
        }
        match parts.get(&payload.batch_index) {
            Some(existing) if *existing != payload => {
                return Err(CollectError::ConflictingDuplicate { batch_id, index: payload.batch_index });
            }
            Some(_) => {}
            None => {
                parts.insert(payload.batch_index, payload);
            }
        }
        Ok(self.status(batch_id))
    }

    fn missing(&self, batch_id: i32) -> Vec<i32> {
        match self.batches.get(&batch_id) {
            Some((size, parts)) => (0..*size).filter(|i| !parts.contains_key(i)).collect(),
            None => Vec::new(),
        }
    }

    /// Status of one batch.
    pub fn status(&self, batch_id: i32) -> CollectStatus {
        let missing = self.missing(batch_id);
        if missing.is_empty() {
            CollectStatus::Complete { batch_id }
        } else {
            CollectStatus::Waiting { batch_id, missing }
        }
    }

    /// Every entry of every batch, in batch and part order, if all batches are complete;
    /// otherwise the first incomplete batch and its missing parts.
    pub fn finish(self) -> Result<Vec<MigrationEntry>, CollectError> {
        if self.batches.is_empty() {
            return Err(CollectError::Empty);
        }
        for batch_id in self.batches.keys() {
            let missing = self.missing(*batch_id);
            if !missing.is_empty() {
                return Err(CollectError::Incomplete { batch_id: *batch_id, missing });
            }
        }
        Ok(self
            .batches
            .into_values()
            .flat_map(|(_, parts)| parts.into_values().flat_map(|p| p.entries))
            .collect())
    }
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_varint(out, u64::from(field << 3 | 2));
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn put_int(out: &mut Vec<u8>, field: u32, value: u64) {
    put_varint(out, u64::from(field << 3));
    put_varint(out, value);
}

/// Encodes a payload (the inverse of [`decode_payload`]); the result holds secrets.
pub fn encode_payload(payload: &MigrationPayload) -> zeroize::Zeroizing<Vec<u8>> {
    let mut out = zeroize::Zeroizing::new(Vec::new());
    for e in &payload.entries {
        let mut inner = zeroize::Zeroizing::new(Vec::new());
        put_bytes(&mut inner, 1, e.secret.expose());
        put_bytes(&mut inner, 2, e.name.as_bytes());
        put_bytes(&mut inner, 3, e.issuer.as_bytes());
        put_int(&mut inner, 4, e.algorithm);
        put_int(&mut inner, 5, e.digits);
        put_int(&mut inner, 6, e.otp_type);
        put_int(&mut inner, 7, e.counter as u64);
        put_bytes(&mut out, 1, &inner);
    }
    put_int(&mut out, 2, payload.version as u64);
    put_int(&mut out, 3, payload.batch_size as u64);
    put_int(&mut out, 4, payload.batch_index as u64);
    put_int(&mut out, 5, payload.batch_id as u64);
    out
}

/// The migration URI for a payload.
pub fn payload_to_uri(payload: &MigrationPayload) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(encode_payload(payload));
    format!("{PREFIX}data={}", crate::percent::encode(&data))
}

/// The Google-compatible entry for an account, or why it has none (Google Authenticator
/// knows only TOTP with a 30 s period and HOTP, with 6 or 8 digits).
pub fn entry_for(account: &Account) -> Result<MigrationEntry, String> {
    let otp_type = match account.kind {
        OtpKind::Totp { period: 30 } => 2,
        OtpKind::Totp { period } => return Err(format!("Google Authenticator only supports 30 s periods, not {period} s")),
        OtpKind::Hotp { .. } => 1,
        _ => return Err(format!("Google Authenticator cannot hold {} accounts", account.kind.type_name())),
    };
    let digits = match account.digits {
        6 => 1,
        8 => 2,
        d => return Err(format!("Google Authenticator only supports 6 or 8 digits, not {d}")),
    };
    let algorithm = match account.algorithm {
        HashAlgorithm::Sha1 => 1,
        HashAlgorithm::Sha256 => 2,
        HashAlgorithm::Sha512 => 3,
    };
    let counter = match account.kind {
        OtpKind::Hotp { counter } => i64::try_from(counter).map_err(|_| "HOTP counter too large".to_owned())?,
        _ => 0,
    };
    Ok(MigrationEntry {
        secret: account.secret.clone(),
        name: account.label(),
        issuer: account.issuer.clone(),
        algorithm,
        digits,
        otp_type,
        counter,
    })
}

/// A migration export: the QR payload URIs (secrets: redacted in `Debug`, zeroized) and the
/// accounts that could not be included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationExport {
    pub uris: Vec<SecretString>,
    pub skipped: Vec<(crate::model::AccountId, String)>,
}

/// Splits accounts into migration QR payloads of `per_batch` entries sharing `batch_id`.
pub fn export_batches(accounts: &[Account], per_batch: usize, batch_id: i32) -> MigrationExport {
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    for account in accounts {
        match entry_for(account) {
            Ok(entry) => entries.push(entry),
            Err(reason) => skipped.push((account.id.clone(), reason)),
        }
    }
    let chunks: Vec<&[MigrationEntry]> = entries.chunks(per_batch.max(1)).collect();
    let batch_size = chunks.len() as i32;
    let uris = chunks
        .iter()
        .enumerate()
        .map(|(index, chunk)| {
            SecretString::new(payload_to_uri(&MigrationPayload {
                entries: chunk.to_vec(),
                version: 1,
                batch_size,
                batch_index: index as i32,
                batch_id,
            }))
        })
        .collect();
    MigrationExport { uris, skipped }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = "otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC";

    #[test]
    fn documented_example() {
        let payload = parse_uri(EXAMPLE).unwrap();
        assert_eq!(payload.entries.len(), 1);
        let account = payload.entries[0].to_account().unwrap();
        assert_eq!(account.secret.to_base32().as_str(), "JBSWY3DPEHPK3PXP");
        assert_eq!((account.issuer.as_str(), account.name.as_str()), ("Example", "alice@google.com"));
        assert_eq!(account.kind, OtpKind::Totp { period: 30 });
    }

    #[test]
    fn percent_encoded_and_unpadded_data() {
        let encoded = EXAMPLE.replace("data=", "DATA=");
        assert_eq!(parse_uri(&encoded), Err(MigrationError::MissingData));
        let mut stripped_any = false;
        for n in 1..4 {
            let uri = export_batches(&accounts(n), 10, 1).uris.remove(0).expose().to_owned();
            let stripped = uri.replace("%3D", "");
            stripped_any |= stripped != uri;
            assert_eq!(parse_uri(&stripped).unwrap().entries.len(), n);
            // A scanner that form-decoded '+' into ' ' is repaired.
            let spaced = crate::percent::decode(&uri, false).replace('+', " ");
            assert_eq!(parse_uri(&spaced).unwrap().entries.len(), n);
        }
        assert!(stripped_any);
    }

    #[test]
    fn hostile_payloads_are_errors() {
        assert_eq!(decode_payload(&[0x0a, 0x05, 0x01]), Err(MigrationError::Truncated { field: 1 }));
        assert_eq!(decode_payload(&[0x10]).unwrap_err(), MigrationError::Truncated { field: 2 });
        assert_eq!(decode_payload(&[0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), Err(MigrationError::VarintTooLong));
        assert_eq!(decode_payload(&[0x0b]), Err(MigrationError::WrongWireType { field: 1, wire_type: 3, expected: 2 }));
        assert_eq!(decode_payload(&[0x00]), Err(MigrationError::ZeroFieldNumber));
        assert_eq!(decode_payload(&[0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), Err(MigrationError::Truncated { field: 1 }));
        let big = vec![0u8; MAX_PAYLOAD_BYTES + 1];
        assert_eq!(decode_payload(&big), Err(MigrationError::PayloadTooLarge(MAX_PAYLOAD_BYTES + 1)));
        // Unknown fields of every wire type are skipped.
        assert!(decode_payload(&[0x48, 0x01, 0x51, 0, 0, 0, 0, 0, 0, 0, 0, 0x5d, 0, 0, 0, 0, 0x62, 0x00]).is_ok());
    }

    #[test]
    fn entries_that_cannot_be_accounts_say_why() {
        let mut e = parse_uri(EXAMPLE).unwrap().entries.remove(0);
        e.algorithm = 4;
        assert!(e.to_account().unwrap_err().contains("MD5"));
        e.algorithm = 1;
        e.otp_type = 1;
        e.counter = -1;
        assert!(e.to_account().unwrap_err().contains("negative"));
        e.counter = 3;
        assert_eq!(e.to_account().unwrap().kind, OtpKind::Hotp { counter: 3 });
        e.secret = SecretBytes::default();
        assert!(e.to_account().unwrap_err().contains("empty"));
    }

    fn accounts(n: usize) -> Vec<Account> {
        (0..n)
            .map(|i| Account::totp("Issuer", &format!("user{i}"), SecretBytes::new(vec![i as u8 + 1; 10])).unwrap())
            .collect()
    }

    #[test]
    fn multi_batch_export_and_collection() {
        let mut list = accounts(25);
        list[3].kind = OtpKind::Steam;
        list[3].digits = 5;
        let export = export_batches(&list, 10, 77);
        assert_eq!(export.uris.len(), 3);
        assert_eq!(export.skipped.len(), 1);
        assert_eq!(export.skipped[0].0, list[3].id);

        let mut collector = BatchCollector::new();
        assert_eq!(
            collector.add_uri(export.uris[2].expose()).unwrap(),
            CollectStatus::Waiting { batch_id: 77, missing: vec![0, 1] }
        );
        assert_eq!(
            collector.add_uri(export.uris[0].expose()).unwrap(),
            CollectStatus::Waiting { batch_id: 77, missing: vec![1] }
        );
        // Re-scanning a part is harmless.
        collector.add_uri(export.uris[0].expose()).unwrap();
        let mut partial = BatchCollector::new();
        partial.add_uri(export.uris[0].expose()).unwrap();
        assert_eq!(partial.finish().unwrap_err(), CollectError::Incomplete { batch_id: 77, missing: vec![1, 2] });

        assert_eq!(collector.add_uri(export.uris[1].expose()).unwrap(), CollectStatus::Complete { batch_id: 77 });
        let entries = collector.finish().unwrap();
        assert_eq!(entries.len(), 24);
        let back: Vec<Account> = entries.iter().map(|e| e.to_account().unwrap()).collect();
        let expected: Vec<&Account> = list.iter().filter(|a| a.kind != OtpKind::Steam).collect();
        for (a, b) in back.iter().zip(expected) {
            assert!(a.same_generator(b));
            assert_eq!((&a.issuer, &a.name), (&b.issuer, &b.name));
        }
    }

    #[test]
    fn conflicting_parts_are_refused() {
        let export = export_batches(&accounts(12), 10, 5);
        let other = export_batches(&accounts(3), 10, 5);
        let mut collector = BatchCollector::new();
        collector.add_uri(export.uris[0].expose()).unwrap();
        assert!(matches!(collector.add_uri(other.uris[0].expose()), Err(CollectError::BatchSizeMismatch { .. })));
    }
}
