#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = <keydesk_ctap::commands::ClientPinResponse as keydesk_ctap::CommandResponse>::decode(data);
});
