//! Who holds a TCP port: read from /proc, so a test that finds vpcd's port taken can say by whom
//! (`ss` is not installed everywhere).

use std::collections::HashMap;

/// Every socket using `port` locally, for example `LISTEN local 00000000:F20B remote 00000000:0000: pid 812 (pcscd …)`.
pub fn sockets_on_port(port: u16) -> Vec<String> {
    let owners = socket_owners();
    tcp_sockets()
        .filter(|socket| socket.local_port == port)
        .map(|socket| {
            let owner = owners.get(&socket.inode).map_or_else(|| "no process (closing)".to_owned(), Clone::clone);
            format!("{} local {} remote {}: {owner}", socket.state, socket.local, socket.remote)
        })
        .collect()
}

/// Whether a socket owned by `pid` listens on `port`.
pub fn listens(pid: u32, port: u16) -> bool {
    let inodes = socket_inodes_of(pid);
    tcp_sockets().any(|s| s.local_port == port && s.state == "LISTEN" && inodes.contains(&s.inode))
}

/// The machine's IPv4 and IPv6 TCP sockets, as the kernel lists them.
fn tcp_sockets() -> impl Iterator<Item = TcpLine> {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .into_iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|text| text.lines().skip(1).filter_map(TcpLine::parse).collect::<Vec<_>>())
}

struct TcpLine {
    local: String,
    local_port: u16,
    remote: String,
    state: &'static str,
    inode: u64,
}

impl TcpLine {
    /// `sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...`
    fn parse(line: &str) -> Option<Self> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (local, remote, state, inode) = (fields.get(1)?, fields.get(2)?, fields.get(3)?, fields.get(9)?);
        let local_port = u16::from_str_radix(local.rsplit(':').next()?, 16).ok()?;
        Some(Self {
            local: (*local).to_owned(),
            local_port,
            remote: (*remote).to_owned(),
            state: state_name(state),
            inode: inode.parse().ok()?,
        })
    }
}

/// The TCP state codes of include/net/tcp_states.h.
fn state_name(hex: &str) -> &'static str {
    match hex {
        "01" => "ESTABLISHED",
        "02" => "SYN_SENT",
        "03" => "SYN_RECV",
        "04" => "FIN_WAIT1",
        "05" => "FIN_WAIT2",
        "06" => "TIME_WAIT",
        "07" => "CLOSE",
        "08" => "CLOSE_WAIT",
        "09" => "LAST_ACK",
        "0A" => "LISTEN",
        "0B" => "CLOSING",
        _ => "UNKNOWN",
    }
}

/// Socket inode → "pid N (command line)" for every process we may look into.
fn socket_owners() -> HashMap<u64, String> {
    let mut owners = HashMap::new();
    let Ok(processes) = std::fs::read_dir("/proc") else { return owners };
    for entry in processes.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else { continue };
        let inodes = socket_inodes_of(pid);
        if inodes.is_empty() {
            continue;
        }
        let command = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " ").trim().to_owned())
            .unwrap_or_default();
        for inode in inodes {
            owners.insert(inode, format!("pid {pid} ({command})"));
        }
    }
    owners
}

fn socket_inodes_of(pid: u32) -> Vec<u64> {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return Vec::new() };
    fds.flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|target| {
            let target = target.to_str()?.to_owned();
            target.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listener_of_this_process_is_found_with_its_owner() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(listens(std::process::id(), port));
        let found = sockets_on_port(port);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("LISTEN local 0100007F:"), "{found:?}");
        assert!(found[0].contains(&format!("pid {}", std::process::id())), "{found:?}");
        drop(listener);
        assert!(!listens(std::process::id(), port));
    }
}
