#![no_main]
// Every decoder of server answers and of the profiles file, on arbitrary bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| keydesk_account::wire::decode_all(data));
