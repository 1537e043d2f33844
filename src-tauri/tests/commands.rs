//! Every command through Tauri's real invoke path (mock runtime, the real capability file and
//! ACL), with arguments named and shaped exactly as the UI sends them, against the simulated
//! key. Errors are checked as the UI receives them: `{kind, message}`.

#![allow(clippy::panic, reason = "test helpers: a failed setup or command ends the test with its message")]

use keydesk_desktop::registry::{Registry, SIMULATED_ID};
use keydesk_desktop::state::{AppState, Options};
use serde_json::{json, Value};
use support::{invoke, invoke_answering, kind, no_hardware, ok, pin, TestApp, Webview};
use tauri::test::MockRuntime;

mod support;

fn app_with(options: Options, simulated: bool) -> (tauri::App<MockRuntime>, Webview) {
    let registry = Registry::with_scanner(None, no_hardware());
    if simulated {
        registry.attach_simulated(None).unwrap_or_else(|e| panic!("{e}"));
    }
    let TestApp { app, webview } = TestApp::new(AppState::new(registry, options));
    (app, webview)
}

fn developer_app() -> (tauri::App<MockRuntime>, Webview) {
    app_with(Options { developer: true, ..Options::default() }, true)
}

fn device() -> Value {
    json!({"device": SIMULATED_ID})
}

fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
        base.extend(extra.clone());
    }
    base
}

/// Sets PIN 1234 on the simulated key.
fn set_pin(webview: &Webview) {
    ok(invoke(webview, "pin_set", with(device(), json!({"pin": "1234"}))));
}

/// Creates a passkey on the simulated key through the library (what a sign-up would do).
fn register(app: &tauri::App<MockRuntime>, rp: &str, user: &str) {
    use keydesk_ctap::entities::{CredentialParameters, RpEntity, UserEntity};
    use keydesk_ctap_client::{MakeCredentialArgs, Pin, PinRequest, UserVerification};
    use tauri::Manager;
    struct Ui;
    impl keydesk_ctap_client::Interaction for Ui {
        fn touch_needed(&mut self) {}
        fn pin_needed(&mut self, _: &PinRequest) -> Option<Pin> {
            Some(Pin::new("1234"))
        }
        fn choose_credential(&mut self, _: &[UserEntity]) -> Option<usize> {
            Some(0)
        }
    }
    let state = app.state::<AppState>();
    let mut entity = UserEntity::new(user.as_bytes().to_vec());
    entity.name = Some(user.to_owned());
    entity.display_name = Some(format!("{user} (display)"));
    let args = MakeCredentialArgs {
        client_data_hash: [7; 32],
        rp: RpEntity::new(rp),
        user: entity,
        pub_key_cred_params: vec![CredentialParameters::public_key(-7)],
        exclude_list: vec![],
        extensions: None,
        resident_key: true,
        user_verification: UserVerification::Preferred,
        enterprise_attestation: None,
    };
    state
        .registry
        .with_client(SIMULATED_ID, |client| Ok(client.make_credential(&args, &mut Ui).map(drop)?))
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn capability_allows_exactly_the_commands() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/capabilities/default.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let capability: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let mut allowed: Vec<String> = capability["permissions"]
        .as_array()
        .map(|list| list.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let mut expected: Vec<String> =
        keydesk_desktop::COMMANDS.iter().map(|name| format!("allow-{}", name.replace('_', "-"))).collect();
    allowed.sort();
    expected.sort();
    assert_eq!(allowed, expected, "capabilities/default.json must allow every command in src/commands/list.rs and nothing else");
}

#[test]
fn nothing_outside_the_capability_is_callable() {
    let (_app, webview) = developer_app();
    // A core plugin command the capability does not grant.
    assert!(invoke(&webview, "plugin:window|close", json!({"label": "main"})).is_err());
    // A command that does not exist.
    assert!(invoke(&webview, "read_totp_secret", json!({})).is_err());
}

#[test]
fn list_devices_shows_the_simulated_key_and_the_problems_with_their_fix() {
    let (_app, webview) = developer_app();
    let list = ok(invoke(&webview, "list_devices", json!({})));
    assert_eq!(
        list["devices"],
        json!([{"id": SIMULATED_ID, "transport": "usb", "product": "Simulated security key", "name": "Simulated security key", "simulated": true}])
    );
    assert_eq!(list["problems"][0]["kind"], "pcscd_not_running");
    assert!(list["problems"][0]["message"].as_str().is_some_and(|m| m.contains("systemctl enable --now pcscd.socket")));
}

#[test]
fn watch_devices_takes_a_channel() {
    let (_app, webview) = developer_app();
    ok(invoke(&webview, "watch_devices", json!({"events": "__CHANNEL__:3"})));
    assert!(invoke(&webview, "watch_devices", json!({})).is_err(), "the channel is required");
}

#[test]
fn rename_device_names_a_key_and_refuses_long_names() {
    let (_app, webview) = developer_app();
    let list = ok(invoke(&webview, "rename_device", json!({"device": SIMULATED_ID, "name": "  Test key "})));
    assert_eq!(list["devices"][0]["name"], "Test key");
    assert_eq!(kind(invoke(&webview, "rename_device", json!({"device": SIMULATED_ID, "name": "x".repeat(65)}))), "invalid_argument");
    let list = ok(invoke(&webview, "rename_device", json!({"device": SIMULATED_ID, "name": ""})));
    assert_eq!(list["devices"][0]["name"], "Simulated security key");
}

#[test]
fn friendly_names_are_kept_across_restarts() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let names = dir.path().join("names.json");
    let start = || {
        let registry = Registry::with_scanner(Some(names.clone()), no_hardware());
        registry.attach_simulated(None).unwrap_or_else(|e| panic!("{e}"));
        let TestApp { app, webview } = TestApp::new(AppState::new(registry, Options { developer: true, ..Options::default() }));
        (app, webview)
    };
    let (_app, webview) = start();
    ok(invoke(&webview, "rename_device", json!({"device": SIMULATED_ID, "name": "Desk drawer key"})));
    let (_app, webview) = start();
    assert_eq!(ok(invoke(&webview, "list_devices", json!({})))["devices"][0]["name"], "Desk drawer key");
}

#[test]
fn the_simulated_key_is_attached_only_in_developer_mode() {
    let (_app, webview) = app_with(Options::default(), false);
    assert_eq!(ok(invoke(&webview, "app_info", json!({})))["developer"], false);
    assert_eq!(kind(invoke(&webview, "dev_attach_simulated_key", json!({}))), "developer_only");
    assert_eq!(kind(invoke(&webview, "key_info", device())), "no_device");

    let (_app, webview) = app_with(Options { developer: true, ..Options::default() }, false);
    let list = ok(invoke(&webview, "dev_attach_simulated_key", json!({})));
    assert_eq!(list["devices"][0]["simulated"], true);
    let list = ok(invoke(&webview, "dev_detach_simulated_key", json!({})));
    assert_eq!(list["devices"], json!([]));
}

#[test]
fn diagnostics_reports_pcscd_with_its_fix() {
    let (_app, webview) = developer_app();
    let report = ok(invoke(&webview, "diagnostics", json!({})));
    let checks = report["checks"].as_array().cloned().unwrap_or_default();
    let pcscd = checks.iter().find(|c| c["id"] == "pcscd").cloned().unwrap_or_default();
    assert_eq!(pcscd["ok"], false);
    assert_eq!(pcscd["fix_commands"], json!(["sudo systemctl enable --now pcscd.socket"]));
    assert!(checks.iter().any(|c| c["id"] == "keyring"), "{report}");
    assert!(checks.iter().any(|c| c["id"] == "usb_permission" && c["ok"] == true), "{report}");
}

#[test]
fn key_info_reads_the_key_without_a_pin() {
    let (_app, webview) = developer_app();
    let info = ok(invoke(&webview, "key_info", device()));
    assert_eq!(info["ctap2"], true);
    assert!(info["versions"].as_array().is_some_and(|v| v.contains(&json!("FIDO_2_1"))), "{info}");
    assert_eq!(info["pin"]["pin_set"], false);
    assert_eq!(info["fingerprint_sensor"], true);
    assert_eq!(info["remaining_passkeys"], 25);
    assert_eq!(kind(invoke(&webview, "key_info", json!({"device": "bogus:not-a-transport"}))), "transport");
    assert!(invoke(&webview, "key_info", json!({"deviceId": SIMULATED_ID})).is_err(), "arguments are snake_case");
}

#[test]
fn pin_set_then_change_with_a_wrong_pin_first() {
    let (_app, webview) = developer_app();
    assert_eq!(kind(invoke(&webview, "pin_set", with(device(), json!({"pin": "12"})))), "pin_too_short");
    set_pin(&webview);
    assert_eq!(kind(invoke(&webview, "pin_set", with(device(), json!({"pin": "5678"})))), "pin_already_set");

    // The UI answers the first prompt with a wrong PIN, then the right one after "wrong_pin".
    let status = ok(invoke_answering(&webview, "pin_change", "change-1", with(device(), json!({"new_pin": "567890"})), &[pin("0000"), pin("1234")]));
    assert_eq!(status["pin_set"], true);
    assert_eq!(status["pin_retries"], 8, "a right PIN restores the retries");
    // The old PIN no longer works (the UI cancels on the "wrong_pin" prompt); the new one does.
    let refused = invoke_answering(&webview, "passkeys_list", "list-1", device(), &[pin("1234"), json!({"kind": "cancel"})]);
    assert_eq!(kind(refused), "cancelled");
    assert_eq!(ok(invoke(&webview, "key_info", device()))["pin"]["pin_retries"], 7);
    let list = ok(invoke_answering(&webview, "passkeys_list", "list-2", device(), &[pin("567890")]));
    assert_eq!(list["existing"], 0);
    assert_eq!(ok(invoke(&webview, "key_info", device()))["pin"]["pin_retries"], 8);
}

#[test]
fn ceremonies_are_cancelled_and_answered_only_while_running() {
    let (_app, webview) = developer_app();
    set_pin(&webview);
    assert_eq!(kind(invoke(&webview, "ceremony_cancel", json!({"ceremony": "gone"}))), "ceremony_unknown");
    assert_eq!(kind(invoke(&webview, "ceremony_answer", json!({"ceremony": "gone", "answer": pin("1")}))), "ceremony_unknown");
    let cancelled = invoke_answering(&webview, "passkeys_list", "cancel-1", device(), &[json!({"kind": "cancel"})]);
    assert_eq!(kind(cancelled), "cancelled");
    assert!(invoke(&webview, "ceremony_answer", json!({"ceremony": "x", "answer": {"kind": "nonsense"}})).is_err());
}

#[test]
fn passkeys_are_listed_renamed_and_deleted() {
    let (app, webview) = developer_app();
    set_pin(&webview);
    register(&app, "example.com", "alice");
    register(&app, "example.org", "bob");
    let list = ok(invoke_answering(&webview, "passkeys_list", "p1", device(), &[pin("1234")]));
    assert_eq!(list["existing"], 2);
    assert_eq!(list["remaining"], 23);
    let alice = list["sites"].as_array().and_then(|sites| sites.iter().find(|s| s["rp_id"] == "example.com")).cloned().unwrap_or_default();
    let credential = alice["passkeys"][0]["credential_id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(alice["passkeys"][0]["user_name"], "alice");
    assert!(alice["passkeys"][0].get("private_key").is_none());

    let renamed = ok(invoke_answering(
        &webview,
        "passkey_update_user",
        "p2",
        with(device(), json!({"credential_id": credential, "user_name": "alice2", "display_name": null})),
        &[pin("1234")],
    ));
    let text = renamed.to_string();
    assert!(text.contains("\"alice2\"") && text.contains("alice (display)"), "{text}");

    let after = ok(invoke_answering(&webview, "passkey_delete", "p3", with(device(), json!({"credential_id": credential})), &[pin("1234")]));
    assert_eq!(after["existing"], 1);
    let again = invoke_answering(&webview, "passkey_delete", "p4", with(device(), json!({"credential_id": credential})), &[pin("1234")]);
    assert_eq!(kind(again), "passkey_not_found");
    assert_eq!(kind(invoke_answering(&webview, "passkey_delete", "p5", with(device(), json!({"credential_id": "***"})), &[])), "invalid_input");
}

#[test]
fn fingerprints_are_enrolled_renamed_and_deleted() {
    let (_app, webview) = developer_app();
    assert_eq!(kind(invoke_answering(&webview, "fingerprint_enroll", "f0", with(device(), json!({"name": "thumb"})), &[])), "pin_not_set");
    set_pin(&webview);
    let enrolled = ok(invoke_answering(&webview, "fingerprint_enroll", "f1", with(device(), json!({"name": "right thumb"})), &[pin("1234")]));
    assert_eq!(enrolled["fingerprints"][0]["name"], "right thumb");
    let template = enrolled["fingerprints"][0]["template_id"].as_str().unwrap_or_default().to_owned();
    let renamed = ok(invoke_answering(&webview, "fingerprint_rename", "f2", with(device(), json!({"template_id": template, "name": "left thumb"})), &[pin("1234")]));
    assert_eq!(renamed["fingerprints"][0]["name"], "left thumb");
    let listed = ok(invoke_answering(&webview, "fingerprints_list", "f3", device(), &[pin("1234")]));
    assert_eq!(listed["sensor_kind"], "touch");
    let deleted = ok(invoke_answering(&webview, "fingerprint_delete", "f4", with(device(), json!({"template_id": template})), &[pin("1234")]));
    assert_eq!(deleted["fingerprints"], json!([]));
    assert_eq!(kind(invoke_answering(&webview, "fingerprint_delete", "f5", with(device(), json!({"template_id": "zz"})), &[])), "invalid_input");
}

#[test]
fn settings_change_through_ceremonies() {
    let (_app, webview) = developer_app();
    set_pin(&webview);
    let on = ok(invoke_answering(&webview, "settings_always_uv", "s1", with(device(), json!({"on": true})), &[pin("1234")]));
    assert_eq!(on["always_uv"], true);
    let longer = ok(invoke_answering(
        &webview,
        "settings_min_pin_length",
        "s2",
        with(device(), json!({"min_length": 6, "rp_ids": ["example.com"], "force_change_pin": false})),
        &[pin("1234")],
    ));
    assert_eq!(longer["min_pin_length"], 6);
    let shorter = invoke_answering(
        &webview,
        "settings_min_pin_length",
        "s3",
        with(device(), json!({"min_length": 4, "rp_ids": [], "force_change_pin": false})),
        &[pin("1234")],
    );
    assert_eq!(kind(shorter), "invalid_input");
    let ep = ok(invoke_answering(&webview, "settings_enterprise_attestation", "s4", device(), &[pin("1234")]));
    assert_eq!(ep["enterprise_attestation"], true);
    let forced = ok(invoke_answering(&webview, "settings_force_pin_change", "s5", device(), &[pin("1234")]));
    assert_eq!(forced["force_pin_change"], true);
}

#[test]
fn reset_needs_confirmation_and_erases_the_simulated_key() {
    let (app, webview) = developer_app();
    set_pin(&webview);
    register(&app, "example.com", "alice");
    let guide = ok(invoke(&webview, "reset_guide", device()));
    let steps: Vec<&str> = guide["steps"].as_array().map(|s| s.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    assert_eq!(steps.len(), 3, "{guide}");
    assert!(steps[0].contains("plug it back in"), "replug first: {guide}");
    assert!(steps[1].contains("within 10 seconds of being plugged in"), "the window: {guide}");
    assert!(steps[2].contains("touch the key"), "then the touch: {guide}");
    assert!(!steps.iter().any(|s| s.contains("confirm the reset here")), "the app confirms before the replug: {guide}");
    assert!(guide["warning"].as_str().is_some_and(|w| w.contains("deletes every passkey")));
    assert_eq!(kind(invoke_answering(&webview, "reset_key", "r0", with(device(), json!({"confirmed": false})), &[])), "invalid_argument");
    let info = ok(invoke_answering(&webview, "reset_key", "r1", with(device(), json!({"confirmed": true})), &[]));
    assert_eq!(info["pin"]["pin_set"], false);
    assert_eq!(info["remaining_passkeys"], 25);
}
