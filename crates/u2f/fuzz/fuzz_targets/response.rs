#![no_main]
// Host side: response APDUs from a hostile authenticator.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = keydesk_u2f::RegisterResponse::decode_response_apdu(data);
    let _ = keydesk_u2f::AuthenticateResponse::decode_response_apdu(data);
    let _ = keydesk_u2f::decode_version_response(data);
});
