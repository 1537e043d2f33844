#![no_main]
use libfuzzer_sys::fuzz_target;
fuzz_target!(|data: &[u8]| keydesk_framing::fuzz_harness::apdu_command(data));
