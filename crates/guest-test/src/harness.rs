//! Host side: fetch the pinned kernel and the libfido2 tools, build the static guest binary and
//! an initramfs, boot QEMU and read the verdicts from the serial console.
//!
//! Nothing downloaded is committed: everything lives under `<target dir>/guest/`, reused by
//! later runs (the kernel is checked against its pinned sha256 each time).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::report::{parse, Outcome};

/// The Debian kernel the guest boots, pinned by package version and sha256. Old versions leave
/// the mirror at point releases: when the download fails, pick a current
/// `linux-image-6.1.0-*-amd64` (`apt-cache policy`), then update all four constants.
pub const KERNEL_PACKAGE: &str = "linux-image-6.1.0-50-amd64";
pub const KERNEL_VERSION: &str = "6.1.176-1";
pub const KERNEL_RELEASE: &str = "6.1.0-50-amd64";
pub const KERNEL_SHA256: &str = "7b5597492a0a65aee61985a492e6bcc3f2cde830072a0e3b3d8c7e1b90279bd3";

/// Debian packages unpacked into the guest for libfido2 (whatever version the mirror has).
const FIDO2_PACKAGES: &[&str] = &["fido2-tools", "libfido2-1"];
const FIDO2_TOOLS: &[&str] = &["fido2-token", "fido2-cred", "fido2-assert"];
/// Kernel modules in load order: hid (with hidraw), hid-generic (binds the device so a hidraw
/// node appears), uhid.
const MODULES: &[&str] = &["hid", "hid-generic", "uhid"];
/// Host tools the harness runs.
const HOST_TOOLS: &[&str] = &["apt-get", "dpkg-deb", "tar", "xz", "busybox", "gzip", "ldd", "sha256sum", "qemu-system-x86_64"];

/// The whole guest run must finish within this (it takes a few seconds under TCG).
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(120);

pub type Result<T> = std::result::Result<T, String>;

/// Paths the harness works with.
#[derive(Debug, Clone)]
pub struct Layout {
    pub workspace: PathBuf,
    /// `<target dir>/guest`
    pub work: PathBuf,
}

impl Layout {
    /// The workspace of this crate and its target dir (`CARGO_TARGET_DIR` or `target/`).
    pub fn from_env() -> Self {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let workspace = workspace.canonicalize().unwrap_or(workspace);
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace.join("target"), PathBuf::from);
        Self { workspace, work: target.join("guest") }
    }
}

/// Timings of one harness run, for the report.
#[derive(Debug, Default, Clone)]
pub struct Timings {
    pub packages: Duration,
    pub build: Duration,
    pub initramfs: Duration,
    pub boot_and_tests: Duration,
}

/// Everything a run produced.
#[derive(Debug)]
pub struct Run {
    pub outcome: Outcome,
    pub console: String,
    pub timings: Timings,
}

pub(crate) fn run(command: &mut Command, what: &str) -> Result<Vec<u8>> {
    let output = command.output().map_err(|e| format!("{what}: cannot start {:?}: {e}", command.get_program()))?;
    if !output.status.success() {
        return Err(format!(
            "{what} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(output.stdout)
}

pub(crate) fn check_host_tools() -> Result<()> {
    let missing: Vec<&str> = HOST_TOOLS
        .iter()
        .copied()
        .filter(|tool| !Command::new("sh").args(["-c", &format!("command -v {tool}")]).stdout(Stdio::null()).status().is_ok_and(|s| s.success()))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "missing host tools {missing:?}: install qemu-system-x86 busybox-static xz-utils libudev-dev (cargo xtask test does)"
        ))
    }
}

pub(crate) fn sha256(path: &Path) -> Result<String> {
    let out = run(Command::new("sha256sum").arg(path), "sha256sum")?;
    Ok(String::from_utf8_lossy(&out).split_whitespace().next().unwrap_or_default().to_owned())
}

pub(crate) fn find_deb(dir: &Path, package: &str, version: Option<&str>) -> Option<PathBuf> {
    let prefix = match version {
        Some(v) => format!("{package}_{}_", v.replace(':', "%3a")),
        None => format!("{package}_"),
    };
    std::fs::read_dir(dir).ok()?.flatten().map(|e| e.path()).find(|p| {
        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".deb"))
    })
}

pub(crate) fn apt_download(dir: &Path, spec: &str) -> Result<()> {
    run(Command::new("apt-get").args(["download", "-q", spec]).current_dir(dir), &format!("apt-get download {spec}")).map(drop)
}

/// The pinned kernel package, downloaded once and verified every time.
pub(crate) fn kernel_deb(debs: &Path) -> Result<PathBuf> {
    let deb = match find_deb(debs, KERNEL_PACKAGE, Some(KERNEL_VERSION)) {
        Some(deb) => deb,
        None => {
            apt_download(debs, &format!("{KERNEL_PACKAGE}={KERNEL_VERSION}")).map_err(|e| {
                format!(
                    "{e}\nThe pinned guest kernel {KERNEL_PACKAGE} {KERNEL_VERSION} could not be downloaded: it may have \
                     left the mirror (run `apt-get update` first if the package lists are old). Pick a current one with \
                     `apt-cache policy 'linux-image-6.1.0-*-amd64'`, download it, and update KERNEL_PACKAGE, \
                     KERNEL_VERSION, KERNEL_RELEASE and KERNEL_SHA256 (sha256sum of the .deb) in \
                     crates/guest-test/src/harness.rs."
                )
            })?;
            find_deb(debs, KERNEL_PACKAGE, Some(KERNEL_VERSION)).ok_or("apt-get download left no kernel .deb")?
        }
    };
    let actual = sha256(&deb)?;
    if actual != KERNEL_SHA256 {
        let _ = std::fs::remove_file(&deb);
        return Err(format!(
            "{} has sha256 {actual}, the pin says {KERNEL_SHA256}: the mirror serves a different file under the same \
             version; verify it, then update KERNEL_SHA256 in crates/guest-test/src/harness.rs",
            deb.display()
        ));
    }
    Ok(deb)
}

/// The uncompressed kernel and the three modules, extracted once per pinned kernel.
fn kernel_files(layout: &Layout, debs: &Path) -> Result<(PathBuf, PathBuf)> {
    let dir = layout.work.join(format!("kernel-{KERNEL_RELEASE}"));
    let vmlinux = dir.join("vmlinux");
    let modules = dir.join(format!("lib/modules/{KERNEL_RELEASE}/kernel/drivers/hid"));
    if vmlinux.exists() && MODULES.iter().all(|m| modules.join(format!("{m}.ko")).exists()) {
        return Ok((vmlinux, modules));
    }
    let deb = kernel_deb(debs)?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let mut members = vec![format!("./boot/vmlinuz-{KERNEL_RELEASE}")];
    members.extend(MODULES.iter().map(|m| format!("./lib/modules/{KERNEL_RELEASE}/kernel/drivers/hid/{m}.ko")));
    let script = format!(
        "dpkg-deb --fsys-tarfile '{}' | tar -x -C '{}' {}",
        deb.display(),
        dir.display(),
        members.join(" ")
    );
    run(Command::new("sh").args(["-c", &script]), "extracting the kernel package")?;
    let vmlinuz = std::fs::read(dir.join(format!("boot/vmlinuz-{KERNEL_RELEASE}"))).map_err(|e| format!("reading vmlinuz: {e}"))?;
    std::fs::write(&vmlinux, decompress_kernel(&vmlinuz)?).map_err(|e| format!("writing vmlinux: {e}"))?;
    Ok((vmlinux, modules))
}

/// The ELF kernel inside a bzImage: the xz stream from its magic on, decompressed. xz complains
/// about the bytes after the stream; the ELF is complete all the same, so the exit status is
/// ignored and the ELF magic checked instead.
pub fn decompress_kernel(vmlinuz: &[u8]) -> Result<Vec<u8>> {
    const XZ_MAGIC: [u8; 6] = [0xFD, b'7', b'z', b'X', b'Z', 0x00];
    let start = vmlinuz.windows(XZ_MAGIC.len()).position(|w| w == XZ_MAGIC).ok_or("no xz stream in vmlinuz")?;
    let mut xz = Command::new("xz")
        .args(["-dc"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start xz: {e}"))?;
    let mut stdin = xz.stdin.take().ok_or("xz has no stdin")?;
    let payload = vmlinuz.get(start..).unwrap_or_default().to_vec();
    let feeder = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &payload));
    let output = xz.wait_with_output().map_err(|e| format!("xz: {e}"))?;
    // xz stops reading at the end of the stream: a broken pipe for the rest is expected.
    let _ = feeder.join();
    if output.stdout.starts_with(b"\x7fELF") {
        Ok(output.stdout)
    } else {
        Err("xz did not produce an ELF kernel from vmlinuz".into())
    }
}

/// fido2-tools and libfido2 unpacked (not installed).
fn fido2_tools(layout: &Layout, debs: &Path) -> Result<PathBuf> {
    let dir = layout.work.join("fido2");
    if FIDO2_TOOLS.iter().all(|t| dir.join("usr/bin").join(t).exists()) {
        return Ok(dir);
    }
    for package in FIDO2_PACKAGES {
        let deb = match find_deb(debs, package, None) {
            Some(deb) => deb,
            None => {
                apt_download(debs, package)?;
                find_deb(debs, package, None).ok_or(format!("apt-get download left no {package} .deb"))?
            }
        };
        run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&dir), &format!("unpacking {package}"))?;
    }
    Ok(dir)
}

pub(crate) fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    // What the outer cargo set for the test run must not leak into these builds.
    for var in ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET"] {
        command.env_remove(var);
    }
    command
}

/// The static guest binary and the dynamically linked ctap-hid-fido2 peer, each in a target
/// dir of its own under `guest/` so the ordinary build is never invalidated and reruns are
/// incremental.
fn build_binaries(layout: &Layout) -> Result<(PathBuf, PathBuf)> {
    let guest_target = layout.work.join("build");
    run(
        cargo()
            .current_dir(&layout.workspace)
            .args(["build", "--target", "x86_64-unknown-linux-gnu", "-p", "keydesk-guest-test", "--bin", "keydesk-guest-test"])
            // The BLE half links libdbus, which has no static library: leave it out here.
            .arg("--no-default-features")
            .env("RUSTFLAGS", "-C target-feature=+crt-static")
            .env("CARGO_TARGET_DIR", &guest_target),
        "building the static guest binary",
    )?;
    let peer_target = layout.work.join("peer");
    let manifest = layout.workspace.join("crates/guest-test/peer-ctap-hid-fido2/Cargo.toml");
    run(
        cargo().args(["build", "--locked", "--manifest-path"]).arg(&manifest).env("CARGO_TARGET_DIR", &peer_target),
        "building the ctap-hid-fido2 peer",
    )?;
    Ok((
        guest_target.join("x86_64-unknown-linux-gnu/debug/keydesk-guest-test"),
        peer_target.join("debug/peer-ctap-hid-fido2"),
    ))
}

/// The shared libraries `binary` loads (and the loader), as resolved on this host with the
/// unpacked libfido2 first in the search path.
pub(crate) fn ldd_closure(binary: &Path, library_path: &Path) -> Result<Vec<PathBuf>> {
    let out = run(Command::new("ldd").arg(binary).env("LD_LIBRARY_PATH", library_path), &format!("ldd {}", binary.display()))?;
    let text = String::from_utf8_lossy(&out);
    let mut libraries = Vec::new();
    for line in text.lines() {
        let path = match line.split_once("=>") {
            Some((_, right)) => right.split_whitespace().next(),
            None => line.split_whitespace().next().filter(|p| p.starts_with('/')),
        };
        if let Some(path) = path.filter(|p| p.starts_with('/')) {
            libraries.push(PathBuf::from(path));
        } else if line.contains("not found") {
            return Err(format!("ldd {}: {line}", binary.display()));
        }
    }
    Ok(libraries)
}

pub(crate) fn copy(from: &Path, to: &Path) -> Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("creating {}: {e}", parent.display()))?;
    }
    std::fs::copy(from, to).map(drop).map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))
}

const INIT: &str = r#"#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for module in hid hid-generic uhid; do
    insmod /lib/modules/$module.ko || echo "FAIL insmod_$module: insmod failed"
done
/bin/keydesk-guest-test
echo "guest test exited with $?"
# Leaving init panics the kernel; panic=-1 reboots at once and -no-reboot ends QEMU.
"#;

/// root and `nobody` (for busybox `su nobody -c ...`; a shell so `-c` works).
const PASSWD: &str = "root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n";
const GROUP: &str = "root:x:0:\nnogroup:x:65534:\n";

/// The initramfs: busybox, /init, the modules, the test binaries and the libfido2 tools with
/// their libraries, packed with `busybox cpio -o -H newc` and gzip.
fn build_initramfs(layout: &Layout, modules: &Path, guest: &Path, peer: &Path, fido2: &Path) -> Result<PathBuf> {
    let root = layout.work.join("rootfs");
    if root.exists() {
        std::fs::remove_dir_all(&root).map_err(|e| format!("clearing {}: {e}", root.display()))?;
    }
    let busybox = String::from_utf8_lossy(&run(Command::new("sh").args(["-c", "command -v busybox"]), "locating busybox")?).trim().to_owned();
    copy(Path::new(&busybox), &root.join("bin/busybox"))?;
    for module in MODULES {
        copy(&modules.join(format!("{module}.ko")), &root.join(format!("lib/modules/{module}.ko")))?;
    }
    copy(guest, &root.join("bin/keydesk-guest-test"))?;
    copy(peer, &root.join("bin/peer-ctap-hid-fido2"))?;
    let fido2_libs = fido2.join("usr/lib/x86_64-linux-gnu");
    let mut dynamic = vec![peer.to_path_buf()];
    for tool in FIDO2_TOOLS {
        let binary = fido2.join("usr/bin").join(tool);
        copy(&binary, &root.join("usr/bin").join(tool))?;
        dynamic.push(binary);
    }
    for binary in &dynamic {
        for library in ldd_closure(binary, &fido2_libs)? {
            let name = library.file_name().ok_or("library without a name")?;
            let place = if library.to_string_lossy().contains("ld-linux") {
                root.join("lib64").join(name)
            } else {
                root.join("lib/x86_64-linux-gnu").join(name)
            };
            // Copy the file behind a symlink under the name the binary asks for.
            let real = library.canonicalize().unwrap_or(library.clone());
            copy(&real, &place)?;
        }
    }
    // An unprivileged user, for the test that our discovery reports a hidraw node it may not open.
    std::fs::create_dir_all(root.join("etc")).map_err(|e| format!("creating /etc: {e}"))?;
    std::fs::write(root.join("etc/passwd"), PASSWD).map_err(|e| format!("writing /etc/passwd: {e}"))?;
    std::fs::write(root.join("etc/group"), GROUP).map_err(|e| format!("writing /etc/group: {e}"))?;
    std::fs::write(root.join("init"), INIT).map_err(|e| format!("writing /init: {e}"))?;
    run(Command::new("chmod").arg("755").arg(root.join("init")), "chmod /init")?;
    let initrd = layout.work.join("initrd.cpio.gz");
    let script = format!("find . | '{busybox}' cpio -o -H newc 2>/dev/null | gzip -1 > '{}'", initrd.display());
    run(Command::new("sh").args(["-c", &script]).current_dir(&root), "packing the initramfs")?;
    Ok(initrd)
}

/// The host's TSC frequency in kHz (TCG guests read the host's TSC), from /proc/cpuinfo.
fn host_tsc_khz() -> Option<u64> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let mhz: f64 = cpuinfo.lines().find(|l| l.starts_with("cpu MHz"))?.split(':').nth(1)?.trim().parse().ok()?;
    Some((mhz * 1000.0) as u64).filter(|&khz| khz > 0)
}

/// `console=ttyS0 quiet panic=-1` plus a given TSC frequency: on a loaded host the kernel's
/// calibration against the emulated PIT fails under TCG ("Marking TSC unstable"), and boot then
/// hangs waiting for timer ticks. With the frequency given (and the delay loop preset) it boots
/// in seconds and keeps a microsecond clock for the benchmark.
fn kernel_command_line() -> String {
    let khz = host_tsc_khz().unwrap_or(2_000_000);
    // Debian's kernel runs at HZ=250: loops per jiffy = cycles per second / 250.
    let lpj = khz * 1000 / 250;
    format!("console=ttyS0 quiet panic=-1 tsc_early_khz={khz} lpj={lpj} tsc=reliable clocksource=tsc")
}

/// Boots the guest and collects its console until QEMU exits or [`BOOT_TIMEOUT`] passes.
pub(crate) fn boot(vmlinux: &Path, initrd: &Path) -> Result<String> {
    boot_with(vmlinux, initrd, "")
}

/// As [`boot`], with `extra` appended to the kernel command line (its `KEY=VAL` words reach
/// `/init` as environment variables).
pub(crate) fn boot_with(vmlinux: &Path, initrd: &Path, extra: &str) -> Result<String> {
    let mut qemu = Command::new("qemu-system-x86_64")
        .args(["-accel", "tcg", "-M", "microvm", "-cpu", "qemu64,+rdrand", "-m", "512", "-nographic", "-no-reboot"])
        .arg("-kernel")
        .arg(vmlinux)
        .arg("-initrd")
        .arg(initrd)
        .arg("-append")
        .arg(format!("{} {extra}", kernel_command_line()).trim_end())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start qemu-system-x86_64: {e}"))?;
    let mut stdout = qemu.stdout.take().ok_or("qemu has no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut console = Vec::new();
        let _ = stdout.read_to_end(&mut console);
        console
    });
    let started = Instant::now();
    let status = loop {
        match qemu.try_wait().map_err(|e| format!("waiting for qemu: {e}"))? {
            Some(status) => break Some(status),
            None if started.elapsed() > BOOT_TIMEOUT => {
                let _ = qemu.kill();
                let _ = qemu.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let console = String::from_utf8_lossy(&reader.join().unwrap_or_default()).into_owned();
    let mut stderr = String::new();
    if let Some(mut pipe) = qemu.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    match status {
        None => Ok(format!("{console}\n[harness: QEMU killed after {BOOT_TIMEOUT:?}]\n")),
        Some(status) if console.is_empty() => Err(format!("qemu exited with {status} and printed nothing: {stderr}")),
        Some(_) => Ok(console),
    }
}

/// The whole run: packages, builds, initramfs, boot, verdicts.
pub fn run_guest(layout: &Layout) -> Result<Run> {
    check_host_tools()?;
    let debs = layout.work.join("debs");
    std::fs::create_dir_all(&debs).map_err(|e| format!("creating {}: {e}", debs.display()))?;
    let mut timings = Timings::default();

    let step = Instant::now();
    let (vmlinux, modules) = kernel_files(layout, &debs)?;
    let fido2 = fido2_tools(layout, &debs)?;
    timings.packages = step.elapsed();

    let step = Instant::now();
    let (guest, peer) = build_binaries(layout)?;
    timings.build = step.elapsed();

    let step = Instant::now();
    let initrd = build_initramfs(layout, &modules, &guest, &peer, &fido2)?;
    timings.initramfs = step.elapsed();

    let step = Instant::now();
    let console = boot(&vmlinux, &initrd)?;
    timings.boot_and_tests = step.elapsed();
    let _ = std::fs::write(layout.work.join("console.log"), &console);
    Ok(Run { outcome: parse(&console), console, timings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_elf_is_found_after_the_setup_code_and_before_trailing_bytes() -> Result<()> {
        let elf = b"\x7fELF and the rest of a kernel".repeat(50);
        let mut xz = Command::new("xz")
            .args(["-c"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("xz: {e}"))?;
        let mut stdin = xz.stdin.take().ok_or("no stdin")?;
        let input = elf.clone();
        let feeder = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input));
        let compressed = xz.wait_with_output().map_err(|e| e.to_string())?.stdout;
        let _ = feeder.join();
        // A bzImage: setup code, the xz stream, then trailing bytes xz complains about.
        let mut vmlinuz = vec![0x90u8; 1000];
        vmlinuz.extend_from_slice(&compressed);
        vmlinuz.extend_from_slice(&[0xAB; 64]);
        assert_eq!(decompress_kernel(&vmlinuz)?, elf);
        assert!(decompress_kernel(&[0u8; 100]).is_err(), "no xz stream");
        Ok(())
    }

    #[test]
    fn the_kernel_is_told_its_tsc_frequency() {
        let line = kernel_command_line();
        assert!(line.starts_with("console=ttyS0 quiet panic=-1 tsc_early_khz="), "{line}");
        assert!(line.contains(" lpj=") && line.ends_with("clocksource=tsc"), "{line}");
    }
}
