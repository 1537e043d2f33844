#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = keydesk_ctap::commands::parse_large_blob_array(data);
});
