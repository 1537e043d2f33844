//! Hostile-input tests that run on stable Rust in CI: deterministic pseudo-random and mutated
//! inputs for the URI parser, the migration decoder and secretstream, with round-trip checks
//! wherever a parse succeeds. (The importers have their own in `import::tests`; the
//! libFuzzer targets live in `fuzz/`.)

use crate::import::tests::{mutate, Rng};
use crate::migration::{self, decode_payload, encode_payload};
use crate::uri::{parse, to_canonical_uri};

const URI_SEEDS: &[&str] = &[
    "otpauth://totp/ACME%20Co:john@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&algorithm=SHA256&digits=8&period=60",
    "otpauth://hotp/Label%3Aalice?secret=jbsw y3dp&counter=7&period=30&image=https%3A%2F%2Fx",
    "otpauth://totp/Old:bob?secret=JBSWY3DPEHPK3PXP&issuer=New&codeDisplay=%7B%22pinned%22%3Atrue%7D",
    "steam://JBSWY3DPEHPK3PXP",
    "otpauth://yaotp/me?secret=6SB2IKNM6OBZPAVBVTOHDKS4FAAAAAAADFUTQMBTRY&pin=5239",
    "motp://Corp:me?secret=e3152afee62599c8&pin=1234",
    "otpauth://totp/A%3Ab:c?secret=JBSWY3DPEHPK3PXP&encoder=steam",
];

#[test]
fn uri_parser_survives_mutations_and_round_trips() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let mut parsed_ok = 0;
    for i in 0..6000 {
        let seed = URI_SEEDS[i % URI_SEEDS.len()];
        let mutated = String::from_utf8_lossy(&mutate(&mut rng, seed.as_bytes())).into_owned();
        if let Ok(p) = parse(&mutated) {
            parsed_ok += 1;
            let canonical = to_canonical_uri(&p.account);
            let again = parse(&canonical).unwrap_or_else(|e| panic!("{mutated:?} -> {canonical:?}: {e}"));
            assert!(again.account.same_generator(&p.account), "{mutated:?}");
            assert_eq!((&again.account.issuer, &again.account.name), (&p.account.issuer, &p.account.name), "{mutated:?} -> {canonical}");
        }
    }
    assert!(parsed_ok > 500, "mutations should still often parse ({parsed_ok})");
    for _ in 0..2000 {
        let len = rng.below(120);
        let random: String = (0..len).map(|_| char::from_u32(rng.below(0x250) as u32).unwrap_or('x')).collect();
        let _ = parse(&format!("otpauth://{random}"));
        let _ = crate::uri::parse_uri_or_secret(&random);
    }
}

#[test]
fn migration_decoder_survives_mutations_and_round_trips() {
    let accounts = crate::import::tests::canonical();
    let seeds: Vec<Vec<u8>> = migration::export_batches(&accounts, 2, 3)
        .uris
        .iter()
        .map(|u| encode_payload(&migration::parse_uri(u.expose()).unwrap()).to_vec())
        .collect();
    let mut rng = Rng(0xfeed_face_dead_beef);
    for i in 0..6000 {
        let mutated = mutate(&mut rng, &seeds[i % seeds.len()]);
        if let Ok(payload) = decode_payload(&mutated) {
            for entry in &payload.entries {
                let _ = entry.to_account();
            }
            assert_eq!(decode_payload(&encode_payload(&payload)).unwrap(), payload);
        }
    }
    for _ in 0..3000 {
        let len = rng.below(64);
        let random: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let _ = decode_payload(&random);
        let uri = format!("otpauth-migration://offline?data={}", String::from_utf8_lossy(&random));
        let _ = migration::parse_uri(&uri);
    }
}

#[test]
fn secretstream_pull_survives_random_input() {
    let mut rng = Rng(42);
    for _ in 0..3000 {
        let len = rng.below(100);
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if let Ok(mut state) = crate::secretstream::State::new(&[1u8; 32], data.get(..24).unwrap_or(&[0u8; 24])) {
            assert!(state.pull(data.get(24..).unwrap_or_default(), b"").is_err(), "random data never authenticates");
        }
    }
}
