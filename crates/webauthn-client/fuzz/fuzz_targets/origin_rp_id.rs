#![no_main]
libfuzzer_sys::fuzz_target!(|data: (&str, &str)| {
    let _ = keydesk_webauthn_client::CallerOrigin::parse(data.0).map(|o| o.rp_id(Some(data.1)));
});
