//! Hostile input on stable Rust: pseudo-random and mutated options JSON and origins (a
//! deterministic generator, bounded counts) must give errors, never panics; mutated options
//! that still parse run a whole ceremony against the virtual key.

mod support;

use keydesk_webauthn_client::{
    authenticate, register, CallerOrigin, CreationOptionsJson, RequestOptionsJson, Wrapped,
};
use support::*;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }
}

const CREATION: &str = r#"{"rp":{"id":"example.com","name":"Example"},"user":{"id":"dXNlcg","name":"a","displayName":"A"},"challenge":"Y2hhbGxlbmdl","pubKeyCredParams":[{"type":"public-key","alg":-7}],"excludeCredentials":[{"type":"public-key","id":"AAAA"}],"authenticatorSelection":{"residentKey":"preferred","userVerification":"discouraged"},"attestation":"direct","extensions":{"credProps":true,"prf":{"eval":{"first":"AQ"}},"largeBlob":{"support":"preferred"},"minPinLength":true,"credentialProtectionPolicy":"userVerificationOptional"}}"#;
const REQUEST: &str = r#"{"challenge":"Y2hhbGxlbmdl","rpId":"example.com","allowCredentials":[{"type":"public-key","id":"AAAA"}],"userVerification":"discouraged","extensions":{"prf":{"eval":{"first":"AQ"},"evalByCredential":{"AAAA":{"first":"Ag"}}},"largeBlob":{"read":true}}}"#;
const ALPHABET: &[u8] = b"{}[]\":,0123456789-truefalsnul abcxyzAZ_=+/.\\\x00\xff";

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(3) {
            0 if at < bytes.len() => {
                bytes.remove(at);
            }
            1 if at < bytes.len() => bytes[at] = ALPHABET[rng.below(ALPHABET.len())],
            _ => bytes.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
        }
    }
    bytes
}

#[test]
fn mutated_options_never_panic_and_parsed_ones_run() -> TestResult {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut key = client("hostile", 99);
    let mut ui = TestUi::default();
    let mut ceremonies = 0;
    for round in 0..1500 {
        let creation = mutate(&mut rng, CREATION.as_bytes());
        if let Ok(options) = serde_json::from_slice::<Wrapped<CreationOptionsJson>>(&creation) {
            if round % 5 == 0 {
                let _ = register(
                    &mut key,
                    &options.into_inner(),
                    "https://example.com",
                    &mut ui,
                    soon(),
                );
                ceremonies += 1;
            }
        }
        let request = mutate(&mut rng, REQUEST.as_bytes());
        if let Ok(options) = serde_json::from_slice::<Wrapped<RequestOptionsJson>>(&request) {
            if round % 5 == 0 {
                let _ = authenticate(
                    &mut key,
                    &options.into_inner(),
                    "https://example.com",
                    &mut ui,
                    soon(),
                );
                ceremonies += 1;
            }
        }
        let random: Vec<u8> = (0..rng.below(64))
            .map(|_| ALPHABET[rng.below(ALPHABET.len())])
            .collect();
        let _ = serde_json::from_slice::<Wrapped<CreationOptionsJson>>(&random);
        let _ = serde_json::from_slice::<Wrapped<RequestOptionsJson>>(&random);
    }
    assert!(
        ceremonies > 20,
        "too few mutated options parsed: {ceremonies}"
    );
    Ok(())
}

#[test]
fn random_origins_and_rp_ids_never_panic() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let seeds = [
        "https://login.example.com",
        "http://localhost:8080",
        "https://[::1]",
        "https://bücher.example",
        "https://a.github.io",
    ];
    let pieces = [
        "example.com",
        "github.io",
        "co.uk",
        "localhost",
        "..",
        "xn--",
        "[::1]",
        "%00",
        "é",
        ":99999",
        "@",
        "#",
        "/",
    ];
    for _ in 0..3000 {
        let seed = seeds[rng.below(seeds.len())];
        let mut origin = String::from(seed);
        let mut rp_id = String::from(pieces[rng.below(pieces.len())]);
        for _ in 0..rng.below(3) {
            let piece = pieces[rng.below(pieces.len())];
            if rng.below(2) == 0 {
                origin.push_str(piece);
            } else {
                rp_id = format!("{piece}.{rp_id}");
            }
        }
        if let Ok(caller) = CallerOrigin::parse(&origin) {
            if let Ok(accepted) = caller.rp_id(Some(&rp_id)) {
                // Whatever is accepted is the origin's domain or a suffix of it.
                assert!(
                    caller.effective_domain() == accepted
                        || caller.effective_domain().ends_with(&format!(".{accepted}")),
                    "{origin} accepted {accepted}"
                );
            }
        }
    }
}
