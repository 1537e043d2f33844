#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| { let _ = keydesk_otp::qr::decode_image(data); });
