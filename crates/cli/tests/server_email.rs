//! `keydesk server email bind|confirm` as a user runs it (no terminal, the code from
//! KEYDESK_CODE), against the real keydesk-server in process whose codes go out through a real
//! SMTP server (aiosmtpd); the code is read from the delivered message.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

mod server_support;

use server_support::*;

#[test]
fn an_address_is_bound_with_the_emailed_code_and_every_failure_says_what_to_do() {
    let server = TestServer::start();
    server.create_user("lena");
    let desktop = Desktop::start();
    desktop.json(&["server", "add", "work", "--url", &server.origin, "--user", "lena"], &[]);
    assert_eq!(desktop.error_kind(&["server", "email", "bind", "lena@example.com"], &[]), "not_logged_on");
    desktop.json(&["server", "logon"], &[("KEYDESK_PASSWORD", PASSWORD)]);

    assert_eq!(desktop.error_kind(&["server", "email", "confirm"], &[("KEYDESK_CODE", "123456")]), "email_code_expired", "nothing was sent yet");
    // A logon with the password alone is no fresh verification: the CLI verifies with the
    // password (nothing stronger is bound), then the server checks the address.
    let password = [("KEYDESK_PASSWORD", PASSWORD)];
    assert_eq!(desktop.error_kind(&["server", "email", "bind", "not an address"], &password), "invalid_email");
    let sent = desktop.json(&["server", "email", "bind", " Lena@Example.com "], &[]);
    assert_eq!(sent, serde_json::json!({"profile": "work", "sent_to": "Lena@Example.com", "step_up": null}), "still fresh");
    let code = emailed_code(&server.smtp, "lena@example.com", 1);

    // Without the code and without a terminal, the variable to set is named.
    let output = desktop.keydesk(&["server", "email", "confirm"], &[]);
    assert!(!output.status.success() && String::from_utf8_lossy(&output.stderr).contains("KEYDESK_CODE"), "{output:?}");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let output = desktop.keydesk(&["server", "email", "confirm", "--json"], &[("KEYDESK_CODE", wrong)]);
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["error"]["kind"], "wrong_email_code");
    assert!(answer["error"]["message"].as_str().unwrap().contains("newest message"), "{answer}");

    let bound = desktop.json(&["server", "email", "confirm"], &[("KEYDESK_CODE", &code)]);
    assert_eq!(bound, serde_json::json!({"profile": "work", "email": "lena@example.com"}));
    assert_eq!(desktop.json(&["server", "status"], &[])["email"], "lena@example.com");

    // Later, binding again asks for a fresh verification; the password no longer serves (an
    // email is bound), so the CLI says so rather than sending anything.
    server.clock.advance(301);
    let output = desktop.keydesk(&["server", "email", "bind", "other@example.com", "--step-up", "password", "--json"], &[("KEYDESK_PASSWORD", PASSWORD)]);
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["error"]["kind"], "stronger_verification_required", "{answer}");
    assert!(server.smtp.messages_to("other@example.com").is_empty());
}
