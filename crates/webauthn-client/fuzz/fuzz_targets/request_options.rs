#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<
        keydesk_webauthn_client::Wrapped<keydesk_webauthn_client::RequestOptionsJson>,
    >(data);
});
