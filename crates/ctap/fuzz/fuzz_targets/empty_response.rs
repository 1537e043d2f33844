#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = <keydesk_ctap::commands::EmptyResponse as keydesk_ctap::CommandResponse>::decode(data);
});
