//! `otpauth://` URIs (Google's Key URI Format), parsed leniently and serialized losslessly.
//!
//! Accepted beyond the strict format, because real exports contain it: 80-bit and other short
//! secrets, secrets with spaces, `-`, lowercase or `=` padding; `%3A` in the label; an `issuer`
//! parameter that disagrees with the label prefix (the parameter wins, with a note); lowercase
//! algorithms; `period` on HOTP and `counter` on TOTP (kept, ignored); unknown parameters (kept
//! in order); `encoder=steam`; `otpauth://steam/`, `steam://SECRET`; `yaotp`/`yandex` and
//! `motp` types with a `pin` parameter.

use crate::base32::{self, Base32Error};
use crate::model::{limits, Account, AccountError, HashAlgorithm, OtpKind, ValidationError};
use crate::percent;
use crate::secret::{SecretBytes, SecretString};

/// A parsed URI: the account and notes about anything that was interpreted leniently.
#[derive(Debug, Clone)]
pub struct ParsedUri {
    pub account: Account,
    pub notes: Vec<String>,
}

/// Why a URI could not be turned into an account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    #[error("the URI is {0} bytes long; at most {max} are accepted", max = limits::MAX_URI_BYTES)]
    TooLong(usize),
    #[error("this is a Google Authenticator migration URI; import it as a migration batch")]
    MigrationUri,
    #[error("unsupported URI scheme {0:?} (expected otpauth://, steam:// or motp://)")]
    UnsupportedScheme(String),
    #[error("unknown OTP type {0:?} (expected totp, hotp, steam, yaotp or motp)")]
    UnknownType(String),
    #[error("the URI has no secret parameter")]
    MissingSecret,
    #[error("the secret is not valid base32: {0}")]
    InvalidSecret(Base32Error),
    #[error("the mOTP secret is not hexadecimal")]
    InvalidHexSecret,
    #[error("parameter {param} has the value {value:?}, which is not a valid number")]
    InvalidNumber { param: &'static str, value: String },
    #[error("unsupported algorithm {0:?} (expected SHA1, SHA256 or SHA512)")]
    UnsupportedAlgorithm(String),
    #[error("{0} URIs need a pin parameter")]
    MissingPin(&'static str),
    #[error("{0}")]
    Invalid(ValidationError),
    #[error("the operating system random number generator failed")]
    Random,
}

impl From<AccountError> for UriError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Invalid(v) => Self::Invalid(v),
            AccountError::Random(_) => Self::Random,
        }
    }
}

/// Parses an otpauth URI (or `steam://SECRET`, `motp://...`).
pub fn parse(input: &str) -> Result<ParsedUri, UriError> {
    let input = input.trim();
    if input.len() > limits::MAX_URI_BYTES {
        return Err(UriError::TooLong(input.len()));
    }
    let (scheme, rest) = input.split_once("://").ok_or_else(|| UriError::UnsupportedScheme(String::new()))?;
    let scheme = scheme.to_ascii_lowercase();
    let mut notes = Vec::new();
    match scheme.as_str() {
        "otpauth" => {}
        "otpauth-migration" => return Err(UriError::MigrationUri),
        "steam" => {
            let secret = decode_base32(&percent::decode(rest.trim_end_matches('/'), false))?;
            let mut account = build("Steam", "", OtpKind::Steam, HashAlgorithm::Sha1, 5, secret)?;
            account.original_uri = Some(SecretString::new(input.to_owned()));
            return Ok(ParsedUri { account, notes });
        }
        "motp" => return parse_parts("motp", rest, input, notes),
        other => return Err(UriError::UnsupportedScheme(other.to_owned())),
    }
    // The type ends at the label's '/', or at '?' when there is no label at all.
    let type_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (otp_type, rest) = rest.split_at(type_end);
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let otp_type = otp_type.to_ascii_lowercase();
    if otp_type.is_empty() {
        notes.push("no OTP type given; assuming TOTP".into());
    }
    parse_parts(if otp_type.is_empty() { "totp" } else { &otp_type }, rest, input, notes)
}

fn parse_parts(otp_type: &str, rest: &str, original: &str, mut notes: Vec<String>) -> Result<ParsedUri, UriError> {
    let (raw_label, query) = rest.split_once('?').unwrap_or((rest, ""));
    let raw_label = raw_label.split('#').next().unwrap_or_default();
    let query = query.split('#').next().unwrap_or_default();
    // Split once (at the first literal ':', else the first encoded "%3A"), then decode each
    // part once, so an issuer containing an encoded colon survives.
    let raw_label = raw_label.trim_start_matches('/');
    let split = raw_label.find(':').map(|i| (i, 1)).or_else(|| {
        raw_label.to_ascii_lowercase().find("%3a").map(|i| (i, 3))
    });
    let (label_issuer, name) = match split {
        Some((i, width)) => (
            Some(percent::decode(raw_label.get(..i).unwrap_or_default(), false).trim().to_owned()),
            percent::decode(raw_label.get(i + width..).unwrap_or_default(), false).trim().to_owned(),
        ),
        None => (None, percent::decode(raw_label, false).trim().to_owned()),
    };

    let mut secret_text: Option<zeroize::Zeroizing<String>> = None;
    let mut issuer_param: Option<String> = None;
    let mut algorithm_param: Option<String> = None;
    let mut digits_param: Option<String> = None;
    let mut period_param: Option<String> = None;
    let mut counter_param: Option<String> = None;
    let mut pin_param: Option<SecretString> = None;
    let mut steam_encoder = false;
    let mut extra = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent::decode(raw_key, true);
        let value = percent::decode(raw_value, true);
        let slot = match key.to_ascii_lowercase().as_str() {
            "secret" => {
                if secret_text.is_none() {
                    secret_text = Some(zeroize::Zeroizing::new(value));
                }
                continue;
            }
            "pin" => {
                if pin_param.is_none() {
                    pin_param = Some(SecretString::new(value));
                }
                continue;
            }
            "issuer" => &mut issuer_param,
            "algorithm" => &mut algorithm_param,
            "digits" => &mut digits_param,
            "period" if otp_type != "hotp" => &mut period_param,
            "counter" if otp_type == "hotp" => &mut counter_param,
            "encoder" if value.eq_ignore_ascii_case("steam") => {
                steam_encoder = true;
                extra.push((key, value));
                continue;
            }
            "period" | "counter" => {
                notes.push(format!("parameter {key} does not apply to {otp_type} and is kept but ignored"));
                extra.push((key, value));
                continue;
            }
            _ => {
                extra.push((key, value));
                continue;
            }
        };
        if slot.is_none() {
            *slot = Some(value);
        } else {
            notes.push(format!("parameter {key} appears more than once; the first value is used"));
        }
    }

    let issuer = match (issuer_param, label_issuer) {
        (Some(param), Some(prefix)) if !param.trim().is_empty() && param.trim() != prefix => {
            notes.push(format!("issuer parameter {:?} differs from label prefix {prefix:?}; using the parameter", param.trim()));
            param.trim().to_owned()
        }
        (Some(param), _) if !param.trim().is_empty() => param.trim().to_owned(),
        (_, Some(prefix)) => prefix,
        (_, None) => String::new(),
    };

    let secret_text = secret_text.ok_or(UriError::MissingSecret)?;
    let algorithm = match &algorithm_param {
        Some(a) => HashAlgorithm::parse(a).ok_or_else(|| UriError::UnsupportedAlgorithm(a.clone()))?,
        None => HashAlgorithm::Sha1,
    };
    let digits = match &digits_param {
        Some(d) => Some(d.trim().parse::<u8>().map_err(|_| UriError::InvalidNumber { param: "digits", value: d.clone() })?),
        None => None,
    };
    let period = match &period_param {
        Some(p) => p.trim().parse::<u32>().map_err(|_| UriError::InvalidNumber { param: "period", value: p.clone() })?,
        None => 30,
    };
    let counter = match &counter_param {
        Some(c) => c.trim().parse::<u64>().map_err(|_| UriError::InvalidNumber { param: "counter", value: c.clone() })?,
        None => 0,
    };

    let (kind, algorithm, digits, secret) = match otp_type {
        "totp" if steam_encoder => (OtpKind::Steam, HashAlgorithm::Sha1, 5, decode_base32(&secret_text)?),
        "steam" => (OtpKind::Steam, HashAlgorithm::Sha1, 5, decode_base32(&secret_text)?),
        "totp" => (OtpKind::Totp { period }, algorithm, digits.unwrap_or(6), decode_base32(&secret_text)?),
        "hotp" => (OtpKind::Hotp { counter }, algorithm, digits.unwrap_or(6), decode_base32(&secret_text)?),
        "yaotp" | "yandex" => {
            let pin = pin_param.ok_or(UriError::MissingPin("Yandex"))?;
            (OtpKind::Yandex { pin }, HashAlgorithm::Sha256, 8, decode_base32(&secret_text)?)
        }
        "motp" => {
            let pin = pin_param.ok_or(UriError::MissingPin("mOTP"))?;
            let bytes = hex::decode(secret_text.trim()).map_err(|_| UriError::InvalidHexSecret)?;
            (OtpKind::Motp { pin }, HashAlgorithm::Sha1, 6, SecretBytes::new(bytes))
        }
        other => return Err(UriError::UnknownType(other.to_owned())),
    };
    if steam_encoder && otp_type == "totp" {
        notes.push("encoder=steam: treated as a Steam Guard account".into());
    }
    let mut account = build(&issuer, &name, kind, algorithm, digits, secret)?;
    account.extra_params = extra;
    account.original_uri = Some(SecretString::new(original.trim().to_owned()));
    Ok(ParsedUri { account, notes })
}

fn decode_base32(text: &str) -> Result<SecretBytes, UriError> {
    let bytes = base32::decode(text).map_err(UriError::InvalidSecret)?;
    Ok(SecretBytes::from_slice(&bytes))
}

fn build(
    issuer: &str,
    name: &str,
    kind: OtpKind,
    algorithm: HashAlgorithm,
    digits: u8,
    secret: SecretBytes,
) -> Result<Account, UriError> {
    Ok(Account::new(issuer, name, kind, algorithm, digits, secret)?)
}

/// Parses an otpauth URI, or a bare base32 secret (as Bitwarden stores) as a default TOTP.
pub fn parse_uri_or_secret(input: &str) -> Result<ParsedUri, UriError> {
    if input.contains("://") {
        return parse(input);
    }
    let secret = decode_base32(input)?;
    let account = build("", "", OtpKind::Totp { period: 30 }, HashAlgorithm::Sha1, 6, secret)?;
    Ok(ParsedUri { account, notes: vec!["a bare secret: assuming TOTP, SHA1, 6 digits, 30 s".into()] })
}

/// The URI for `account`: the original URI verbatim when it still describes the account
/// exactly (lossless re-export), otherwise the canonical form with unknown parameters kept.
pub fn to_uri(account: &Account) -> String {
    if let Some(original) = &account.original_uri {
        if let Ok(parsed) = parse(original.expose()) {
            let p = parsed.account;
            if p.same_generator(account)
                && p.issuer == account.issuer
                && p.name == account.name
                && counter_of(&p) == counter_of(account)
            {
                return original.expose().to_owned();
            }
        }
    }
    to_canonical_uri(account)
}

fn counter_of(account: &Account) -> Option<u64> {
    match account.kind {
        OtpKind::Hotp { counter } => Some(counter),
        _ => None,
    }
}

/// The canonical `otpauth://` form, regardless of any original URI.
pub fn to_canonical_uri(account: &Account) -> String {
    let label = if account.issuer.is_empty() {
        percent::encode(&account.name)
    } else {
        format!("{}:{}", percent::encode(&account.issuer), percent::encode(&account.name))
    };
    let base32_secret = account.secret.to_base32();
    let mut params: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, v: &str| params.push((k.to_owned(), v.to_owned()));
    let otp_type = match &account.kind {
        OtpKind::Totp { period } => {
            push("secret", &base32_secret);
            push("algorithm", account.algorithm.as_str());
            push("digits", &account.digits.to_string());
            push("period", &period.to_string());
            "totp"
        }
        OtpKind::Hotp { counter } => {
            push("secret", &base32_secret);
            push("algorithm", account.algorithm.as_str());
            push("digits", &account.digits.to_string());
            push("counter", &counter.to_string());
            "hotp"
        }
        OtpKind::Steam => {
            push("secret", &base32_secret);
            push("digits", "5");
            push("period", "30");
            "totp"
        }
        OtpKind::Yandex { pin } => {
            push("secret", &base32_secret);
            push("pin", pin.expose());
            "yaotp"
        }
        OtpKind::Motp { pin } => {
            push("secret", &hex::encode(account.secret.expose()));
            push("pin", pin.expose());
            "motp"
        }
    };
    if !account.issuer.is_empty() {
        params.insert(1, ("issuer".into(), account.issuer.clone()));
    }
    let is_steam = matches!(account.kind, OtpKind::Steam);
    if is_steam {
        params.push(("encoder".into(), "steam".into()));
    }
    for (k, v) in &account.extra_params {
        let emitted = params.iter().any(|(p, _)| p.eq_ignore_ascii_case(k));
        if !emitted {
            params.push((k.clone(), v.clone()));
        }
    }
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", percent::encode(k), percent::encode(v)))
        .collect();
    let uri = format!("otpauth://{otp_type}/{label}?{}", query.join("&"));
    // The query holds the secret; wipe the intermediate copies.
    for (_, mut v) in params {
        zeroize::Zeroize::zeroize(&mut v);
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(uri: &str) -> ParsedUri {
        parse(uri).unwrap_or_else(|e| panic!("{uri}: {e}"))
    }

    #[test]
    fn lenient_inputs() {
        let a = p("otpauth://totp/ACME%20Co:john@example.com?secret=jbsw y3dp-ehpk3pxp==&issuer=ACME%20Co&algorithm=sha256&digits=8&period=60").account;
        assert_eq!((a.issuer.as_str(), a.name.as_str()), ("ACME Co", "john@example.com"));
        assert_eq!(a.secret.len(), 10);
        assert_eq!((a.algorithm, a.digits, a.kind.clone()), (HashAlgorithm::Sha256, 8, OtpKind::Totp { period: 60 }));

        let a = p("otpauth://totp/Label%3Aalice?secret=JBSWY3DPEHPK3PXP").account;
        assert_eq!((a.issuer.as_str(), a.name.as_str()), ("Label", "alice"));

        let parsed = p("otpauth://totp/Old:bob?secret=JBSWY3DPEHPK3PXP&issuer=New");
        assert_eq!(parsed.account.issuer, "New");
        assert!(parsed.notes.iter().any(|n| n.contains("differs")));

        let parsed = p("otpauth://hotp/X:y?secret=JBSWY3DPEHPK3PXP&counter=7&period=30&image=https%3A%2F%2Fx%2Fi.png");
        assert_eq!(parsed.account.kind, OtpKind::Hotp { counter: 7 });
        assert_eq!(parsed.account.extra_params[0], ("period".into(), "30".into()));
        assert_eq!(parsed.account.extra_params[1], ("image".into(), "https://x/i.png".into()));

        let parsed = p("otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP&counter=3");
        assert_eq!(parsed.account.kind, OtpKind::Totp { period: 30 });

        assert_eq!(p("otpauth://totp/Steam:me?secret=JBSWY3DPEHPK3PXP&encoder=steam").account.kind, OtpKind::Steam);
        let steam = p("steam://JBSWY3DPEHPK3PXP").account;
        assert_eq!((steam.kind, steam.digits, steam.issuer.as_str()), (OtpKind::Steam, 5, "Steam"));
        assert_eq!(p("OTPAUTH://TOTP/x?SECRET=JBSWY3DPEHPK3PXP").account.name, "x");
        let unlabeled = p("otpauth://totp?secret=JBSWY3DPEHPK3PXP&issuer=Bare").account;
        assert_eq!((unlabeled.issuer.as_str(), unlabeled.name.as_str()), ("Bare", ""));

        let y = p("otpauth://yaotp/me?secret=6SB2IKNM6OBZPAVBVTOHDKS4FAAAAAAADFUTQMBTRY&pin=5239").account;
        assert_eq!(crate::codes::generate_code(&y, 1_641_559_648).unwrap().text, "umozdicq");
        let m = p("motp://Corp:me?secret=e3152afee62599c8&pin=1234").account;
        assert_eq!(crate::codes::generate_code(&m, 165_892_298).unwrap().text, "e7d8b6");
    }

    #[test]
    fn precise_errors() {
        assert_eq!(parse("otpauth://totp/x?issuer=a").unwrap_err(), UriError::MissingSecret);
        assert!(matches!(parse("otpauth://totp/x?secret=AB1C").unwrap_err(), UriError::InvalidSecret(_)));
        assert_eq!(
            parse("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=0").unwrap_err(),
            UriError::Invalid(ValidationError::ZeroPeriod)
        );
        assert_eq!(
            parse("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=99").unwrap_err(),
            UriError::Invalid(ValidationError::DigitsOutOfRange(99))
        );
        assert!(matches!(parse("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=-1"), Err(UriError::InvalidNumber { param: "digits", .. })));
        assert_eq!(parse("otpauth://foo/x?secret=JBSWY3DPEHPK3PXP").unwrap_err(), UriError::UnknownType("foo".into()));
        assert_eq!(parse("otpauth-migration://offline?data=x").unwrap_err(), UriError::MigrationUri);
        assert_eq!(parse("otpauth://yaotp/x?secret=JBSWY3DPEHPK3PXP").unwrap_err(), UriError::MissingPin("Yandex"));
        assert!(matches!(parse("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5"), Err(UriError::UnsupportedAlgorithm(_))));
    }

    #[test]
    fn lossless_and_canonical_round_trip() {
        let original = "otpauth://totp/Old:bob?secret=jbswy3dpehpk3pxp&issuer=New&codeDisplay=%7B%22pinned%22%3Atrue%7D";
        let mut account = p(original).account;
        assert_eq!(to_uri(&account), original);
        account.name = "robert".into();
        let canonical = to_uri(&account);
        assert!(canonical.starts_with("otpauth://totp/New:robert?secret=JBSWY3DPEHPK3PXP&issuer=New"));
        let reparsed = p(&canonical).account;
        assert!(reparsed.same_generator(&account));
        assert_eq!(reparsed.extra_params, account.extra_params);
        assert_eq!((reparsed.issuer, reparsed.name), ("New".to_owned(), "robert".to_owned()));

        for uri in [
            "otpauth://hotp/A%3Ab:c?secret=JBSWY3DPEHPK3PXP&counter=5&digits=8&algorithm=SHA512",
            "steam://JBSWY3DPEHPK3PXP",
            "otpauth://yaotp/me?secret=6SB2IKNM6OBZPAVBVTOHDKS4FAAAAAAADFUTQMBTRY&pin=5239",
            "motp://Corp:me?secret=e3152afee62599c8&pin=1234",
        ] {
            let a = p(uri).account;
            let again = p(&to_canonical_uri(&a)).account;
            assert!(again.same_generator(&a), "{uri}");
            assert_eq!((again.issuer, again.name), (a.issuer.clone(), a.name.clone()), "{uri}");
        }
    }

    #[test]
    fn bare_secret() {
        let a = parse_uri_or_secret("jbsw y3dp ehpk 3pxp").unwrap().account;
        assert_eq!(a.kind, OtpKind::Totp { period: 30 });
    }
}
