//! Host side of the BLE guest test: the pinned kernel's Bluetooth modules, BlueZ from pinned
//! Debian packages (bluetoothd, btvirt, btmgmt), the host's dbus-daemon, the BLE test binary,
//! all packed into an initramfs whose `/init` starts two virtual controllers (`btvirt -l2`), a
//! system bus and bluetoothd before the test program.
//!
//! Like the USB harness, nothing downloaded is committed: it all lives under
//! `<target dir>/guest/`, and each pinned package is checked against its sha256 every run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::harness::{
    apt_download, boot_with, check_host_tools, copy, decompress_kernel, find_deb, kernel_deb, ldd_closure, run, sha256,
    Layout, Result, Run, Timings, KERNEL_RELEASE,
};
use crate::report::parse;

/// A Debian package pinned by version and sha256 of its `.deb`.
#[derive(Debug, Clone, Copy)]
pub struct PinnedPackage {
    pub name: &'static str,
    pub version: &'static str,
    pub sha256: &'static str,
}

/// BlueZ 5.66 from bookworm: bluetoothd, btmgmt (package `bluez`) and btvirt (`bluez-test-tools`).
/// When a point release replaces them on the mirror, pick the current version with
/// `apt-cache policy bluez bluez-test-tools`, download both, and update these pins.
pub const BLUEZ_PACKAGES: &[PinnedPackage] = &[
    PinnedPackage {
        name: "bluez",
        version: "5.66-1+deb12u2",
        sha256: "c796d9f1d9c1215375d6ce972d7e7619299aa740916fec588937f0690a965a08",
    },
    PinnedPackage {
        name: "bluez-test-tools",
        version: "5.66-1+deb12u2",
        sha256: "2c0613a58a0b261f0f13cb092c65ee2b7fc2480bbead85d1a19d8e959588f29e",
    },
];

/// Kernel modules in load order (paths under `kernel/`). Bluetooth's LE Secure Connections need
/// ECDH (ecc, ecdh_generic), whose self-test draws random numbers: the DRBG (drbg with sha512,
/// ctr and jitterentropy) must be loaded first, or the test fails ("ecdh-nist-p256: test failed")
/// and SMP cannot pair. btvirt's SMP emulation uses AF_ALG (af_alg, algif_hash, algif_skcipher)
/// with ecb and cmac.
pub const BLE_MODULES: &[&str] = &[
    "net/rfkill/rfkill.ko",
    "lib/crc16.ko",
    "crypto/sha512_generic.ko",
    "crypto/ctr.ko",
    "crypto/jitterentropy_rng.ko",
    "crypto/drbg.ko",
    "crypto/ecb.ko",
    "crypto/cmac.ko",
    "crypto/ecc.ko",
    "crypto/ecdh_generic.ko",
    "crypto/af_alg.ko",
    "crypto/algif_hash.ko",
    "crypto/algif_skcipher.ko",
    "net/bluetooth/bluetooth.ko",
    "drivers/bluetooth/hci_vhci.ko",
];

/// Binaries taken from the unpacked BlueZ packages, and where they go in the guest.
const BLUEZ_BINARIES: &[(&str, &str)] = &[
    ("usr/libexec/bluetooth/bluetoothd", "usr/bin/bluetoothd"),
    ("usr/bin/btvirt", "usr/bin/btvirt"),
    ("usr/bin/btmgmt", "usr/bin/btmgmt"),
];

/// The system bus of the guest: root only, everything allowed.
const DBUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"#;

const INIT: &str = r#"#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
mkdir -p /proc /sys /dev /tmp /run/dbus /var/lib/bluetooth
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for module in $(cat /lib/modules/order); do
    insmod /lib/modules/$module || echo "FAIL insmod_$(basename $module .ko): insmod failed"
done
dbus-daemon --config-file=/etc/dbus-1/guest.conf --fork --nopidfile || echo "FAIL dbus_daemon: did not start"
btvirt -l2 > /tmp/btvirt.log 2>&1 &
i=0; while [ ! -e /sys/class/bluetooth/hci1 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
bluetoothd -n > /tmp/bluetoothd.log 2>&1 &
/bin/keydesk-guest-ble
echo "guest test exited with $?"
if [ -n "$BLE_LOGS" ]; then cat /tmp/btvirt.log /tmp/bluetoothd.log; fi
"#;

/// One pinned package, downloaded once and verified every time.
fn pinned_deb(debs: &Path, package: &PinnedPackage) -> Result<PathBuf> {
    let deb = match find_deb(debs, package.name, Some(package.version)) {
        Some(deb) => deb,
        None => {
            apt_download(debs, &format!("{}={}", package.name, package.version)).map_err(|e| {
                format!(
                    "{e}\nThe pinned package {} {} could not be downloaded: it may have left the mirror (run \
                     `apt-get update` first if the package lists are old). Pick the current version with \
                     `apt-cache policy bluez bluez-test-tools`, download both, and update BLUEZ_PACKAGES (version and \
                     sha256sum of each .deb) in crates/guest-test/src/ble_harness.rs.",
                    package.name, package.version
                )
            })?;
            find_deb(debs, package.name, Some(package.version)).ok_or(format!("apt-get download left no {} .deb", package.name))?
        }
    };
    let actual = sha256(&deb)?;
    if actual != package.sha256 {
        let _ = std::fs::remove_file(&deb);
        return Err(format!(
            "{} has sha256 {actual}, the pin says {}: the mirror serves a different file under the same version; \
             verify it, then update BLUEZ_PACKAGES in crates/guest-test/src/ble_harness.rs",
            deb.display(),
            package.sha256
        ));
    }
    Ok(deb)
}

/// The uncompressed kernel and the Bluetooth modules, extracted once per pinned kernel.
fn kernel_files(layout: &Layout, debs: &Path) -> Result<(PathBuf, PathBuf)> {
    let dir = layout.work.join(format!("kernel-ble-{KERNEL_RELEASE}"));
    let vmlinux = dir.join("vmlinux");
    let modules = dir.join(format!("lib/modules/{KERNEL_RELEASE}/kernel"));
    if vmlinux.exists() && BLE_MODULES.iter().all(|m| modules.join(m).exists()) {
        return Ok((vmlinux, modules));
    }
    let deb = kernel_deb(debs)?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let mut members = vec![format!("./boot/vmlinuz-{KERNEL_RELEASE}")];
    members.extend(BLE_MODULES.iter().map(|m| format!("./lib/modules/{KERNEL_RELEASE}/kernel/{m}")));
    let script = format!("dpkg-deb --fsys-tarfile '{}' | tar -x -C '{}' {}", deb.display(), dir.display(), members.join(" "));
    run(Command::new("sh").args(["-c", &script]), "extracting the kernel package")?;
    let vmlinuz = std::fs::read(dir.join(format!("boot/vmlinuz-{KERNEL_RELEASE}"))).map_err(|e| format!("reading vmlinuz: {e}"))?;
    std::fs::write(&vmlinux, decompress_kernel(&vmlinuz)?).map_err(|e| format!("writing vmlinux: {e}"))?;
    Ok((vmlinux, modules))
}

/// BlueZ unpacked (not installed).
fn bluez(layout: &Layout, debs: &Path) -> Result<PathBuf> {
    let dir = layout.work.join("bluez");
    for package in BLUEZ_PACKAGES {
        let deb = pinned_deb(debs, package)?;
        run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&dir), &format!("unpacking {}", package.name))?;
    }
    Ok(dir)
}

/// Copies `binary` to `place` under the guest root with the shared libraries it loads.
fn install_with_libraries(root: &Path, binary: &Path, place: &str) -> Result<()> {
    copy(binary, &root.join(place))?;
    for library in ldd_closure(binary, Path::new("/nonexistent"))? {
        let name = library.file_name().ok_or("library without a name")?;
        let target = if library.to_string_lossy().contains("ld-linux") {
            root.join("lib64").join(name)
        } else {
            root.join("lib/x86_64-linux-gnu").join(name)
        };
        if !target.exists() {
            copy(&library.canonicalize().unwrap_or(library.clone()), &target)?;
        }
    }
    Ok(())
}

fn build_initramfs(layout: &Layout, modules: &Path, bluez: &Path, test_binary: &Path) -> Result<PathBuf> {
    let root = layout.work.join("rootfs-ble");
    if root.exists() {
        std::fs::remove_dir_all(&root).map_err(|e| format!("clearing {}: {e}", root.display()))?;
    }
    let busybox = String::from_utf8_lossy(&run(Command::new("sh").args(["-c", "command -v busybox"]), "locating busybox")?).trim().to_owned();
    copy(Path::new(&busybox), &root.join("bin/busybox"))?;
    let mut order = String::new();
    for module in BLE_MODULES {
        copy(&modules.join(module), &root.join("lib/modules").join(module))?;
        order.push_str(module);
        order.push('\n');
    }
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("creating {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))
    };
    write("lib/modules/order", &order)?;
    write("etc/dbus-1/guest.conf", DBUS_CONFIG)?;
    write("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nmessagebus:x:100:101::/run/dbus:/bin/false\n")?;
    write("etc/group", "root:x:0:\nmessagebus:x:101:\nbluetooth:x:102:\n")?;
    write("etc/machine-id", "4b657944657367756573744d61636869\n")?;
    write("etc/bluetooth/main.conf", "[General]\nName = keydesk-guest\n[Policy]\nAutoEnable=true\n")?;
    for (from, to) in BLUEZ_BINARIES {
        install_with_libraries(&root, &bluez.join(from), to)?;
    }
    let dbus_daemon = String::from_utf8_lossy(&run(Command::new("sh").args(["-c", "command -v dbus-daemon"]), "locating dbus-daemon (package dbus-daemon)")?).trim().to_owned();
    install_with_libraries(&root, Path::new(&dbus_daemon), "usr/bin/dbus-daemon")?;
    install_with_libraries(&root, test_binary, "bin/keydesk-guest-ble")?;
    write("init", INIT)?;
    run(Command::new("chmod").arg("755").arg(root.join("init")), "chmod /init")?;
    let initrd = layout.work.join("initrd-ble.cpio.gz");
    let script = format!("find . | '{busybox}' cpio -o -H newc 2>/dev/null | gzip -1 > '{}'", initrd.display());
    run(Command::new("sh").args(["-c", &script]).current_dir(&root), "packing the initramfs")?;
    Ok(initrd)
}

/// The whole BLE run with `test_binary` (the `keydesk-guest-ble` cargo built for the test):
/// packages, initramfs, boot, verdicts; the console is kept in `<work>/<console_name>`.
/// `extra_command_line` reaches `/init` and the test binary as environment variables
/// (`BLE_PAIRING=passkey` selects the passkey-entry run, `BLE_LOGS=1` prints btvirt's and
/// bluetoothd's logs after the tests, `BLE_TRACE=1` traces every fragment).
pub fn run_ble_guest(layout: &Layout, test_binary: &Path, extra_command_line: &str, console_name: &str) -> Result<Run> {
    check_host_tools()?;
    let debs = layout.work.join("debs");
    std::fs::create_dir_all(&debs).map_err(|e| format!("creating {}: {e}", debs.display()))?;
    let mut timings = Timings::default();

    let step = Instant::now();
    let (vmlinux, modules) = kernel_files(layout, &debs)?;
    let bluez = bluez(layout, &debs)?;
    timings.packages = step.elapsed();

    let step = Instant::now();
    let initrd = build_initramfs(layout, &modules, &bluez, test_binary)?;
    timings.initramfs = step.elapsed();

    let step = Instant::now();
    let console = boot_with(&vmlinux, &initrd, extra_command_line)?;
    timings.boot_and_tests = step.elapsed();
    let _ = std::fs::write(layout.work.join(console_name), &console);
    Ok(Run { outcome: parse(&console), console, timings })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("keydesk-ble-harness-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::create_dir_all(&dir);
        dir
    }

    #[test]
    fn a_pinned_package_gone_from_the_mirror_says_what_to_change() {
        let dir = scratch("missing");
        let gone = PinnedPackage { name: "bluez", version: "0.0-keydesk-never-released", sha256: "00" };
        let error = pinned_deb(&dir, &gone).err().unwrap_or_default();
        assert!(error.contains("bluez 0.0-keydesk-never-released could not be downloaded"), "{error}");
        assert!(error.contains("update BLUEZ_PACKAGES") && error.contains("ble_harness.rs"), "{error}");
    }

    #[test]
    fn a_pinned_package_with_another_checksum_is_refused_and_removed() -> Result<()> {
        let dir = scratch("checksum");
        let deb = dir.join("bluez_9.9-1_amd64.deb");
        std::fs::write(&deb, b"not the pinned file").map_err(|e| e.to_string())?;
        let pinned = PinnedPackage { name: "bluez", version: "9.9-1", sha256: "00" };
        let error = pinned_deb(&dir, &pinned).err().unwrap_or_default();
        assert!(error.contains("the pin says 00") && error.contains("update BLUEZ_PACKAGES"), "{error}");
        assert!(!deb.exists(), "a file that fails its pin must not be reused");
        Ok(())
    }
}
