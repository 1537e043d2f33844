#![no_main]
libfuzzer_sys::fuzz_target!(|data: &str| { let mut c = keydesk_otp::migration::BatchCollector::new(); for line in data.lines() { let _ = c.add_uri(line); } let _ = c.finish(); });
