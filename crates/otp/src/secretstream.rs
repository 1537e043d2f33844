//! libsodium's `crypto_secretstream_xchacha20poly1305`, written from its documented
//! construction (libsodium docs, "Encrypted streams and file encryption" / "Internals"),
//! with the `chacha20` and `poly1305` crates. Ente Auth encrypts its exports with it.
//!
//! State: a 32-byte key `k` = HChaCha20(key, header[0..16]) and a 12-byte IETF nonce
//! `counter(4, LE, starts at 1) || inonce(8) = header[16..24]`. Each message is
//! `c0 || c || mac`: the tag byte is encrypted with keystream block 1, the message from block 2;
//! Poly1305 (keyed by block 0) covers `ad`, the 64-byte tag block, `c`, libsodium's padding
//! (`mlen mod 16` zero bytes) and the lengths.
//! After each message `inonce ^= mac[0..8]` and the counter increments; a REKEY tag or a
//! counter wrap rekeys.

use chacha20::cipher::{StreamCipher, StreamCipherSeek};
use chacha20::{ChaCha20, KeyIvInit};
use poly1305::universal_hash::KeyInit;
use poly1305::Poly1305;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// Header length (`crypto_secretstream_xchacha20poly1305_HEADERBYTES`).
pub const HEADER_BYTES: usize = 24;
/// Per-message overhead: tag byte plus MAC (`..._ABYTES`).
pub const A_BYTES: usize = 17;
pub const TAG_MESSAGE: u8 = 0;
pub const TAG_PUSH: u8 = 1;
pub const TAG_REKEY: u8 = 2;
pub const TAG_FINAL: u8 = TAG_PUSH | TAG_REKEY;

/// A message that cannot be decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretStreamError {
    #[error("the header is {0} bytes; secretstream headers are 24 bytes")]
    BadHeaderLength(usize),
    #[error("the key is {0} bytes; secretstream keys are 32 bytes")]
    BadKeyLength(usize),
    #[error("the message is shorter than the 17-byte overhead")]
    Truncated,
    #[error("authentication failed: wrong key or corrupted data")]
    Authentication,
}

/// One direction of a secretstream.
pub struct State {
    k: Zeroizing<[u8; 32]>,
    nonce: [u8; 12],
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("secretstream::State(<redacted>)")
    }
}

impl State {
    /// `crypto_secretstream_xchacha20poly1305_init_pull` (also the push init with a caller-chosen
    /// random header).
    pub fn new(key: &[u8], header: &[u8]) -> Result<Self, SecretStreamError> {
        if key.len() != 32 {
            return Err(SecretStreamError::BadKeyLength(key.len()));
        }
        if header.len() != HEADER_BYTES {
            return Err(SecretStreamError::BadHeaderLength(header.len()));
        }
        let key_array = chacha20::Key::try_from(key).map_err(|_| SecretStreamError::BadKeyLength(key.len()))?;
        let input = chacha20::cipher::Array::try_from(&header[..16]).map_err(|_| SecretStreamError::BadHeaderLength(header.len()))?;
        let mut derived = chacha20::hchacha::<chacha20::R20>(&key_array, &input);
        let mut k = Zeroizing::new([0u8; 32]);
        k.copy_from_slice(&derived);
        derived.zeroize();
        let mut nonce = [0u8; 12];
        nonce[0] = 1;
        nonce[4..].copy_from_slice(&header[16..]);
        Ok(Self { k, nonce })
    }

    fn xor_keystream(&self, data: &mut [u8], block_counter: u64) {
        let mut cipher = ChaCha20::new(&(*self.k).into(), &self.nonce.into());
        cipher.seek(block_counter * 64);
        cipher.apply_keystream(data);
    }

    fn mac(&self, ad: &[u8], tag_block: &[u8; 64], ciphertext: &[u8]) -> [u8; 16] {
        let mut block0 = Zeroizing::new([0u8; 64]);
        self.xor_keystream(block0.as_mut(), 0);
        let poly = match Poly1305::new_from_slice(&block0[..32]) {
            Ok(p) => p,
            // 32 bytes is always a valid Poly1305 key.
            Err(_) => return [0u8; 16],
        };
        // libsodium pads the ciphertext with (0x10 - 64 + mlen) & 0xf zero bytes, i.e.
        // mlen mod 16 (not up to a block boundary), so the stream is assembled here and
        // authenticated in one unpadded pass.
        let ad_pad = (16 - ad.len() % 16) % 16;
        let c_pad = ciphertext.len() % 16;
        let mut input = Zeroizing::new(Vec::with_capacity(ad.len() + ad_pad + 64 + ciphertext.len() + c_pad + 16));
        input.extend_from_slice(ad);
        input.resize(ad.len() + ad_pad, 0);
        input.extend_from_slice(tag_block);
        input.extend_from_slice(ciphertext);
        let padded_len = input.len() + c_pad;
        input.resize(padded_len, 0);
        input.extend_from_slice(&(ad.len() as u64).to_le_bytes());
        input.extend_from_slice(&(64 + ciphertext.len() as u64).to_le_bytes());
        let mut out = [0u8; 16];
        out.copy_from_slice(&poly.compute_unpadded(&input));
        out
    }

    fn advance(&mut self, mac: &[u8; 16], tag: u8) {
        for (n, m) in self.nonce[4..].iter_mut().zip(mac) {
            *n ^= m;
        }
        let counter = u32::from_le_bytes([self.nonce[0], self.nonce[1], self.nonce[2], self.nonce[3]]).wrapping_add(1);
        self.nonce[..4].copy_from_slice(&counter.to_le_bytes());
        if tag & TAG_REKEY != 0 || counter == 0 {
            self.rekey();
        }
    }

    /// `crypto_secretstream_xchacha20poly1305_rekey`.
    pub fn rekey(&mut self) {
        let mut buf = Zeroizing::new([0u8; 40]);
        buf[..32].copy_from_slice(self.k.as_ref());
        buf[32..].copy_from_slice(&self.nonce[4..]);
        self.xor_keystream(buf.as_mut(), 0);
        self.k.copy_from_slice(&buf[..32]);
        self.nonce[4..].copy_from_slice(&buf[32..]);
        self.nonce[..4].copy_from_slice(&1u32.to_le_bytes());
    }

    /// `crypto_secretstream_xchacha20poly1305_pull`: the plaintext and its tag.
    pub fn pull(&mut self, message: &[u8], ad: &[u8]) -> Result<(Zeroizing<Vec<u8>>, u8), SecretStreamError> {
        let mlen = message.len().checked_sub(A_BYTES).ok_or(SecretStreamError::Truncated)?;
        let (first, rest) = message.split_first().ok_or(SecretStreamError::Truncated)?;
        let (ciphertext, stored_mac) = rest.split_at(mlen);
        let mut tag_block = [0u8; 64];
        tag_block[0] = *first;
        self.xor_keystream(&mut tag_block, 1);
        let tag = tag_block[0];
        tag_block[0] = *first;
        let mac = self.mac(ad, &tag_block, ciphertext);
        if !bool::from(mac.ct_eq(stored_mac)) {
            return Err(SecretStreamError::Authentication);
        }
        let mut plain = Zeroizing::new(ciphertext.to_vec());
        self.xor_keystream(&mut plain, 2);
        self.advance(&mac, tag);
        Ok((plain, tag))
    }

    /// `crypto_secretstream_xchacha20poly1305_push`.
    pub fn push(&mut self, plaintext: &[u8], ad: &[u8], tag: u8) -> Vec<u8> {
        let mut tag_block = [0u8; 64];
        tag_block[0] = tag;
        self.xor_keystream(&mut tag_block, 1);
        let mut out = Vec::with_capacity(plaintext.len() + A_BYTES);
        out.push(tag_block[0]);
        out.extend_from_slice(plaintext);
        self.xor_keystream(&mut out[1..], 2);
        let mac = self.mac(ad, &tag_block, &out[1..]);
        tag_block.zeroize();
        out.extend_from_slice(&mac);
        self.advance(&mac, tag);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Produced once by libsodium (through PyNaCl's bindings) with key = 00 01 .. 1f: three
    /// messages, the second with additional data and a REKEY tag, the third FINAL.
    const HEADER: &str = "ae3cfeb058c130edfcace2124e7cc0acdc7d7b49063c7da8";
    const C1: &str = "360c95187a62d430c9cd804d4515b7a6744fd52b0b6608673f26b56090f4465d2ec09b17cca1d7c121d0a43e897603e9b25f";
    const C2: &str = "1b800914be59a92a34813711ae10d22883";
    const C3: &str = "e479f3342811d3bb5ceab17cfa374d5a2a6a9b8807609767a0feb6fd";

    fn key() -> Vec<u8> {
        (0u8..32).collect()
    }

    #[test]
    fn pulls_libsodium_output() {
        let mut state = State::new(&key(), &hex::decode(HEADER).unwrap()).unwrap();
        let (m1, t1) = state.pull(&hex::decode(C1).unwrap(), b"").unwrap();
        assert_eq!((m1.as_slice(), t1), (&b"first message, 33 bytes long....!"[..], TAG_MESSAGE));
        let (m2, t2) = state.pull(&hex::decode(C2).unwrap(), b"ad").unwrap();
        assert_eq!((m2.as_slice(), t2), (&b""[..], TAG_REKEY));
        let (m3, t3) = state.pull(&hex::decode(C3).unwrap(), b"").unwrap();
        assert_eq!((m3.as_slice(), t3), (&b"after rekey"[..], TAG_FINAL));
    }

    #[test]
    fn push_reproduces_libsodium_output() {
        let mut state = State::new(&key(), &hex::decode(HEADER).unwrap()).unwrap();
        assert_eq!(hex::encode(state.push(b"first message, 33 bytes long....!", b"", TAG_MESSAGE)), C1);
        assert_eq!(hex::encode(state.push(b"", b"ad", TAG_REKEY)), C2);
        assert_eq!(hex::encode(state.push(b"after rekey", b"", TAG_FINAL)), C3);
    }

    #[test]
    fn tampering_and_bad_input_are_errors() {
        let header = hex::decode(HEADER).unwrap();
        let mut c1 = hex::decode(C1).unwrap();
        c1[5] ^= 0x80;
        assert_eq!(State::new(&key(), &header).unwrap().pull(&c1, b"").unwrap_err(), SecretStreamError::Authentication);
        let c2 = hex::decode(C2).unwrap();
        // Out of order: the second message under the initial state fails.
        assert_eq!(State::new(&key(), &header).unwrap().pull(&c2, b"ad").unwrap_err(), SecretStreamError::Authentication);
        assert_eq!(State::new(&key(), &header).unwrap().pull(&[0u8; 16], b"").unwrap_err(), SecretStreamError::Truncated);
        assert!(State::new(&key(), &header[..23]).is_err());
        assert!(State::new(&key()[..31], &header).is_err());
    }
}
