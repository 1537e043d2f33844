//! The JSON types on their own: parsing errors that name the member, base64url rules,
//! unknown enumeration values and members ignored as the spec requires, secrets redacted.

use keydesk_webauthn_client::{
    parse_creation_options, parse_request_options, Base64Url, ClientExtensionOutputsJson,
    PrfOutput, PrfResultsJson, SecretBase64Url, WebAuthnError,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const MINIMAL: &str = r#"{"rp":{"name":"Example"},"user":{"id":"AQ","name":"a","displayName":"A"},"challenge":"AAEC","pubKeyCredParams":[]}"#;

#[test]
fn bare_and_wrapped_options_parse_alike() -> TestResult {
    let bare = parse_creation_options(MINIMAL)?;
    let wrapped = parse_creation_options(&format!(
        r#"{{"publicKey":{MINIMAL},"mediation":"conditional"}}"#
    ))?;
    assert_eq!(bare, wrapped);
    assert_eq!(bare.rp.id, None);
    assert_eq!(bare.challenge.0, vec![0, 1, 2]);
    assert!(bare.exclude_credentials.is_empty());
    let request = parse_request_options(
        r#"{"challenge":"AAEC","futureMember":{"x":1},"userVerification":"someday"}"#,
    )?;
    assert_eq!(request.user_verification.as_deref(), Some("someday"));
    assert_eq!(
        keydesk_webauthn_client::user_verification(request.user_verification.as_deref()),
        keydesk_ctap_client::UserVerification::Preferred,
        "unknown enumeration values fall back to the default"
    );
    Ok(())
}

#[test]
fn errors_name_the_wrong_member() {
    let missing =
        parse_creation_options(r#"{"rp":{"name":"x"},"challenge":"AA","pubKeyCredParams":[]}"#);
    let message = missing.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("user"), "{message}");
    let bad_b64 = parse_request_options(r#"{"challenge":"a+b/"}"#);
    assert!(
        matches!(bad_b64, Err(WebAuthnError::InvalidOptions(ref m)) if m.contains("base64url")),
        "{bad_b64:?}"
    );
    let not_json = parse_request_options("{");
    assert!(matches!(not_json, Err(WebAuthnError::InvalidOptions(_))));
}

#[test]
fn base64url_is_unpadded_out_and_lenient_on_padding_in() -> TestResult {
    assert_eq!(Base64Url::encode(&[0xfb, 0xff]), "-_8");
    assert_eq!(Base64Url::decode("-_8")?, vec![0xfb, 0xff]);
    assert_eq!(Base64Url::decode("-_8=")?, vec![0xfb, 0xff]);
    assert!(Base64Url::decode("+/8").is_err());
    assert_eq!(
        serde_json::to_string(&Base64Url(vec![1, 2, 3, 4]))?,
        r#""AQIDBA""#
    );
    Ok(())
}

#[test]
fn prf_results_are_redacted_in_debug_but_serialized_for_the_rp() -> TestResult {
    let outputs = ClientExtensionOutputsJson {
        prf: Some(PrfOutput {
            enabled: None,
            results: Some(PrfResultsJson {
                first: SecretBase64Url(vec![0xab; 32]),
                second: None,
            }),
        }),
        ..ClientExtensionOutputsJson::default()
    };
    let debug = format!("{outputs:?}");
    assert!(!debug.contains("171") && !debug.contains("q6ur"), "{debug}");
    let json = serde_json::to_value(&outputs)?;
    assert_eq!(
        json["prf"]["results"]["first"],
        Base64Url::encode(&[0xab; 32])
    );
    assert!(json["prf"].get("enabled").is_none());
    Ok(())
}
