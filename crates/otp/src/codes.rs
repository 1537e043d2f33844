//! Code generation: RFC 4226 HOTP, RFC 6238 TOTP, Steam Guard, Yandex Key, mOTP.
//!
//! Every function validates the account first ([`Account::validate`]) so odd values (period 0,
//! 11 digits, empty secrets) become errors, never panics. TOTP and Steam codes are computed by
//! `totp-rs` once the values are known to be inside its safe range (digits 1..=9); HOTP,
//! 10-digit TOTP, Yandex and mOTP are computed here.

use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use zeroize::Zeroizing;

use crate::model::{Account, HashAlgorithm, OtpKind, ValidationError};

/// A code ready to show (serializable for `--json` output).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Code {
    /// The code as the user types it (digits, Steam characters, Yandex letters, mOTP hex).
    pub text: String,
    /// For HOTP: the counter this code was computed from.
    pub counter: Option<u64>,
    /// For time-based kinds: the step length in seconds.
    pub period: Option<u32>,
    /// For time-based kinds: seconds until the code changes (1..=period).
    pub seconds_remaining: Option<u32>,
}

/// Why no code could be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodeError {
    #[error("the account is invalid: {0}")]
    InvalidAccount(#[from] ValidationError),
}

/// Steam Guard's alphabet (26 characters).
const STEAM_ALPHABET: &[u8; 26] = b"23456789BCDFGHJKMNPQRTVWXY";

/// Seconds until the code of a `period`-second step changes, at `unix_time`.
/// Returns `period` at the first second of a step. A period of 0 yields 0.
pub fn seconds_remaining(period: u32, unix_time: u64) -> u32 {
    if period == 0 {
        return 0;
    }
    let p = u64::from(period);
    (p - unix_time % p) as u32
}

/// The code `account` shows at `unix_time` (unix seconds). For HOTP the stored counter is
/// used as is: callers that show HOTP codes must persist the incremented counter first
/// (`vault::Vault::next_hotp_code` does).
pub fn generate_code(account: &Account, unix_time: u64) -> Result<Code, CodeError> {
    account.validate()?;
    let secret = account.secret.expose();
    let timed = |text: String, period: u32| Code {
        text,
        counter: None,
        period: Some(period),
        seconds_remaining: Some(seconds_remaining(period, unix_time)),
    };
    Ok(match &account.kind {
        OtpKind::Totp { period } => {
            let text = totp(account.algorithm, secret, *period, account.digits, unix_time)?;
            timed(text, *period)
        }
        OtpKind::Hotp { counter } => Code {
            text: hotp(account.algorithm, secret, *counter, account.digits)?,
            counter: Some(*counter),
            period: None,
            seconds_remaining: None,
        },
        OtpKind::Steam => timed(steam(secret, unix_time)?, 30),
        OtpKind::Yandex { pin } => timed(yandex(secret, pin.expose(), unix_time)?, 30),
        OtpKind::Motp { pin } => timed(motp(secret, pin.expose(), unix_time), 10),
    })
}

fn check_digits(digits: u8) -> Result<(), CodeError> {
    if (crate::model::limits::MIN_DIGITS..=crate::model::limits::MAX_DIGITS).contains(&digits) {
        Ok(())
    } else {
        Err(ValidationError::DigitsOutOfRange(digits).into())
    }
}

fn check_secret(secret: &[u8]) -> Result<(), CodeError> {
    if secret.is_empty() {
        return Err(ValidationError::EmptySecret.into());
    }
    if secret.len() > crate::model::limits::MAX_SECRET_BYTES {
        return Err(ValidationError::SecretTooLong(secret.len()).into());
    }
    Ok(())
}

/// HMAC over the 8-byte big-endian counter (RFC 4226 §5.2 step 1).
fn hmac_counter(algorithm: HashAlgorithm, key: &[u8], counter: u64) -> Zeroizing<Vec<u8>> {
    let msg = counter.to_be_bytes();
    fn run<M: Mac + KeyInit>(key: &[u8], msg: &[u8]) -> Zeroizing<Vec<u8>> {
        // HMAC accepts keys of any length, so this cannot fail; an empty result would make
        // the truncation below return None rather than panic.
        match <M as KeyInit>::new_from_slice(key) {
            Ok(mut mac) => {
                mac.update(msg);
                Zeroizing::new(mac.finalize().into_bytes().to_vec())
            }
            Err(_) => Zeroizing::new(Vec::new()),
        }
    }
    match algorithm {
        HashAlgorithm::Sha1 => run::<Hmac<Sha1>>(key, &msg),
        HashAlgorithm::Sha256 => run::<Hmac<Sha256>>(key, &msg),
        HashAlgorithm::Sha512 => run::<Hmac<Sha512>>(key, &msg),
    }
}

/// RFC 4226 §5.3 dynamic truncation to a 31-bit value.
fn dynamic_truncation(hash: &[u8]) -> u32 {
    let offset = hash.last().map_or(0, |b| usize::from(b & 0x0f));
    let mut word = [0u8; 4];
    if let Some(bytes) = hash.get(offset..offset + 4) {
        word.copy_from_slice(bytes);
    }
    u32::from_be_bytes(word) & 0x7fff_ffff
}

/// RFC 4226 HOTP value for `counter`, zero-padded to `digits` (1..=10).
pub fn hotp(
    algorithm: HashAlgorithm,
    secret: &[u8],
    counter: u64,
    digits: u8,
) -> Result<String, CodeError> {
    check_digits(digits)?;
    check_secret(secret)?;
    let value = u64::from(dynamic_truncation(&hmac_counter(algorithm, secret, counter)));
    let modulus = 10u64.pow(u32::from(digits));
    Ok(format!("{:0width$}", value % modulus, width = usize::from(digits)))
}

/// RFC 6238 TOTP at `unix_time` (T0 = 0, X = `period`).
pub fn totp(
    algorithm: HashAlgorithm,
    secret: &[u8],
    period: u32,
    digits: u8,
    unix_time: u64,
) -> Result<String, CodeError> {
    crate::model::validate_period(period)?;
    check_digits(digits)?;
    check_secret(secret)?;
    if digits >= 10 {
        // totp-rs computes modulo 10^digits in u32, which overflows at 10 digits.
        return hotp(algorithm, secret, unix_time / u64::from(period), digits);
    }
    let algo = match algorithm {
        HashAlgorithm::Sha1 => totp_rs::Algorithm::SHA1,
        HashAlgorithm::Sha256 => totp_rs::Algorithm::SHA256,
        HashAlgorithm::Sha512 => totp_rs::Algorithm::SHA512,
    };
    let generator = totp_rs::Builder::new()
        .with_algorithm(algo)
        .with_digits(digits)
        .with_step_duration(u64::from(period))
        .with_secret(secret.to_vec())
        .build_noncompliant();
    Ok(generator.generate(unix_time).to_string())
}

/// Steam Guard: HMAC-SHA1 over floor(t/30), then 5 characters of `code % 26`, least
/// significant first (computed by totp-rs's `Steam` algorithm).
pub fn steam(secret: &[u8], unix_time: u64) -> Result<String, CodeError> {
    check_secret(secret)?;
    let generator = totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::Steam)
        .with_digits(5)
        .with_step_duration(30)
        .with_secret(secret.to_vec())
        .build_noncompliant();
    Ok(generator.generate(unix_time).to_string())
}

/// Steam Guard computed here, used to cross-check totp-rs in tests.
pub fn steam_reference(secret: &[u8], unix_time: u64) -> Result<String, CodeError> {
    check_secret(secret)?;
    let mut value = dynamic_truncation(&hmac_counter(HashAlgorithm::Sha1, secret, unix_time / 30));
    let mut out = String::with_capacity(5);
    for _ in 0..5 {
        out.push(STEAM_ALPHABET[(value % 26) as usize] as char);
        value /= 26;
    }
    Ok(out)
}

/// Yandex Key (yaotp): the HMAC key is SHA-256(PIN || first 16 secret bytes), with a leading
/// zero byte dropped; HMAC-SHA256 over floor(t/30); 63-bit truncation of 8 bytes at the
/// dynamic offset; modulo 26^8; 8 lowercase letters, most significant first.
pub fn yandex(secret: &[u8], pin: &str, unix_time: u64) -> Result<String, CodeError> {
    check_secret(secret)?;
    let key_part = secret
        .get(..crate::model::limits::YANDEX_MIN_SECRET_BYTES)
        .ok_or(ValidationError::YandexSecretTooShort(secret.len()))?;
    let mut hasher = Sha256::new();
    hasher.update(pin.as_bytes());
    hasher.update(key_part);
    let digest = Zeroizing::new(hasher.finalize().to_vec());
    let key: &[u8] = match digest.split_first() {
        Some((0, rest)) => rest,
        _ => &digest,
    };
    let hash = hmac_counter(HashAlgorithm::Sha256, key, unix_time / 30);
    let offset = hash.last().map_or(0, |b| usize::from(b & 0x0f));
    let mut word = [0u8; 8];
    if let Some(bytes) = hash.get(offset..offset + 8) {
        word.copy_from_slice(bytes);
    }
    let mut value = (u64::from_be_bytes(word) & 0x7fff_ffff_ffff_ffff) % 26u64.pow(8);
    let mut letters = [b'a'; 8];
    for slot in letters.iter_mut().rev() {
        *slot = b'a' + (value % 26) as u8;
        value /= 26;
    }
    Ok(letters.iter().map(|&b| b as char).collect())
}

/// Mobile-OTP: the first 6 hex characters of MD5(decimal(t/10) || hex(secret) || PIN).
pub fn motp(secret: &[u8], pin: &str, unix_time: u64) -> String {
    let mut hasher = Md5::new();
    hasher.update((unix_time / 10).to_string().as_bytes());
    hasher.update(Zeroizing::new(hex::encode(secret)).as_bytes());
    hasher.update(pin.as_bytes());
    let digest = hasher.finalize();
    let mut text = hex::encode(digest);
    text.truncate(6);
    text
}

/// How far the local clock is from a trusted time, and what that means for codes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClockDrift {
    /// Local minus trusted, in seconds: positive means the local clock is ahead.
    pub offset_seconds: i64,
    /// Whole time steps the local clock is off by, for the period checked.
    pub steps_off: i64,
    pub severity: DriftSeverity,
    /// A sentence for the user. Codes are never shifted silently to compensate.
    pub explanation: String,
}

/// How much clock drift matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DriftSeverity {
    /// Within a few seconds: codes are right.
    InSync,
    /// Less than one period: codes may be rejected near the end of each period.
    Minor,
    /// A period or more: codes shown are for the wrong time step and will be rejected.
    CodesWrong,
}

/// Tolerance under which a clock counts as in sync.
const IN_SYNC_SECONDS: i64 = 3;

/// Compares the local clock with a trusted time (from NTP, an HTTP `Date` header, a server)
/// for codes with the given `period`, and explains the effect. The caller decides what to
/// do; KeyDesk shows the explanation rather than correcting codes.
pub fn check_clock_drift(local_unix: i64, trusted_unix: i64, period: u32) -> ClockDrift {
    let offset = local_unix.saturating_sub(trusted_unix);
    let period = i64::from(period.max(1));
    let steps_off = offset / period;
    let magnitude = offset.unsigned_abs();
    let direction = if offset > 0 { "ahead of" } else { "behind" };
    let (severity, explanation) = if magnitude <= IN_SYNC_SECONDS.unsigned_abs() {
        (
            DriftSeverity::InSync,
            format!("This computer's clock is within {IN_SYNC_SECONDS} seconds of the trusted time; codes are correct."),
        )
    } else if magnitude < period.unsigned_abs() {
        (
            DriftSeverity::Minor,
            format!(
                "This computer's clock is {magnitude} seconds {direction} the trusted time. Codes may be \
                 rejected near the end of each {period}-second period. Turn on automatic time \
                 synchronisation (for example `timedatectl set-ntp true`)."
            ),
        )
    } else {
        (
            DriftSeverity::CodesWrong,
            format!(
                "This computer's clock is {magnitude} seconds {direction} the trusted time, about {} \
                 {period}-second steps: the codes shown belong to another time and will be rejected. \
                 KeyDesk does not shift codes silently; fix the system clock (turn on automatic \
                 time synchronisation, for example `timedatectl set-ntp true`).",
                steps_off.unsigned_abs()
            ),
        )
    };
    ClockDrift { offset_seconds: offset, steps_off, severity, explanation }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::{SecretBytes, SecretString};

    const RFC_SEED20: &[u8] = b"12345678901234567890";
    const RFC_SEED32: &[u8] = b"12345678901234567890123456789012";
    const RFC_SEED64: &[u8] =
        b"1234567890123456789012345678901234567890123456789012345678901234";

    /// RFC 4226 Appendix D: HOTP values for counters 0..=9.
    #[test]
    fn rfc4226_appendix_d() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(HashAlgorithm::Sha1, RFC_SEED20, counter as u64, 6).unwrap(), *code);
        }
        // Appendix D also lists the truncated decimal values (10 digits round trip).
        assert_eq!(hotp(HashAlgorithm::Sha1, RFC_SEED20, 0, 10).unwrap(), "1284755224");
    }

    /// RFC 6238 Appendix B with the 20-, 32- and 64-byte seeds.
    #[test]
    fn rfc6238_appendix_b() {
        let rows: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (t, sha1, sha256, sha512) in rows {
            assert_eq!(totp(HashAlgorithm::Sha1, RFC_SEED20, 30, 8, t).unwrap(), sha1, "t={t}");
            assert_eq!(totp(HashAlgorithm::Sha256, RFC_SEED32, 30, 8, t).unwrap(), sha256, "t={t}");
            assert_eq!(totp(HashAlgorithm::Sha512, RFC_SEED64, 30, 8, t).unwrap(), sha512, "t={t}");
            // Our own HOTP path agrees with totp-rs on every row.
            assert_eq!(hotp(HashAlgorithm::Sha512, RFC_SEED64, t / 30, 8).unwrap(), sha512);
        }
    }

    #[test]
    fn steam_matches_reference_and_alphabet() {
        let secret = b"12345678901234567890";
        for t in [0u64, 59, 1_700_000_000, 2_000_000_000] {
            let code = steam(secret, t).unwrap();
            assert_eq!(code, steam_reference(secret, t).unwrap());
            assert_eq!(code.len(), 5);
            assert!(code.bytes().all(|b| STEAM_ALPHABET.contains(&b)));
        }
        // Known value: t=59 has the RFC SHA-1 truncated value 0x4c93cf18 (1284755224 at
        // counter 0 is for t<30); at counter 1 the value is 1094287082.
        let mut v: u32 = 1_094_287_082;
        let mut expected = String::new();
        for _ in 0..5 {
            expected.push(STEAM_ALPHABET[(v % 26) as usize] as char);
            v /= 26;
        }
        assert_eq!(steam(secret, 59).unwrap(), expected);
    }

    #[test]
    fn yandex_vector() {
        let secret = crate::base32::decode("6SB2IKNM6OBZPAVBVTOHDKS4FAAAAAAADFUTQMBTRY").unwrap();
        assert_eq!(yandex(&secret, "5239", 1_641_559_648).unwrap(), "umozdicq");
    }

    #[test]
    fn motp_vector() {
        let secret = hex::decode("e3152afee62599c8").unwrap();
        assert_eq!(motp(&secret, "1234", 165_892_298), "e7d8b6");
    }

    #[test]
    fn generate_code_for_every_kind_and_countdown() {
        let mut a = Account::totp("X", "y", SecretBytes::from_slice(RFC_SEED20)).unwrap();
        a.digits = 8;
        let code = generate_code(&a, 59).unwrap();
        assert_eq!(code.text, "94287082");
        assert_eq!(code.seconds_remaining, Some(1));
        assert_eq!(generate_code(&a, 60).unwrap().seconds_remaining, Some(30));
        a.kind = OtpKind::Hotp { counter: 1 };
        a.digits = 6;
        let code = generate_code(&a, 0).unwrap();
        assert_eq!((code.text.as_str(), code.counter), ("287082", Some(1)));
        a.kind = OtpKind::Motp { pin: SecretString::from("1234") };
        a.secret = SecretBytes::new(hex::decode("e3152afee62599c8").unwrap());
        assert_eq!(generate_code(&a, 165_892_298).unwrap().text, "e7d8b6");
        assert_eq!(generate_code(&a, 165_892_298).unwrap().seconds_remaining, Some(2));
    }

    #[test]
    fn odd_values_are_errors_not_panics() {
        assert!(totp(HashAlgorithm::Sha1, RFC_SEED20, 0, 6, 59).is_err());
        assert!(totp(HashAlgorithm::Sha1, RFC_SEED20, 30, 0, 59).is_err());
        assert!(totp(HashAlgorithm::Sha1, RFC_SEED20, 30, 11, 59).is_err());
        assert!(totp(HashAlgorithm::Sha1, &[], 30, 6, 59).is_err());
        assert!(hotp(HashAlgorithm::Sha1, RFC_SEED20, u64::MAX, 10).is_ok());
        assert!(totp(HashAlgorithm::Sha256, RFC_SEED20, 1, 10, u64::MAX).is_ok());
        assert!(yandex(b"short", "1", 0).is_err());
        let mut a = Account::totp("X", "y", SecretBytes::from_slice(RFC_SEED20)).unwrap();
        a.kind = OtpKind::Totp { period: 0 };
        assert_eq!(
            generate_code(&a, 1),
            Err(CodeError::InvalidAccount(ValidationError::ZeroPeriod))
        );
    }

    #[test]
    fn drift_is_explained() {
        let ok = check_clock_drift(1000, 999, 30);
        assert_eq!(ok.severity, DriftSeverity::InSync);
        let minor = check_clock_drift(1000, 990, 30);
        assert_eq!(minor.severity, DriftSeverity::Minor);
        assert!(minor.explanation.contains("10 seconds ahead of"));
        let bad = check_clock_drift(1000, 1100, 30);
        assert_eq!((bad.severity, bad.offset_seconds, bad.steps_off), (DriftSeverity::CodesWrong, -100, -3));
        assert!(bad.explanation.contains("behind") && bad.explanation.contains("does not shift"));
        assert_eq!(check_clock_drift(i64::MIN, i64::MAX, 0).severity, DriftSeverity::CodesWrong);
    }
}
