//! Benchmark: import a generated 10,000-entry plain Aegis file and list every current code.
//!
//! Prints both times, the per-entry cost, and baselines measured in the same run (raw
//! HMAC-SHA1 of 10,000 codes, raw `serde_json` parse of the same file) with the ratios.
//! Goal: import and listing each under one second. Run: `cargo bench -p keydesk-otp`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use keydesk_otp::import::{self, ImportFormat, ImportOptions};
use keydesk_otp::vault::{CodeView, PasswordKdfParams, Vault, VaultOptions};
use keydesk_otp::{base32, SecretString};
use serde_json::json;

const ENTRIES: usize = 10_000;

/// A distinct 20-byte secret per entry.
fn secret_for(i: usize) -> Vec<u8> {
    let mut secret = (i as u64).to_be_bytes().to_vec();
    secret.extend((0..12).map(|j| (i * 31 + j * 7) as u8));
    secret
}

fn generate_aegis(n: usize) -> Vec<u8> {
    let entries: Vec<_> = (0..n)
        .map(|i| {
            let secret = secret_for(i);
            let (kind, info) = match i % 10 {
                0 => ("hotp", json!({"secret": base32::encode(&secret), "algo": "SHA1", "digits": 6, "counter": i})),
                1 => ("steam", json!({"secret": base32::encode(&secret), "algo": "SHA1", "digits": 5, "period": 30})),
                2 => ("totp", json!({"secret": base32::encode(&secret), "algo": "SHA256", "digits": 8, "period": 60})),
                _ => ("totp", json!({"secret": base32::encode(&secret), "algo": "SHA1", "digits": 6, "period": 30})),
            };
            json!({"type": kind, "uuid": format!("00000000-0000-4000-8000-{i:012}"), "name": format!("user{i}@example.com"),
                   "issuer": format!("Service {}", i % 500), "note": "", "favorite": i % 100 == 0, "icon": null, "groups": [], "info": info})
        })
        .collect();
    json!({"version": 1, "header": {"slots": null, "params": null}, "db": {"version": 3, "entries": entries, "groups": []}})
        .to_string()
        .into_bytes()
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let file = generate_aegis(ENTRIES);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1_700_000_000, |d| d.as_secs());
    println!("keydesk-otp benchmark: {ENTRIES} entries, plain Aegis file of {} KiB", file.len() / 1024);

    // Baselines.
    let (_, json_baseline) = time(|| black_box(serde_json::from_slice::<serde_json::Value>(black_box(&file)).map(|v| v.is_object())));
    let keys: Vec<Vec<u8>> = (0..ENTRIES).map(secret_for).collect();
    let (_, hmac_baseline) = time(|| {
        let mut acc = 0u32;
        for key in &keys {
            if let Ok(mut mac) = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(key) {
                mac.update(&(now / 30).to_be_bytes());
                acc ^= u32::from(mac.finalize().into_bytes()[19]);
            }
        }
        black_box(acc)
    });

    // Import: parse + validate + preview (duplicate detection) against an empty vault.
    let (preview, import_time) = time(|| {
        let parsed = import::parse(ImportFormat::Aegis, &file, &ImportOptions::default());
        parsed.map(|p| import::preview(ImportFormat::Aegis, p, &[]))
    });
    let preview = match preview {
        Ok(p) => p,
        Err(e) => {
            eprintln!("import failed: {e}");
            std::process::exit(1);
        }
    };
    let (new, duplicates, skipped) = preview.counts();
    assert_eq!((new, duplicates, skipped), (ENTRIES, 0, 0), "every generated entry imports");

    // Commit into a vault (one encrypted, atomic save) and list every current code.
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("tempdir: {e}");
            std::process::exit(1);
        }
    };
    let kdf = PasswordKdfParams { memory_kib: 1024, iterations: 1, parallelism: 1 };
    let vault = Vault::create(&dir.path().join("bench.vault"), &SecretString::from("bench"), kdf, VaultOptions::default());
    let mut vault = match vault {
        Ok(v) => v,
        Err(e) => {
            eprintln!("vault: {e}");
            std::process::exit(1);
        }
    };
    let (saved, save_time) = time(|| vault.apply_import(&preview));
    if let Err(e) = saved {
        eprintln!("saving the import failed: {e}");
        std::process::exit(1);
    }
    let (listed, list_time) = time(|| {
        let views = vault.codes(now);
        views.iter().filter(|(_, v)| matches!(v, CodeView::Ready(_) | CodeView::HotpOnRequest { .. })).count()
    });
    assert_eq!(listed, ENTRIES, "every account lists a code");

    let per = |d: Duration| d.as_secs_f64() * 1e6 / ENTRIES as f64;
    println!("import (parse + validate + preview): {:>8.1} ms  ({:.2} us/entry)", ms(import_time), per(import_time));
    println!("  baseline serde_json parse only:    {:>8.1} ms  -> ratio {:.1}x", ms(json_baseline), import_time.as_secs_f64() / json_baseline.as_secs_f64());
    println!("commit to encrypted vault (1 save):  {:>8.1} ms  ({:.2} us/entry)", ms(save_time), per(save_time));
    println!("list every current code:             {:>8.1} ms  ({:.2} us/entry)", ms(list_time), per(list_time));
    println!("  baseline raw HMAC-SHA1 x {ENTRIES}:   {:>8.1} ms  -> ratio {:.1}x", ms(hmac_baseline), list_time.as_secs_f64() / hmac_baseline.as_secs_f64());
    let goal = Duration::from_secs(1);
    println!(
        "goal (< 1 s each): import {}, listing {}",
        if import_time < goal { "met" } else { "MISSED" },
        if list_time < goal { "met" } else { "MISSED" }
    );
}
