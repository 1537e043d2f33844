//! Import tests. Every fixture is written here from the format descriptions (the encrypted ones
//! are encrypted here too, with small KDF parameters), then the same logical entries must come
//! out of every format.

use base64::Engine;
use serde_json::{json, Value};

use super::*;
use crate::crypto;
use crate::model::{HashAlgorithm, OtpKind};
use crate::secret::{SecretBytes, SecretString};

const PASSWORD: &str = "correct horse battery staple";

pub(crate) fn canonical() -> Vec<Account> {
    let mut a = Account::totp("Example", "alice@example.com", SecretBytes::new(crate::base32::decode("JBSWY3DPEHPK3PXP").unwrap().to_vec())).unwrap();
    a.tags = vec![];
    let b = Account::new("Big Corp", "bob", OtpKind::Totp { period: 60 }, HashAlgorithm::Sha256, 8, SecretBytes::new((1..=20).collect())).unwrap();
    let c = Account::new("Home", "carol", OtpKind::Hotp { counter: 5 }, HashAlgorithm::Sha512, 6, SecretBytes::new((100..132).collect())).unwrap();
    vec![a, b, c]
}

type Logical = (String, String, String, Vec<u8>, HashAlgorithm, u8, Option<u32>, Option<u64>);

fn logical(a: &Account) -> Logical {
    let counter = match a.kind {
        OtpKind::Hotp { counter } => Some(counter),
        _ => None,
    };
    (a.kind.type_name().into(), a.issuer.clone(), a.name.clone(), a.secret.expose().to_vec(), a.algorithm, a.digits, a.kind.period(), counter)
}

fn b32(a: &Account) -> String {
    a.secret.to_base32().to_string()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn aegis_entry(a: &Account) -> Value {
    let mut info = json!({"secret": b32(a), "algo": a.algorithm.as_str(), "digits": a.digits});
    match &a.kind {
        OtpKind::Hotp { counter } => info["counter"] = json!(counter),
        OtpKind::Yandex { pin } | OtpKind::Motp { pin } => {
            info["pin"] = json!(pin.expose());
            info["period"] = json!(a.kind.period());
        }
        _ => info["period"] = json!(a.kind.period()),
    }
    json!({"type": a.kind.type_name(), "uuid": a.id.as_str(), "name": a.name, "issuer": a.issuer, "note": a.note,
           "favorite": a.pinned, "icon": null, "groups": [], "info": info})
}

fn aegis_db(accounts: &[Account]) -> Value {
    json!({"version": 3, "entries": accounts.iter().map(aegis_entry).collect::<Vec<_>>(), "groups": []})
}

pub(crate) fn aegis_plain(accounts: &[Account]) -> Vec<u8> {
    json!({"version": 1, "header": {"slots": null, "params": null}, "db": aegis_db(accounts)}).to_string().into_bytes()
}

fn aegis_encrypted_with(db: &Value, password: &str, n: u64) -> Vec<u8> {
    let master = [0x42u8; 32];
    let salt = [9u8; 32];
    let slot_key = crypto::scrypt_key(password.as_bytes(), &salt, n.min(1024), 8, 1, &crypto::KdfLimits::default()).unwrap();
    let key_nonce = [1u8; 12];
    let wrapped = crypto::aes_gcm_encrypt(slot_key.as_ref(), &key_nonce, &master).unwrap();
    let (wrapped_key, key_tag) = wrapped.split_at(32);
    let db_nonce = [2u8; 12];
    let sealed = crypto::aes_gcm_encrypt(&master, &db_nonce, db.to_string().as_bytes()).unwrap();
    let (ciphertext, tag) = sealed.split_at(sealed.len() - 16);
    json!({
        "version": 1,
        "header": {
            "slots": [
                {"type": 2, "uuid": "bio", "key": "00", "key_params": {"nonce": "00", "tag": "00"}},
                {"type": 1, "uuid": "pw", "key": hex::encode(wrapped_key), "key_params": {"nonce": hex::encode(key_nonce), "tag": hex::encode(key_tag)},
                 "n": n, "r": 8, "p": 1, "salt": hex::encode(salt), "repaired": true, "is_backup": false}
            ],
            "params": {"nonce": hex::encode(db_nonce), "tag": hex::encode(tag)}
        },
        "db": b64(ciphertext)
    })
    .to_string()
    .into_bytes()
}

fn twofas_service(a: &Account, position: usize) -> Value {
    let (token_type, period, counter) = match a.kind {
        OtpKind::Totp { period } => ("TOTP", period, 0),
        OtpKind::Hotp { counter } => ("HOTP", 30, counter),
        OtpKind::Steam => ("STEAM", 30, 0),
        _ => unreachable!(),
    };
    // 2FAS writes secrets with spaces sometimes; the importer must cope.
    let spaced: String = b32(a).chars().enumerate().flat_map(|(i, c)| if i > 0 && i % 4 == 0 { vec![' ', c] } else { vec![c] }).collect();
    json!({"name": a.issuer, "secret": spaced, "updatedAt": 0,
           "otp": {"label": format!("{}:{}", a.issuer, a.name), "account": a.name, "issuer": a.issuer, "digits": a.digits,
                   "period": period, "algorithm": a.algorithm.as_str(), "counter": counter, "tokenType": token_type, "source": "Manual"},
           "order": {"position": position}, "icon": {"selected": "Label"}})
}

fn twofas_seal(plain: &[u8], password: &str, salt: &[u8], iv: &[u8]) -> String {
    let key = crypto::pbkdf2_sha256_key(password.as_bytes(), salt, 10_000, &crypto::KdfLimits::default()).unwrap();
    let sealed = crypto::aes_gcm_encrypt(key.as_ref(), iv, plain).unwrap();
    format!("{}:{}:{}", b64(&sealed), b64(salt), b64(iv))
}

fn twofas(accounts: &[Account], password: Option<&str>) -> Vec<u8> {
    let services: Vec<Value> = accounts.iter().enumerate().map(|(i, a)| twofas_service(a, i)).collect();
    match password {
        None => json!({"services": services, "groups": [], "updatedAt": 0, "schemaVersion": 4, "appVersionCode": 5000000}),
        Some(pw) => {
            let salt = [5u8; 256];
            json!({"services": [], "groups": [], "updatedAt": 0, "schemaVersion": 4,
                   "servicesEncrypted": twofas_seal(Value::Array(services).to_string().as_bytes(), pw, &salt, &[6u8; 12]),
                   "reference": twofas_seal(b"reference text", pw, &salt, &[7u8; 12])})
        }
    }
    .to_string()
    .into_bytes()
}

fn uri_lines(accounts: &[Account]) -> String {
    accounts.iter().map(|a| crate::uri::to_canonical_uri(a) + "\n").collect()
}

fn ente_plain(accounts: &[Account]) -> Vec<u8> {
    accounts
        .iter()
        .map(|a| format!("{}&codeDisplay=%7B%22pinned%22%3Afalse%2C%22tags%22%3A%5B%5D%7D\n", crate::uri::to_canonical_uri(a)))
        .collect::<String>()
        .into_bytes()
}

fn ente_encrypted(accounts: &[Account], password: &str, mem_limit: u64) -> Vec<u8> {
    let salt = [3u8; 16];
    let key = crypto::argon2id_key(password.as_bytes(), &salt, 2, mem_limit.min(64 * 1024), 1, &crypto::KdfLimits::default()).unwrap();
    let header = [4u8; 24];
    let mut stream = crate::secretstream::State::new(key.as_ref(), &header).unwrap();
    let data = stream.push(&ente_plain(accounts), b"", crate::secretstream::TAG_FINAL);
    json!({"version": 1, "kdfParams": {"memLimit": mem_limit, "opsLimit": 2, "salt": b64(&salt)},
           "encryptedData": b64(&data), "encryptionNonce": b64(&header)})
    .to_string()
    .into_bytes()
}

fn bitwarden(accounts: &[Account]) -> Vec<u8> {
    let mut items: Vec<Value> = accounts
        .iter()
        .map(|a| json!({"id": a.id.as_str(), "type": 1, "name": a.issuer, "favorite": false, "notes": null,
                        "login": {"username": a.name, "password": "pw", "totp": crate::uri::to_canonical_uri(a)}}))
        .collect();
    items.push(json!({"id": "x", "type": 1, "name": "no totp here", "login": {"username": "u", "password": "p", "totp": null}}));
    json!({"encrypted": false, "folders": [], "items": items}).to_string().into_bytes()
}

fn bitwarden_csv(accounts: &[Account]) -> Vec<u8> {
    let mut out = String::from("folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n");
    for a in accounts {
        let uri = crate::uri::to_canonical_uri(a);
        out.push_str(&format!(",,login,\"{}\",\"a note, with comma\",,0,https://x,{},pw,{}\n", a.issuer, a.name, uri));
    }
    out.push_str(",,login,no totp,,,0,,u,p,\n");
    out.into_bytes()
}

fn andotp(accounts: &[Account]) -> Vec<u8> {
    let entries: Vec<Value> = accounts
        .iter()
        .map(|a| {
            let mut e = json!({"secret": b32(a), "issuer": a.issuer, "label": a.name, "digits": a.digits, "algorithm": a.algorithm.as_str(),
                               "thumbnail": "Default", "last_used": 0, "used_frequency": 0, "tags": []});
            match a.kind {
                OtpKind::Totp { period } => { e["type"] = json!("TOTP"); e["period"] = json!(period); }
                OtpKind::Hotp { counter } => { e["type"] = json!("HOTP"); e["counter"] = json!(counter); }
                _ => unreachable!(),
            }
            e
        })
        .collect();
    Value::Array(entries).to_string().into_bytes()
}

fn andotp_encrypted(accounts: &[Account], password: &str) -> Vec<u8> {
    let iterations: u32 = 1000;
    let (salt, iv) = ([8u8; 12], [9u8; 12]);
    let key = crypto::pbkdf2_sha1_key(password.as_bytes(), &salt, u64::from(iterations), &crypto::KdfLimits::default()).unwrap();
    let mut out = iterations.to_be_bytes().to_vec();
    out.extend_from_slice(&salt);
    out.extend_from_slice(&iv);
    out.extend(crypto::aes_gcm_encrypt(key.as_ref(), &iv, &andotp(accounts)).unwrap());
    out
}

fn freeotp(accounts: &[Account]) -> Vec<u8> {
    let tokens: Vec<Value> = accounts
        .iter()
        .map(|a| {
            let signed: Vec<i64> = a.secret.expose().iter().map(|b| i64::from(*b as i8)).collect();
            let (t, period, counter) = match a.kind {
                OtpKind::Totp { period } => ("TOTP", period, 0),
                OtpKind::Hotp { counter } => ("HOTP", 30, counter),
                _ => unreachable!(),
            };
            json!({"algo": a.algorithm.as_str(), "counter": counter, "digits": a.digits, "issuerExt": a.issuer, "issuerInt": a.issuer,
                   "label": a.name, "period": period, "secret": signed, "type": t})
        })
        .collect();
    json!({"tokenOrder": accounts.iter().map(Account::label).collect::<Vec<_>>(), "tokens": tokens}).to_string().into_bytes()
}

fn google(accounts: &[Account]) -> Vec<u8> {
    crate::migration::export_batches(accounts, 2, 42).uris.iter().map(|u| u.expose().to_owned() + "\n").collect::<String>().into_bytes()
}

fn options(password: Option<&str>) -> ImportOptions {
    ImportOptions { password: password.map(SecretString::from), limits: ImportLimits::default() }
}

/// (name, format, bytes, password) for every supported format.
pub(crate) fn all_fixtures(accounts: &[Account]) -> Vec<(&'static str, ImportFormat, Vec<u8>, Option<&'static str>)> {
    vec![
        ("aegis plain", ImportFormat::Aegis, aegis_plain(accounts), None),
        ("aegis encrypted", ImportFormat::Aegis, aegis_encrypted_with(&aegis_db(accounts), PASSWORD, 1024), Some(PASSWORD)),
        ("2fas plain", ImportFormat::TwoFas, twofas(accounts, None), None),
        ("2fas encrypted", ImportFormat::TwoFas, twofas(accounts, Some(PASSWORD)), Some(PASSWORD)),
        ("ente plain", ImportFormat::Ente, ente_plain(accounts), None),
        ("ente encrypted", ImportFormat::Ente, ente_encrypted(accounts, PASSWORD, 64 * 1024), Some(PASSWORD)),
        ("bitwarden", ImportFormat::Bitwarden, bitwarden(accounts), None),
        ("bitwarden csv", ImportFormat::Bitwarden, bitwarden_csv(accounts), None),
        ("andotp", ImportFormat::AndOtp, andotp(accounts), None),
        ("andotp encrypted", ImportFormat::AndOtp, andotp_encrypted(accounts, PASSWORD), Some(PASSWORD)),
        ("freeotp+ json", ImportFormat::FreeOtpPlus, freeotp(accounts), None),
        ("freeotp+ uri list", ImportFormat::OtpauthList, uri_lines(accounts).into_bytes(), None),
        ("google migration", ImportFormat::OtpauthList, google(accounts), None),
    ]
}

#[test]
fn every_format_yields_the_same_entries() {
    let accounts = canonical();
    let expected: Vec<Logical> = accounts.iter().map(logical).collect();
    for (name, format, bytes, password) in all_fixtures(&accounts) {
        let parsed = parse(format, &bytes, &options(password)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let preview = preview(format, parsed, &[]);
        let got: Vec<Logical> = preview.accounts_to_add().map(logical).collect();
        if name == "google migration" {
            // Google Authenticator has no 60 s period: the export skipped (and reported) it.
            let expected: Vec<Logical> = expected.iter().filter(|l| l.1 != "Big Corp").cloned().collect();
            assert_eq!(got, expected, "{name}");
            continue;
        }
        assert_eq!(preview.counts(), (3, 0, 0), "{name}: {:?}", preview.entries);
        assert_eq!(got, expected, "{name}");
        if name.starts_with("bitwarden") {
            assert_eq!(preview.not_otp_items, 1);
        }
        let detected = detect_format(&bytes);
        match (name, detected) {
            // Binary, no marker: the caller names the format.
            ("andotp encrypted", None) => {}
            ("ente plain", Some(ImportFormat::OtpauthList)) => {}
            (_, detected) => assert_eq!(detected, Some(format), "{name}"),
        }
    }
}

#[test]
fn duplicates_are_detected_against_existing_and_within_the_file() {
    let accounts = canonical();
    let mut twice = accounts.clone();
    twice.push(accounts[1].clone());
    let parsed = parse(ImportFormat::Aegis, &aegis_plain(&twice), &options(None)).unwrap();
    let existing = vec![accounts[0].clone()];
    let preview = preview(ImportFormat::Aegis, parsed, &existing);
    assert_eq!(preview.entries[0].action, PreviewAction::Duplicate { of: accounts[0].id.clone() });
    assert_eq!(preview.entries[1].action, PreviewAction::New);
    let first_new_id = preview.entries[1].account.as_ref().unwrap().id.clone();
    assert_eq!(preview.entries[3].action, PreviewAction::Duplicate { of: first_new_id });
    assert_eq!(preview.counts(), (2, 2, 0));
}

#[test]
fn bad_entries_are_listed_with_reasons() {
    let mut db = aegis_db(&canonical());
    let entries = db["entries"].as_array_mut().unwrap();
    entries[0]["info"]["digits"] = json!(1000);
    entries[1]["info"]["period"] = json!(0);
    entries.push(json!({"type": "totp", "name": "bad secret", "issuer": "X", "info": {"secret": "not base32!", "algo": "SHA1", "digits": 6, "period": 30}}));
    entries.push(json!({"type": "totp", "name": "md5", "issuer": "X", "info": {"secret": "JBSWY3DPEHPK3PXP", "algo": "MD5", "digits": 6, "period": 30}}));
    entries.push(json!({"type": "totp", "name": "huge period", "issuer": "X", "info": {"secret": "JBSWY3DPEHPK3PXP", "digits": 6, "period": 1e12}}));
    entries.push(json!({"type": "yandex", "name": "no pin", "issuer": "Y", "info": {"secret": "6SB2IKNM6OBZPAVBVTOHDKS4FAAAAAAADFUTQMBTRY"}}));
    entries.push(json!({"name": "no info"}));
    let file = json!({"version": 1, "header": {"slots": null, "params": null}, "db": db}).to_string();
    let preview = preview(ImportFormat::Aegis, parse(ImportFormat::Aegis, file.as_bytes(), &options(None)).unwrap(), &[]);
    assert_eq!(preview.entries.len(), 8, "nothing dropped: {:?}", preview.entries.iter().map(|e| (&e.label, &e.action)).collect::<Vec<_>>());
    assert_eq!(preview.counts(), (1, 0, 7));
    let reasons: Vec<String> = preview
        .entries
        .iter()
        .filter_map(|e| match &e.action {
            PreviewAction::Skipped { reason } => Some(format!("{}: {reason}", e.label)),
            _ => None,
        })
        .collect();
    let expect = ["Example:alice@example.com: 1000 digits", "Big Corp:bob: a period of 0", "X:bad secret: secret", "X:md5: unsupported algorithm \"MD5\"", "X:huge period: period = 1000000000000.0 is not a whole number", "Y:no pin: yandex entries need a PIN", "no info: entry has no info"];
    for (reason, prefix) in reasons.iter().zip(expect) {
        assert!(reason.starts_with(prefix), "{reason:?} should start with {prefix:?}");
    }
}

#[test]
fn aegis_special_kinds_groups_and_favorites() {
    let mut steam = Account::new("Steam", "gamer", OtpKind::Steam, HashAlgorithm::Sha1, 5, SecretBytes::new(vec![1; 10])).unwrap();
    steam.pinned = true;
    let yandex_secret = crate::base32::decode("6SB2IKNM6OBZPAVBVTOHDKS4FAAAAAAADFUTQMBTRY").unwrap().to_vec();
    let yandex = Account::new("Yandex", "me", OtpKind::Yandex { pin: SecretString::from("5239") }, HashAlgorithm::Sha256, 8, SecretBytes::new(yandex_secret)).unwrap();
    let motp = Account::new("Corp", "me", OtpKind::Motp { pin: SecretString::from("1234") }, HashAlgorithm::Sha1, 6, SecretBytes::new(hex::decode("e3152afee62599c8").unwrap())).unwrap();
    let mut db = aegis_db(&[steam, yandex, motp]);
    db["groups"] = json!([{"uuid": "g1", "name": "Games"}]);
    db["entries"][0]["groups"] = json!(["g1"]);
    db["entries"][1]["group"] = json!("Legacy group");
    db["entries"][2]["info"]["algo"] = json!("MD5");
    let file = json!({"version": 1, "header": {"slots": null, "params": null}, "db": db}).to_string();
    let preview = preview(ImportFormat::Aegis, parse(ImportFormat::Aegis, file.as_bytes(), &options(None)).unwrap(), &[]);
    let accounts: Vec<&Account> = preview.accounts_to_add().collect();
    assert_eq!(accounts.len(), 3, "{:?}", preview.entries);
    assert_eq!((accounts[0].kind.clone(), accounts[0].pinned, accounts[0].tags.clone()), (OtpKind::Steam, true, vec!["Games".to_owned()]));
    assert_eq!(accounts[1].tags, vec!["Legacy group".to_owned()]);
    assert_eq!(crate::codes::generate_code(accounts[1], 1_641_559_648).unwrap().text, "umozdicq");
    assert_eq!(crate::codes::generate_code(accounts[2], 165_892_298).unwrap().text, "e7d8b6");
}

#[test]
fn passwords_wrong_or_missing() {
    let accounts = canonical();
    for (name, format, bytes, password) in all_fixtures(&accounts) {
        if password.is_none() {
            continue;
        }
        assert!(matches!(parse(format, &bytes, &options(None)), Err(ImportError::PasswordRequired(_))), "{name}");
        assert!(matches!(parse(format, &bytes, &options(Some("wrong"))), Err(ImportError::WrongPassword(_))), "{name}");
    }
}

#[test]
fn aegis_legacy_password_encoding_for_long_passwords() {
    let long = "a".repeat(70);
    let legacy = super::aegis::tests_support_legacy(&long);
    assert_eq!(legacy.len(), 77, "(int)(70 * 1.1f) bytes");
    assert!(legacy[70..].iter().all(|b| *b == 0));
    // Non-ASCII overflows the first buffer: 40 'é' = 80 bytes > 44, grown to 89.
    assert_eq!(super::aegis::tests_support_legacy(&"é".repeat(40)).len(), 89);

    // A vault whose slot key was derived from the padded bytes, written out by hand, opens
    // with the plain password when the slot is not marked repaired.
    let accounts = canonical();
    let mut padded = long.clone().into_bytes();
    padded.extend_from_slice(&[0u8; 7]);
    let master = [0x24u8; 32];
    let salt = [1u8; 32];
    let slot_key = crypto::scrypt_key(&padded, &salt, 1024, 8, 1, &crypto::KdfLimits::default()).unwrap();
    let wrapped = crypto::aes_gcm_encrypt(slot_key.as_ref(), &[3u8; 12], &master).unwrap();
    let sealed = crypto::aes_gcm_encrypt(&master, &[4u8; 12], aegis_db(&accounts).to_string().as_bytes()).unwrap();
    let (ciphertext, tag) = sealed.split_at(sealed.len() - 16);
    let mut vault = json!({
        "version": 1,
        "header": {
            "slots": [{"type": 1, "uuid": "u", "key": hex::encode(&wrapped[..32]), "key_params": {"nonce": hex::encode([3u8; 12]), "tag": hex::encode(&wrapped[32..])},
                       "n": 1024, "r": 8, "p": 1, "salt": hex::encode(salt), "repaired": false}],
            "params": {"nonce": hex::encode([4u8; 12]), "tag": hex::encode(tag)}
        },
        "db": b64(ciphertext)
    });
    let parsed = parse(ImportFormat::Aegis, vault.to_string().as_bytes(), &options(Some(&long))).unwrap();
    assert_eq!(parsed.items.len(), 3);
    vault["header"]["slots"][0]["repaired"] = json!(true);
    assert!(matches!(parse(ImportFormat::Aegis, vault.to_string().as_bytes(), &options(Some(&long))), Err(ImportError::WrongPassword(_))));
}

#[test]
fn hostile_files_are_refused_with_clear_errors() {
    let accounts = canonical();
    // scrypt N = 2^40 in an Aegis slot.
    let mut aegis: Value = serde_json::from_slice(&aegis_encrypted_with(&aegis_db(&accounts), PASSWORD, 1024)).unwrap();
    aegis["header"]["slots"][1]["n"] = json!(1u64 << 40);
    let err = parse(ImportFormat::Aegis, aegis.to_string().as_bytes(), &options(Some(PASSWORD))).unwrap_err();
    assert!(matches!(err, ImportError::Kdf(crypto::KdfError::TooExpensive { parameter: "scrypt N", .. })), "{err}");
    assert!(err.to_string().contains("refusing"));
    // Ente asking for 64 GiB of Argon2 memory.
    let ente = ente_encrypted(&accounts, PASSWORD, 64 << 30);
    let err = parse(ImportFormat::Ente, &ente, &options(Some(PASSWORD))).unwrap_err();
    assert!(matches!(err, ImportError::Kdf(crypto::KdfError::TooExpensive { .. })), "{err}");
    // Oversized file, refused before reading.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    std::fs::write(&path, vec![b' '; 2048]).unwrap();
    let small = ImportOptions { password: None, limits: ImportLimits { max_file_bytes: 1024, ..ImportLimits::default() } };
    assert!(matches!(preview_file(&path, None, &small, &[]), Err(ImportError::FileTooLarge { size: 2048, max: 1024 })));
    // Too many entries.
    let few = ImportOptions { password: None, limits: ImportLimits { max_entries: 2, ..ImportLimits::default() } };
    assert!(matches!(parse(ImportFormat::Aegis, &aegis_plain(&accounts), &few), Err(ImportError::TooManyEntries { count: 3, max: 2 })));
    // Absurd digits in 2FAS, absurd period in andOTP: entries skipped with the reason.
    let mut tf: Value = serde_json::from_slice(&twofas(&accounts, None)).unwrap();
    tf["services"][0]["otp"]["digits"] = json!(4_000_000_000u64);
    let p = preview(ImportFormat::TwoFas, parse(ImportFormat::TwoFas, tf.to_string().as_bytes(), &options(None)).unwrap(), &[]);
    assert_eq!(p.counts(), (2, 0, 1));
    // A FreeOTP+ secret of a million bytes.
    let huge = json!({"tokens": [{"type": "TOTP", "secret": vec![1; 1_000_000], "label": "x"}]}).to_string();
    let p = preview(ImportFormat::FreeOtpPlus, parse(ImportFormat::FreeOtpPlus, huge.as_bytes(), &options(None)).unwrap(), &[]);
    assert_eq!(p.counts(), (0, 0, 1));
    // A Bitwarden password-protected export is refused with advice.
    let bw = json!({"encrypted": true, "passwordProtected": true, "data": "..."}).to_string();
    assert!(matches!(parse(ImportFormat::Bitwarden, bw.as_bytes(), &options(None)), Err(ImportError::UnsupportedEncryption { .. })));
}

#[test]
fn incomplete_google_export_is_refused_naming_missing_parts() {
    let accounts = canonical();
    let uris = crate::migration::export_batches(&accounts, 1, 9).uris;
    assert_eq!(uris.len(), 2, "the 60 s account cannot go to Google Authenticator");
    let partial = format!("{}\n", uris[0].expose());
    let err = parse(ImportFormat::OtpauthList, partial.as_bytes(), &options(None)).unwrap_err();
    assert!(err.to_string().contains("parts [1]"), "{err}");
}

#[test]
fn ente_code_display_is_kept() {
    let line = "otpauth://totp/Ex:al?secret=JBSWY3DPEHPK3PXP&issuer=Ex&codeDisplay=%7B%22pinned%22%3Atrue%2C%22tags%22%3A%5B%22work%22%5D%2C%22note%22%3A%22hi%22%7D\nnot a uri\n";
    let p = preview(ImportFormat::Ente, parse(ImportFormat::Ente, line.as_bytes(), &options(None)).unwrap(), &[]);
    assert_eq!(p.counts(), (1, 0, 1));
    let a = p.accounts_to_add().next().unwrap();
    assert_eq!((a.pinned, a.tags.clone(), a.note.as_str()), (true, vec!["work".to_owned()], "hi"));
    assert_eq!(crate::uri::to_uri(a), line.lines().next().unwrap(), "original URI re-exported verbatim");
}

/// Deterministic xorshift for mutation tests.
pub(crate) struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Mutates `input` (bit flips, truncation, byte insertions, JSON-ish tokens).
pub(crate) fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(5) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.truncate(rng.below(out.len() + 1)),
            2 => {
                let i = rng.below(out.len() + 1);
                out.insert(i, rng.next() as u8);
            }
            3 => {
                let tokens: [&[u8]; 8] = [b"null", b"-1", b"1e400", b"\"\"", b"[]", b"{}", b"99999999999999999999", b"\"%zz\""];
                let i = rng.below(out.len() + 1);
                let t = tokens[rng.below(tokens.len())];
                out.splice(i..i, t.iter().copied());
            }
            _ if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = rng.next() as u8;
            }
            _ => {}
        }
    }
    out
}

/// Mutated KDF headers may ask for any cost up to the limits: keep them small here (the
/// defaults are tested in `hostile_files_are_refused_with_clear_errors`).
fn fuzz_options(password: Option<&str>) -> ImportOptions {
    let kdf = crypto::KdfLimits {
        max_scrypt_n: 1 << 12,
        max_argon2_memory_bytes: 1 << 20,
        max_argon2_iterations: 4,
        max_pbkdf2_iterations: 20_000,
        ..crypto::KdfLimits::default()
    };
    ImportOptions { password: password.map(SecretString::from), limits: ImportLimits { kdf, ..ImportLimits::default() } }
}

#[test]
fn mutated_files_never_panic() {
    let accounts = canonical();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let formats = [ImportFormat::Aegis, ImportFormat::TwoFas, ImportFormat::Ente, ImportFormat::Bitwarden, ImportFormat::AndOtp, ImportFormat::FreeOtpPlus, ImportFormat::OtpauthList];
    for (_, _, bytes, password) in all_fixtures(&accounts) {
        for _ in 0..60 {
            let mutated = mutate(&mut rng, &bytes);
            let _ = detect_format(&mutated);
            for format in formats {
                if let Ok(parsed) = parse(format, &mutated, &fuzz_options(password)) {
                    let _ = preview(format, parsed, &accounts);
                }
            }
        }
    }
    for _ in 0..500 {
        let len = rng.below(200);
        let random: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        for format in formats {
            let _ = parse(format, &random, &fuzz_options(Some(PASSWORD)));
        }
    }
}
