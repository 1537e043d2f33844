//! The origin / RP ID matrix: secure contexts, IP addresses, ports, public suffixes (ICANN
//! and private sections), and the phishing case.

use keydesk_webauthn_client::{is_registrable_domain_suffix_or_equal, CallerOrigin, OriginError};

fn rp_id(origin: &str, requested: Option<&str>) -> Result<String, OriginError> {
    CallerOrigin::parse(origin)?.rp_id(requested)
}

#[test]
fn accepted_pairs() -> Result<(), OriginError> {
    let cases: &[(&str, Option<&str>, &str)] = &[
        ("https://example.com", None, "example.com"),
        ("https://example.com", Some("example.com"), "example.com"),
        (
            "https://login.example.com",
            Some("example.com"),
            "example.com",
        ),
        (
            "https://a.b.login.example.com",
            Some("login.example.com"),
            "login.example.com",
        ),
        (
            "https://example.com:8443",
            Some("example.com"),
            "example.com",
        ),
        (
            "https://www.example.co.uk",
            Some("example.co.uk"),
            "example.co.uk",
        ),
        (
            "https://alice.github.io",
            Some("alice.github.io"),
            "alice.github.io",
        ),
        (
            "https://docs.alice.github.io",
            Some("alice.github.io"),
            "alice.github.io",
        ),
        ("http://localhost", None, "localhost"),
        ("http://localhost:8080", Some("localhost"), "localhost"),
        (
            "http://app.localhost:3000",
            Some("app.localhost"),
            "app.localhost",
        ),
        ("https://localhost", Some("localhost"), "localhost"),
        // Internationalized domains compare in their ASCII (punycode) form.
        (
            "https://bücher.example",
            Some("xn--bcher-kva.example"),
            "xn--bcher-kva.example",
        ),
        // A name the PSL does not know: the implicit "*" rule makes only the TLD public.
        (
            "https://intranet.corp.internal",
            Some("corp.internal"),
            "corp.internal",
        ),
    ];
    for (origin, requested, expected) in cases {
        assert_eq!(
            &rp_id(origin, *requested)?,
            expected,
            "{origin} / {requested:?}"
        );
    }
    Ok(())
}

#[test]
fn refused_rp_ids() {
    let cases: &[(&str, &str)] = &[
        ("https://example.com", "login.example.com"),
        ("https://example.com", "com"),
        ("https://example.com", "ample.com"),
        ("https://www.example.co.uk", "co.uk"),
        ("https://www.example.co.uk", "uk"),
        ("https://alice.github.io", "github.io"),
        ("https://alice.github.io", "bob.github.io"),
        ("https://alice.github.io", "io"),
        ("https://evil.example", "bank.com"),
        ("http://app.localhost", "localhost"),
        ("https://example.com", "example.com.evil.net"),
    ];
    for (origin, requested) in cases {
        let outcome = rp_id(origin, Some(requested));
        assert!(
            matches!(outcome, Err(OriginError::RpIdNotAllowed { .. })),
            "{origin} asking for {requested}: {outcome:?}"
        );
    }
}

#[test]
fn the_phishing_case_is_refused_with_a_clear_message() {
    let error = rp_id("https://evil.example", Some("bank.com"))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.starts_with("https://evil.example asked for a passkey for bank.com: refused"),
        "{error}"
    );
}

#[test]
fn insecure_and_ip_origins() {
    for origin in [
        "http://example.com",
        "http://example.com:8080",
        "ftp://example.com",
        "ws://example.com",
    ] {
        assert!(
            matches!(
                CallerOrigin::parse(origin),
                Err(OriginError::InsecureOrigin { .. })
            ),
            "{origin}: {:?}",
            CallerOrigin::parse(origin)
        );
    }
    for origin in [
        "https://192.0.2.1",
        "https://[2001:db8::1]:8443",
        "http://127.0.0.1:8080",
        "http://[::1]",
    ] {
        assert!(
            matches!(
                CallerOrigin::parse(origin),
                Err(OriginError::IpAddressOrigin { .. })
            ),
            "{origin}: {:?}",
            CallerOrigin::parse(origin)
        );
    }
    // A public http IP is insecure before it is an IP.
    assert!(matches!(
        CallerOrigin::parse("http://192.0.2.1"),
        Err(OriginError::InsecureOrigin { .. })
    ));
}

#[test]
fn rp_ids_that_are_not_domains() -> Result<(), OriginError> {
    let caller = CallerOrigin::parse("https://example.com")?;
    for requested in ["", "192.0.2.1", "[::1]", "exa mple.com"] {
        assert!(
            matches!(
                caller.rp_id(Some(requested)),
                Err(OriginError::InvalidRpId { .. })
            ),
            "{requested:?}: {:?}",
            caller.rp_id(Some(requested))
        );
    }
    assert!(matches!(
        caller.rp_id(Some("Example.COM")),
        Err(OriginError::NonCanonicalRpId { ref canonical, .. }) if canonical == "example.com"
    ));
    Ok(())
}

#[test]
fn origins_are_serialized_as_browsers_do() -> Result<(), OriginError> {
    let cases = [
        ("https://example.com", "https://example.com"),
        ("https://example.com/", "https://example.com"),
        ("https://EXAMPLE.com:443", "https://example.com"),
        ("https://example.com:8443", "https://example.com:8443"),
        ("http://localhost:80", "http://localhost"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
    ];
    for (input, serialized) in cases {
        assert_eq!(CallerOrigin::parse(input)?.serialized(), serialized);
    }
    for not_an_origin in [
        "https://example.com/login",
        "https://example.com/?a=b",
        "https://u:p@example.com",
        "https://example.com/#x",
    ] {
        assert!(
            matches!(
                CallerOrigin::parse(not_an_origin),
                Err(OriginError::NotAnOrigin { .. })
            ),
            "{not_an_origin}"
        );
    }
    assert!(matches!(
        CallerOrigin::parse("not a url"),
        Err(OriginError::Unparsable { .. })
    ));
    Ok(())
}

#[test]
fn html_registrable_suffix_algorithm() {
    assert!(is_registrable_domain_suffix_or_equal(
        "example.com",
        "example.com"
    ));
    assert!(is_registrable_domain_suffix_or_equal(
        "example.com",
        "a.example.com"
    ));
    assert!(!is_registrable_domain_suffix_or_equal("", "example.com"));
    assert!(!is_registrable_domain_suffix_or_equal("com", "example.com"));
    assert!(!is_registrable_domain_suffix_or_equal(
        "github.io",
        "a.github.io"
    ));
    assert!(!is_registrable_domain_suffix_or_equal("0.2.1", "192.0.2.1"));
    assert!(is_registrable_domain_suffix_or_equal(
        "192.0.2.1",
        "192.0.2.1"
    ));
    // Multi-label ICANN suffixes and wildcard rules (*.ck, with !www.ck excepted).
    assert!(!is_registrable_domain_suffix_or_equal(
        "gov.uk",
        "www.example.gov.uk"
    ));
    assert!(is_registrable_domain_suffix_or_equal(
        "example.gov.uk",
        "www.example.gov.uk"
    ));
    // service.gov.uk is itself on the list (private section).
    assert!(!is_registrable_domain_suffix_or_equal(
        "service.gov.uk",
        "www.x.service.gov.uk"
    ));
    assert!(!is_registrable_domain_suffix_or_equal(
        "foo.ck",
        "a.b.foo.ck"
    ));
    assert!(is_registrable_domain_suffix_or_equal(
        "b.foo.ck",
        "a.b.foo.ck"
    ));
    assert!(is_registrable_domain_suffix_or_equal("www.ck", "a.www.ck"));
}
