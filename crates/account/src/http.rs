//! Blocking JSON over HTTP(S) to the server: one request, its answer decoded, or a precise
//! error. Bodies are read into zeroized buffers (answers may hold a session token or a TOTP
//! secret) and bounded in size.

use std::io::Read;
use std::time::Duration;

use reqwest::blocking::{Client, RequestBuilder};
use reqwest::Method;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::error::{AccountError, Result};
use crate::session::SessionToken;
use crate::wire::{self, ErrorAnswer, MAX_ANSWER_BYTES};

/// How long one request may take (WebAuthn ceremonies run between requests, not inside one).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The server at one origin.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    origin: String,
    client: Client,
}

impl Http {
    pub fn new(origin: &str) -> Result<Self> {
        let client = Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("keydesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AccountError::Unreachable { url: origin.to_owned(), reason: e.to_string() })?;
        Ok(Self { origin: origin.to_owned(), client })
    }

    /// Sends `method path` with the session (when given) and a JSON body (when given), and
    /// decodes a 2xx answer as `T`. `subject` names the passkey the request is about, for errors.
    pub fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&SessionToken>,
        body: Option<&serde_json::Value>,
        subject: Option<&str>,
    ) -> Result<T> {
        let mut request: RequestBuilder = self.client.request(method, format!("{}{path}", self.origin));
        if let Some(token) = token {
            request = request.bearer_auth(token.expose());
        }
        if let Some(body) = body {
            let bytes = serde_json::to_vec(body).map_err(|e| self.unexpected(path, e.to_string()))?;
            request = request.header(reqwest::header::CONTENT_TYPE, "application/json").body(bytes);
        }
        let response = request.send().map_err(|e| AccountError::Unreachable { url: self.origin.clone(), reason: reason(&e) })?;
        let status = response.status();
        let mut bytes = Zeroizing::new(Vec::new());
        response
            .take(MAX_ANSWER_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| AccountError::Unreachable { url: self.origin.clone(), reason: e.to_string() })?;
        if status.is_success() {
            return wire::decode(&bytes).map_err(|reason| self.unexpected(path, reason));
        }
        match wire::decode::<ErrorAnswer>(&bytes) {
            Ok(answer) => Err(AccountError::from_server(status.as_u16(), &answer.error.kind, &answer.error.message, subject)),
            Err(_) => Err(self.unexpected(path, format!("HTTP {status} without a KeyDesk error body"))),
        }
    }

    fn unexpected(&self, path: &str, reason: String) -> AccountError {
        AccountError::UnexpectedAnswer { endpoint: path.to_owned(), reason }
    }
}

/// The innermost cause, which says what actually failed (refused, DNS, TLS, timeout).
fn reason(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        text = inner.to_string();
        source = inner.source();
    }
    if error.is_timeout() {
        format!("timed out: {text}")
    } else {
        text
    }
}
