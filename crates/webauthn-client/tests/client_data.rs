//! clientDataJSON exactly as §5.8.1.2 serializes it, against vectors captured from real
//! clients, and CCDToString's escaping rules.

use keydesk_webauthn_client::{ccd_string, CeremonyType, CollectedClientData};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn b64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text)
}

/// A get ceremony on http://localhost from a published WebAuthn test vector set: challenge
/// 0xa1..=0xc0, clientDataJSON as the browser produced it.
#[test]
fn matches_a_browser_get_vector_byte_for_byte() -> TestResult {
    let challenge: Vec<u8> = (0xa1..=0xc0).collect();
    assert_eq!(
        b64("oaKjpKWmp6ipqqusra6vsLGys7S1tre4ubq7vL2-v8A")?,
        challenge
    );
    let expected = b64("eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoib2FLanBLV21wNmlwcXF1c3JhNnZzTEd5czdTMXRyZTR1YnE3dkwyLXY4QSIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3QiLCJjcm9zc09yaWdpbiI6ZmFsc2V9")?;
    let ours =
        CollectedClientData::new(CeremonyType::Get, &challenge, "http://localhost").to_json();
    assert_eq!(String::from_utf8(ours)?, String::from_utf8(expected)?);
    Ok(())
}

/// The member order of §5.8.1.2 (type, challenge, origin, crossOrigin), as in the spec's
/// own examples of the limited verification algorithm.
#[test]
fn create_member_order_and_hash() -> TestResult {
    let json = CollectedClientData::new(
        CeremonyType::Create,
        b"climb the mountain",
        "https://example.org",
    )
    .to_json();
    let text = String::from_utf8(json.clone())?;
    assert_eq!(
        text,
        r#"{"type":"webauthn.create","challenge":"Y2xpbWIgdGhlIG1vdW50YWlu","origin":"https://example.org","crossOrigin":false}"#
    );
    // The hash is SHA-256 of exactly these bytes.
    use sha2::Digest;
    let expected: [u8; 32] = sha2::Sha256::digest(&json).into();
    assert_eq!(CollectedClientData::hash(&json), expected);
    // And it parses as JSON with the same values (a server's view).
    let value: serde_json::Value = serde_json::from_slice(&json)?;
    assert_eq!(value["crossOrigin"], serde_json::Value::Bool(false));
    Ok(())
}

#[test]
fn cross_origin_adds_top_origin_after_cross_origin() {
    let mut data = CollectedClientData::new(CeremonyType::Get, &[0xff], "https://pay.example");
    data.top_origin = Some("https://shop.example".to_owned());
    assert_eq!(
        String::from_utf8_lossy(&data.to_json()),
        r#"{"type":"webauthn.get","challenge":"_w","origin":"https://pay.example","crossOrigin":true,"topOrigin":"https://shop.example"}"#
    );
}

#[test]
fn ccd_to_string_escapes_only_what_the_spec_says() {
    let mut out = String::new();
    ccd_string(&mut out, "a\"b\\c/d\u{0}\u{1f}\n\té€😀\u{7f}");
    // '/' and DEL stay as they are; control characters become lowercase \u escapes (no \n
    // shorthand); non-ASCII stays UTF-8.
    assert_eq!(
        out,
        "\"a\\\"b\\\\c/d\\u0000\\u001f\\u000a\\u0009é€😀\u{7f}\""
    );
    let reparsed: Result<String, _> = serde_json::from_str(&out);
    assert_eq!(
        reparsed.ok().as_deref(),
        Some("a\"b\\c/d\u{0}\u{1f}\n\té€😀\u{7f}")
    );
}
