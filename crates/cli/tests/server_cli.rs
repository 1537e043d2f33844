//! `keydesk server` as a user runs it (no terminal, secrets from the environment), against the
//! real keydesk-server in process, with the session token in a real Secret Service: profiles,
//! password + TOTP logon, virtual MFA binding (printed, and added to KeyDesk codes), step-up,
//! and every failure as `{"error": {"kind", "message"}}`.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

mod server_support;

use server_support::*;

#[test]
fn profiles_password_and_totp_logon_step_up_and_errors_as_json() {
    let server = LocalServer::start_now();
    server.create_user("hana");
    let desktop = Desktop::start();
    let password = [("KEYDESK_PASSWORD", PASSWORD)];

    assert_eq!(desktop.json(&["server", "list"], &[])["servers"], serde_json::json!([]));
    assert_eq!(desktop.error_kind(&["server", "logon"], &password), "profile_not_chosen");
    let added = desktop.json(&["server", "add", "work", "--url", &server.origin, "--user", "hana"], &[]);
    assert_eq!(added["added"], serde_json::json!({"name": "work", "url": server.origin, "username": "hana"}));
    assert_eq!(desktop.error_kind(&["server", "add", "work", "--url", &server.origin, "--user", "x"], &[]), "profile_exists");
    assert_eq!(desktop.error_kind(&["server", "add", "web", "--url", "http://example.com", "--user", "x"], &[]), "invalid_server_url");
    assert_eq!(desktop.error_kind(&["server", "passkeys", "list"], &[]), "not_logged_on");

    // The password never comes from argv: without a terminal, the variable is named.
    let output = desktop.keydesk(&["server", "logon"], &[]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("KEYDESK_PASSWORD"));
    assert_eq!(desktop.error_kind(&["server", "logon"], &[("KEYDESK_PASSWORD", "wrong password")]), "wrong_password");
    let logon = desktop.json(&["server", "logon"], &password);
    assert_eq!(logon, serde_json::json!({"profile": "work", "user": "hana@corp.example", "stage": "active", "method": "password"}));
    assert_eq!(desktop.json(&["server", "list"], &[])["servers"][0]["logged_on"], true, "the session is in the keyring");
    let status = desktop.json(&["server", "status"], &[]);
    assert_eq!((status["totp_bound"].as_bool(), status["passkeys"].as_i64()), (Some(false), Some(0)));

    // Bind the virtual MFA through another app: the URI is printed, then confirmed with a code.
    let bind = desktop.json(&["server", "mfa", "bind", "--print-uri"], &password);
    assert_eq!((bind["bound"].as_bool(), bind["step_up"].as_str()), (Some(false), Some("password")), "{bind}");
    let secret = secret_of(bind["otpauth_uri"].as_str().expect("URI"));
    let code = server_code(&server, &secret);
    assert_eq!(desktop.json(&["server", "mfa", "confirm"], &[("KEYDESK_CODE", &code)])["bound"], true);

    let logout = desktop.json(&["server", "logout"], &[]);
    assert_eq!(logout, serde_json::json!({"profile": "work", "logged_out": true}));
    assert_eq!(desktop.json(&["server", "list"], &[])["servers"][0]["logged_on"], false);

    // Password, then the code; the code that confirmed the binding is spent.
    assert_eq!(desktop.error_kind(&["server", "logon"], &[password[0], ("KEYDESK_CODE", &code)]), "code_already_used");
    server.clock.advance(30);
    let logon = desktop.json(&["server", "logon"], &[password[0], ("KEYDESK_CODE", &server_code(&server, &secret))]);
    assert_eq!(logon["method"], "password+totp");
    let list = desktop.json(&["server", "passkeys", "list"], &[]);
    assert_eq!((list["passkeys"].as_array().map(Vec::len), list["max"].as_i64()), (Some(0), Some(5)));

    // Deleting needs a fresh verification: the logon's lasts 5 minutes, then a TOTP code.
    assert_eq!(desktop.error_kind(&["server", "passkeys", "delete", "AAAA", "--yes"], &[]), "passkey_not_found");
    server.clock.advance(301);
    assert_eq!(desktop.error_kind(&["server", "passkeys", "delete", "AAAA", "--yes"], &[]), "failed");
    let output = desktop.keydesk(&["server", "passkeys", "delete", "AAAA", "--yes", "--json"], &[("KEYDESK_CODE", &server_code(&server, &secret))]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("fresh verification: using totp"), "{output:?}");
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["error"]["kind"], "passkey_not_found", "verified, then the server looked for the passkey");

    let removed = desktop.json(&["server", "remove", "work"], &[]);
    assert_eq!(removed["removed"]["name"], "work");
    assert_eq!(desktop.json(&["server", "list"], &[])["servers"], serde_json::json!([]));
}

#[test]
fn mfa_bind_adds_the_server_account_to_keydesk_codes_and_confirms_it() {
    let server = LocalServer::start_now();
    server.create_user("ivan");
    let desktop = Desktop::start();
    let vault = desktop.session.dir().join("codes.vault");
    let vault = vault.to_str().unwrap();
    let env = [("KEYDESK_PASSWORD", PASSWORD), ("KEYDESK_VAULT_PASSWORD", "vault password 1")];
    desktop.json(&["server", "add", "lab", "--url", &server.origin, "--user", "ivan"], &[]);
    desktop.json(&["server", "logon"], &env);

    let bind = desktop.json(&["server", "mfa", "bind", "--vault", vault], &env);
    assert_eq!(bind["bound"], true, "{bind}");
    assert_eq!(bind["added_to_codes"], true);
    assert!(bind["otpauth_uri"].is_null(), "the secret is not printed");
    assert_eq!(desktop.json(&["server", "status"], &[])["totp_bound"], true);

    let codes = desktop.json(&["codes", "list", "--vault", vault], &env);
    let accounts = codes["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), 1, "{codes}");
    assert_eq!(accounts[0]["issuer"], "KeyDesk Test");
    assert_eq!(accounts[0]["name"], "ivan@corp.example");

    assert!(accounts[0]["code"].as_str().is_some_and(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit())), "{codes}");
}
