//! `keydesk server email bind|confirm` as a user runs it (no terminal, the code from
//! KEYDESK_EMAIL_CODE), and step-up by email (the code typed at a terminal: it is mailed during
//! the command), against the real keydesk-server in process whose codes go out through a real
//! SMTP server (aiosmtpd); the code is read from the delivered message.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

mod server_support;

use server_support::*;

#[test]
fn an_address_is_bound_with_the_emailed_code_and_every_failure_says_what_to_do() {
    let server = LocalServer::start_now();
    server.create_user("lena");
    let desktop = Desktop::start();
    desktop.json(&["server", "add", "work", "--url", &server.origin, "--user", "lena"], &[]);
    assert_eq!(desktop.error_kind(&["server", "email", "bind", "lena@example.com"], &[]), "not_logged_on");
    desktop.json(&["server", "logon"], &[("KEYDESK_PASSWORD", PASSWORD)]);

    assert_eq!(desktop.error_kind(&["server", "email", "confirm"], &[("KEYDESK_EMAIL_CODE", "123456")]), "email_code_expired", "nothing was sent yet");
    // A logon with the password alone is no fresh verification: the CLI verifies with the
    // password (nothing stronger is bound), then the server checks the address.
    let password = [("KEYDESK_PASSWORD", PASSWORD)];
    assert_eq!(desktop.error_kind(&["server", "email", "bind", "not an address"], &password), "invalid_email");
    let sent = desktop.json(&["server", "email", "bind", " Lena@Example.com "], &[]);
    assert_eq!(sent, serde_json::json!({"profile": "work", "sent_to": "Lena@Example.com", "step_up": null}), "still fresh");
    let code = server.emailed_code("lena@example.com", 1);

    // Without the code and without a terminal, the variable to set is named.
    let output = desktop.keydesk(&["server", "email", "confirm"], &[]);
    assert!(!output.status.success() && String::from_utf8_lossy(&output.stderr).contains("KEYDESK_EMAIL_CODE"), "{output:?}");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let output = desktop.keydesk(&["server", "email", "confirm", "--json"], &[("KEYDESK_EMAIL_CODE", wrong)]);
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["error"]["kind"], "wrong_email_code");
    assert!(answer["error"]["message"].as_str().unwrap().contains("newest message"), "{answer}");

    let bound = desktop.json(&["server", "email", "confirm"], &[("KEYDESK_EMAIL_CODE", &code)]);
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

#[test]
fn step_up_by_email_asks_at_the_terminal_for_the_code_it_mailed() {
    let server = LocalServer::start_now();
    server.create_user("lena");
    let desktop = Desktop::start();
    desktop.json(&["server", "add", "work", "--url", &server.origin, "--user", "lena"], &[]);
    desktop.json(&["server", "logon"], &[("KEYDESK_PASSWORD", PASSWORD)]);
    desktop.json(&["server", "email", "bind", "lena@example.com"], &[("KEYDESK_PASSWORD", PASSWORD)]);
    let code = server.emailed_code("lena@example.com", 1);
    desktop.json(&["server", "email", "confirm"], &[("KEYDESK_EMAIL_CODE", &code)]);

    // Changing the address is sensitive and the logon is stale: the CLI has the server mail a
    // code to the bound address and asks for it; the person reads the mail and types it.
    server.clock.advance(301);
    let output = desktop.keydesk_typing(&["server", "email", "bind", "new@example.com", "--step-up", "email", "--json"], &[], || {
        server.emailed_code("lena@example.com", 2)
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("A code was sent to lena@example.com") && stderr.contains("Code from the email"), "{stderr}");
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer, serde_json::json!({"profile": "work", "sent_to": "new@example.com", "step_up": "email"}));
    assert_eq!(server.emailed_code("new@example.com", 1).len(), 6, "the new address got its code");

    // A mistyped code is refused with what to do next, and nothing is sent.
    server.clock.advance(301);
    let output = desktop.keydesk_typing(&["server", "email", "bind", "third@example.com", "--step-up", "email", "--json"], &[], || {
        let mailed = server.emailed_code("lena@example.com", 3);
        if mailed == "000000" { "111111" } else { "000000" }.to_owned()
    });
    assert!(!output.status.success());
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["error"]["kind"], "wrong_email_code", "{answer}");
    assert!(server.smtp.messages_to("third@example.com").is_empty());
}
