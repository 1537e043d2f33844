#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| keydesk_ctap_client::fuzzing::responses(data));
