//! Exports: otpauth URI lists, QR payload strings (per account and Google migration batches),
//! and encrypted Aegis vaults that Aegis imports.
//!
//! Every export contains secrets: the results are zeroized on drop. QR images are not drawn
//! here: callers render the payload strings (image encoding and decoding are a later addition).

use base64::Engine;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use crate::crypto::{self, KdfLimits};
use crate::migration::{self, MigrationExport};
use crate::model::{Account, AccountId, OtpKind};
use crate::random::{self, RandomError};
use crate::secret::SecretString;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error(transparent)]
    Kdf(#[from] crypto::KdfError),
    #[error("encryption failed")]
    Encryption,
    #[error("the export password is empty")]
    EmptyPassword,
}

/// One otpauth URI a line (lossless: original URIs are reused while they still match).
pub fn uri_list(accounts: &[Account]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::new());
    for account in accounts {
        out.push_str(&Zeroizing::new(crate::uri::to_uri(account)));
        out.push('\n');
    }
    out
}

/// The string to encode in a QR code for each account (its otpauth URI).
pub fn qr_payloads(accounts: &[Account]) -> Vec<(AccountId, SecretString)> {
    accounts.iter().map(|a| (a.id.clone(), SecretString::new(crate::uri::to_uri(a)))).collect()
}

/// Google Authenticator migration QR payloads; accounts Google cannot hold are listed with
/// the reason in `skipped`.
pub fn google_migration_payloads(accounts: &[Account], per_batch: usize) -> Result<MigrationExport, RandomError> {
    let batch_id = i32::from_le_bytes(random::array::<4>()?) & i32::MAX;
    Ok(migration::export_batches(accounts, per_batch, batch_id))
}

/// scrypt parameters for the Aegis password slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AegisScryptParams {
    pub n: u64,
    pub r: u32,
    pub p: u32,
}

impl Default for AegisScryptParams {
    /// Aegis' own defaults.
    fn default() -> Self {
        Self { n: 1 << 15, r: 8, p: 1 }
    }
}

fn uuid_from(bytes: &[u8; 16]) -> String {
    let mut b = *bytes;
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

fn random_uuid() -> Result<String, RandomError> {
    Ok(uuid_from(&random::array::<16>()?))
}

fn aegis_entry(account: &Account, groups: &[(String, String)]) -> Result<Value, RandomError> {
    let secret = account.secret.to_base32();
    let mut info = json!({"secret": secret.as_str(), "algo": account.algorithm.as_str(), "digits": account.digits});
    match &account.kind {
        OtpKind::Totp { period } => info["period"] = json!(period),
        OtpKind::Hotp { counter } => info["counter"] = json!(counter),
        OtpKind::Steam => info["period"] = json!(30),
        OtpKind::Yandex { pin } => {
            info["period"] = json!(30);
            info["pin"] = json!(pin.expose());
        }
        OtpKind::Motp { pin } => {
            info["algo"] = json!("MD5");
            info["period"] = json!(10);
            info["pin"] = json!(pin.expose());
        }
    }
    let group_ids: Vec<&String> = account
        .tags
        .iter()
        .filter_map(|tag| groups.iter().find(|(_, name)| name == tag).map(|(uuid, _)| uuid))
        .collect();
    Ok(json!({
        "type": account.kind.type_name(),
        "uuid": random_uuid()?,
        "name": account.name,
        "issuer": account.issuer,
        "note": account.note,
        "favorite": account.pinned,
        "icon": null,
        "info": info,
        "groups": group_ids,
    }))
}

/// The Aegis content object (`db`, version 3) for `accounts`; tags become Aegis groups.
pub fn aegis_content(accounts: &[Account]) -> Result<Value, RandomError> {
    let mut groups: Vec<(String, String)> = Vec::new();
    for tag in accounts.iter().flat_map(|a| &a.tags) {
        if !groups.iter().any(|(_, name)| name == tag) {
            groups.push((random_uuid()?, tag.clone()));
        }
    }
    let entries = accounts.iter().map(|a| aegis_entry(a, &groups)).collect::<Result<Vec<_>, _>>()?;
    let groups: Vec<Value> = groups.iter().map(|(uuid, name)| json!({"uuid": uuid, "name": name})).collect();
    Ok(json!({"version": 3, "entries": entries, "groups": groups}))
}

/// An unencrypted Aegis vault.
pub fn aegis_plain(accounts: &[Account]) -> Result<Zeroizing<String>, RandomError> {
    let vault = json!({"version": 1, "header": {"slots": null, "params": null}, "db": aegis_content(accounts)?});
    Ok(Zeroizing::new(vault.to_string()))
}

/// An Aegis vault encrypted with a password slot: random master key, scrypt-derived slot key
/// wrapping it with AES-256-GCM, content encrypted with AES-256-GCM under the master key.
pub fn aegis_encrypted(
    accounts: &[Account],
    password: &SecretString,
    params: AegisScryptParams,
) -> Result<Zeroizing<String>, ExportError> {
    if password.is_empty() {
        return Err(ExportError::EmptyPassword);
    }
    let master = Zeroizing::new(random::array::<32>()?);
    let salt = random::array::<32>()?;
    let limits = KdfLimits { max_scrypt_n: params.n.max(1), max_scrypt_r: params.r, max_scrypt_p: params.p, max_scrypt_memory_bytes: u64::MAX, ..KdfLimits::default() };
    let slot_key = crypto::scrypt_key(password.expose().as_bytes(), &salt, params.n, u64::from(params.r), u64::from(params.p), &limits)?;
    let key_nonce = random::array::<12>()?;
    let wrapped = crypto::aes_gcm_encrypt(slot_key.as_ref(), &key_nonce, master.as_ref()).map_err(|_| ExportError::Encryption)?;
    let (wrapped_key, key_tag) = wrapped.split_at(32);

    let content = Zeroizing::new(aegis_content(accounts)?.to_string());
    let db_nonce = random::array::<12>()?;
    let sealed = crypto::aes_gcm_encrypt(master.as_ref(), &db_nonce, content.as_bytes()).map_err(|_| ExportError::Encryption)?;
    let (ciphertext, tag) = sealed.split_at(sealed.len().saturating_sub(16));
    let vault = json!({
        "version": 1,
        "header": {
            "slots": [{
                "type": 1,
                "uuid": random_uuid()?,
                "key": hex::encode(wrapped_key),
                "key_params": {"nonce": hex::encode(key_nonce), "tag": hex::encode(key_tag)},
                "n": params.n,
                "r": params.r,
                "p": params.p,
                "salt": hex::encode(salt),
                "repaired": true,
                "is_backup": false,
            }],
            "params": {"nonce": hex::encode(db_nonce), "tag": hex::encode(tag)},
        },
        "db": base64::engine::general_purpose::STANDARD.encode(ciphertext),
    });
    Ok(Zeroizing::new(vault.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{self, ImportFormat, ImportOptions};
    use crate::model::HashAlgorithm;
    use crate::secret::SecretBytes;

    fn sample() -> Vec<Account> {
        let mut a = crate::uri::parse("otpauth://totp/ACME:alice?secret=jbswy3dpehpk3pxp&issuer=ACME&image=x").unwrap().account;
        a.tags = vec!["work".into()];
        a.pinned = true;
        a.note = "note".into();
        let b = Account::new("Home", "bob", OtpKind::Hotp { counter: 9 }, HashAlgorithm::Sha256, 8, SecretBytes::new(vec![3; 20])).unwrap();
        let c = Account::new("Steam", "gamer", OtpKind::Steam, HashAlgorithm::Sha1, 5, SecretBytes::new(vec![4; 10])).unwrap();
        let d = Account::new("Corp", "m", OtpKind::Motp { pin: SecretString::from("1234") }, HashAlgorithm::Sha1, 6, SecretBytes::new(vec![5; 8])).unwrap();
        vec![a, b, c, d]
    }

    fn same(a: &[Account], b: &[&Account]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!(x.same_generator(y), "{x:?} vs {y:?}");
            assert_eq!((&x.issuer, &x.name, &x.tags, x.pinned), (&y.issuer, &y.name, &y.tags, y.pinned));
        }
    }

    #[test]
    fn uri_list_round_trips_losslessly() {
        let accounts = sample();
        let list = uri_list(&accounts);
        assert!(list.starts_with("otpauth://totp/ACME:alice?secret=jbswy3dpehpk3pxp&issuer=ACME&image=x\n"));
        let parsed = import::parse(ImportFormat::OtpauthList, list.as_bytes(), &ImportOptions::default()).unwrap();
        let back: Vec<Account> = parsed.items.into_iter().map(|i| i.result.unwrap()).collect();
        for (x, y) in accounts.iter().zip(&back) {
            assert!(x.same_generator(y));
        }
        assert_eq!(qr_payloads(&accounts)[1].1.expose(), crate::uri::to_uri(&accounts[1]));
    }

    #[test]
    fn aegis_plain_and_encrypted_round_trip_through_our_importer() {
        let accounts = sample();
        let plain = aegis_plain(&accounts).unwrap();
        let p = import::parse(ImportFormat::Aegis, plain.as_bytes(), &ImportOptions::default()).unwrap();
        let preview = import::preview(ImportFormat::Aegis, p, &[]);
        same(&accounts, &preview.accounts_to_add().collect::<Vec<_>>());

        let password = SecretString::from("pässword");
        let sealed = aegis_encrypted(&accounts, &password, AegisScryptParams { n: 1024, r: 8, p: 1 }).unwrap();
        let options = ImportOptions { password: Some(password), ..ImportOptions::default() };
        let p = import::parse(ImportFormat::Aegis, sealed.as_bytes(), &options).unwrap();
        same(&accounts, &import::preview(ImportFormat::Aegis, p, &[]).accounts_to_add().collect::<Vec<_>>());
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
    }

    /// Decrypts our Aegis export with an implementation that shares no code with ours: Python's
    /// `cryptography` (OpenSSL) scrypt and AES-GCM, following the Aegis vault description.
    /// The machine image ships python3-cryptography; the test fails loudly if it is missing.
    #[test]
    fn aegis_export_decrypts_with_independent_implementation() {
        let accounts = sample();
        let password = SecretString::from("pässword");
        let sealed = aegis_encrypted(&accounts, &password, AegisScryptParams { n: 1024, r: 8, p: 1 }).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aegis.json");
        std::fs::write(&path, sealed.as_bytes()).unwrap();
        let script = r#"
import base64, json, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
vault = json.load(open(sys.argv[1]))
password = sys.argv[2].encode("utf-8")
master = None
for slot in vault["header"]["slots"]:
    if slot["type"] != 1:
        continue
    key = Scrypt(salt=bytes.fromhex(slot["salt"]), length=32, n=slot["n"], r=slot["r"], p=slot["p"]).derive(password)
    kp = slot["key_params"]
    master = AESGCM(key).decrypt(bytes.fromhex(kp["nonce"]), bytes.fromhex(slot["key"]) + bytes.fromhex(kp["tag"]), None)
params = vault["header"]["params"]
db = AESGCM(master).decrypt(bytes.fromhex(params["nonce"]), base64.b64decode(vault["db"]) + bytes.fromhex(params["tag"]), None)
content = json.loads(db)
groups = {g["uuid"]: g["name"] for g in content["groups"]}
for e in content["entries"]:
    print(json.dumps([e["type"], e["issuer"], e["name"], e["info"]["secret"], e["info"]["digits"], [groups[g] for g in e["groups"]]]))
"#;
        let output = std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(&path)
            .arg(password.expose())
            .output()
            .expect("python3 must be installed (the machine image provides python3 and python3-cryptography)");
        assert!(output.status.success(), "python decrypt failed: {}", String::from_utf8_lossy(&output.stderr));
        let lines: Vec<Value> = String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), accounts.len());
        for (line, a) in lines.iter().zip(&accounts) {
            assert_eq!(line[0], a.kind.type_name());
            assert_eq!(line[1], a.issuer.as_str());
            assert_eq!(line[2], a.name.as_str());
            assert_eq!(line[3], a.secret.to_base32().as_str());
            assert_eq!(line[4], a.digits);
            assert_eq!(line[5], json!(a.tags));
        }
    }

    #[test]
    fn google_payloads_report_skipped() {
        let export = google_migration_payloads(&sample(), 10).unwrap();
        assert_eq!(export.uris.len(), 1);
        assert_eq!(export.skipped.len(), 2, "Steam and mOTP cannot be exported to Google");
    }

    #[test]
    fn uuid_shape() {
        let u = uuid_from(&[0xff; 16]);
        assert_eq!(u, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    }
}
