#![no_main]
libfuzzer_sys::fuzz_target!(|data: &str| if let Ok(p) = keydesk_otp::uri::parse(data) { let _ = keydesk_otp::uri::parse(&keydesk_otp::uri::to_canonical_uri(&p.account)); });
