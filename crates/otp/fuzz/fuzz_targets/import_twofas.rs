#![no_main]
use keydesk_otp::{crypto::KdfLimits, import::{parse, preview, ImportFormat, ImportLimits, ImportOptions}};
libfuzzer_sys::fuzz_target!(|data: &[u8]| { let kdf = KdfLimits { max_scrypt_n: 1 << 12, max_argon2_memory_bytes: 1 << 20, max_argon2_iterations: 4, max_pbkdf2_iterations: 20_000, ..KdfLimits::default() }; let o = ImportOptions { password: Some("fuzz".into()), limits: ImportLimits { kdf, ..ImportLimits::default() } }; if let Ok(p) = parse(ImportFormat::TwoFas, data, &o) { let _ = preview(ImportFormat::TwoFas, p, &[]); } });
