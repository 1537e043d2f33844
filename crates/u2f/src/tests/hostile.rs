//! Pseudo-random and mutated input to every decoder: each must return, never panic.

use crate::{
    decode_version_response, ApduEncoding, AuthenticateControl, AuthenticateRequest,
    AuthenticateResponse, CommandApdu, RegisterResponse, Request, ResponseApdu,
};

/// xorshift64*: a deterministic generator, enough to make test input.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, max_len: usize) -> Vec<u8> {
        let len = self.below(max_len + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }

    fn mutate(&mut self, valid: &[u8]) -> Vec<u8> {
        let mut bytes = valid.to_vec();
        for _ in 0..1 + self.below(4) {
            let at = if bytes.is_empty() {
                0
            } else {
                self.below(bytes.len())
            };
            match self.below(4) {
                0 if !bytes.is_empty() => bytes[at] = self.next() as u8,
                1 => bytes.insert(at, self.next() as u8),
                2 if !bytes.is_empty() => {
                    bytes.remove(at);
                }
                _ => bytes.truncate(at),
            }
        }
        bytes
    }
}

const ROUNDS: usize = 5_000;

fn decode_everything(bytes: &[u8]) {
    let _ = CommandApdu::decode(bytes);
    let _ = Request::decode(bytes);
    let _ = ResponseApdu::decode(bytes);
    let _ = RegisterResponse::decode(bytes);
    let _ = RegisterResponse::decode_response_apdu(bytes);
    let _ = AuthenticateResponse::decode(bytes);
    let _ = AuthenticateResponse::decode_response_apdu(bytes);
    let _ = decode_version_response(bytes);
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Xorshift(0x5eed_0001);
    for _ in 0..ROUNDS {
        decode_everything(&rng.bytes(400));
    }
}

#[test]
fn mutated_valid_messages_never_panic() {
    let mut rng = Xorshift(0x5eed_0002);
    let mut public_key = [9u8; 65];
    public_key[0] = 0x04;
    let register = RegisterResponse {
        user_public_key: public_key,
        key_handle: vec![1; 64],
        attestation_certificate: [vec![0x30, 0x81, 0x90], vec![2; 0x90]].concat(),
        signature: [vec![0x30, 0x44], vec![3; 0x44]].concat(),
    }
    .encode_response_apdu()
    .unwrap();
    let authenticate = AuthenticateResponse {
        user_presence: 1,
        counter: 7,
        signature: vec![0x30, 0x01, 0x00],
    }
    .encode_response_apdu();
    let request = Request::Authenticate(AuthenticateRequest {
        control: AuthenticateControl::EnforceUserPresenceAndSign,
        challenge: [4; 32],
        application: [5; 32],
        key_handle: vec![6; 64],
    });
    let valid = [
        register,
        authenticate,
        request.encode(ApduEncoding::Short).unwrap(),
        request.encode(ApduEncoding::Extended).unwrap(),
    ];
    for round in 0..ROUNDS {
        let mutated = rng.mutate(&valid[round % valid.len()]);
        decode_everything(&mutated);
    }
}
