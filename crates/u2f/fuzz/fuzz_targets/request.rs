#![no_main]
// Authenticator side: command APDUs from a hostile host.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = keydesk_u2f::Request::decode(data);
});
