//! [`Client`]: one authenticator behind the transport seam, its cached getInfo, and the one
//! place where messages go out and keepalive/cancel meet the front end.

use keydesk_ctap::commands::{GetInfoRequest, GetInfoResponse};
use keydesk_ctap::message::split_response;
use keydesk_ctap::{CommandRequest, CommandResponse, StatusCode};
use keydesk_ctap_crypto::PinUvAuthProtocol;
use keydesk_transport::{
    Device, DeviceDescriptor, KeepaliveStatus, Message, NoWatch, TransportError, Watch,
};

use crate::error::{Error, Feature};
use crate::interaction::Interaction;
use crate::key_agreement::PlatformKeyAgreement;
use crate::token::PinUvToken;

/// The CTAP1/U2F VERSION request (FIDO U2F Raw Message Formats §6.1): CLA 00, INS 03, P1 00,
/// P2 00, Le 00 (short encoding).
const U2F_VERSION_APDU: [u8; 5] = [0x00, 0x03, 0x00, 0x00, 0x00];

/// The most items (assertions, RPs, credentials per RP, enrollment samples) the client
/// fetches one by one before deciding the key is misbehaving: far above what any key stores,
/// low enough that a hostile key cannot keep the client looping.
pub const MAX_ITEMS: u32 = 4096;

/// A count announced by the key, checked against [`MAX_ITEMS`].
pub(crate) fn bounded_count(count: u32, what: &str) -> Result<u32, Error> {
    if count > MAX_ITEMS {
        return Err(Error::InvalidResponse(format!(
            "the key announced {count} {what}, more than {MAX_ITEMS}"
        )));
    }
    Ok(count)
}

/// What the key said about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyInfo {
    /// A CTAP2 authenticator and its authenticatorGetInfo response (CTAP 2.1 §6.4).
    Ctap2(Box<GetInfoResponse>),
    /// A CTAP1/U2F-only key: getInfo is not supported but the U2F VERSION request answers
    /// `U2F_V2` (CTAP 2.1 §11.1 / §6.4 fallback).
    U2fOnly,
}

/// The host side of CTAP for one authenticator, whatever its transport.
///
/// The client caches getInfo, chooses the PIN/UV auth protocol, obtains pinUvAuthTokens with
/// the permissions each command needs (asking the front end for the PIN or built-in UV through
/// [`Interaction`]) and maps the key's status codes to [`Error`]s that say what to do.
/// Key-management operations (PIN, passkeys, fingerprints, settings, large blobs, reset) are
/// methods too; see the crate docs for the list.
#[derive(Debug)]
pub struct Client<D: Device> {
    device: D,
    info: Option<KeyInfo>,
    token: Option<PinUvToken>,
    pin_attempts: u32,
    /// The platform key-agreement key pair of this series of transactions (CTAP 2.1 §6.5.4
    /// `initialize()`), generated when first needed.
    key_agreement: Option<PlatformKeyAgreement>,
}

/// Reports keepalive statuses to the front end (a touch request once per message) and
/// passes its cancel requests to the transport.
struct UiWatch<'a> {
    ui: &'a mut dyn Interaction,
    touch_reported: bool,
}

impl Watch for UiWatch<'_> {
    fn status(&mut self, status: KeepaliveStatus) {
        if status == KeepaliveStatus::UpNeeded && !self.touch_reported {
            self.touch_reported = true;
            self.ui.touch_needed();
        }
    }

    fn cancel_requested(&mut self) -> bool {
        self.ui.cancel_requested()
    }
}

impl<D: Device> Client<D> {
    /// A client for `device`. Nothing is sent until the first operation.
    pub fn new(device: D) -> Self {
        Self {
            device,
            info: None,
            token: None,
            pin_attempts: 0,
            key_agreement: None,
        }
    }

    /// What the transport knows about the device.
    pub fn descriptor(&self) -> &DeviceDescriptor {
        self.device.descriptor()
    }

    /// The device, e.g. to hand it back to a registry.
    pub fn into_device(self) -> D {
        self.device
    }

    /// Mutable access to the device (tests drive a simulated key through it).
    pub fn device_mut(&mut self) -> &mut D {
        &mut self.device
    }

    /// PINs tried through this client so far (shown in [`crate::PinRequest`]).
    pub fn pin_attempts(&self) -> u32 {
        self.pin_attempts
    }

    pub(crate) fn count_pin_attempt(&mut self) -> u32 {
        self.pin_attempts = self.pin_attempts.saturating_add(1);
        self.pin_attempts
    }

    /// Sends one raw message with the front end watching (touch events, cancel).
    pub fn transact(
        &mut self,
        message: Message<'_>,
        ui: &mut dyn Interaction,
    ) -> Result<Vec<u8>, Error> {
        let mut watch = UiWatch {
            ui,
            touch_reported: false,
        };
        Ok(self.device.transact(message, &mut watch)?)
    }

    /// Sends a CTAP2 request and decodes its response; an error status becomes an [`Error`].
    pub fn send<Req: CommandRequest, Resp: CommandResponse>(
        &mut self,
        request: &Req,
        ui: &mut dyn Interaction,
    ) -> Result<Resp, Error> {
        self.send_encoded(&request.encode(), ui)
    }

    /// Like [`Client::send`] for an already encoded request (command byte then CBOR).
    pub fn send_encoded<Resp: CommandResponse>(
        &mut self,
        request: &[u8],
        ui: &mut dyn Interaction,
    ) -> Result<Resp, Error> {
        let response = self.transact(Message::Ctap2(request), ui)?;
        Ok(Resp::decode(&response)?)
    }

    /// authenticatorGetInfo (CTAP 2.1 §6.4), sent once and cached; a key that does not
    /// support it is probed with the U2F VERSION request.
    pub fn info(&mut self) -> Result<&KeyInfo, Error> {
        if self.info.is_none() {
            let info = self.fetch_info()?;
            self.info = Some(info);
        }
        // Filled just above.
        self.info.as_ref().ok_or(Error::Unsupported(Feature::Ctap2))
    }

    /// The getInfo response of a CTAP2 key, or [`Error::Unsupported`] for a U2F-only key.
    pub fn ctap2_info(&mut self) -> Result<&GetInfoResponse, Error> {
        match self.info()? {
            KeyInfo::Ctap2(info) => Ok(info),
            KeyInfo::U2fOnly => Err(Error::Unsupported(Feature::Ctap2)),
        }
    }

    /// Forgets the cached getInfo (after a change of PIN, settings or a reset).
    pub fn refresh_info(&mut self) -> Result<&KeyInfo, Error> {
        self.info = None;
        self.info()
    }

    fn fetch_info(&mut self) -> Result<KeyInfo, Error> {
        let request = GetInfoRequest.encode();
        let outcome = self.device.transact(Message::Ctap2(&request), &mut NoWatch);
        let response = match outcome {
            Ok(response) => response,
            Err(TransportError::Unsupported(_)) => return self.probe_u2f(),
            Err(other) => return Err(other.into()),
        };
        match split_response(&response)? {
            (StatusCode::InvalidCommand, _) => self.probe_u2f(),
            _ => Ok(KeyInfo::Ctap2(Box::new(GetInfoResponse::decode(
                &response,
            )?))),
        }
    }

    fn probe_u2f(&mut self) -> Result<KeyInfo, Error> {
        let response = self
            .device
            .transact(Message::Ctap1(&U2F_VERSION_APDU), &mut NoWatch)?;
        match response.split_last_chunk::<2>() {
            Some((version, [0x90, 0x00])) if version == b"U2F_V2" => Ok(KeyInfo::U2fOnly),
            _ => Err(Error::InvalidResponse(
                "the key supports neither authenticatorGetInfo nor the U2F VERSION request"
                    .to_owned(),
            )),
        }
    }

    /// The value of getInfo option `id` (`None` when the key does not list it).
    pub fn option(&mut self, id: &str) -> Result<Option<bool>, Error> {
        Ok(self.ctap2_info()?.option(id))
    }

    /// The PIN/UV auth protocol to use: 2 when the key lists it, else 1 (CTAP 2.1 §6.5.4;
    /// a CTAP 2.0 key that lists none speaks protocol 1).
    pub fn pin_protocol(&mut self) -> Result<PinUvAuthProtocol, Error> {
        let info = self.ctap2_info()?;
        match &info.pin_uv_auth_protocols {
            None => Ok(PinUvAuthProtocol::One),
            Some(list) if list.contains(&2) => Ok(PinUvAuthProtocol::Two),
            Some(list) if list.contains(&1) => Ok(PinUvAuthProtocol::One),
            Some(_) => Err(Error::Unsupported(Feature::Pin)),
        }
    }

    /// The cached pinUvAuthToken if it carries `permissions` for `rp_id`.
    pub(crate) fn cached_token(
        &self,
        permissions: keydesk_ctap::commands::Permissions,
        rp_id: Option<&str>,
    ) -> Option<&PinUvToken> {
        self.token.as_ref().filter(|t| t.covers(permissions, rp_id))
    }

    /// The platform's key-agreement key pair, initialized on first use.
    pub(crate) fn platform_key_agreement(&mut self) -> &mut PlatformKeyAgreement {
        self.key_agreement
            .get_or_insert_with(PlatformKeyAgreement::initialize)
    }

    pub(crate) fn store_token(&mut self, token: PinUvToken) -> &PinUvToken {
        self.token.insert(token)
    }

    /// Drops the cached pinUvAuthToken (it expired, or the PIN changed).
    pub fn forget_token(&mut self) {
        self.token = None;
    }
}
