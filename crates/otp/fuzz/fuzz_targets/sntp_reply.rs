#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| { let _ = keydesk_otp::sntp::transmit_time(data); });
