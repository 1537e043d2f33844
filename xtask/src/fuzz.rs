//! `cargo xtask fuzz [SECONDS]`: every cargo-fuzz target of every crate, for SECONDS each
//! (default 60), on stable Rust: cargo-fuzz's `--sanitizer none` keeps libFuzzer's coverage
//! guidance and drops only AddressSanitizer, which needs nightly. Safe Rust has no memory errors
//! for ASan to find; what fuzzing finds here is panics, overflows and hangs.
//! `cargo xtask test` runs each target briefly, so no target stops compiling unnoticed.

use crate::cmd::{cargo, repo_root, run, target_dir, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Seconds per target when `cargo xtask test` runs them.
pub const SECONDS_IN_TESTS: u64 = 2;

/// How inputs are drawn.
#[derive(Debug, Clone, Copy)]
pub enum Seed {
    /// A new random seed each run (`cargo xtask fuzz`): more ground covered over time.
    Random,
    /// The same seed each run (`cargo xtask test`): a test run does not fail by luck.
    Fixed,
}

pub fn fuzz(args: &[String]) -> Result {
    let seconds = match args.first() {
        Some(text) => text.parse().map_err(|_| format!("usage: cargo xtask fuzz [SECONDS per target], not {text:?}"))?,
        None => 60,
    };
    run_all(seconds, Seed::Random)
}

/// Builds and runs every target for `seconds`; the first crash or panic fails the run, with its
/// input saved under the crate's fuzz/artifacts/.
pub fn run_all(seconds: u64, seed: Seed) -> Result {
    ensure_cargo_fuzz()?;
    // Instrumented builds differ from normal ones: their own directory keeps both cached.
    let fuzz_target_dir = target_dir().join("fuzz");
    let crates = fuzzed_crates()?;
    let total: usize = crates.iter().map(|(_, targets)| targets.len()).sum();
    let mut done = 0;
    for (crate_dir, targets) in &crates {
        let name = crate_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        run(cargo_fuzz(crate_dir)
            .args(["build", "--sanitizer", "none", "--target-dir"])
            .arg(&fuzz_target_dir))?;
        for target in targets {
            done += 1;
            eprintln!("xtask: fuzzing {name}/{target} for {seconds} s ({done} of {total})");
            let corpus = fresh_corpus(crate_dir, target)?;
            let result = run(cargo_fuzz(crate_dir)
                .args(["run", target, "--sanitizer", "none", "--target-dir"])
                .arg(&fuzz_target_dir)
                .arg(&corpus)
                .arg("--")
                .arg(format!("-max_total_time={seconds}"))
                .args(["-timeout=10", "-print_final_stats=0"])
                .args(match seed {
                    Seed::Random => None,
                    Seed::Fixed => Some("-seed=20261122"),
                }));
            let _ = std::fs::remove_dir_all(&corpus);
            result.map_err(|e| format!("{e}\nfuzzing {name}/{target} found a failing input: it is saved under {}", crate_dir.join("fuzz").join("artifacts").join(target).display()))?;
        }
    }
    eprintln!("xtask: {total} fuzz targets ran {seconds} s each without a failure");
    Ok(())
}

/// `cargo fuzz` in `crate_dir` (the folder holding `fuzz/`).
fn cargo_fuzz(crate_dir: &Path) -> Command {
    let mut command = cargo();
    command.arg("fuzz").current_dir(crate_dir);
    command
}

/// Every crate with a `fuzz/` folder, and its targets (the `[[bin]]`s of fuzz/Cargo.toml).
fn fuzzed_crates() -> Result<Vec<(PathBuf, Vec<String>)>> {
    let crates_dir = repo_root().join("crates");
    let mut found = Vec::new();
    let entries = std::fs::read_dir(&crates_dir).map_err(|e| format!("cannot list {}: {e}", crates_dir.display()))?;
    for entry in entries.flatten() {
        let manifest = entry.path().join("fuzz").join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else { continue };
        let targets = bin_names(&text);
        if targets.is_empty() {
            return Err(format!("{} declares no fuzz target", manifest.display()));
        }
        found.push((entry.path(), targets));
    }
    found.sort();
    Ok(found)
}

/// The `name = "…"` of each `[[bin]]` table.
fn bin_names(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_bin = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin {
            if let Some(value) = line.strip_prefix("name").map(str::trim).and_then(|rest| rest.strip_prefix('=')) {
                names.push(value.trim().trim_matches('"').to_owned());
            }
        }
    }
    names
}

/// A scratch corpus seeded with the committed one, so a run never writes into the repository.
fn fresh_corpus(crate_dir: &Path, target: &str) -> Result<PathBuf> {
    let corpus = target_dir().join("fuzz-corpus").join(target);
    let _ = std::fs::remove_dir_all(&corpus);
    std::fs::create_dir_all(&corpus).map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;
    let committed = crate_dir.join("fuzz").join("corpus").join(target);
    if let Ok(seeds) = std::fs::read_dir(&committed) {
        for seed in seeds.flatten() {
            std::fs::copy(seed.path(), corpus.join(seed.file_name())).map_err(|e| format!("cannot copy {}: {e}", seed.path().display()))?;
        }
    }
    Ok(corpus)
}

/// `cargo install cargo-fuzz --locked` when `cargo fuzz` is not available.
fn ensure_cargo_fuzz() -> Result {
    let works = || cargo().args(["fuzz", "--version"]).output().is_ok_and(|o| o.status.success());
    if !works() {
        run(cargo().args(["install", "cargo-fuzz", "--locked"]))?;
        if !works() {
            return Err("cargo-fuzz was installed but `cargo fuzz` does not run".to_owned());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_names_are_read_from_a_cargo_fuzz_manifest() {
        let manifest = "[package]\nname = \"keydesk-ctap-fuzz\"\n\n[dependencies]\nlibfuzzer-sys = \"0.4\"\n\n[[bin]]\nname = \"cbor_decode\"\npath = \"fuzz_targets/cbor_decode.rs\"\n\n[[bin]]\nname = \"request_decode\"\n";
        assert_eq!(bin_names(manifest), ["cbor_decode", "request_decode"]);
    }

    #[test]
    fn every_fuzz_folder_has_targets_with_sources() {
        let crates = fuzzed_crates().unwrap();
        assert!(crates.len() >= 10, "{crates:?}");
        for (dir, targets) in crates {
            for target in targets {
                assert!(dir.join("fuzz").join("fuzz_targets").join(format!("{target}.rs")).is_file(), "{target} in {}", dir.display());
            }
        }
    }
}
