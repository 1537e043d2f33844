#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| if data.len() >= 24 { if let Ok(mut s) = keydesk_otp::secretstream::State::new(&[7u8; 32], &data[..24]) { let _ = s.pull(&data[24..], b""); } });
