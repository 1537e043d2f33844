#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = keydesk_ctap::auth_data::AuthenticatorData::from_bytes(data);
});
