#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| if let Ok(p) = keydesk_otp::migration::decode_payload(data) { for e in &p.entries { let _ = e.to_account(); } });
