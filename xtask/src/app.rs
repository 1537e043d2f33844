//! The desktop app (src-tauri + ui/): build the UI, run its tests (Vitest, Playwright with the
//! IPC mocked, tauri-driver end to end under Xvfb), screenshots, `run`, and the start-up
//! benchmark against an empty Tauri 2 window.
//!
//! Wiring (for main.rs / test.rs):
//! - before anything builds keydesk-desktop (clippy/test --workspace): `app::build_ui()`
//!   (tauri embeds ui/dist at compile time; without it the build stops with a message).
//! - `cargo xtask test`: `app::build_ui()` first, then after `cargo test --workspace`:
//!   `app::test_ui()` and `app::test_end_to_end()`.
//! - `cargo xtask run`: `app::run_app(args)`; `cargo xtask screenshots`: `app::screenshots()`;
//!   `cargo xtask bench`: `app::bench_startup()`.

use crate::cmd::{cargo, repo_root, run, target_dir, Result};
use crate::system_packages::ensure;
use keydesk_testkit::{on_path, Xvfb};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Needed to build the app: WebKitGTK 4.1, the tray (ayatana), icons (rsvg), xdo (menus).
/// Node.js and npm for the UI come from [`ensure_node`].
pub const BUILD_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
];

/// Node.js and npm for the UI: Debian's packages unless an npm is already on PATH (a NodeSource
/// nodejs bundles npm and conflicts with Debian's npm package, so asking apt for it would fail).
pub fn ensure_node() -> Result {
    if on_path("npm") && on_path("node") {
        return Ok(());
    }
    ensure(&["nodejs", "npm"])
}

/// Needed by its tests: a virtual display, the WebKit WebDriver for tauri-driver, Chromium for
/// the Playwright tests and the screenshots, and a Secret Service in its own D-Bus session
/// (dbus-run-session, gnome-keyring) for the end-to-end run's server sessions.
pub const TEST_PACKAGES: &[&str] = &["xvfb", "xauth", "webkit2gtk-driver", "chromium", "dbus-daemon", "gnome-keyring"];

fn ui_dir() -> PathBuf {
    repo_root().join("ui")
}

fn npm(args: &[&str]) -> Command {
    let mut command = Command::new("npm");
    command.args(args).current_dir(ui_dir());
    command
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// `npm ci` when node_modules is missing or older than package-lock.json, then `vite build`
/// into ui/dist (what src-tauri embeds).
pub fn build_ui() -> Result {
    ensure(BUILD_PACKAGES)?;
    ensure_node()?;
    let ui = ui_dir();
    let installed = ui.join("node_modules").join(".package-lock.json");
    if modified(&installed) < modified(&ui.join("package-lock.json")) {
        // `npm install`, not `npm ci`: the registry mirror this project is built from serves only
        // the current platform's optional packages, which `npm ci` takes for a lock file out of sync.
        run(&mut npm(&["install", "--no-audit", "--no-fund"]))?;
    }
    run(&mut npm(&["run", "build"]))
}

/// Vitest (view logic) and Playwright (the built UI in Chromium with the IPC mocked).
pub fn test_ui() -> Result {
    ensure(TEST_PACKAGES)?;
    build_ui()?;
    run(&mut npm(&["test"]))?;
    run(npm(&["run", "test:browser"]).env("CHROMIUM", "/usr/bin/chromium"))
}

/// Rewrites ui/src/bindings/keydesk.ts from the Rust types (then commit it).
pub fn update_bindings() -> Result {
    build_ui()?;
    run(cargo()
        .current_dir(repo_root())
        .args(["test", "-p", "keydesk-desktop", "--lib", "bindings"])
        .env("KEYDESK_UPDATE_BINDINGS", "1"))
}

/// docs/screenshots/: every screen, light and dark (the built UI with the IPC mocked).
pub fn screenshots() -> Result {
    ensure(TEST_PACKAGES)?;
    build_ui()?;
    let out = repo_root().join("docs").join("screenshots");
    let out_text = out.to_string_lossy().into_owned();
    run(npm(&["run", "screenshots", "--", &out_text]).env("CHROMIUM", "/usr/bin/chromium"))
}

fn build_desktop(release: bool) -> Result<PathBuf> {
    build_ui()?;
    let mut command = cargo();
    command.current_dir(repo_root()).args(["build", "-p", "keydesk-desktop"]);
    if release {
        command.arg("--release");
    }
    run(&mut command)?;
    Ok(target_dir().join(if release { "release" } else { "debug" }).join("keydesk-desktop"))
}

/// `cargo install tauri-driver --locked` when it is not on PATH or in ~/.cargo/bin.
pub fn ensure_tauri_driver() -> Result<PathBuf> {
    let in_cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .map(|home| home.join("bin").join("tauri-driver"));
    if let Some(path) = in_cargo_bin.as_ref().filter(|p| p.is_file()) {
        return Ok(path.clone());
    }
    if on_path("tauri-driver") {
        return Ok(PathBuf::from("tauri-driver"));
    }
    run(cargo().args(["install", "tauri-driver", "--locked"]))?;
    in_cargo_bin.filter(|p| p.is_file()).ok_or_else(|| "tauri-driver was installed but is not in ~/.cargo/bin".to_owned())
}

/// The real app under Xvfb through tauri-driver + WebKitWebDriver, with the simulated key and
/// the reference server (ui/tests/e2e/run.mjs).
pub fn test_end_to_end() -> Result {
    ensure(TEST_PACKAGES)?;
    build_ui()?;
    // The binaries `cargo test --workspace` builds for the integration tests (a no-op right after
    // it): building them with `cargo build -p` would resolve other features and rebuild the
    // whole Tauri stack a second time.
    run(cargo().current_dir(repo_root()).args(["test", "--workspace", "--no-run"]))?;
    let app = target_dir().join("debug").join("keydesk-desktop");
    let driver = ensure_tauri_driver()?;
    run(Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24", "node"])
        .arg(ui_dir().join("tests").join("e2e").join("run.mjs"))
        .env("KEYDESK_APP", &app)
        .env("KEYDESK_SERVER_BIN", target_dir().join("debug").join("keydesk-server"))
        .env("TAURI_DRIVER", &driver)
        .env("KEYDESK_E2E_DIR", target_dir().join("e2e")))
}

/// Opens the app against the reference server `cargo xtask run` started at `server`, with the
/// simulated key attached (marked as simulated) and the developer menu; returns when it closes.
pub fn open_app(server: &str, data: &Path, args: &[String]) -> Result {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err("no display, so the desktop app was not opened: run `cargo xtask run` in a desktop session (or under xvfb-run)".into());
    }
    let app = build_desktop(false)?;
    let mut command = Command::new(&app);
    command
        .args(["--server", server, "--developer", "--simulated-key", "--simulated-key-state"])
        .arg(data.join("simulated-key.state"))
        .arg("--data-dir")
        .arg(data.join("app"))
        .args(args);
    run(&mut command)
}

/// One process's memory from /proc (kB): (PSS, RSS).
fn memory_kb(pid: u32) -> (u64, u64) {
    let field = |text: &str, name: &str| {
        text.lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    (field(&rollup, "Pss:"), field(&rollup, "Rss:"))
}

/// `pid` and every descendant (the WebKit web and network processes).
fn process_tree(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // The parent PID is the second field after the ")" closing the command name.
            let parent = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)).and_then(|p| p.parse().ok());
            if let Some(parent) = parent {
                parents.push((child, parent));
            }
        }
    }
    let mut tree = vec![pid];
    let mut index = 0;
    while let Some(&current) = tree.get(index) {
        tree.extend(parents.iter().filter(|(_, parent)| *parent == current).map(|(child, _)| *child));
        index += 1;
    }
    tree
}

/// One measured start: time to the first-paint marker, then memory after `idle`.
struct StartSample {
    first_paint: Duration,
    pss_kb: u64,
    rss_kb: u64,
    processes: usize,
}

fn measure_start(binary: &Path, display: &str, data_dir: &Path, idle: Duration) -> Result<StartSample> {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::CommandExt;
    let began = Instant::now();
    let mut child = Command::new(binary)
        .env("DISPLAY", display)
        .env("KEYDESK_BENCH", "1")
        .env("KEYDESK_DATA_DIR", data_dir)
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
    let pid = child.id();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(std::result::Result::ok) {
            if line.contains("keydesk-bench: first-paint") {
                let _ = tx.send(began.elapsed());
            }
        }
    });
    let outcome = rx.recv_timeout(Duration::from_secs(60)).map_err(|_| format!("{} never reported its first paint", binary.display()));
    let sample = outcome.map(|first_paint| {
        std::thread::sleep(idle);
        let tree = process_tree(pid);
        let (pss_kb, rss_kb) = tree.iter().map(|p| memory_kb(*p)).fold((0, 0), |(a, b), (c, d)| (a + c, b + d));
        StartSample { first_paint, pss_kb, rss_kb, processes: tree.len() }
    });
    // The whole group: the app and its WebKit processes. (Not /bin/kill: procps 4.0.2 misreads
    // a negative PID after a signal name.)
    use nix::sys::signal::{killpg, Signal};
    let group = nix::unistd::Pid::from_raw(i32::try_from(pid).map_err(|_| format!("PID {pid} out of range"))?);
    let _ = killpg(group, Signal::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(5);
    while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = killpg(group, Signal::SIGKILL);
    let _ = child.wait();
    sample
}

fn median<T: Copy + Ord>(mut values: Vec<T>) -> Option<T> {
    values.sort();
    values.get(values.len() / 2).copied()
}

/// Start-up benchmark (issue 5 Proof): cold start to first paint and idle memory of KeyDesk,
/// beside an empty Tauri 2 window (src-tauri/bench-baseline) built and measured in the same run,
/// alternating runs. Goals: at most 1.5x the start time and 1.3x the memory (PSS of the app and
/// its WebKit processes) of the baseline. Prints the numbers and PASS/FAIL per goal.
pub fn bench_startup() -> Result {
    ensure(&[BUILD_PACKAGES, TEST_PACKAGES].concat())?;
    let keydesk = build_desktop(true)?;
    let baseline_manifest = repo_root().join("src-tauri").join("bench-baseline").join("Cargo.toml");
    run(cargo().args(["build", "--release", "--manifest-path"]).arg(&baseline_manifest).env("CARGO_TARGET_DIR", target_dir()))?;
    let baseline = target_dir().join("release").join("keydesk-bench-baseline");
    let xvfb = Xvfb::start(1280, 800)?;
    let data = target_dir().join("bench-startup");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).map_err(|e| format!("cannot create {data:?}: {e}"))?;
    let runs: usize = std::env::var("KEYDESK_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let idle = Duration::from_secs(3);
    // One unmeasured start of each warms the page cache (fonts, WebKit) for both alike.
    measure_start(&baseline, xvfb.display(), &data.join("warm-b"), Duration::ZERO)?;
    measure_start(&keydesk, xvfb.display(), &data.join("warm-k"), Duration::ZERO)?;
    let (mut base, mut ours) = (Vec::new(), Vec::new());
    for run_index in 0..runs {
        base.push(measure_start(&baseline, xvfb.display(), &data.join(format!("b{run_index}")), idle)?);
        ours.push(measure_start(&keydesk, xvfb.display(), &data.join(format!("k{run_index}")), idle)?);
    }
    let summary = |samples: &[StartSample]| {
        (
            median(samples.iter().map(|s| s.first_paint).collect()).unwrap_or_default(),
            median(samples.iter().map(|s| s.pss_kb).collect()).unwrap_or_default(),
            median(samples.iter().map(|s| s.rss_kb).collect()).unwrap_or_default(),
            samples.first().map(|s| s.processes).unwrap_or_default(),
        )
    };
    let (b_time, b_pss, b_rss, b_procs) = summary(&base);
    let (k_time, k_pss, k_rss, k_procs) = summary(&ours);
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::INFINITY };
    let time_ratio = ratio(k_time.as_secs_f64(), b_time.as_secs_f64());
    let pss_ratio = ratio(k_pss as f64, b_pss as f64);
    let rss_ratio = ratio(k_rss as f64, b_rss as f64);
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    println!("desktop start-up, median of {runs} alternating runs under Xvfb (release builds):");
    println!("  empty Tauri 2 window: first paint {:>6.0} ms, idle PSS {:>6.1} MB, RSS {:>6.1} MB ({b_procs} processes)", b_time.as_secs_f64() * 1e3, b_pss as f64 / 1024.0, b_rss as f64 / 1024.0);
    println!("  KeyDesk:              first paint {:>6.0} ms, idle PSS {:>6.1} MB, RSS {:>6.1} MB ({k_procs} processes)", k_time.as_secs_f64() * 1e3, k_pss as f64 / 1024.0, k_rss as f64 / 1024.0);
    println!("  start time {time_ratio:.2}x the baseline (goal <= 1.5x): {}", verdict(time_ratio <= 1.5));
    println!("  idle memory {pss_ratio:.2}x PSS, {rss_ratio:.2}x RSS (goal <= 1.3x, judged on PSS): {}", verdict(pss_ratio <= 1.3));
    Ok(())
}
