//! keydesk-account against the real keydesk-server over loopback HTTP (SQLite), with the
//! virtual key in memory behind CTAPHID: the account rules as a user meets them through
//! KeyDesk (password + TOTP logon, five passkeys with unique names, step-up before deleting,
//! passkey-only logon with its admin switch, last-use times).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

mod common;

use common::*;
use keydesk_account::{
    Account, AccountError, LogonStage, MemoryTokenStore, Profile, TokenStore, VerificationMethod,
};
use keydesk_webauthn_client::WebAuthnError;

fn account(server: &LocalServer, user: &str, tokens: &MemoryTokenStore) -> Account {
    let profile = Profile::new("work", &server.origin, user).expect("profile");
    Account::open(profile, Box::new(tokens.clone())).expect("account")
}

fn logged_on(server: &LocalServer, user: &str) -> Account {
    server.create_user(user);
    let mut account = account(server, user, &MemoryTokenStore::new());
    assert_eq!(account.logon_password(PASSWORD).expect("logon").stage, LogonStage::Active);
    account
}

/// A wrong code that is certainly not the current one.
fn other_code(code: &str) -> String {
    let first = code.as_bytes()[0];
    format!("{}{}", if first == b'9' { '0' } else { char::from(first + 1) }, &code[1..])
}

#[test]
fn password_logon_then_totp_second_factor_with_binding_and_code_reuse_refused() {
    let server = start_server();
    server.create_user("dana");
    let tokens = MemoryTokenStore::new();
    let mut account = account(&server, "dana", &tokens);
    assert!(!account.has_session());

    assert!(matches!(account.logon_password("wrong password"), Err(AccountError::WrongPassword)));
    let outcome = account.logon_password(PASSWORD).expect("password logon");
    assert_eq!(outcome.user, "dana@corp.example");
    assert_eq!(outcome.stage, LogonStage::Active);
    assert!(tokens.load("work").unwrap().is_some(), "the active session is kept");

    // Binding the virtual MFA needs a fresh verification; with nothing bound, the password.
    match account.start_mfa_binding() {
        Err(AccountError::StepUpRequired { methods }) => assert_eq!(methods, vec![VerificationMethod::Password]),
        other => panic!("step-up expected: {other:?}"),
    }
    assert!(matches!(account.step_up_password("wrong password"), Err(AccountError::WrongPassword)));
    account.step_up_password(PASSWORD).expect("step-up with the password");
    let offer = account.start_mfa_binding().expect("MFA offer");
    assert!(offer.otpauth_uri.starts_with("otpauth://totp/"), "an otpauth URI to add to KeyDesk codes");
    let code = totp_code(&offer.otpauth_uri, server.now());
    assert!(matches!(account.confirm_mfa(&other_code(&code)), Err(AccountError::WrongCode)));
    account.confirm_mfa(&code).expect("bind with the current code");
    assert!(account.info().expect("me").totp_bound);

    // Log out: the session is gone here and on the server.
    account.logout().expect("logout");
    assert!(tokens.load("work").unwrap().is_none());
    assert!(matches!(account.passkeys(), Err(AccountError::NotLoggedOn)));

    // Password, then the TOTP code.
    let outcome = account.logon_password(PASSWORD).expect("password logon");
    assert_eq!(outcome.stage, LogonStage::SecondFactorNeeded { methods: vec![VerificationMethod::Totp] });
    assert!(!account.has_session());
    assert!(tokens.load("work").unwrap().is_none(), "a half-done logon is not kept");
    assert!(matches!(account.passkeys(), Err(AccountError::SecondFactorNeeded { .. })));
    assert!(
        matches!(account.second_factor_totp(&code), Err(AccountError::CodeAlreadyUsed)),
        "the code that confirmed the binding is spent (RFC 6238 §5.2)"
    );
    server.clock.advance(30);
    account.second_factor_totp(&totp_code(&offer.otpauth_uri, server.now())).expect("second factor");
    assert!(account.has_session());
    assert!(matches!(account.second_factor_totp("123456"), Err(AccountError::NoSecondFactorPending)));

    // The next run finds the session in the token store.
    let mut again = self::account(&server, "dana", &tokens);
    assert!(again.has_session());
    assert_eq!(again.passkeys().expect("list").passkeys.len(), 0);

    // The logon's verification lasts 5 minutes; then a TOTP step-up is needed again.
    server.clock.advance(301);
    match again.start_mfa_binding() {
        Err(AccountError::StepUpRequired { methods }) => assert_eq!(methods, vec![VerificationMethod::Totp]),
        other => panic!("step-up expected: {other:?}"),
    }
    assert!(matches!(again.step_up_password(PASSWORD), Err(AccountError::StrongerVerificationRequired)));
    again.step_up_totp(&totp_code(&offer.otpauth_uri, server.now())).expect("TOTP step-up");
    assert!(again.step_up_status().expect("status").fresh);
    assert!(matches!(again.start_mfa_binding(), Err(AccountError::MfaAlreadyBound)));
}

#[test]
fn five_passkeys_with_unique_names_rename_and_delete_with_step_up() {
    let server = start_server();
    let mut account = logged_on(&server, "erin");
    let mut keys: Vec<_> = (1..=6).map(virtual_key).collect();
    let mut person = Person::default();

    let first = account.enroll_passkey("blue key", &mut keys[0], &mut person).expect("enroll");
    assert_eq!(first.name, "blue key");
    assert_eq!(first.created_at, server.now());
    assert_eq!(first.last_used_at, None);
    assert!(person.pin_requests > 0, "the server asks for user verification");

    // The same key again: our client sees it holds one of the account's passkeys.
    assert!(matches!(
        account.enroll_passkey("again", &mut keys[0], &mut Person::default()),
        Err(AccountError::AlreadyRegistered)
    ));
    // A name in use: refused before the key is touched.
    let mut untouched = Person::default();
    match account.enroll_passkey(" blue key ", &mut keys[1], &mut untouched) {
        Err(AccountError::PasskeyNameTaken { name }) => assert_eq!(name, " blue key "),
        other => panic!("duplicate name refused: {other:?}"),
    }
    assert_eq!(untouched.pin_requests, 0);
    assert!(matches!(account.enroll_passkey("", &mut keys[1], &mut untouched), Err(AccountError::InvalidPasskeyName(_))));

    for (index, key) in keys.iter_mut().enumerate().take(5).skip(1) {
        account.enroll_passkey(&format!("key {}", index + 1), key, &mut Person::default()).expect("enroll");
    }
    let list = account.passkeys().expect("list");
    assert_eq!(list.max, 5);
    let names: Vec<&str> = list.passkeys.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["blue key", "key 2", "key 3", "key 4", "key 5"]);

    // The sixth is refused before the key is touched.
    let mut sixth = Person::default();
    let refused = account.enroll_passkey("key 6", &mut keys[5], &mut sixth);
    assert!(matches!(&refused, Err(AccountError::PasskeyLimitReached { message }) if message.contains('5')), "{refused:?}");
    assert_eq!(sixth.pin_requests, 0);

    // Rename: names stay unique.
    let second = list.passkeys[1].id.clone();
    match account.rename_passkey(&second, "blue key") {
        Err(AccountError::PasskeyNameTaken { name }) => assert_eq!(name, "blue key"),
        other => panic!("duplicate name refused: {other:?}"),
    }
    account.rename_passkey(&second, "green key").expect("rename");
    assert_eq!(account.passkeys().unwrap().passkeys[1].name, "green key");
    assert!(matches!(account.rename_passkey("AAAA", "x"), Err(AccountError::PasskeyNotFound { id }) if id == "AAAA"));

    // Delete needs a fresh verification; with passkeys bound the password is not enough.
    match account.delete_passkey(&second) {
        Err(AccountError::StepUpRequired { methods }) => assert_eq!(methods, vec![VerificationMethod::Passkey]),
        other => panic!("step-up expected: {other:?}"),
    }
    assert!(matches!(account.step_up_password(PASSWORD), Err(AccountError::StrongerVerificationRequired)));
    account.step_up_passkey(&mut keys[2], &mut Person::default()).expect("step-up with the third key");
    account.delete_passkey(&second).expect("delete");
    let left: Vec<String> = account.passkeys().unwrap().passkeys.into_iter().map(|p| p.name).collect();
    assert_eq!(left, ["blue key", "key 3", "key 4", "key 5"]);
    assert!(matches!(account.delete_passkey(&second), Err(AccountError::PasskeyNotFound { .. })));
    // The step-up was made with key 3: its last use is recorded.
    let used = account.passkeys().unwrap().passkeys.into_iter().find(|p| p.name == "key 3").unwrap();
    assert_eq!(used.last_used_at, Some(server.now()));

    // Room again: the sixth key now enrolls.
    account.enroll_passkey("key 6", &mut keys[5], &mut Person::default()).expect("enroll after a delete");
}

#[test]
fn passkey_logon_updates_last_use_counts_as_step_up_and_obeys_the_admin_switch() {
    let server = start_server();
    let mut enrolling = logged_on(&server, "fay");
    let mut key = virtual_key(11);
    let mut stranger = virtual_key(12);
    let enrolled = enrolling.enroll_passkey("blue key", &mut key, &mut Person::default()).expect("enroll");
    enrolling.logout().expect("logout");
    server.clock.advance(100);

    // Passkey only, as a new run with an empty token store.
    let tokens = MemoryTokenStore::new();
    let mut account = account(&server, "fay", &tokens);
    assert!(account.passkey_logon_allowed().unwrap());
    assert!(matches!(
        account.logon_passkey(&mut stranger, &mut Person::default()),
        Err(AccountError::Authenticator(WebAuthnError::NoCredentials))
    ));
    let outcome = account.logon_passkey(&mut key, &mut Person::default()).expect("passkey logon");
    assert_eq!(outcome, keydesk_account::LogonOutcome { user: "fay@corp.example".into(), stage: LogonStage::Active });
    assert!(tokens.load("work").unwrap().is_some());
    let listed = account.passkeys().unwrap().passkeys;
    assert_eq!(listed[0].last_used_at, Some(server.now()), "last use recorded");
    assert!(listed[0].last_used_at > Some(enrolled.created_at));
    // A passkey logon is itself a fresh verification.
    account.rename_passkey(&enrolled.id, "office key").expect("rename");
    account.delete_passkey(&enrolled.id).expect("delete without another step-up");
    assert!(matches!(account.logon_passkey(&mut key, &mut Person::default()), Err(AccountError::NoPasskeys | AccountError::Authenticator(_))));

    // Password + passkey as the second factor.
    let mut account = self::account(&server, "fay", &MemoryTokenStore::new());
    account.logon_password(PASSWORD).expect("logon");
    account.enroll_passkey("blue key", &mut key, &mut Person::default()).expect("enroll again");
    account.logout().unwrap();
    let outcome = account.logon_password(PASSWORD).expect("password");
    assert_eq!(outcome.stage, LogonStage::SecondFactorNeeded { methods: vec![VerificationMethod::Passkey] });
    assert!(matches!(account.second_factor_passkey(&mut stranger, &mut Person::default()), Err(AccountError::Authenticator(WebAuthnError::NoCredentials))));
    account.second_factor_passkey(&mut key, &mut Person::default()).expect("second factor with the passkey");
    assert!(account.has_session());

    // The administrator switches passkey-only logon off.
    set_passkey_logon(&server, false);
    assert!(!account.passkey_logon_allowed().unwrap());
    assert!(matches!(account.logon_passkey(&mut key, &mut Person::default()), Err(AccountError::PasskeyLogonDisabled)));
}

#[test]
fn an_unreachable_server_and_a_server_that_is_not_keydesk_are_told_apart() {
    // Nothing listens: bind a port, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let profile = Profile::new("gone", &format!("http://localhost:{port}"), "u").unwrap();
    let mut gone = Account::open(profile, Box::new(MemoryTokenStore::new())).unwrap();
    let error = gone.logon_password(PASSWORD).unwrap_err();
    assert!(matches!(error, AccountError::Unreachable { .. }), "{error:?}");
    assert!(error.to_string().contains("cannot be reached"));

    // A web server that answers every request with an HTML page.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let web = std::thread::spawn(move || {
        for _ in 0..2 {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut request);
            let page = "<html>hello</html>";
            let answer = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}", page.len());
            std::io::Write::write_all(&mut stream, answer.as_bytes()).unwrap();
        }
    });
    let profile = Profile::new("web", &format!("http://localhost:{port}"), "u").unwrap();
    let mut web_account = Account::open(profile, Box::new(MemoryTokenStore::new())).unwrap();
    match web_account.logon_password(PASSWORD) {
        Err(AccountError::UnexpectedAnswer { endpoint, reason }) => {
            assert_eq!(endpoint, "/api/logon/password");
            assert!(reason.starts_with("not JSON"), "{reason}");
        }
        other => panic!("unexpected answer expected: {other:?}"),
    }
    assert!(matches!(web_account.passkey_logon_allowed(), Err(AccountError::UnexpectedAnswer { .. })));
    web.join().unwrap();
}

#[test]
fn email_code_step_up_before_deleting_a_passkey() {
    let server = start_server();
    let mut account = logged_on(&server, "kim");
    let mut key = virtual_key(21);
    let passkey = account.enroll_passkey("blue key", &mut key, &mut Person::default()).expect("enroll");

    // Binding an email address needs a fresh verification too: a passkey is bound, so not the password.
    match account.start_email_binding("kim@example.com") {
        Err(AccountError::StepUpRequired { methods }) => assert_eq!(methods, vec![VerificationMethod::Passkey]),
        other => panic!("step-up expected: {other:?}"),
    }
    account.step_up_passkey(&mut key, &mut Person::default()).expect("passkey step-up");
    assert!(matches!(account.start_email_binding("not an address"), Err(AccountError::InvalidEmail(_))));
    account.start_email_binding("kim@example.com").expect("code sent");
    assert_eq!(account.confirm_email(&server.emailed_code("kim@example.com", 1)).expect("bind"), "kim@example.com");

    server.clock.advance(301);
    match account.delete_passkey(&passkey.id) {
        Err(AccountError::StepUpRequired { methods }) => {
            assert_eq!(methods, vec![VerificationMethod::Passkey, VerificationMethod::Email]);
        }
        other => panic!("step-up expected: {other:?}"),
    }
    assert_eq!(account.step_up_email_start().expect("code sent"), "kim@example.com");
    let code = server.emailed_code("kim@example.com", 2);
    assert!(matches!(account.step_up_email_finish(&other_code(&code)), Err(AccountError::WrongEmailCode)));
    account.step_up_email_finish(&code).expect("email step-up");
    account.delete_passkey(&passkey.id).expect("delete after the email code");
    assert!(account.passkeys().unwrap().passkeys.is_empty());
}

#[test]
fn an_address_bound_to_five_users_is_refused_for_a_sixth_and_no_address_means_no_email_step_up() {
    let server = start_server();
    let shared = "family@example.com";
    for (n, user) in ["ann", "ben", "cat", "dan", "eva"].into_iter().enumerate() {
        let mut account = logged_on(&server, user);
        account.step_up_password(PASSWORD).expect("password step-up: nothing stronger is bound");
        account.start_email_binding(shared).expect("code sent");
        assert_eq!(account.confirm_email(&server.emailed_code(shared, n + 1)).expect("bind"), shared);
    }
    let mut sixth = logged_on(&server, "fay");
    assert!(matches!(sixth.step_up_email_start(), Err(AccountError::EmailNotBound)));
    sixth.step_up_password(PASSWORD).expect("password step-up");
    match sixth.start_email_binding(shared) {
        Err(error @ AccountError::EmailLimitReached { .. }) => {
            assert_eq!(error.kind(), "email_limit_reached");
            assert!(error.to_string().contains("5 users") && error.to_string().ends_with("bind another address"), "{error}");
        }
        other => panic!("the limit expected: {other:?}"),
    }
    assert_eq!(server.smtp.messages_to(shared).len(), 5, "no code was sent for the sixth");
    assert!(matches!(sixth.confirm_email("123456"), Err(AccountError::EmailCodeExpired)), "no code is pending");
}
