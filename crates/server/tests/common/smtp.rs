//! A tiny SMTP receiver on loopback (RFC 5321 subset: EHLO/HELO, MAIL, RCPT,
//! DATA, RSET, NOOP, QUIT) that keeps delivered messages for the test to read.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Delivered {
    pub to: Vec<String>,
    pub data: String,
}

#[derive(Debug, Clone)]
pub struct SmtpReceiver {
    pub port: u16,
    pub messages: Arc<Mutex<Vec<Delivered>>>,
}

impl SmtpReceiver {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let store = messages.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 localhost test SMTP\r\n").await;
                    let mut to = Vec::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") {
                            b"250-localhost\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("HELO") || upper.starts_with("MAIL") || upper.starts_with("NOOP") {
                            b"250 OK\r\n"
                        } else if upper.starts_with("RSET") {
                            to.clear();
                            b"250 OK\r\n"
                        } else if upper.starts_with("RCPT") {
                            let addr = line.split(['<', '>']).nth(1).unwrap_or("").to_ascii_lowercase();
                            to.push(addr);
                            b"250 OK\r\n"
                        } else if upper.starts_with("DATA") {
                            let _ = write.write_all(b"354 go ahead\r\n").await;
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(l.strip_prefix('.').unwrap_or(&l));
                                data.push('\n');
                            }
                            store.lock().expect("lock").push(Delivered { to: std::mem::take(&mut to), data });
                            b"250 queued\r\n"
                        } else if upper.starts_with("QUIT") {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            b"502 not implemented\r\n"
                        };
                        if write.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Self { port, messages }
    }

    /// Number of messages delivered to `address`.
    pub fn count_for(&self, address: &str) -> usize {
        self.messages.lock().expect("lock").iter().filter(|m| m.to.iter().any(|t| t == address)).count()
    }

    /// The 6-digit code in the newest message to `address`, waiting up to 5 s.
    pub async fn last_code_for(&self, address: &str) -> String {
        for _ in 0..100 {
            let found = self
                .messages
                .lock()
                .expect("lock")
                .iter()
                .rev()
                .find(|m| m.to.iter().any(|t| t == address))
                .map(|m| m.data.clone());
            if let Some(data) = found {
                let after = data.split("is: ").nth(1).expect("code marker in message");
                let code: String = after.chars().take_while(char::is_ascii_digit).collect();
                assert_eq!(code.len(), 6, "code in {data}");
                return code;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no message delivered to {address}");
    }
}
