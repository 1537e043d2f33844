#![no_main]
use keydesk_ctap_crypto::{pin, PinUvAuthProtocol, PinUvAuthToken, SharedSecret};

// First byte picks the protocol; the rest is a ciphertext from a hostile peer.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else { return };
    let shared = if selector & 1 == 0 {
        SharedSecret::from_bytes(PinUvAuthProtocol::One, &[1; 32])
    } else {
        SharedSecret::from_bytes(PinUvAuthProtocol::Two, &[2; 64])
    };
    let Ok(shared) = shared else { return };
    let _ = shared.decrypt(input);
    let _ = shared.verify(input, input.get(..32).unwrap_or(input));
    let _ = PinUvAuthToken::decrypt(&shared, input);
    let _ = pin::decrypt_new_pin(&shared, input, 4);
    let _ = pin::decrypt_pin_hash(&shared, input);
});
