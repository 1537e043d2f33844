//! The reader configuration our own pcscd loads: vsmartcard's vpcd driver, as Debian installs
//! it, but on ports that no outgoing connection can hold.
//!
//! vpcd opens two slots, on its port and the next one, and pcscd drops the whole reader when
//! either bind fails. Debian's ports 35963/35964 lie inside Linux's ephemeral range, and Linux
//! gives outgoing connections even source ports, so any client connection of the last minute
//! (an HTTP request, a database connection) may have left port 35964 in TIME_WAIT, and the
//! card never appears. Ports outside the ephemeral range cannot be taken that way.

use crate::Result;
use std::path::{Path, PathBuf};

/// Where Debian's vsmartcard-vpcd package registers its driver with pcscd.
const SYSTEM_CONFIG_DIR: &str = "/etc/reader.conf.d";

/// Candidate first ports for our vpcd slots; the first pair outside the ephemeral range wins.
const CANDIDATE_PORTS: [u16; 4] = [61963, 64963, 30963, 20963];

/// The vpcd driver as installed on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledVpcd {
    /// The driver library pcscd loads.
    pub library: PathBuf,
    /// The first slot's port in the system configuration (35963 on Debian).
    pub port: u16,
}

impl InstalledVpcd {
    /// Finds the reader.conf entry that loads vpcd.
    pub fn find() -> Result<Self> {
        let not_installed = || {
            format!("the vpcd reader driver is not registered in {SYSTEM_CONFIG_DIR}; install vsmartcard-vpcd with `cargo xtask install-deps`")
        };
        let entries = std::fs::read_dir(SYSTEM_CONFIG_DIR).map_err(|_| not_installed())?;
        entries
            .flatten()
            .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
            .find_map(|text| Self::parse(&text))
            .ok_or_else(not_installed)
    }

    /// Reads `LIBPATH …libifdvpcd.so` and `CHANNELID 0x8C7B` from one reader.conf file.
    fn parse(text: &str) -> Option<Self> {
        let value = |key: &str| {
            text.lines()
                .map(str::trim)
                .filter(|line| !line.starts_with('#'))
                .find_map(|line| line.strip_prefix(key).map(str::trim).map(str::to_owned))
        };
        let library = value("LIBPATH").filter(|path| path.contains("vpcd"))?;
        let port = value("CHANNELID").and_then(|id| parse_number(&id)).unwrap_or(0x8C7B);
        Some(Self { library: PathBuf::from(library), port })
    }

    /// Writes a reader.conf directory for pcscd's `--config` with this driver on `port`.
    pub fn write_config(&self, dir: &Path, port: u16) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| format!("could not create {}: {e}", dir.display()))?;
        let text = format!(
            "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:{port}\nLIBPATH {}\nCHANNELID {port}\n",
            self.library.display()
        );
        let file = dir.join("vpcd");
        std::fs::write(&file, text).map_err(|e| format!("could not write {}: {e}", file.display()))
    }
}

/// `0x8C7B` or `35963`, as pcscd's strtoul reads it.
fn parse_number(text: &str) -> Option<u16> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u16::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// The first port of a pair that outgoing connections cannot occupy on this machine.
pub fn private_port() -> u16 {
    let (low, high) = ephemeral_range();
    let outside = |port: u16| port < low || port > high;
    CANDIDATE_PORTS
        .into_iter()
        .find(|&port| outside(port) && outside(port + 1))
        .unwrap_or(CANDIDATE_PORTS[0])
}

/// Linux's range for automatically chosen local ports (`net.ipv4.ip_local_port_range`).
fn ephemeral_range() -> (u16, u16) {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let mut numbers = text.split_whitespace().filter_map(|n| n.parse().ok());
    match (numbers.next(), numbers.next()) {
        (Some(low), Some(high)) => (low, high),
        _ => (32768, 60999),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debians_vpcd_entry_is_read() {
        let debian = "# comment\nFRIENDLYNAME \"Virtual PCD\"\nDEVICENAME   /dev/null:0x8C7B\nLIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID    0x8C7B\n";
        let found = InstalledVpcd::parse(debian).unwrap();
        assert_eq!(found.library, PathBuf::from("/usr/lib/pcsc/drivers/serial/libifdvpcd.so"));
        assert_eq!(found.port, 35963);
    }

    #[test]
    fn other_readers_and_commented_entries_are_not_vpcd() {
        assert_eq!(InstalledVpcd::parse("#LIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\n"), None);
        assert_eq!(InstalledVpcd::parse("LIBPATH /usr/lib/pcsc/drivers/serial/libccidtwin.so\n"), None);
    }

    #[test]
    fn the_private_ports_are_outside_the_ephemeral_range() {
        let (low, high) = ephemeral_range();
        let port = private_port();
        for slot in [port, port + 1] {
            assert!(slot < low || slot > high, "{slot} is inside {low}-{high}");
        }
    }

    #[test]
    fn the_written_config_names_the_driver_and_port() {
        let dir = std::env::temp_dir().join(format!("keydesk-vpcd-config-test-{}", std::process::id()));
        let vpcd = InstalledVpcd { library: PathBuf::from("/usr/lib/x/libifdvpcd.so"), port: 35963 };
        vpcd.write_config(&dir, 61963).unwrap();
        let written = std::fs::read_to_string(dir.join("vpcd")).unwrap();
        assert_eq!(InstalledVpcd::parse(&written), Some(InstalledVpcd { library: vpcd.library.clone(), port: 61963 }));
        assert!(written.contains("DEVICENAME /dev/null:61963"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
