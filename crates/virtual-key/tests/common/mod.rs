//! A minimal host for driving the virtual key through encoded requests, built on the host-side
//! encoders of keydesk-ctap and keydesk-ctap-crypto.
#![allow(dead_code, clippy::unwrap_used, clippy::panic, clippy::expect_used)]

use std::time::Duration;

use keydesk_ctap::commands::{
    ClientPinRequest, ClientPinResponse, GetAssertionRequest, GetAssertionResponse, GetInfoRequest, GetInfoResponse,
    MakeCredentialRequest, MakeCredentialResponse, Permissions, RequestOptions,
};
use keydesk_ctap::cose::{CoseKey, P256Point};
use keydesk_ctap::entities::{CredentialDescriptor, CredentialParameters, RpEntity, UserEntity};
use keydesk_ctap::message::{CommandRequest, CommandResponse};
use keydesk_ctap::{DecodeError, StatusCode};
use keydesk_ctap_crypto::pin::{change_pin_params, pin_hash_enc, set_pin_params, Pin};
use keydesk_ctap_crypto::{encapsulate, KeyAgreementPublicKey, PinUvAuthProtocol, PinUvAuthToken, SharedSecret};
use keydesk_virtual_key::{Authenticator, Config, KeyRng, Reply};

pub const CLIENT_DATA_HASH: [u8; 32] = [0x42; 32];

pub struct Host {
    pub key: Authenticator,
    pub rng: KeyRng,
    pub now: Duration,
    pub protocol: PinUvAuthProtocol,
}

pub fn status_of(response: &[u8]) -> StatusCode {
    StatusCode::from(response.first().copied().unwrap_or(0xff))
}

impl Host {
    pub fn new(config: Config) -> Self {
        Self::with_key(Authenticator::new(config, KeyRng::seeded(1), Duration::ZERO))
    }

    pub fn with_key(key: Authenticator) -> Self {
        Self { key, rng: KeyRng::seeded(99), now: Duration::ZERO, protocol: PinUvAuthProtocol::Two }
    }

    pub fn advance(&mut self, by: Duration) {
        self.now += by;
    }

    pub fn power_cycle(&mut self) {
        self.advance(Duration::from_secs(1));
        self.key.power_cycle(self.now);
    }

    /// Sends raw request bytes; the key must answer at once.
    pub fn send(&mut self, request: &[u8]) -> Vec<u8> {
        match self.key.handle(request, self.now) {
            Reply::Response(bytes) => bytes,
            Reply::WaitingForUserPresence => panic!("unexpected wait for user presence"),
        }
    }

    pub fn call<R: CommandResponse>(&mut self, request: &impl CommandRequest) -> Result<R, StatusCode> {
        let response = self.send(&request.encode());
        R::decode(&response).map_err(|e| match e {
            DecodeError::Status(status) => status,
            other => panic!("undecodable response {response:02x?}: {other}"),
        })
    }

    pub fn info(&mut self) -> GetInfoResponse {
        self.call(&GetInfoRequest).unwrap()
    }

    pub fn shared_secret(&mut self) -> (CoseKey, SharedSecret) {
        let protocol = u32::from(self.protocol.number());
        let response: ClientPinResponse = self.call(&ClientPinRequest::get_key_agreement(protocol)).unwrap();
        let Some(CoseKey::EcdhEsHkdf256(point)) = response.key_agreement else { panic!("no key agreement key") };
        let (platform, shared) =
            encapsulate(self.protocol, &KeyAgreementPublicKey { x: point.x, y: point.y }, &mut self.rng).unwrap();
        (CoseKey::EcdhEsHkdf256(P256Point { x: platform.x, y: platform.y }), shared)
    }

    pub fn set_pin(&mut self, pin: &str) -> Result<(), StatusCode> {
        let (platform, shared) = self.shared_secret();
        let params = set_pin_params(&shared, &Pin::new(pin, 1).unwrap(), &mut self.rng).unwrap();
        let request = ClientPinRequest::set_pin(
            u32::from(self.protocol.number()),
            platform,
            params.new_pin_enc,
            params.pin_uv_auth_param,
        );
        self.call::<ClientPinResponse>(&request).map(|_| ())
    }

    pub fn change_pin(&mut self, current: &str, new: &str) -> Result<(), StatusCode> {
        let (platform, shared) = self.shared_secret();
        let params = change_pin_params(&shared, current, &Pin::new(new, 1).unwrap(), &mut self.rng).unwrap();
        let request = ClientPinRequest::change_pin(
            u32::from(self.protocol.number()),
            platform,
            params.pin_hash_enc,
            params.new_pin_enc,
            params.pin_uv_auth_param,
        );
        self.call::<ClientPinResponse>(&request).map(|_| ())
    }

    pub fn token(&mut self, pin: &str, permissions: Permissions, rp_id: Option<&str>) -> Result<PinUvAuthToken, StatusCode> {
        let (platform, shared) = self.shared_secret();
        let hash_enc = pin_hash_enc(&shared, pin, &mut self.rng).unwrap();
        let request = ClientPinRequest::get_pin_uv_auth_token_using_pin_with_permissions(
            u32::from(self.protocol.number()),
            platform,
            hash_enc,
            permissions,
            rp_id.map(str::to_owned),
        );
        let response: ClientPinResponse = self.call(&request)?;
        Ok(PinUvAuthToken::decrypt(&shared, &response.pin_uv_auth_token.unwrap()).unwrap())
    }

    pub fn uv_token(&mut self, permissions: Permissions, rp_id: Option<&str>) -> Result<PinUvAuthToken, StatusCode> {
        let (platform, shared) = self.shared_secret();
        let request = ClientPinRequest::get_pin_uv_auth_token_using_uv_with_permissions(
            u32::from(self.protocol.number()),
            platform,
            permissions,
            rp_id.map(str::to_owned),
        );
        let response: ClientPinResponse = self.call(&request)?;
        Ok(PinUvAuthToken::decrypt(&shared, &response.pin_uv_auth_token.unwrap()).unwrap())
    }

    pub fn pin_retries(&mut self) -> ClientPinResponse {
        self.call(&ClientPinRequest::get_pin_retries()).unwrap()
    }

    pub fn mc_request(&self, rp_id: &str, user_id: &[u8], rk: bool) -> MakeCredentialRequest {
        let mut user = UserEntity::new(user_id.to_vec());
        user.name = Some(format!("user-{}", user_id.first().copied().unwrap_or(0)));
        user.display_name = Some("Display".to_owned());
        let mut request = MakeCredentialRequest::new(
            CLIENT_DATA_HASH,
            RpEntity::new(rp_id),
            user,
            vec![CredentialParameters::public_key(-7)],
        );
        if rk {
            request.options = Some(RequestOptions { rk: Some(true), ..RequestOptions::default() });
        }
        request
    }

    pub fn authorize_mc(&self, request: &mut MakeCredentialRequest, token: &PinUvAuthToken) {
        request.pin_uv_auth_param = Some(token.authenticate(self.protocol, &request.client_data_hash));
        request.pin_uv_auth_protocol = Some(u32::from(self.protocol.number()));
    }

    pub fn authorize_ga(&self, request: &mut GetAssertionRequest, token: &PinUvAuthToken) {
        request.pin_uv_auth_param = Some(token.authenticate(self.protocol, &request.client_data_hash));
        request.pin_uv_auth_protocol = Some(u32::from(self.protocol.number()));
    }

    pub fn make_credential(&mut self, request: &MakeCredentialRequest) -> Result<MakeCredentialResponse, StatusCode> {
        self.call(request)
    }

    pub fn get_assertion(&mut self, request: &GetAssertionRequest) -> Result<GetAssertionResponse, StatusCode> {
        self.call(request)
    }

    /// Registers a credential and returns its ID.
    pub fn register(&mut self, rp_id: &str, user_id: &[u8], rk: bool, token: Option<&PinUvAuthToken>) -> Vec<u8> {
        let mut request = self.mc_request(rp_id, user_id, rk);
        if let Some(token) = token {
            self.authorize_mc(&mut request, token);
        }
        let response = self.make_credential(&request).unwrap();
        response.authenticator_data().unwrap().attested_credential.unwrap().credential_id
    }

    pub fn allow(ids: &[&[u8]]) -> Option<Vec<CredentialDescriptor>> {
        Some(ids.iter().map(|id| CredentialDescriptor::public_key(id.to_vec())).collect())
    }
}
