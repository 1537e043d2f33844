use std::io::{BufRead, BufReader};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::storage::WriteStep;
use super::*;
use crate::model::HashAlgorithm;
use crate::secret::SecretBytes;

const FAST: PasswordKdfParams = PasswordKdfParams { memory_kib: 64, iterations: 1, parallelism: 1 };

fn password() -> SecretString {
    SecretString::from("vault password")
}

fn options() -> VaultOptions {
    VaultOptions { keep_backups: 3, ..VaultOptions::default() }
}

fn new_vault(dir: &Path) -> Vault {
    Vault::create(&dir.join("codes.vault"), &password(), FAST, options()).unwrap()
}

fn totp(issuer: &str, name: &str) -> Account {
    Account::totp(issuer, name, SecretBytes::new(b"12345678901234567890".to_vec())).unwrap()
}

fn hotp() -> Account {
    Account::new("Bank", "me", OtpKind::Hotp { counter: 0 }, HashAlgorithm::Sha1, 6, SecretBytes::new(b"12345678901234567890".to_vec())).unwrap()
}

fn reopen(vault: &Vault) -> Vault {
    Vault::unlock_with_password(vault.path(), &password(), options()).unwrap()
}

#[test]
fn create_unlock_and_slots() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = new_vault(dir.path());
    let id = vault.add_account(totp("GitHub", "octo")).unwrap();
    assert!(matches!(Vault::unlock_with_password(vault.path(), &SecretString::from("nope"), options()), Err(VaultError::WrongPassword)));

    let keyring_key = [7u8; 32];
    let slot = vault.add_raw_key_slot("fido2-hmac-secret", "YubiKey 5", b"credential-id+salt", &keyring_key).unwrap();
    let slots = Vault::read_slots(vault.path()).unwrap();
    assert_eq!(slots.len(), 2);
    assert_eq!(slots[1].kind, SlotKind::Raw { raw_kind: "fido2-hmac-secret".into(), params: b"credential-id+salt".to_vec() });
    let by_key = Vault::unlock_with_raw_key(vault.path(), &slot, &keyring_key, options()).unwrap();
    assert_eq!(by_key.account(&id).unwrap().name, "octo");
    assert!(matches!(Vault::unlock_with_raw_key(vault.path(), &slot, &[8u8; 32], options()), Err(VaultError::WrongKey(_))));
    assert!(matches!(Vault::unlock_with_raw_key(vault.path(), "missing", &keyring_key, options()), Err(VaultError::NoSuchSlot(_))));

    let password_slot = slots[0].id.clone();
    assert!(matches!(vault.remove_slot(&password_slot), Err(VaultError::PasswordSlotRequired)));
    vault.change_password(&SecretString::from("new password"), FAST).unwrap();
    assert!(matches!(Vault::unlock_with_password(vault.path(), &password(), options()), Err(VaultError::WrongPassword)));
    Vault::unlock_with_password(vault.path(), &SecretString::from("new password"), options()).unwrap();
    vault.remove_slot(&slot).unwrap();
    assert!(matches!(Vault::unlock_with_raw_key(vault.path(), &slot, &keyring_key, options()), Err(VaultError::NoSuchSlot(_))));

    let text = std::fs::read_to_string(vault.path()).unwrap();
    assert!(!text.contains("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ") && !text.contains("octo"), "nothing readable at rest");
    assert!(!format!("{vault:?}").contains("octo"));
}

#[test]
fn account_operations_persist() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = new_vault(dir.path());
    let a = vault.add_account(totp("GitHub", "octo")).unwrap();
    let b = vault.add_account(totp("Google", "me@gmail.com")).unwrap();
    let c = vault.add_account(totp("AWS", "root")).unwrap();
    vault.rename(&a, "GitHub", "octocat").unwrap();
    vault.set_tags(&b, vec!["personal".into()]).unwrap();
    vault.set_note(&c, "prod account").unwrap();
    vault.set_pinned(&c, true).unwrap();
    vault.reorder(&[b.clone(), a.clone()]).unwrap();
    assert!(matches!(vault.rename(&a, "x\u{7}", "y"), Err(VaultError::Invalid(_))));
    assert!(matches!(vault.edit(&a, |acc| acc.digits = 42), Err(VaultError::Invalid(ValidationError::DigitsOutOfRange(42)))));

    let reopened = reopen(&vault);
    let order: Vec<&str> = reopened.accounts().iter().map(|x| x.name.as_str()).collect();
    assert_eq!(order, ["root", "me@gmail.com", "octocat"], "pinned first, then manual order");
    assert_eq!(reopened.search("PERSONAL").len(), 1);
    assert_eq!(reopened.search("prod")[0].id, c);
    assert_eq!(reopened.search("git")[0].id, a);
    assert_eq!(reopened.search("").len(), 3);

    vault.delete(&b, 1000).unwrap();
    assert!(vault.account(&b).is_none());
    assert_eq!(reopen(&vault).trash().len(), 1);
    vault.undo_delete(&b).unwrap();
    assert_eq!(reopen(&vault).account(&b).unwrap().tags, vec!["personal".to_owned()]);
    assert!(matches!(vault.undo_delete(&b), Err(VaultError::NotInTrash(_))));
    vault.delete(&b, 1000).unwrap();
    assert_eq!(vault.purge_trash(999).unwrap(), 0);
    assert_eq!(vault.purge_trash(1001).unwrap(), 1);
    assert!(matches!(vault.undo_delete(&b), Err(VaultError::NotInTrash(_))));
}

#[test]
fn codes_and_hotp_counter_saved_before_code() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = new_vault(dir.path());
    let t = vault.add_account(totp("X", "y")).unwrap();
    let h = vault.add_account(hotp()).unwrap();
    let code = vault.code(&t, 59).unwrap();
    assert_eq!((code.text.as_str(), code.seconds_remaining), ("287082", Some(1)));
    let views = vault.codes(59);
    assert!(views.iter().any(|(a, v)| a.id == h && *v == CodeView::HotpOnRequest { counter: 0 }));
    assert!(matches!(vault.code(&h, 0), Err(VaultError::HotpNeedsRequest(_))));
    for (expected_counter, expected) in ["755224", "287082", "359152"].iter().enumerate() {
        let code = vault.next_hotp_code(&h).unwrap();
        assert_eq!((code.text.as_str(), code.counter), (*expected, Some(expected_counter as u64)));
        // On disk the counter has already moved past the code just shown.
        let on_disk = reopen(&vault);
        assert_eq!(on_disk.account(&h).unwrap().kind, OtpKind::Hotp { counter: expected_counter as u64 + 1 });
    }
    assert!(matches!(vault.next_hotp_code(&t), Err(VaultError::NotHotp(_))));
}

#[test]
fn next_hotp_code_shows_nothing_when_the_save_fails() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = new_vault(dir.path());
    let h = vault.add_account(hotp()).unwrap();
    vault.set_fault_injector(Box::new(FailAt::new(WriteStep::Rename)));
    assert!(matches!(vault.next_hotp_code(&h), Err(VaultError::Io { .. })));
    assert_eq!(vault.account(&h).unwrap().kind, OtpKind::Hotp { counter: 0 }, "memory matches disk");
    vault.set_fault_injector(Box::new(NoFaults));
    assert_eq!(vault.next_hotp_code(&h).unwrap().text, "755224");
}

#[test]
fn concurrent_change_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let mut gui = new_vault(dir.path());
    let id = gui.add_account(totp("GitHub", "octo")).unwrap();
    let mut cli = reopen(&gui);
    cli.rename(&id, "GitHub", "renamed by cli").unwrap();
    assert!(matches!(gui.set_pinned(&id, true), Err(VaultError::ChangedOnDisk { ours: 2, on_disk: 3 })));
    assert!(!gui.account(&id).unwrap().pinned, "the refused change is not kept in memory");
    let mut gui = reopen(&gui);
    gui.set_pinned(&id, true).unwrap();
    let last = reopen(&gui);
    let account = last.account(&id).unwrap();
    assert_eq!((account.name.as_str(), account.pinned), ("renamed by cli", true));
}

#[test]
fn versioned_backups_keep_the_last_n() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = new_vault(dir.path());
    for i in 0..6 {
        vault.add_account(totp("I", &format!("n{i}"))).unwrap();
    }
    assert_eq!(vault.generation(), 7);
    let backups = storage::list_backups(vault.path()).unwrap();
    let generations: Vec<u64> = backups.iter().map(|(g, _)| *g).collect();
    assert_eq!(generations, [4, 5, 6]);
    // A backup is a complete vault of that generation.
    let restored = Vault::unlock_with_password(&backups[2].1, &password(), options()).unwrap();
    assert_eq!(restored.accounts().len(), 5);
}

#[test]
fn hostile_or_damaged_vault_files() {
    let dir = tempfile::tempdir().unwrap();
    let vault = new_vault(dir.path());
    let path = vault.path().to_path_buf();
    let original = std::fs::read_to_string(&path).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&original).unwrap();

    json["slots"][0]["kind"]["argon2"]["m_kib"] = serde_json::json!(64u64 * 1024 * 1024);
    std::fs::write(&path, json.to_string()).unwrap();
    assert!(matches!(Vault::unlock_with_password(&path, &password(), options()), Err(VaultError::Kdf(KdfError::TooExpensive { .. }))));

    let mut json: serde_json::Value = serde_json::from_str(&original).unwrap();
    json["generation"] = serde_json::json!(99);
    std::fs::write(&path, json.to_string()).unwrap();
    assert!(matches!(Vault::unlock_with_password(&path, &password(), options()), Err(VaultError::Corrupt(_))), "generation is authenticated");

    let mut json: serde_json::Value = serde_json::from_str(&original).unwrap();
    json["version"] = serde_json::json!(2);
    std::fs::write(&path, json.to_string()).unwrap();
    assert!(matches!(Vault::unlock_with_password(&path, &password(), options()), Err(VaultError::UnsupportedVersion(2))));

    let mut json: serde_json::Value = serde_json::from_str(&original).unwrap();
    let slot = json["slots"][0].clone();
    json["slots"] = serde_json::Value::Array(vec![slot; MAX_SLOTS + 1]);
    std::fs::write(&path, json.to_string()).unwrap();
    assert!(matches!(Vault::unlock_with_password(&path, &password(), options()), Err(VaultError::Corrupt(_))), "slot count is bounded");

    std::fs::write(&path, b"not a vault").unwrap();
    assert!(matches!(Vault::unlock_with_password(&path, &password(), options()), Err(VaultError::NotAVault(_))));
    assert!(matches!(Vault::create(&path, &password(), FAST, options()), Err(VaultError::Io { .. })), "never overwrites");
}

/// Fails the n-th step of a save (counting from 0), once.
struct FailAt {
    target: Option<WriteStep>,
    index: Option<usize>,
    seen: usize,
    fired: Arc<AtomicBool>,
}

impl FailAt {
    fn new(step: WriteStep) -> Self {
        Self { target: Some(step), index: None, seen: 0, fired: Arc::new(AtomicBool::new(false)) }
    }

    fn nth(index: usize, fired: Arc<AtomicBool>) -> Self {
        Self { target: None, index: Some(index), seen: 0, fired }
    }
}

impl FaultInjector for FailAt {
    fn before(&mut self, step: WriteStep) -> std::io::Result<()> {
        let hit = self.target == Some(step) || self.index == Some(self.seen);
        self.seen += 1;
        if hit && !self.fired.swap(true, Ordering::SeqCst) {
            return Err(std::io::Error::other(format!("injected crash before {step:?}")));
        }
        Ok(())
    }
}

/// Interrupts a save at every step in turn; after each interruption the vault on disk
/// unlocks and holds either the state before or the state after the change, never a mix,
/// and a retried save then succeeds.
#[test]
fn interrupted_saves_lose_nothing_at_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = new_vault(dir.path());
    // Enough accounts that the vault spans several write chunks.
    for i in 0..40 {
        vault.add_account(totp("Issuer with a long name", &format!("user{i}@example.com"))).unwrap();
    }
    let mut step = 0;
    loop {
        let before = reopen(&vault).accounts().len();
        let fired = Arc::new(AtomicBool::new(false));
        vault.set_fault_injector(Box::new(FailAt::nth(step, fired.clone())));
        let result = vault.add_account(totp("New", &format!("step{step}")));
        let on_disk = reopen(&vault);
        let count = on_disk.accounts().len();
        if !fired.load(Ordering::SeqCst) {
            assert!(result.is_ok());
            assert_eq!(count, before + 1);
            break;
        }
        match result {
            Ok(_) => {
                // Only faults after the commit point (directory sync, pruning) end this way.
                assert_eq!(count, before + 1, "a reported success is on disk (step {step})");
                assert!(vault.take_save_warning().is_some(), "step {step}: the late failure is reported");
            }
            Err(_) => assert_eq!(count, before, "a reported failure changed nothing on disk (step {step})"),
        }
        // Memory and disk agree either way.
        assert_eq!(vault.accounts().len(), count);
        step += 1;
        assert!(step < 1000, "bounded");
    }
    assert!(step > 8, "covered {step} steps including several data chunks");
    let names: std::collections::HashSet<String> = reopen(&vault).accounts().iter().map(|a| a.name.clone()).collect();
    assert!(names.contains(&format!("step{step}")));
}

const CHILD_ENV: &str = "KEYDESK_OTP_CRASH_CHILD_VAULT";

/// The writer half of the kill test. Run directly, it performs a short run and checks it;
/// started by `killed_mid_write_loses_nothing` (with the env var set), it advances an HOTP
/// counter as fast as it can, printing each code's counter only after the save returned, until
/// it is killed.
#[test]
fn crash_child_worker() {
    let own_dir = tempfile::tempdir().unwrap();
    let (path, iterations) = match std::env::var(CHILD_ENV) {
        Ok(p) => (PathBuf::from(p), 1_000_000),
        Err(_) => {
            let mut vault = Vault::create(&own_dir.path().join("child.vault"), &password(), FAST, options()).unwrap();
            vault.add_account(hotp()).unwrap();
            (vault.path().to_path_buf(), 20)
        }
    };
    let mut vault = Vault::unlock_with_password(&path, &password(), options()).unwrap();
    let id = vault.accounts()[0].id.clone();
    let mut last = None;
    for _ in 0..iterations {
        let code = vault.next_hotp_code(&id).unwrap();
        println!("SHOWN {}", code.counter.unwrap());
        last = code.counter;
    }
    let reopened = Vault::unlock_with_password(&path, &password(), options()).unwrap();
    assert_eq!(reopened.account(&id).unwrap().kind, OtpKind::Hotp { counter: last.unwrap() + 1 });
}

/// Kills a writer process at arbitrary points while it saves in a loop; the vault always
/// unlocks afterwards and its counter is past every code the writer showed.
#[test]
fn killed_mid_write_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = Vault::create(&dir.path().join("killed.vault"), &password(), FAST, options()).unwrap();
    let id = vault.add_account(hotp()).unwrap();
    let exe = std::env::current_exe().unwrap();
    for (round, kill_after) in [3usize, 17, 40, 9].into_iter().enumerate() {
        let mut child = std::process::Command::new(&exe)
            .args(["--exact", "vault::tests::crash_child_worker", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, vault.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut shown = Vec::new();
        while shown.len() < kill_after {
            let line = lines.next().expect("child ended early").unwrap();
            if let Some(n) = line.strip_prefix("SHOWN ") {
                shown.push(n.parse::<u64>().unwrap());
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        // Codes printed before the kill was noticed are also shown codes.
        for line in lines.map_while(Result::ok) {
            if let Some(n) = line.strip_prefix("SHOWN ") {
                shown.push(n.parse::<u64>().unwrap());
            }
        }
        let reopened = Vault::unlock_with_password(vault.path(), &password(), options())
            .unwrap_or_else(|e| panic!("round {round}: vault unusable after kill: {e}"));
        let OtpKind::Hotp { counter } = reopened.account(&id).unwrap().kind else { panic!("kind changed") };
        let max_shown = *shown.iter().max().unwrap();
        assert!(counter > max_shown, "round {round}: counter {counter} must be past shown {max_shown}");
        vault = reopened;
    }
    // Leftover temp files from the kills do not disturb later saves.
    vault.next_hotp_code(&id).unwrap();
}
