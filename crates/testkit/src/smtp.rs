//! A real SMTP server for tests: aiosmtpd (Debian's python3-aiosmtpd) on a loopback port,
//! delivering into a Maildir in a temporary directory that the test reads back.
//!
//! aiosmtpd's `Mailbox` handler stores each message as received, with the envelope added as
//! headers (`X-MailFrom`, `X-RcptTo`), and answers `250` to DATA only after the file is written:
//! once the sender's SMTP transaction has ended, its message is in [`Smtp::messages`].

use crate::process::{terminate, wait_for};
use crate::Result;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Debian package that provides `python3 -m aiosmtpd`.
pub const AIOSMTPD_PACKAGE: &str = "python3-aiosmtpd";

/// A message as the SMTP server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The envelope recipients (RCPT TO), lowercased.
    pub to: Vec<String>,
    /// The envelope sender (MAIL FROM).
    pub from: String,
    /// The `Subject` header.
    pub subject: String,
    /// The body, line ends normalized to `\n`.
    pub body: String,
}

/// A running aiosmtpd on `127.0.0.1:port`; stopped (and its Maildir removed) when dropped.
#[derive(Debug)]
pub struct Smtp {
    port: u16,
    dir: PathBuf,
    child: Child,
}

impl Smtp {
    /// Starts aiosmtpd on a free loopback port with a Maildir of its own.
    pub fn start() -> Result<Self> {
        let python = python_with_aiosmtpd()?;
        let dir = fresh_dir()?;
        let maildir = dir.join("Maildir");
        let port = free_port()?;
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start {} -m aiosmtpd: {e}", python.display()))?;
        let mut smtp = Self { port, dir, child };
        let child = &mut smtp.child;
        let mut exited = None;
        let ready = wait_for(
            || {
                if let Ok(Some(status)) = child.try_wait() {
                    exited = Some(status);
                    return true;
                }
                TcpStream::connect(("127.0.0.1", port)).is_ok()
            },
            Duration::from_secs(15),
        );
        if let Some(status) = exited {
            let mut stderr = String::new();
            if let Some(mut pipe) = smtp.child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
            }
            return Err(format!("aiosmtpd on port {port} exited at once ({status}): {}", stderr.trim()));
        }
        ready.map_err(|()| format!("aiosmtpd did not listen on 127.0.0.1:{port} within 15 s"))?;
        Ok(smtp)
    }

    /// The loopback port it listens on (plain SMTP, no authentication).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Delivered> {
        let mut files: Vec<(MaildirOrder, PathBuf)> = ["new", "cur"]
            .iter()
            .filter_map(|sub| std::fs::read_dir(self.dir.join("Maildir").join(sub)).ok())
            .flatten()
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .map(|path| (MaildirOrder::of(&path), path))
            .collect();
        files.sort();
        files.iter().filter_map(|(_, path)| std::fs::read(path).ok()).map(|bytes| parse(&String::from_utf8_lossy(&bytes))).collect()
    }

    /// The messages to `address` (case-insensitive), oldest first.
    pub fn messages_to(&self, address: &str) -> Vec<Delivered> {
        let address = address.to_ascii_lowercase();
        self.messages().into_iter().filter(|m| m.to.contains(&address)).collect()
    }

    /// Waits up to `limit` until `count` messages to `address` have arrived; returns them.
    pub fn wait_for_messages_to(&self, address: &str, count: usize, limit: Duration) -> Result<Vec<Delivered>> {
        let deadline = Instant::now() + limit;
        loop {
            let messages = self.messages_to(address);
            if messages.len() >= count {
                return Ok(messages);
            }
            if Instant::now() >= deadline {
                return Err(format!("{} of {count} messages to {address} arrived within {limit:?}", messages.len()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        terminate(&mut self.child);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Debian's interpreter first (where python3-aiosmtpd installs), else `python3` on PATH.
fn python_with_aiosmtpd() -> Result<PathBuf> {
    let candidates = [PathBuf::from("/usr/bin/python3"), PathBuf::from("python3")];
    for python in candidates {
        let found = Command::new(&python)
            .args(["-c", "import aiosmtpd.handlers"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if found {
            return Ok(python);
        }
    }
    Err(format!(
        "python3 -m aiosmtpd is missing (neither /usr/bin/python3 nor python3 on PATH can import aiosmtpd): \
         install the Debian package {AIOSMTPD_PACKAGE} (apt-get install -y {AIOSMTPD_PACKAGE})"
    ))
}

/// A port free right now (the OS picks it; aiosmtpd binds it a moment later).
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free loopback port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("no free loopback port: {e}"))
}

fn fresh_dir() -> Result<PathBuf> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("keydesk-smtp-{}-{n}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("could not create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// Python's Maildir names are `SECONDS.MMICROSECONDSPpidQcount.host`: arrival order.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct MaildirOrder(u64, u64, u64, String);

impl MaildirOrder {
    fn of(path: &Path) -> Self {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut parts = name.split('.');
        let seconds = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        let unique = parts.next().unwrap_or_default();
        let number_after = |tag: char| {
            unique.split_once(tag).map_or(0, |(_, rest)| rest.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap_or(0))
        };
        Self(seconds, number_after('M'), number_after('Q'), name.clone())
    }
}

/// Headers and body of a stored message (RFC 5322: headers, a blank line, the body).
fn parse(raw: &str) -> Delivered {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((raw.as_str(), ""));
    // Unfold continuation lines (RFC 5322 §2.2.3).
    let head = head.replace("\n ", " ").replace("\n\t", " ");
    let header = |name: &str| {
        head.lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(key, _)| key.trim().eq_ignore_ascii_case(name))
            .map(|(_, value)| value.trim().to_owned())
            .unwrap_or_default()
    };
    Delivered {
        to: header("X-RcptTo").split(',').map(|a| a.trim().to_ascii_lowercase()).filter(|a| !a.is_empty()).collect(),
        from: header("X-MailFrom"),
        subject: header("Subject"),
        body: body.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_message_gives_its_envelope_subject_and_body() {
        let raw = "From: KeyDesk <keydesk@localhost>\r\nSubject: KeyDesk Test\r\n verification code\r\nX-MailFrom: keydesk@localhost\r\nX-RcptTo: Dana@Example.com, eve@example.com\r\n\r\nYour code is: 123456\r\n";
        let message = parse(raw);
        assert_eq!(message.to, ["dana@example.com", "eve@example.com"]);
        assert_eq!(message.from, "keydesk@localhost");
        assert_eq!(message.subject, "KeyDesk Test verification code");
        assert_eq!(message.body, "Your code is: 123456\n");
    }

    /// One message over a plain SMTP dialogue (RFC 5321 §3.3) to the real aiosmtpd.
    #[test]
    fn a_message_sent_over_smtp_is_read_back() {
        use std::io::{BufRead, BufReader, Write};
        let smtp = Smtp::start().unwrap_or_else(|e| panic!("{e}"));
        let stream = TcpStream::connect(("127.0.0.1", smtp.port())).unwrap_or_else(|e| panic!("{e}"));
        let mut reader = BufReader::new(stream.try_clone().unwrap_or_else(|e| panic!("{e}")));
        let mut writer = stream;
        let mut expect = |code: &str| {
            let mut line = String::new();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap_or_else(|e| panic!("{e}"));
                assert!(line.starts_with(code), "expected {code}, got {line:?}");
                if line.as_bytes().get(3) != Some(&b'-') {
                    break;
                }
            }
        };
        expect("220");
        for (command, reply) in [("EHLO test", "250"), ("MAIL FROM:<rp@localhost>", "250"), ("RCPT TO:<Dana@Example.com>", "250"), ("DATA", "354")] {
            write!(writer, "{command}\r\n").unwrap_or_else(|e| panic!("{e}"));
            expect(reply);
        }
        write!(writer, "Subject: hello\r\n\r\nYour code is: 424242\r\n.\r\nQUIT\r\n").unwrap_or_else(|e| panic!("{e}"));
        expect("250");
        let messages = smtp.wait_for_messages_to("dana@example.com", 1, Duration::from_secs(5)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((messages[0].subject.as_str(), messages[0].body.as_str(), messages[0].from.as_str()), ("hello", "Your code is: 424242\n", "rp@localhost"));
        assert!(smtp.messages_to("eve@example.com").is_empty());
        let dir = smtp.dir.clone();
        drop(smtp);
        assert!(!dir.exists(), "the Maildir is removed with the server");
    }

    #[test]
    fn maildir_names_sort_in_arrival_order() {
        let a = MaildirOrder::of(Path::new("1700000000.M999999P7Q9.host"));
        let b = MaildirOrder::of(Path::new("1700000001.M5P7Q10.host"));
        let c = MaildirOrder::of(Path::new("1700000001.M40P7Q11.host"));
        assert!(a < b && b < c);
    }
}
