//! The authenticator side of every passkey ceremony in these tests: OUR WebAuthn client
//! (keydesk-webauthn-client: origin and RP ID rules, clientDataJSON, excludeCredentials)
//! driving the virtual key (keydesk-virtual-key) over a real transport: CTAPHID in memory, or
//! ISO 7816 through the real pcscd. The server sees exactly what a browser with a security key
//! would send it.

use std::time::{Duration, Instant};

use keydesk_ctap::entities::UserEntity;
use keydesk_ctap_client::{Client, Interaction, Pin, PinRequest};
use keydesk_transport::hid::HidLink;
use keydesk_transport::memory::{self, HidPipe, VirtualKeyHandle};
use keydesk_transport::Device;
use keydesk_virtual_key::device::HidKey;
use keydesk_virtual_key::{Authenticator, Config as KeyConfig, KeyRng};
use keydesk_webauthn_client::{authenticate, parse_creation_options, parse_request_options, register, WebAuthnError};
use serde_json::Value;

/// The PIN every test key is given (the server requires user verification).
pub const KEY_PIN: &str = "4821";

/// The person at the key: touches are granted by the key's policy, the PIN is typed when
/// asked, and the first account is picked when the key holds several.
#[derive(Debug)]
pub struct Person;

impl Interaction for Person {
    fn touch_needed(&mut self) {}
    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        Some(Pin::new(KEY_PIN))
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        Some(0)
    }
}

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(30)
}

/// A security key behind our WebAuthn client, in a "browser" at `origin`.
pub struct PasskeyDevice<D: Device> {
    pub client: Client<D>,
    pub origin: String,
}

/// The virtual key in memory, behind real CTAPHID framing.
pub type MemoryKey = PasskeyDevice<HidLink<HidPipe>>;

impl MemoryKey {
    /// A new virtual key (fresh random secrets) with [`KEY_PIN`] set, and its handle.
    pub fn new_in_memory(name: &str, origin: &str) -> (Self, VirtualKeyHandle<HidKey>) {
        let key = Authenticator::new(KeyConfig::default(), KeyRng::os(), Duration::ZERO);
        let (mut device, handle) = Self::from_authenticator(key, name, origin);
        device.client.set_pin(&Pin::new(KEY_PIN)).expect("set the key's PIN");
        (device, handle)
    }

    /// A clone of a key: a second virtual key restored from the first one's state file bytes
    /// (same credentials, same PIN, the signature counter it had then).
    pub fn restored(state: &[u8], name: &str, origin: &str) -> (Self, VirtualKeyHandle<HidKey>) {
        let key = Authenticator::from_state_file_bytes(KeyConfig::default(), KeyRng::os(), state, Duration::ZERO)
            .expect("restore the key from its state");
        Self::from_authenticator(key, name, origin)
    }

    fn from_authenticator(key: Authenticator, name: &str, origin: &str) -> (Self, VirtualKeyHandle<HidKey>) {
        let (link, handle) = memory::hid(key, name);
        (PasskeyDevice::new(link, origin), handle)
    }
}

impl<D: Device> PasskeyDevice<D> {
    /// A key on `device` whose PIN is [`KEY_PIN`] (set it first on a new key).
    pub fn new(device: D, origin: &str) -> Self {
        Self { client: Client::new(device), origin: origin.to_owned() }
    }

    /// navigator.credentials.create() with the server's PublicKeyCredentialCreationOptionsJSON;
    /// the RegistrationResponseJSON, or why our client refused.
    pub fn register(&mut self, options: &Value) -> Result<Value, WebAuthnError> {
        let options = parse_creation_options(&options.to_string())?;
        let response = register(&mut self.client, &options, &self.origin, &mut Person, deadline())?;
        Ok(serde_json::to_value(response).expect("RegistrationResponseJSON"))
    }

    /// navigator.credentials.get() with the server's PublicKeyCredentialRequestOptionsJSON;
    /// the AuthenticationResponseJSON, or why our client refused.
    pub fn assert(&mut self, options: &Value) -> Result<Value, WebAuthnError> {
        let options = parse_request_options(&options.to_string())?;
        let response = authenticate(&mut self.client, &options, &self.origin, &mut Person, deadline())?;
        Ok(serde_json::to_value(response).expect("AuthenticationResponseJSON"))
    }
}
