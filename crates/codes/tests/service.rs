//! The codes service as both front-ends use it: a vault in a temp dir (small Argon2 parameters
//! passed in; the defaults stay RFC 9106's), accounts from otpauth URIs, codes checked against
//! RFC 4226 / RFC 6238 vectors, imports previewed and selected, exports, keyring and clipboard
//! through fakes, the security-key slot through the virtual key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keydesk_codes::clipboard::{Clipboard, CopiedCode};
use keydesk_codes::open::{self, default_vault_path};
use keydesk_codes::transfer::{self, PreviewView};
use keydesk_codes::{AccountEdit, AccountId, Codes, CodesError, LabelOverride, ListFilter, SecretString, TagChange};
use keydesk_ctap::entities::UserEntity;
use keydesk_ctap_client::{Client, Interaction, Pin, PinRequest};
use keydesk_otp::vault::providers::KeyStore;
use keydesk_otp::vault::PasswordKdfParams;
use keydesk_transport::memory;
use keydesk_virtual_key::{Authenticator, Config, KeyRng};
use zeroize::Zeroizing;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const TEST_KDF: PasswordKdfParams = PasswordKdfParams { memory_kib: 64, iterations: 1, parallelism: 1 };
const PASSWORD: &str = "correct horse";
/// RFC 6238 Appendix B, SHA-1 seed "12345678901234567890", 8 digits.
const RFC6238: &str = "otpauth://totp/RFC:6238?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8&period=30&issuer=RFC";
/// RFC 4226 Appendix D.
const RFC4226: &str = "otpauth://hotp/Home:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0";
const ALICE: &str = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME";

fn new_vault(dir: &tempfile::TempDir) -> Result<Codes, CodesError> {
    open::create(&dir.path().join("nested").join("codes.vault"), &SecretString::from(PASSWORD), TEST_KDF)
}

fn add(codes: &mut Codes, uri: &str) -> Result<AccountId, Box<dyn std::error::Error>> {
    let report = codes.add_payloads(&[uri], &LabelOverride::default())?;
    Ok(report.added.first().ok_or("nothing added")?.summary.id.clone())
}

#[test]
fn a_new_vault_unlocks_only_with_its_password_and_the_directory_is_private() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("nested").join("codes.vault");
    assert!(!open::status(&path)?.exists);
    drop(new_vault(&dir)?);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("nested"))?.permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    let status = open::status(&path)?;
    assert!(status.exists);
    assert_eq!(status.slots.iter().map(|s| s.kind.as_str()).collect::<Vec<_>>(), ["password"]);
    let wrong = open::unlock_with_password(&path, &SecretString::from("wrong")).err().ok_or("wrong password accepted")?;
    assert_eq!(wrong.kind(), "wrong_password");
    assert!(open::unlock_with_password(&path, &SecretString::from(PASSWORD)).is_ok());
    assert_eq!(open::create(&path, &SecretString::from(PASSWORD), TEST_KDF).err().map(|e| e.kind()), Some("vault_exists"));
    let missing = open::unlock_with_password(&dir.path().join("none.vault"), &SecretString::from(PASSWORD)).err();
    assert_eq!(missing.map(|e| e.kind()), Some("no_vault"));
    assert!(default_vault_path().is_some_and(|p| p.ends_with("keydesk/codes.vault")));
    Ok(())
}

#[test]
fn codes_match_the_rfc_vectors_and_hotp_advances_before_showing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut codes = new_vault(&dir)?;
    let totp = add(&mut codes, RFC6238)?;
    let hotp = add(&mut codes, RFC4226)?;
    // RFC 6238 Appendix B: T = 59 -> 94287082, T = 1111111109 -> 07081804.
    assert_eq!(codes.show(&totp, 59)?.code.as_deref(), Some("94287082"));
    let row = codes.show(&totp, 1_111_111_109)?;
    assert_eq!((row.code.as_deref(), row.seconds_remaining), (Some("07081804"), Some(1)));
    let listed = codes.list(59, &ListFilter::default());
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].code.as_deref(), Some("94287082"));
    assert_eq!((listed[1].code.as_deref(), listed[1].summary.counter), (None, Some(0)), "HOTP codes are shown on request only");
    for (counter, expected) in ["755224", "287082", "359152"].iter().enumerate() {
        let shown = codes.show(&hotp, 0)?;
        assert_eq!((shown.code.as_deref(), shown.summary.counter), (Some(*expected), Some(counter as u64)));
    }
    drop(codes);
    let reopened = open::unlock_with_password(&dir.path().join("nested/codes.vault"), &SecretString::from(PASSWORD))?;
    assert_eq!(reopened.account(&hotp)?.summary.counter, Some(3), "the counter was saved before each code was shown");
    Ok(())
}

#[test]
fn adding_reports_duplicates_and_unreadable_entries_and_applies_a_label() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut codes = new_vault(&dir)?;
    let labels = LabelOverride { issuer: Some(" Example ".into()), name: Some("dana".into()) };
    let report = codes.add_payloads(&[ALICE], &labels)?;
    assert_eq!((report.added[0].summary.issuer.as_str(), report.added[0].summary.name.as_str()), ("Example", "dana"));
    let again = codes.add_payloads(&[ALICE, "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=99"], &LabelOverride::default())?;
    assert!(again.added.is_empty());
    assert_eq!(again.duplicates.len(), 1);
    assert!(again.skipped[0].reason.as_deref().is_some_and(|r| r.contains("99")), "{again:?}");
    let two = codes.add_payloads(&[RFC4226, RFC6238], &labels).err().ok_or("a label for two accounts")?;
    assert_eq!(two.kind(), "invalid_edit");
    assert_eq!(codes.preview_payloads::<&str>(&[]).err().map(|e| e.kind()), Some("no_input"));
    let json = serde_json::to_string(&again)?;
    assert!(!json.contains("JBSWY3DPEHPK3PXP"), "no secret in what front-ends receive: {json}");
    Ok(())
}

#[test]
fn edit_tag_pin_order_delete_and_undo() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut codes = new_vault(&dir)?;
    let alice = add(&mut codes, ALICE)?;
    let bob = add(&mut codes, RFC4226)?;
    let carol = add(&mut codes, RFC6238)?;

    let edited = codes.edit(&alice, &AccountEdit { digits: Some(8), period: Some(60), note: Some("work".into()), ..AccountEdit::default() })?;
    assert_eq!((edited.summary.digits, edited.summary.period, edited.summary.note.as_str()), (8, Some(60), "work"));
    let refused = codes.edit(&bob, &AccountEdit { period: Some(60), ..AccountEdit::default() }).err().ok_or("period on HOTP")?;
    assert!(refused.to_string().contains("TOTP accounts only"), "{refused}");
    let refused = codes.edit(&alice, &AccountEdit { digits: Some(11), ..AccountEdit::default() }).err().ok_or("11 digits")?;
    assert_eq!(refused.kind(), "invalid_account");
    assert_eq!(codes.edit(&alice, &AccountEdit { algorithm: Some("MD4".into()), ..AccountEdit::default() }).err().map(|e| e.kind()), Some("invalid_edit"));

    codes.tag(&alice, TagChange::Add, &["Work".into(), " email ".into(), "work".into(), " ".into()])?;
    assert_eq!(codes.account(&alice)?.summary.tags, ["Work", "email"]);
    codes.tag(&alice, TagChange::Remove, &["WORK".into()])?;
    codes.tag(&bob, TagChange::Set, &["home".into()])?;
    assert_eq!(codes.tags(), ["email", "home"]);
    let only_home = codes.list(0, &ListFilter { tag: Some("HOME".into()), ..ListFilter::default() });
    assert_eq!(only_home.iter().map(|r| &r.summary.id).collect::<Vec<_>>(), [&bob]);
    let searched = codes.list(0, &ListFilter { search: "acme".into(), ..ListFilter::default() });
    assert_eq!(searched.len(), 1);

    codes.pin(&carol, true)?;
    codes.reorder(&[bob.clone(), alice.clone()])?;
    let order: Vec<AccountId> = codes.list(0, &ListFilter::default()).into_iter().map(|r| r.summary.id).collect();
    assert_eq!(order, [carol.clone(), bob.clone(), alice.clone()], "pinned first, then the manual order");

    assert_eq!(codes.resolve("acme:alice")?, alice);
    assert_eq!(codes.resolve(&alice.as_str()[..6])?, alice);
    assert_eq!(codes.resolve("nobody").err().map(|e| e.kind()), Some("no_such_account"));

    codes.delete(&alice, 100)?;
    codes.delete(&bob, 200)?;
    assert_eq!(codes.list(0, &ListFilter::default()).len(), 1);
    assert_eq!(codes.undo(None)?.summary.id, bob, "the newest deletion first");
    assert_eq!(codes.undo(Some(&alice))?.summary.id, alice);
    assert_eq!(codes.undo(None).err().map(|e| e.kind()), Some("nothing_to_undo"));
    codes.delete(&alice, 300)?;
    assert_eq!(codes.purge_trash(400)?, 1);
    assert_eq!(codes.undo(None).err().map(|e| e.kind()), Some("nothing_to_undo"));
    Ok(())
}

#[test]
fn imports_are_previewed_selected_and_never_drop_entries_silently() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut codes = new_vault(&dir)?;
    add(&mut codes, ALICE)?;
    let file = format!("{ALICE}\n{RFC4226}\n{RFC6238}\notpauth://totp/bad?secret=JBSWY3DPEHPK3PXP&digits=99\n");
    let preview = codes.preview_import_bytes(file.as_bytes(), None, None)?;
    let view = PreviewView::new(&preview);
    assert_eq!(view.entries.iter().map(|e| e.action).collect::<Vec<_>>(), ["duplicate", "new", "new", "skipped"]);
    assert_eq!((view.new, view.duplicates, view.skipped), (2, 1, 1));
    assert!(!serde_json::to_string(&view)?.contains("GEZDGNBV"), "no secret in the preview view");

    let selected = transfer::select_entries(&preview, &[2]);
    let imported = codes.apply_import(&selected)?;
    assert_eq!(imported.len(), 1);
    assert_eq!(codes.account(&imported[0])?.summary.issuer, "RFC");
    let after = PreviewView::new(&selected);
    assert!(after.entries[1].reason.as_deref() == Some("not selected"), "the unselected entry is said to be left out");

    let path = dir.path().join("backup.txt");
    std::fs::write(&path, &file)?;
    let from_file = codes.preview_import_file(&path, Some(transfer::import_format("uris").ok_or("format")?), None)?;
    assert_eq!(from_file.counts(), (1, 2, 1));
    assert_eq!(codes.preview_import_bytes(b"\x00\x01 not a backup", None, None).err().map(|e| e.kind()), Some("import"));
    Ok(())
}

#[test]
fn encrypted_exports_round_trip_and_files_are_private_and_never_overwritten() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut codes = new_vault(&dir)?;
    add(&mut codes, ALICE)?;
    add(&mut codes, RFC4226)?;
    let accounts = codes.accounts_for_export("")?;
    assert!(transfer::uri_list(&accounts).contains("secret=JBSWY3DPEHPK3PXP"));
    let params = keydesk_otp::export::AegisScryptParams { n: 16, r: 8, p: 1 };
    let aegis = transfer::aegis(&accounts, &SecretString::from("export pw"), params)?;
    let file = dir.path().join("aegis.json");
    transfer::write_secret_file(&file, aegis.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file)?.permissions().mode() & 0o777, 0o600);
    }
    assert_eq!(transfer::write_secret_file(&file, b"x").err().map(|e| e.kind()), Some("file_exists"));

    let other_dir = tempfile::tempdir()?;
    let other = new_vault(&other_dir)?;
    let needs = other.preview_import_file(&file, None, None).err().ok_or("encrypted")?;
    assert_eq!(needs.kind(), "import_password_required");
    let wrong = other.preview_import_file(&file, None, Some(SecretString::from("nope"))).err().ok_or("wrong password")?;
    assert_eq!(wrong.kind(), "import_wrong_password");
    assert_eq!(other.preview_import_file(&file, None, Some(SecretString::from("export pw")))?.counts(), (2, 0, 0));

    let images = transfer::account_qr_images(&accounts)?;
    assert_eq!(images.iter().map(|i| i.label.as_str()).collect::<Vec<_>>(), ["ACME: alice", "Home: bob"]);
    let payloads = transfer::qr_payloads_in_image(&images[0].png)?;
    assert!(payloads[0].contains("JBSWY3DPEHPK3PXP"));
    let shown = codes.account_qr_png(&accounts[1].id)?;
    assert!(transfer::qr_payloads_in_image(&shown)?[0].starts_with("otpauth://hotp/"));
    assert!(transfer::png_data_url(&shown).starts_with("data:image/png;base64,iVBORw0KGgo"));
    let google = transfer::google_migration(&accounts)?;
    assert_eq!((google.uris.len(), google.skipped.len()), (1, 0));
    assert_eq!(transfer::google_qr_images(&google)?[0].label, "part 1 of 1");
    assert_eq!(codes.accounts_for_export("nobody").err().map(|e| e.kind()), Some("nothing_to_export"));
    assert_eq!(transfer::numbered(std::path::Path::new("/x/codes.png"), 1, 2), std::path::Path::new("/x/codes-2.png"));
    Ok(())
}

/// An in-memory secret store standing in for the OS keyring.
#[derive(Debug, Clone, Default)]
struct FakeKeyring(Arc<Mutex<HashMap<String, Vec<u8>>>>);

#[derive(Debug, thiserror::Error)]
#[error("no such entry")]
struct NoEntry;

impl KeyStore for FakeKeyring {
    type Error = NoEntry;
    fn store(&self, name: &str, secret: &[u8]) -> Result<(), NoEntry> {
        self.0.lock().map_err(|_| NoEntry)?.insert(name.to_owned(), secret.to_vec());
        Ok(())
    }
    fn load(&self, name: &str) -> Result<Zeroizing<Vec<u8>>, NoEntry> {
        self.0.lock().map_err(|_| NoEntry)?.get(name).cloned().map(Zeroizing::new).ok_or(NoEntry)
    }
}

impl keydesk_codes::keyring_store::ForgettingKeyStore for FakeKeyring {
    fn forget(&self, name: &str) -> Result<(), NoEntry> {
        self.0.lock().map_err(|_| NoEntry)?.remove(name);
        Ok(())
    }
}

#[test]
fn the_keyring_slot_unlocks_until_disabled_and_the_password_always_works() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("nested/codes.vault");
    let keyring = FakeKeyring::default();
    let mut codes = new_vault(&dir)?;
    let slot = codes.enable_keyring(&keyring)?;
    assert_eq!(slot.kind, "keyring");
    assert_eq!(codes.enable_keyring(&keyring).err().map(|e| e.kind()), Some("keyring"));
    assert!(open::has_keyring_slot(&path)?);
    drop(codes);
    let mut codes = open::unlock_with_keyring(&path, &keyring)?;
    assert_eq!(codes.disable_keyring(&keyring)?, None);
    assert!(keyring.0.lock().map_err(|_| "lock")?.is_empty(), "the key is deleted from the keyring");
    drop(codes);
    assert!(open::unlock_with_keyring(&path, &keyring).is_err());
    assert!(open::unlock_with_password(&path, &SecretString::from(PASSWORD)).is_ok());
    Ok(())
}

/// A clipboard in memory.
#[derive(Debug, Default)]
struct FakeClipboard(Option<String>);

impl Clipboard for FakeClipboard {
    fn text(&mut self) -> Result<Option<String>, String> {
        Ok(self.0.clone())
    }
    fn set_sensitive_text(&mut self, text: &str) -> Result<(), String> {
        self.0 = Some(text.to_owned());
        Ok(())
    }
    fn clear(&mut self) -> Result<(), String> {
        self.0 = None;
        Ok(())
    }
}

#[test]
fn the_clipboard_is_cleared_only_while_it_holds_our_code() -> TestResult {
    let mut clipboard = FakeClipboard::default();
    let mut copied = CopiedCode::default();
    copied.copy(&mut clipboard, "123456")?;
    assert_eq!(clipboard.0.as_deref(), Some("123456"));
    assert!(copied.clear_if_ours(&mut clipboard)?);
    assert_eq!(clipboard.0, None);
    assert!(!copied.clear_if_ours(&mut clipboard)?, "nothing copied since");

    copied.copy(&mut clipboard, "654321")?;
    clipboard.0 = Some("the user's own text".into());
    assert!(!copied.clear_if_ours(&mut clipboard)?);
    assert_eq!(clipboard.0.as_deref(), Some("the user's own text"), "someone else's clipboard is left alone");
    Ok(())
}

/// The virtual key answers alone: presence is approved, no PIN is set.
#[derive(Debug, Default)]
struct NoUser;

impl Interaction for NoUser {
    fn touch_needed(&mut self) {}
    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        None
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        None
    }
}

#[test]
fn a_security_key_slot_is_enrolled_used_and_removed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("nested/codes.vault");
    let mut codes = new_vault(&dir)?;
    add(&mut codes, ALICE)?;
    let key = Authenticator::new(Config::default(), KeyRng::seeded(9), Duration::ZERO);
    let (link, _handle) = memory::hid(key, "vault key");
    let mut client = Client::new(link);
    let slot = codes.enroll_security_key(&mut client, "blue key", &mut NoUser)?;
    assert_eq!((slot.kind.as_str(), slot.label.as_str()), ("fido2-hmac-secret", "blue key"));
    drop(codes);

    let mut codes = open::unlock_with_security_key(&mut client, &path, &mut NoUser)?;
    assert_eq!(codes.list(0, &ListFilter::default()).len(), 1);
    assert_eq!(codes.remove_security_key("nope").err().map(|e| e.kind()), Some("security_key_slot"));
    codes.remove_security_key(&slot.id)?;
    drop(codes);
    let error = open::unlock_with_security_key(&mut client, &path, &mut NoUser).err().ok_or("no slot left")?;
    assert!(matches!(error, CodesError::NoSecurityKeySlot), "{error}");
    Ok(())
}
