#![no_main]
use keydesk_otp::import::{parse, preview, ImportFormat, ImportOptions};
libfuzzer_sys::fuzz_target!(|data: &[u8]| { let o = ImportOptions { password: Some("fuzz".into()), ..ImportOptions::default() }; if let Ok(p) = parse(ImportFormat::OtpauthList, data, &o) { let _ = preview(ImportFormat::OtpauthList, p, &[]); } });
