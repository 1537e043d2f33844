//! The OS-keyring slot through the commands, with a keyring in memory standing in for the
//! Secret Service (a test must not write to the user's keyring): enabled from an unlocked
//! vault, it unlocks the locked vault on its own; disabled, it no longer does and its key is
//! gone, while the password still works.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly

use keydesk_codes::keyring_store::{FrontEndKeyring, MemoryKeyring};
use keydesk_desktop::commands::codes::CodesState;
use keydesk_desktop::registry::Registry;
use keydesk_desktop::state::{AppState, Options};
use serde_json::json;
use std::sync::Arc;
use support::TestApp;

mod support;

const PASSWORD: &str = "vault password";
const ALICE: &str = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME";

#[test]
fn the_keyring_slot_unlocks_until_disabled_and_the_password_always_works() {
    let dir = tempfile::tempdir().unwrap();
    support::create_vault(dir.path(), PASSWORD);
    let keyring = MemoryKeyring::default();
    let mut state = AppState::new(Registry::with_scanner(None, support::no_hardware()), Options { data_dir: Some(dir.path().to_path_buf()), ..Options::default() });
    state.codes = Arc::new(CodesState::default().with_keyring(FrontEndKeyring::Memory(keyring.clone())));
    let app = TestApp::new(state);
    app.ok("codes_unlock_password", json!({"password": PASSWORD}));
    app.ok("codes_add_uri", json!({"uri": ALICE, "issuer": null, "name": null}));

    let enabled = app.ok("codes_slot_keyring", json!({"enable": true}));
    let kinds: Vec<&str> = enabled["slots"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["password", "keyring"]);
    assert_eq!(keyring.len(), 1, "the slot key went to the keyring");
    assert_eq!(app.kind("codes_slot_keyring", json!({"enable": true})), "keyring", "already enabled");

    let locked = app.ok("codes_lock", json!({}));
    assert_eq!((locked["unlocked"].clone(), locked["slots"].as_array().unwrap().len()), (json!(false), 2), "a locked vault still lists its slots");
    assert_eq!(app.kind("codes_list", json!({"search": null, "tag": null})), "vault_locked");
    assert_eq!(app.ok("codes_unlock_keyring", json!({}))["unlocked"], json!(true));
    assert_eq!(app.ok("codes_list", json!({"search": null, "tag": null}))["accounts"][0]["name"], "alice");

    let disabled = app.ok("codes_slot_keyring", json!({"enable": false}));
    assert_eq!(disabled["slots"].as_array().unwrap().len(), 1);
    assert!(keyring.is_empty(), "disabling deleted the key from the keyring");
    app.ok("codes_lock", json!({}));
    assert_eq!(app.kind("codes_unlock_keyring", json!({})), "keyring");
    assert_eq!(app.ok("codes_unlock_password", json!({"password": PASSWORD}))["unlocked"], json!(true));
}
