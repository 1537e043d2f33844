#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = keydesk_ctap::cbor::decode_with(data, keydesk_ctap::cbor::DecodeOptions::CANONICAL);
});
