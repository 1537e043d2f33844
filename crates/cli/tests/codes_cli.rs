//! `keydesk codes` end to end: the binary on a vault in a temp dir, the password from
//! KEYDESK_VAULT_PASSWORD, small Argon2 parameters passed on creation (the defaults stay
//! RFC 9106's), URIs on stdin.

// A harness: a failed setup step is a failed test, with the step named.
#![allow(clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use keydesk_otp::uri;
use serde_json::Value;

const PASSWORD: &str = "vault password";
const ALICE_SECRET: &str = "JBSWY3DPEHPK3PXP";
const ALICE: &str = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME";
/// RFC 4226 Appendix D: the secret "12345678901234567890".
const RFC4226: &str = "otpauth://hotp/Home:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0";
const RFC4226_CODES: [&str; 4] = ["755224", "287082", "359152", "969429"];

struct Vault {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Vault {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("data").join("codes.vault");
        Self { _dir: dir, path }
    }

    fn dir(&self) -> &Path {
        self._dir.path()
    }

    fn run_with(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_keydesk"));
        command
            .arg("codes")
            .args(args)
            .arg("--vault")
            .arg(&self.path)
            .args(["--argon2-memory-kib", "64", "--argon2-iterations", "1"])
            .env("KEYDESK_VAULT_PASSWORD", PASSWORD)
            .env_remove("KEYDESK_IMPORT_PASSWORD")
            .env_remove("KEYDESK_EXPORT_PASSWORD");
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("keydesk");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("stdin write");
        child.wait_with_output().expect("keydesk output")
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.run_with(args, stdin, &[])
    }

    fn ok(&self, args: &[&str], stdin: &str) -> String {
        stdout_of(&self.run(args, stdin))
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(&all, "")).expect("JSON output")
    }

    fn names(&self) -> Vec<String> {
        self.json(&["list"])["accounts"].as_array().expect("accounts").iter().map(|a| a["name"].as_str().expect("name").to_owned()).collect()
    }
}

fn stdout_of(output: &Output) -> String {
    assert!(output.status.success(), "keydesk failed: {}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    stdout
}

fn stderr_of_failure(output: &Output) -> String {
    assert!(!output.status.success(), "keydesk unexpectedly succeeded: {}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs()
}

#[test]
fn first_use_creates_the_vault_and_lists_codes_without_secrets() {
    let vault = Vault::new();
    let added = vault.ok(&["add", "--json"], ALICE);
    assert!(vault.path.exists(), "first use creates the vault (and its directory)");
    assert!(!added.contains(ALICE_SECRET));
    vault.ok(&["add"], RFC4226);

    let before = now();
    let list = vault.json(&["list"]);
    let after = now();
    let accounts = list["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), 2);
    let alice = &accounts[0];
    assert_eq!((alice["issuer"].as_str(), alice["name"].as_str(), alice["type"].as_str()), (Some("ACME"), Some("alice"), Some("totp")));
    let expected: Vec<String> = [before, after]
        .iter()
        .map(|t| keydesk_otp::generate_code(&uri::parse(ALICE).expect("uri").account, *t).expect("code").text)
        .collect();
    assert!(expected.iter().any(|c| Some(c.as_str()) == alice["code"].as_str()), "{alice} vs {expected:?}");
    let left = alice["seconds_remaining"].as_u64().expect("seconds left");
    assert!((1..=30).contains(&left));
    // HOTP codes are not shown in the list: showing one spends it.
    assert_eq!(accounts[1]["code"], Value::Null);
    assert_eq!(accounts[1]["counter"], 0);

    let words = vault.ok(&["list"], "");
    assert!(words.contains("ACME: alice") && words.contains("Home: bob"), "{words}");
    for output in [list.to_string(), words] {
        assert!(!output.contains(ALICE_SECRET) && !output.contains("GEZDGNBVGY3TQOJQ"), "no secret in {output}");
    }
}

#[test]
fn hotp_show_advances_and_saves_the_counter_first() {
    let vault = Vault::new();
    vault.ok(&["add"], RFC4226);
    for (counter, expected) in RFC4226_CODES.iter().enumerate() {
        let shown = vault.json(&["show", "bob"]);
        assert_eq!(shown["code"].as_str(), Some(*expected));
        assert_eq!(shown["counter"].as_u64(), Some(counter as u64));
    }
    // Every code was saved before it was printed: the next run continues after them.
    let list = vault.json(&["list"]);
    assert_eq!(list["accounts"][0]["counter"], 4);
}

#[test]
fn secrets_are_refused_on_the_command_line_and_bad_passwords_are_explained() {
    let vault = Vault::new();
    let error = stderr_of_failure(&vault.run(&["add", ALICE], ""));
    assert!(error.contains("unexpected argument"), "{error}");
    vault.ok(&["add"], ALICE);
    let error = stderr_of_failure(&vault.run_with(&["list"], "", &[("KEYDESK_VAULT_PASSWORD", "wrong")]));
    assert!(error.contains("wrong password"), "{error}");
    let error = stderr_of_failure(&vault.run(&["add"], "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=99"));
    assert!(error.contains("no account was added"), "{error}");
}

#[test]
fn search_tags_pins_rename_edit() {
    let vault = Vault::new();
    vault.ok(&["add"], ALICE);
    vault.ok(&["add"], RFC4226);
    vault.ok(&["add"], "otpauth://totp/Corp:carol?secret=MFRGGZDFMZTWQ2LK&issuer=Corp");
    assert_eq!(vault.names(), ["alice", "bob", "carol"]);

    let pinned = vault.json(&["pin", "carol"]);
    assert_eq!(pinned["pinned"], true);
    assert_eq!(vault.names(), ["carol", "alice", "bob"], "pinned first");

    vault.ok(&["tag", "alice", "work", "email"], "");
    vault.ok(&["tag", "carol", "work"], "");
    let work = vault.json(&["list", "--tag", "work"]);
    let names: Vec<&str> = work["accounts"].as_array().expect("accounts").iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(names, ["carol", "alice"]);
    let tagged = vault.json(&["tag", "alice", "--remove", "work"]);
    assert_eq!(tagged["tags"], serde_json::json!(["email"]));
    let found = vault.json(&["list", "acme"]);
    assert_eq!(found["accounts"].as_array().map(Vec::len), Some(1));

    let renamed = vault.json(&["rename", "ACME:alice", "--name", "alice@example.com"]);
    assert_eq!((renamed["issuer"].as_str(), renamed["name"].as_str()), (Some("ACME"), Some("alice@example.com")));
    let edited = vault.json(&["edit", "carol", "--digits", "8", "--period", "60", "--note", "backup codes in the safe"]);
    assert_eq!((edited["digits"].as_u64(), edited["period"].as_u64()), (Some(8), Some(60)));
    let shown = vault.json(&["show", "carol"]);
    assert_eq!(shown["code"].as_str().map(str::len), Some(8));
    let error = stderr_of_failure(&vault.run(&["edit", "carol", "--digits", "11"], ""));
    assert!(error.contains("11 digits"), "{error}");
    let error = stderr_of_failure(&vault.run(&["edit", "bob", "--period", "60"], ""));
    assert!(error.contains("TOTP accounts only"), "{error}");
}

#[test]
fn delete_asks_and_undo_restores() {
    let vault = Vault::new();
    vault.ok(&["add"], ALICE);
    vault.ok(&["add"], RFC4226);
    let error = stderr_of_failure(&vault.run(&["delete", "alice"], ""));
    assert!(error.contains("--yes"), "{error}");
    assert_eq!(vault.names(), ["alice", "bob"]);
    let said = vault.ok(&["delete", "alice", "--yes"], "");
    assert!(said.contains("keydesk codes undo"), "{said}");
    assert_eq!(vault.names(), ["bob"]);
    let restored = vault.json(&["undo"]);
    assert_eq!(restored["name"], "alice");
    assert_eq!(vault.names(), ["alice", "bob"]);
    let error = stderr_of_failure(&vault.run(&["undo"], ""));
    assert!(error.contains("nothing to undo"), "{error}");
}

#[test]
fn import_previews_every_entry_then_imports_on_confirmation() {
    let vault = Vault::new();
    vault.ok(&["add"], ALICE);
    let file = vault.dir().join("backup.txt");
    std::fs::write(
        &file,
        format!("{ALICE}\n{RFC4226}\n{RFC4226}\notpauth://totp/Bad:digits?secret=JBSWY3DPEHPK3PXQ&digits=99\n"),
    )
    .expect("write backup");
    let file_arg = file.to_str().expect("path");

    let preview = vault.json(&["import", file_arg, "--dry-run"]);
    let actions: Vec<&str> = preview["entries"].as_array().expect("entries").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["duplicate", "new", "duplicate", "skipped"]);
    assert!(preview["entries"][3]["reason"].as_str().is_some_and(|r| r.contains("99")), "{preview}");
    assert_eq!(preview["imported"], serde_json::json!([]));
    assert!(!preview.to_string().contains(ALICE_SECRET));

    // No terminal and no --yes: refused, nothing imported.
    let error = stderr_of_failure(&vault.run(&["import", file_arg], ""));
    assert!(error.contains("--yes"), "{error}");
    assert_eq!(vault.names(), ["alice"]);

    let words = vault.ok(&["import", file_arg, "--yes"], "");
    assert!(words.contains("New        Home:bob"), "{words}");
    assert!(words.contains("Duplicate  ACME:alice"), "{words}");
    assert!(words.contains("Skipped") && words.contains("99 digits"), "the reason is shown: {words}");
    assert!(words.contains("1 new, 2 duplicates, 1 skipped") && words.contains("Imported 1 accounts"), "{words}");
    assert_eq!(vault.names(), ["alice", "bob"]);
    let again = vault.json(&["import", file_arg, "--yes"]);
    assert_eq!(again["imported"], serde_json::json!([]));
}

#[test]
fn exports_warn_and_round_trip_through_aegis_uris_and_google_qr() {
    let vault = Vault::new();
    vault.ok(&["add"], ALICE);
    vault.ok(&["add"], RFC4226);
    vault.ok(&["tag", "alice", "work"], "");

    let output = vault.run(&["export", "--format", "uris"], "");
    let uris = stdout_of(&output);
    assert!(String::from_utf8_lossy(&output.stderr).contains("SECRETS"), "warns before writing secrets");
    assert!(uris.contains(ALICE), "{uris}");

    // Encrypted Aegis export, imported into a fresh vault with the same password.
    let aegis = vault.dir().join("export.json");
    let aegis_arg = aegis.to_str().expect("path");
    let export = vault.run_with(&["export", "--format", "aegis", "--output", aegis_arg], "", &[("KEYDESK_EXPORT_PASSWORD", "export pw")]);
    stdout_of(&export);
    let text = std::fs::read_to_string(&aegis).expect("aegis file");
    assert!(!text.contains(ALICE_SECRET), "the Aegis export is encrypted");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&aegis).expect("meta").permissions().mode() & 0o777, 0o600);
    }
    let error = stderr_of_failure(&vault.run(&["export", "--format", "uris", "--output", aegis_arg], ""));
    assert!(error.contains("never overwritten"), "{error}");

    let other = Vault::new();
    let error = stderr_of_failure(&other.run(&["import", aegis_arg, "--yes"], ""));
    assert!(error.contains("KEYDESK_IMPORT_PASSWORD"), "{error}");
    let error = stderr_of_failure(&other.run_with(&["import", aegis_arg, "--yes"], "", &[("KEYDESK_IMPORT_PASSWORD", "wrong")]));
    assert!(error.contains("wrong password for this Aegis export"), "{error}");
    let imported = other.run_with(&["import", aegis_arg, "--yes", "--json"], "", &[("KEYDESK_IMPORT_PASSWORD", "export pw")]);
    let imported: Value = serde_json::from_str(&stdout_of(&imported)).expect("json");
    assert_eq!(imported["format"], "Aegis");
    assert_eq!(imported["imported"].as_array().map(Vec::len), Some(2));
    let list = other.json(&["list"]);
    assert_eq!(list["accounts"][0]["tags"], serde_json::json!(["work"]));
    assert_eq!(other.json(&["show", "bob"])["code"], RFC4226_CODES[0]);

    // Google migration QR images, read back with `add --qr`.
    let png = vault.dir().join("google.png");
    stdout_of(&vault.run(&["export", "--format", "google-qr", "--output", png.to_str().expect("path")], ""));
    let third = Vault::new();
    let added = third.json(&["add", "--qr", png.to_str().expect("path")]);
    assert_eq!(added["added"].as_array().map(Vec::len), Some(2));
    assert_eq!(third.json(&["show", "bob"])["code"], RFC4226_CODES[0]);
    // The same image again: duplicates, nothing added.
    let error = stderr_of_failure(&third.run(&["add", "--qr", png.to_str().expect("path")], ""));
    assert!(error.contains("no account was added"), "{error}");

    // One otpauth QR image per account, each read back on its own.
    let per_account = vault.dir().join("account.png");
    stdout_of(&vault.run(&["export", "--format", "qr", "--output", per_account.to_str().expect("path")], ""));
    for n in 1..=2 {
        let image = vault.dir().join(format!("account-{n}.png"));
        let fourth = Vault::new();
        let added = fourth.json(&["add", "--qr", image.to_str().expect("path")]);
        assert_eq!(added["added"].as_array().map(Vec::len), Some(1), "one account in image {n}");
    }
    assert!(!vault.dir().join("account-3.png").exists(), "one image per account");
}

#[test]
fn a_google_export_spanning_several_qr_codes_is_collected_before_adding() {
    let vault = Vault::new();
    let mut uris = String::new();
    for i in 0..12 {
        uris.push_str(&format!("otpauth://totp/Site{i}:user{i}?secret=JBSWY3DPEHPK3P{}&issuer=Site{i}\n", ["AA", "AB", "AC", "AD", "AE", "AF", "AG", "AH", "AI", "AJ", "AK", "AL"][i]));
    }
    stdout_of(&vault.run(&["add"], &uris));
    assert_eq!(vault.names().len(), 12);
    let base = vault.dir().join("google.png");
    stdout_of(&vault.run(&["export", "--format", "google-qr", "--output", base.to_str().expect("path")], ""));
    let parts: Vec<String> = (1..=2).map(|n| vault.dir().join(format!("google-{n}.png")).to_str().expect("path").to_owned()).collect();
    assert!(!vault.dir().join("google-3.png").exists(), "10 accounts per QR code: two images");

    let other = Vault::new();
    let error = stderr_of_failure(&other.run(&["add", "--qr", &parts[0]], ""));
    assert!(error.contains("incomplete") && error.contains("have not been scanned"), "the missing part is named: {error}");
    assert_eq!(other.names().len(), 0, "nothing is added from an incomplete export");
    let added = other.json(&["add", "--qr", &parts[0], &parts[1]]);
    assert_eq!(added["added"].as_array().map(Vec::len), Some(12));
}
