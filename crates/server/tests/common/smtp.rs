//! Email codes as a real SMTP server received them: aiosmtpd (Debian's python3-aiosmtpd),
//! started and stopped by keydesk-testkit. Shared with crates/account/tests.

use std::sync::Arc;
use std::time::Duration;

use keydesk_testkit::smtp::Smtp;

/// The SMTP server the tested keydesk-server sends its codes to.
#[derive(Debug, Clone)]
pub struct SmtpReceiver {
    pub port: u16,
    server: Arc<Smtp>,
}

impl SmtpReceiver {
    pub async fn start() -> Self {
        let server = Smtp::start().unwrap_or_else(|e| panic!("{e}"));
        Self { port: server.port(), server: Arc::new(server) }
    }

    /// Number of messages delivered to `address`.
    pub fn count_for(&self, address: &str) -> usize {
        self.server.messages_to(address).len()
    }

    /// The 6-digit code in the newest message to `address`, waiting up to 5 s.
    pub async fn last_code_for(&self, address: &str) -> String {
        for _ in 0..100 {
            if let Some(message) = self.server.messages_to(address).last() {
                return code_in(&message.body);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no message delivered to {address}");
    }
}

/// The code in a message body ("... is: 123456").
pub fn code_in(body: &str) -> String {
    let after = body.split("is: ").nth(1).unwrap_or_else(|| panic!("no code marker in {body:?}"));
    let code: String = after.chars().take_while(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 6, "code in {body:?}");
    code
}
