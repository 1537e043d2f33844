#![no_main]
use keydesk_virtual_key::fuzzing;
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzzing::ctap_request(data));
