//! Older keys: a U2F-only key (the virtual key's U2F applet with getInfo refused) and a
//! hand-written CTAP 2.0 key that knows only getPinToken and the prototype credential
//! management command 0x41.

mod support;

use std::time::Duration;

use keydesk_ctap::auth_data::rp_id_hash;
use keydesk_ctap::commands::{
    ClientPinRequest, ClientPinResponse, ClientPinSubCommand, CredentialManagementRequest,
    CredentialManagementResponse, GetInfoResponse,
};
use keydesk_ctap::cose::{CoseKey, P256Point};
use keydesk_ctap::entities::{CredentialDescriptor, CredentialParameters, RpEntity, UserEntity};
use keydesk_ctap::message::encode_error_response;
use keydesk_ctap::{CommandRequest, CommandResponse, StatusCode};
use keydesk_ctap_client::{
    Client, Error, Feature, GetAssertionArgs, KeyInfo, MakeCredentialArgs, PinReason,
    UserVerification,
};
use keydesk_ctap_crypto::pin::{decrypt_pin_hash, PinHash};
use keydesk_ctap_crypto::{
    KeyAgreementKeyPair, KeyAgreementPublicKey, PinUvAuthProtocol, PinUvAuthToken,
};
use keydesk_transport::{
    Device, DeviceDescriptor, DeviceId, Message, TransportError, TransportKind, Watch,
};
use keydesk_virtual_key::{Authenticator, KeyRng};
use support::{config, ScriptedDevice, TestUi};

fn descriptor(id: &str) -> DeviceDescriptor {
    DeviceDescriptor {
        id: DeviceId(id.to_owned()),
        transport: TransportKind::Usb,
        product: String::new(),
        simulated: true,
    }
}

/// The virtual key's U2F applet, with authenticatorGetInfo answered CTAP1_ERR_INVALID_COMMAND
/// as a U2F-only key does. The user touches after the first "touch needed" answer.
struct U2fOnlyKey {
    descriptor: DeviceDescriptor,
    key: Authenticator,
    now: Duration,
}

impl Device for U2fOnlyKey {
    fn descriptor(&self) -> &DeviceDescriptor {
        &self.descriptor
    }

    fn transact(
        &mut self,
        message: Message<'_>,
        _watch: &mut dyn Watch,
    ) -> Result<Vec<u8>, TransportError> {
        self.now += Duration::from_millis(5);
        match message {
            Message::Ctap2(_) => Ok(encode_error_response(StatusCode::InvalidCommand)),
            Message::Ctap1(apdu) => {
                let response = self.key.handle_u2f(apdu, self.now);
                // Register (INS 01) and enforce-presence sign (INS 02, P1 03) answer 6985
                // until touched: the user touches now. Check-only (P1 07) answers 6985 for
                // "this handle is mine" and needs no touch.
                let waits = apdu.get(1) == Some(&0x01)
                    || (apdu.get(1) == Some(&0x02) && apdu.get(2) == Some(&0x03));
                if waits && response.ends_with(&[0x69, 0x85]) {
                    self.key.touch(self.now);
                }
                Ok(response)
            }
        }
    }
}

fn u2f_client() -> Client<U2fOnlyKey> {
    Client::new(U2fOnlyKey {
        descriptor: descriptor("u2f"),
        key: Authenticator::new(config(), KeyRng::seeded(3), Duration::ZERO),
        now: Duration::ZERO,
    })
}

fn registration() -> MakeCredentialArgs {
    MakeCredentialArgs {
        client_data_hash: [4; 32],
        rp: RpEntity::new("example.com"),
        user: UserEntity::new(b"alice".to_vec()),
        pub_key_cred_params: vec![CredentialParameters::public_key(-7)],
        exclude_list: Vec::new(),
        extensions: None,
        resident_key: false,
        user_verification: UserVerification::Discouraged,
        enterprise_attestation: None,
    }
}

#[test]
fn u2f_only_key_is_detected_and_used_through_ctap1() -> Result<(), Error> {
    let mut client = u2f_client();
    assert_eq!(client.info()?, &KeyInfo::U2fOnly);
    assert!(matches!(
        client.pin_status(),
        Err(Error::Unsupported(Feature::Ctap2))
    ));

    let mut ui = TestUi::default();
    let made = client.make_credential(&registration(), &mut ui)?;
    assert_eq!(made.attestation.format(), "fido-u2f");
    assert_eq!(ui.touches, 1);
    let auth_data = made.authenticator_data()?;
    assert_eq!(auth_data.rp_id_hash, rp_id_hash("example.com"));
    let credential = auth_data
        .attested_credential
        .ok_or_else(|| Error::InvalidInput("no credential".to_owned()))?;
    assert!(matches!(credential.public_key, CoseKey::Es256(_)));

    let request = GetAssertionArgs {
        rp_id: "example.com".to_owned(),
        client_data_hash: [5; 32],
        allow_list: vec![
            CredentialDescriptor::public_key(vec![1; 64]),
            CredentialDescriptor::public_key(credential.credential_id.clone()),
        ],
        extensions: None,
        user_presence: true,
        user_verification: UserVerification::Discouraged,
        hmac_secret_salts: None,
    };
    let assertion = client.get_assertion(&request, &mut ui)?;
    assert_eq!(
        assertion.response.credential.as_ref().map(|c| c.id.clone()),
        Some(credential.credential_id.clone())
    );
    assert!(assertion
        .response
        .authenticator_data()?
        .flags
        .user_present());

    // Excluded: the key owns the handle.
    let mut again = registration();
    again.exclude_list = vec![CredentialDescriptor::public_key(credential.credential_id)];
    assert!(matches!(
        client.make_credential(&again, &mut ui),
        Err(Error::CredentialExcluded)
    ));
    // Selection on a U2F key: a dummy registration that waits for the touch.
    let mut ui = TestUi::default();
    client.wait_for_touch(&mut ui)?;
    assert_eq!(ui.touches, 1);
    // What U2F cannot do is refused up front.
    let mut resident = registration();
    resident.resident_key = true;
    assert!(matches!(
        client.make_credential(&resident, &mut ui),
        Err(Error::Unsupported(Feature::DiscoverableCredentials))
    ));
    Ok(())
}

#[test]
fn a_key_that_speaks_neither_is_reported() {
    let mut device = ScriptedDevice::default();
    device.answers.push_back(Ok(vec![0x01]));
    device.answers.push_back(Ok(vec![0x6d, 0x00]));
    let mut client = Client::new(device);
    assert!(matches!(client.info(), Err(Error::InvalidResponse(_))));
}

#[test]
fn malformed_getinfo_is_an_explained_error() {
    let mut device = ScriptedDevice::default();
    device.answers.push_back(Ok(vec![0x00, 0xa1, 0x01]));
    let mut client = Client::new(device);
    let err = client.info().err();
    assert!(matches!(err, Some(Error::InvalidResponse(_))), "{err:?}");
}

/// A CTAP 2.0 key: PIN protocol 1 only, getPinToken, prototype credential management 0x41.
struct Ctap20Key {
    descriptor: DeviceDescriptor,
    pin: PinHash,
    retries: u32,
    key_agreement: KeyAgreementKeyPair,
    token: PinUvAuthToken,
    rng: rand_chacha_like::Rng,
    commands: Vec<u8>,
}

/// A tiny deterministic RNG for the fake key (xorshift; not for real keys).
mod rand_chacha_like {
    #[derive(Debug)]
    pub struct Rng(pub u64);
    impl rand_core::RngCore for Rng {
        fn next_u32(&mut self) -> u32 {
            (self.next_u64() >> 32) as u32
        }
        fn next_u64(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for chunk in dest.chunks_mut(8) {
                let bytes = self.next_u64().to_le_bytes();
                chunk.copy_from_slice(&bytes[..chunk.len()]);
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }
    impl rand_core::CryptoRng for Rng {}
}

impl Ctap20Key {
    fn new(pin: &str) -> Self {
        let mut rng = rand_chacha_like::Rng(0x9e37_79b9_7f4a_7c15);
        Self {
            descriptor: descriptor("ctap20"),
            pin: PinHash::of(pin),
            retries: 8,
            key_agreement: KeyAgreementKeyPair::generate(&mut rng),
            token: PinUvAuthToken::generate(&mut rng),
            rng,
            commands: Vec::new(),
        }
    }

    fn info() -> GetInfoResponse {
        let options = [
            ("rk", true),
            ("up", true),
            ("clientPin", true),
            ("credentialMgmtPreview", true),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        GetInfoResponse {
            versions: vec![
                "U2F_V2".to_owned(),
                "FIDO_2_0".to_owned(),
                "FIDO_2_1_PRE".to_owned(),
            ],
            options: Some(options),
            ..GetInfoResponse::default()
        }
    }

    fn client_pin(&mut self, request: &[u8]) -> Vec<u8> {
        let Ok(request) = ClientPinRequest::decode(request) else {
            return encode_error_response(StatusCode::InvalidCbor);
        };
        match request.sub_command {
            ClientPinSubCommand::GetPinRetries => ClientPinResponse {
                pin_retries: Some(self.retries),
                ..Default::default()
            }
            .encode(),
            ClientPinSubCommand::GetKeyAgreement => {
                let public = self.key_agreement.public_key();
                ClientPinResponse {
                    key_agreement: Some(CoseKey::EcdhEsHkdf256(P256Point {
                        x: public.x,
                        y: public.y,
                    })),
                    ..Default::default()
                }
                .encode()
            }
            ClientPinSubCommand::GetPinToken if request.pin_uv_auth_protocol == Some(1) => {
                let (Some(CoseKey::EcdhEsHkdf256(platform)), Some(pin_hash_enc)) =
                    (request.key_agreement, request.pin_hash_enc)
                else {
                    return encode_error_response(StatusCode::MissingParameter);
                };
                let platform = KeyAgreementPublicKey {
                    x: platform.x,
                    y: platform.y,
                };
                let Ok(shared) = self
                    .key_agreement
                    .decapsulate(PinUvAuthProtocol::One, &platform)
                else {
                    return encode_error_response(StatusCode::InvalidParameter);
                };
                if self.retries == 0 {
                    return encode_error_response(StatusCode::PinBlocked);
                }
                if decrypt_pin_hash(&shared, &pin_hash_enc).ok().as_ref() != Some(&self.pin) {
                    self.retries -= 1;
                    self.key_agreement = KeyAgreementKeyPair::generate(&mut self.rng);
                    return encode_error_response(StatusCode::PinInvalid);
                }
                self.retries = 8;
                match self.token.encrypt(&shared, &mut self.rng) {
                    Ok(encrypted) => ClientPinResponse {
                        pin_uv_auth_token: Some(encrypted),
                        ..Default::default()
                    }
                    .encode(),
                    Err(_) => encode_error_response(StatusCode::Other),
                }
            }
            _ => encode_error_response(StatusCode::InvalidSubcommand),
        }
    }

    fn credential_management(&mut self, request: &[u8]) -> Vec<u8> {
        let Ok(request) = CredentialManagementRequest::decode(request) else {
            return encode_error_response(StatusCode::InvalidCbor);
        };
        let Some(param) = request.pin_uv_auth_param.as_deref() else {
            return encode_error_response(StatusCode::PuatRequired);
        };
        if self
            .token
            .verify(PinUvAuthProtocol::One, &request.auth_message(), param)
            .is_err()
        {
            return encode_error_response(StatusCode::PinAuthInvalid);
        }
        CredentialManagementResponse {
            existing_resident_credentials_count: Some(2),
            max_possible_remaining_resident_credentials_count: Some(10),
            ..Default::default()
        }
        .encode()
    }
}

impl Device for Ctap20Key {
    fn descriptor(&self) -> &DeviceDescriptor {
        &self.descriptor
    }

    fn transact(
        &mut self,
        message: Message<'_>,
        _watch: &mut dyn Watch,
    ) -> Result<Vec<u8>, TransportError> {
        let Message::Ctap2(request) = message else {
            return Err(TransportError::Unsupported("CTAP1"));
        };
        let command = request.first().copied().unwrap_or_default();
        self.commands.push(command);
        Ok(match command {
            0x04 => Self::info().encode(),
            0x06 => self.client_pin(request),
            0x41 => self.credential_management(request),
            // §6.1.2 step 1: an empty pinUvAuthParam waits for a touch, then PIN_INVALID.
            0x01 => encode_error_response(StatusCode::PinInvalid),
            _ => encode_error_response(StatusCode::InvalidCommand),
        })
    }
}

#[test]
fn ctap_2_0_key_uses_get_pin_token_protocol_one_and_prototype_commands() -> Result<(), Error> {
    let mut client = Client::new(Ctap20Key::new("123456"));
    assert_eq!(client.pin_protocol()?, PinUvAuthProtocol::One);
    let mut ui = TestUi::with_pins(&["000000", "123456"]);
    let capacity = client.passkey_capacity(&mut ui)?;
    assert_eq!((capacity.existing, capacity.remaining), (2, 10));
    assert_eq!(ui.pin_requests.len(), 2);
    assert_eq!(ui.pin_requests[1].reason, PinReason::WrongPin);
    assert_eq!(ui.pin_requests[1].retries_left, Some(7));
    let device = client.into_device();
    assert!(
        device.commands.contains(&0x41),
        "the prototype command byte is used"
    );
    assert!(!device.commands.contains(&0x0a));
    // "Touch the key you want": a CTAP 2.0 key is asked with an empty-pinAuth makeCredential.
    let mut client = Client::new(Ctap20Key::new("123456"));
    client.wait_for_touch(&mut TestUi::default())?;
    assert!(client.into_device().commands.contains(&0x01));
    // Fingerprints are not offered: refused without a message.
    let mut client = Client::new(Ctap20Key::new("123456"));
    assert!(matches!(
        client.fingerprint_sensor(),
        Err(Error::Unsupported(Feature::Fingerprints))
    ));
    Ok(())
}
