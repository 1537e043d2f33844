#![no_main]
// The sealed state file's header parser and decryption, on arbitrary bytes, with a fixed key.
libfuzzer_sys::fuzz_target!(|data: &[u8]| keydesk_platform_authenticator::sealed::fuzz_decode(data));
