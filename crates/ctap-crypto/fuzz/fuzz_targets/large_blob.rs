#![no_main]
use keydesk_ctap_crypto::large_blob::{self, LargeBlobEntry, LargeBlobKey};

// A serialized large-blob array, and an entry's fields, from a hostile authenticator.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = large_blob::open_serialized_array(data);
    let (nonce, ciphertext) = data.split_at(data.len().min(12));
    let entry = LargeBlobEntry {
        ciphertext: ciphertext.to_vec(),
        nonce: nonce.to_vec(),
        orig_size: data.len() as u64,
    };
    let _ = large_blob::decrypt_entry(&LargeBlobKey::from_bytes([4; 32]), &entry, 4096);
});
