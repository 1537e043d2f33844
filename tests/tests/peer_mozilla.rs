//! Mozilla's `authenticator` crate (the CTAP2 host inside Firefox, pure-Rust crypto) drives our
//! virtual key: a second host, written by others, must accept it (issue 2 "Proof").
//!
//! Mozilla's stack talks to a key through its public `FidoDevice`/`FidoDeviceIO` traits at the
//! CTAP2 message level (command byte + CBOR in, status byte + CBOR out), so the adapter below
//! hands its encoded requests straight to `Authenticator::handle`. Everything the key receives
//! was encoded by Mozilla (clientPIN setPIN/changePIN, tokens with permissions for both PIN/UV
//! auth protocols, makeCredential, the exclude/allow-list pre-flight, getAssertion), and every
//! answer is parsed by Mozilla. Signatures are then checked independently of both sides: the raw
//! response bytes are parsed with `ciborium` and verified with `p256` (`ed25519-dalek` for EdDSA).
//!
//! `crates/virtual-key/tests/mozilla_peer.rs` drives the same host through our CTAPHID framing
//! (PIN set by our host; our key manager lists, renames and deletes what Mozilla registered).
//! The tests here cover what it does not: Mozilla setting and changing the PIN itself, PIN/UV
//! auth protocols 1 and 2 and the legacy getPinToken, the wrong-PIN prompt with retries, built-in
//! UV (a fingerprint our host enrolled), ES256 and EdDSA, non-resident and discoverable
//! credentials, exclude lists and long allow lists (maxCredentialCountInList), credProtect
//! levels 2 and 3, hmac-secret outputs compared with our host's, the reset window, and signature
//! verification of the attestation and of every assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::mpsc::{channel, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use authenticator::authenticatorservice::{RegisterArgs, SignArgs};
use authenticator::crypto::{COSEAlgorithm, COSEKeyType, SharedSecret};
use authenticator::ctap2::attestation::{AttestationStatement, AuthenticatorDataFlags};
use authenticator::ctap2::commands::client_pin::{ChangeExistingPin, GetPinToken, SetNewPin};
use authenticator::ctap2::commands::reset::Reset;
use authenticator::ctap2::commands::{CommandError, RequestCtap1, RequestCtap2, StatusCode};
use authenticator::ctap2::server::{
    AuthenticationExtensionsClientInputs, CredentialProtectionPolicy, HMACGetSecretInput,
    PublicKeyCredentialDescriptor, PublicKeyCredentialParameters, PublicKeyCredentialUserEntity, RelyingParty,
    ResidentKeyRequirement, UserVerificationRequirement,
};
use authenticator::errors::{AuthenticatorError, HIDError};
use authenticator::statecallback::StateCallback;
use authenticator::{
    AuthenticatorInfo, FidoDevice, FidoDeviceIO, FidoProtocol, Pin, RegisterResult, SignResult, StatusPinUv,
    StatusUpdate,
};
use ciborium::Value;
use keydesk_ctap::auth_data::AuthDataFlags;
use keydesk_ctap::entities::{CredentialDescriptor, UserEntity};
use keydesk_ctap_client::{Client, GetAssertionArgs, Interaction, PinRequest, UserVerification};
use keydesk_ctap_crypto::hmac_secret::HmacSecretSalts;
use keydesk_transport::{Device, DeviceDescriptor, DeviceId, Message, TransportError, TransportKind, Watch};
use keydesk_virtual_key::bio::NextMatch;
use keydesk_virtual_key::{AttestationMode, Authenticator, Config, KeyRng, PresencePolicy, Reply};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};
use x509_cert::der::Decode;

const RP_ID: &str = "mozilla.example";
const PIN: &str = "2468";

/// CTAP 2.1 §6 command bytes of the messages inspected below.
const MAKE_CREDENTIAL: u8 = 0x01;
const GET_ASSERTION: u8 = 0x02;
const CLIENT_PIN: u8 = 0x06;

/// One request Mozilla sent and the key's answer, as bytes on the wire.
#[derive(Debug, Clone)]
struct Exchange {
    request: Vec<u8>,
    response: Vec<u8>,
}

/// Our virtual key as Mozilla's stack sees a device. The key waits for a touch on every
/// presence request; the adapter touches it (and counts the touches), as a user would.
#[derive(Debug)]
struct VirtualKeyForMozilla {
    key: Authenticator,
    now: Duration,
    info: Option<AuthenticatorInfo>,
    shared_secret: Option<SharedSecret>,
    protocol: FidoProtocol,
    /// Edits what Mozilla is shown of the key's getInfo (to steer its choices).
    shown: fn(&mut AuthenticatorInfo),
    exchanges: Vec<Exchange>,
    touches: usize,
    descriptor: DeviceDescriptor,
}

impl VirtualKeyForMozilla {
    fn new(shown: fn(&mut AuthenticatorInfo)) -> Self {
        let config = Config {
            presence: PresencePolicy::WaitForTouch,
            attestation: AttestationMode::Batch,
            ..Config::default()
        };
        Self {
            key: Authenticator::new(config, KeyRng::seeded(0x6d6f_7a69), Duration::ZERO),
            now: Duration::ZERO,
            info: None,
            shared_secret: None,
            protocol: FidoProtocol::CTAP2,
            shown,
            exchanges: Vec::new(),
            touches: 0,
            descriptor: DeviceDescriptor {
                id: DeviceId("virtual:mozilla-peer".into()),
                transport: TransportKind::Internal,
                product: "KeyDesk virtual key".into(),
                simulated: true,
            },
        }
    }

    /// Runs one CTAP2 request on the key, touching it when it asks for presence.
    fn answer(&mut self, request: &[u8]) -> Vec<u8> {
        self.now += Duration::from_millis(5);
        let response = match self.key.handle(request, self.now) {
            Reply::Response(bytes) => bytes,
            Reply::WaitingForUserPresence => {
                self.touches += 1;
                self.now += Duration::from_millis(300);
                self.key.touch(self.now).expect("a touch completes the waiting request")
            }
        };
        self.exchanges.push(Exchange {
            request: request.to_vec(),
            response: response.clone(),
        });
        response
    }

    /// The last successful exchange of `command`.
    fn last_success(&self, command: u8) -> &Exchange {
        self.exchanges
            .iter()
            .rev()
            .find(|e| e.request.first() == Some(&command) && e.response.first() == Some(&0))
            .expect("a successful exchange of that command")
    }
}

impl FidoDeviceIO for VirtualKeyForMozilla {
    fn send_msg_cancellable<Out, Req: RequestCtap1<Output = Out> + RequestCtap2<Output = Out>>(
        &mut self,
        msg: &Req,
        keep_alive: &dyn Fn() -> bool,
    ) -> Result<Out, HIDError> {
        match self.protocol {
            FidoProtocol::CTAP2 => self.send_cbor_cancellable(msg, keep_alive),
            FidoProtocol::CTAP1 => self.send_ctap1_cancellable(msg, keep_alive),
        }
    }

    fn send_cbor_cancellable<Req: RequestCtap2>(
        &mut self,
        msg: &Req,
        _keep_alive: &dyn Fn() -> bool,
    ) -> Result<Req::Output, HIDError> {
        let mut request = vec![msg.command() as u8];
        request.extend(msg.wire_format()?);
        let response = self.answer(&request);
        msg.handle_response_ctap2(self, &response)
    }

    fn send_ctap1_cancellable<Req: RequestCtap1>(
        &mut self,
        _msg: &Req,
        _keep_alive: &dyn Fn() -> bool,
    ) -> Result<Req::Output, HIDError> {
        // The key answers getInfo, so Mozilla never falls back to CTAP1; a fallback is a failure.
        Err(HIDError::UnsupportedCommand)
    }
}

impl FidoDevice for VirtualKeyForMozilla {
    fn pre_init(&mut self) -> Result<(), HIDError> {
        Ok(())
    }
    fn initialized(&self) -> bool {
        true
    }
    fn is_u2f(&mut self) -> bool {
        true
    }
    fn should_try_ctap2(&self) -> bool {
        true
    }
    fn get_authenticator_info(&self) -> Option<&AuthenticatorInfo> {
        self.info.as_ref()
    }
    fn set_authenticator_info(&mut self, mut info: AuthenticatorInfo) {
        (self.shown)(&mut info);
        self.info = Some(info);
    }
    fn get_protocol(&self) -> FidoProtocol {
        self.protocol
    }
    fn downgrade_to_ctap1(&mut self) {
        self.protocol = FidoProtocol::CTAP1;
    }
    fn get_shared_secret(&self) -> Option<&SharedSecret> {
        self.shared_secret.as_ref()
    }
    fn set_shared_secret(&mut self, secret: SharedSecret) {
        self.shared_secret = Some(secret);
    }
}

/// The same key behind our own transport seam, so our host can prepare it (fingerprints) and
/// use what Mozilla created.
impl Device for VirtualKeyForMozilla {
    fn descriptor(&self) -> &DeviceDescriptor {
        &self.descriptor
    }

    fn transact(&mut self, message: Message<'_>, _watch: &mut dyn Watch) -> Result<Vec<u8>, TransportError> {
        match message {
            Message::Ctap2(request) => Ok(self.answer(request)),
            Message::Ctap1(_) => Err(TransportError::Unsupported("CTAP1/U2F in this test")),
        }
    }
}

/// Our host's front end: it knows the PIN and picks the first account.
#[derive(Debug, Default)]
struct OurUi {
    pin_requests: usize,
}

impl Interaction for OurUi {
    fn touch_needed(&mut self) {}
    fn pin_needed(&mut self, _request: &PinRequest) -> Option<keydesk_ctap_client::Pin> {
        self.pin_requests += 1;
        Some(keydesk_ctap_client::Pin::new(PIN))
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        Some(0)
    }
}

/// Mozilla sees the key's getInfo as it is.
fn as_reported(_: &mut AuthenticatorInfo) {}

/// Mozilla sees only PIN/UV auth protocol 1 (it picks the first one listed).
fn protocol_1_only(info: &mut AuthenticatorInfo) {
    info.pin_protocols = Some(vec![1]);
}

/// What Mozilla asked the front end.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Prompt {
    PinRequired,
    InvalidPin(Option<u8>),
    Presence,
    Other(String),
}

/// A front end on its own thread answering Mozilla's PIN prompts from a script (as Firefox's
/// dialog would), recording every status update. It ends when Mozilla drops the sender.
fn front_end(pins: &[&str]) -> (Sender<StatusUpdate>, JoinHandle<Vec<Prompt>>) {
    let (tx, rx) = channel::<StatusUpdate>();
    let mut pins: Vec<String> = pins.iter().rev().map(|p| (*p).to_owned()).collect();
    let handle = std::thread::spawn(move || {
        let mut prompts = Vec::new();
        while let Ok(update) = rx.recv() {
            let (prompt, reply) = match update {
                StatusUpdate::PinUvError(StatusPinUv::PinRequired(reply)) => (Prompt::PinRequired, Some(reply)),
                StatusUpdate::PinUvError(StatusPinUv::InvalidPin(reply, retries)) => {
                    (Prompt::InvalidPin(retries), Some(reply))
                }
                StatusUpdate::PresenceRequired => (Prompt::Presence, None),
                other => (Prompt::Other(format!("{other:?}")), None),
            };
            prompts.push(prompt);
            if let (Some(reply), Some(pin)) = (reply, pins.pop()) {
                reply.send(Pin::new(&pin)).unwrap();
            }
            // With no scripted PIN left the reply sender is dropped: Mozilla cancels.
        }
        prompts
    });
    (tx, handle)
}

fn register_args(user_id: &[u8], resident: ResidentKeyRequirement, pin: Option<&str>) -> RegisterArgs {
    RegisterArgs {
        client_data_hash: Sha256::digest(b"mozilla register client data").into(),
        relying_party: RelyingParty {
            id: RP_ID.into(),
            name: Some("Mozilla example".into()),
        },
        origin: format!("https://{RP_ID}"),
        user: PublicKeyCredentialUserEntity {
            id: user_id.to_vec(),
            name: Some("fx".into()),
            display_name: Some("Firefox User".into()),
        },
        pub_cred_params: vec![PublicKeyCredentialParameters {
            alg: COSEAlgorithm::ES256,
        }],
        exclude_list: vec![],
        user_verification_req: UserVerificationRequirement::Required,
        resident_key_req: resident,
        extensions: AuthenticationExtensionsClientInputs::default(),
        pin: pin.map(Pin::new),
        use_ctap1_fallback: false,
    }
}

fn sign_args(allow: &[Vec<u8>], pin: Option<&str>) -> SignArgs {
    SignArgs {
        client_data_hash: Sha256::digest(b"mozilla sign client data").into(),
        origin: format!("https://{RP_ID}"),
        relying_party_id: RP_ID.into(),
        allow_list: allow
            .iter()
            .map(|id| PublicKeyCredentialDescriptor {
                id: id.clone(),
                transports: vec![],
            })
            .collect(),
        user_verification_req: UserVerificationRequirement::Required,
        user_presence_req: true,
        extensions: AuthenticationExtensionsClientInputs::default(),
        pin: pin.map(Pin::new),
        use_ctap1_fallback: false,
    }
}

/// `authenticator::ctap2::register` with a scripted front end: the result and the prompts.
fn register(
    device: &mut VirtualKeyForMozilla,
    args: RegisterArgs,
    pins: &[&str],
) -> (authenticator::Result<RegisterResult>, Vec<Prompt>) {
    let (status, front) = front_end(pins);
    let (tx, rx) = channel();
    let callback = StateCallback::new(Box::new(move |result| tx.send(result).unwrap()));
    authenticator::ctap2::register(device, args, status, callback, &|| true);
    let result = rx.recv_timeout(Duration::from_secs(5)).expect("register calls back");
    (result, front.join().unwrap())
}

/// `authenticator::ctap2::sign` with a scripted front end: the result and the prompts.
fn sign(
    device: &mut VirtualKeyForMozilla,
    args: SignArgs,
    pins: &[&str],
) -> (authenticator::Result<SignResult>, Vec<Prompt>) {
    let (status, front) = front_end(pins);
    let (tx, rx) = channel();
    let callback = StateCallback::new(Box::new(move |result| tx.send(result).unwrap()));
    authenticator::ctap2::sign(device, args, status, callback, &|| true);
    let result = rx.recv_timeout(Duration::from_secs(5)).expect("sign calls back");
    (result, front.join().unwrap())
}

/// Mozilla sets the PIN itself: key agreement, then clientPIN setPIN encrypted under the
/// shared secret of the protocol it chose.
fn mozilla_sets_pin(device: &mut VirtualKeyForMozilla, pin: &str) {
    device.init().unwrap();
    assert_eq!(device.get_authenticator_info().unwrap().options.client_pin, Some(false));
    let secret = device.establish_shared_secret(&|| true).unwrap();
    device.send_cbor(&SetNewPin::new(&secret, &Pin::new(pin))).unwrap();
    device.refresh_authenticator_info();
    assert_eq!(device.get_authenticator_info().unwrap().options.client_pin, Some(true));
    assert_eq!(device.key.pin_retries(), 8);
}

/// A CBOR map entry by integer key.
fn map_get(map: &Value, key: i64) -> Option<&Value> {
    map.as_map()?.iter().find_map(|(k, v)| {
        let k = i128::from(k.as_integer()?);
        (k == i128::from(key)).then_some(v)
    })
}

/// A CBOR map entry by text key.
fn map_text<'a>(map: &'a Value, key: &str) -> Option<&'a Value> {
    map.as_map()?
        .iter()
        .find_map(|(k, v)| (k.as_text()? == key).then_some(v))
}

/// The CBOR body of a successful response, parsed by ciborium (neither side's decoder).
fn response_body(exchange: &Exchange) -> Value {
    assert_eq!(exchange.response.first(), Some(&0), "status CTAP2_OK");
    ciborium::from_reader(&exchange.response[1..]).expect("the response body is one CBOR item")
}

fn verify_es256(key: &VerifyingKey, auth_data: &[u8], client_data_hash: &[u8; 32], der_signature: &[u8]) {
    let mut signed = auth_data.to_vec();
    signed.extend_from_slice(client_data_hash);
    let signature = Signature::from_der(der_signature).expect("an ASN.1 DER ECDSA signature (WebAuthn §6.5.6)");
    key.verify(&signed, &signature)
        .expect("the signature verifies over authData || clientDataHash");
}

fn credential_key(result: &RegisterResult) -> VerifyingKey {
    let credential = result
        .att_obj
        .auth_data
        .credential_data
        .as_ref()
        .expect("attested credential data");
    assert_eq!(credential.credential_public_key.alg, COSEAlgorithm::ES256);
    let COSEKeyType::EC2(ec2) = &credential.credential_public_key.key else {
        panic!("an EC2 credential key, got {:?}", credential.credential_public_key.key);
    };
    let point = p256::EncodedPoint::from_affine_coordinates(ec2.x.as_slice().into(), ec2.y.as_slice().into(), false);
    VerifyingKey::from_encoded_point(&point).expect("a point on P-256")
}

/// Checks the registration Mozilla parsed against the raw response: flags, RP ID hash, packed
/// attestation whose signature verifies with the batch certificate's key. Returns the
/// credential ID and key.
fn check_registration(
    device: &VirtualKeyForMozilla,
    result: &RegisterResult,
    client_data_hash: &[u8; 32],
) -> (Vec<u8>, VerifyingKey) {
    let auth_data = &result.att_obj.auth_data;
    let expected_flags =
        AuthenticatorDataFlags::USER_PRESENT | AuthenticatorDataFlags::USER_VERIFIED | AuthenticatorDataFlags::ATTESTED;
    assert_eq!(auth_data.flags, expected_flags);
    assert_eq!(
        auth_data.rp_id_hash.0.as_slice(),
        Sha256::digest(RP_ID.as_bytes()).as_slice()
    );
    let credential_id = auth_data.credential_data.as_ref().unwrap().credential_id.clone();
    let key = credential_key(result);
    check_packed_attestation(device, result, client_data_hash);
    (credential_id, key)
}

/// Checks the packed attestation Mozilla parsed against the raw response: its signature over
/// authData || clientDataHash verifies with the batch certificate's key (ES256), and Mozilla
/// re-serialises the authenticator data it parsed to exactly the bytes the key signed.
fn check_packed_attestation(device: &VirtualKeyForMozilla, result: &RegisterResult, client_data_hash: &[u8; 32]) {
    let AttestationStatement::Packed(packed) = &result.att_obj.att_stmt else {
        panic!("packed attestation, got {:?}", result.att_obj.att_stmt);
    };
    assert_eq!(packed.alg, COSEAlgorithm::ES256);
    let body = response_body(device.last_success(MAKE_CREDENTIAL));
    assert_eq!(map_get(&body, 1).and_then(Value::as_text), Some("packed"));
    let raw_auth_data = map_get(&body, 2).and_then(Value::as_bytes).unwrap();
    let statement = map_get(&body, 3).unwrap();
    let sig = map_text(statement, "sig").and_then(Value::as_bytes).unwrap();
    assert_eq!(sig, &packed.sig.0);
    let x5c = map_text(statement, "x5c").and_then(Value::as_array).unwrap();
    let certificate = x509_cert::Certificate::from_der(x5c[0].as_bytes().unwrap()).unwrap();
    let spki = &certificate.tbs_certificate.subject_public_key_info;
    let batch_key = VerifyingKey::from_sec1_bytes(spki.subject_public_key.raw_bytes()).unwrap();
    verify_es256(&batch_key, raw_auth_data, client_data_hash, sig);
    assert_eq!(result.att_obj.auth_data.to_vec(), *raw_auth_data);
}

/// Checks an assertion: flags UP|UV without AT, the signature over the raw authenticator data.
fn check_assertion(
    device: &VirtualKeyForMozilla,
    result: &SignResult,
    key: &VerifyingKey,
    client_data_hash: &[u8; 32],
) {
    let assertion = &result.assertion;
    assert_eq!(
        assertion.auth_data.flags,
        AuthenticatorDataFlags::USER_PRESENT | AuthenticatorDataFlags::USER_VERIFIED
    );
    assert!(assertion.auth_data.credential_data.is_none());
    assert_eq!(
        assertion.auth_data.rp_id_hash.0.as_slice(),
        Sha256::digest(RP_ID.as_bytes()).as_slice()
    );
    let body = response_body(device.last_success(GET_ASSERTION));
    let raw_auth_data = map_get(&body, 2).and_then(Value::as_bytes).unwrap();
    let signature = map_get(&body, 3).and_then(Value::as_bytes).unwrap();
    assert_eq!(signature, &assertion.signature);
    assert_eq!(assertion.auth_data.to_vec(), *raw_auth_data);
    verify_es256(key, raw_auth_data, client_data_hash, signature);
}

/// Member `key` of every clientPIN request sent from exchange `from` on: 1 is
/// pinUvAuthProtocol, 2 the subCommand (CTAP 2.1 §6.5.2).
fn client_pin_members(device: &VirtualKeyForMozilla, from: usize, key: i64) -> Vec<i64> {
    device.exchanges[from..]
        .iter()
        .filter(|e| e.request.first() == Some(&CLIENT_PIN))
        .map(|e| {
            let body: Value = ciborium::from_reader(&e.request[1..]).unwrap();
            i64::try_from(map_get(&body, key).and_then(Value::as_integer).unwrap()).unwrap()
        })
        .collect()
}

/// The pinUvAuthProtocol of every clientPIN request sent.
fn client_pin_protocols(device: &VirtualKeyForMozilla) -> Vec<i64> {
    client_pin_members(device, 0, 1)
}

#[test]
fn mozilla_sets_a_pin_registers_a_passkey_and_signs_with_pin_protocol_2() {
    let mut device = VirtualKeyForMozilla::new(as_reported);
    mozilla_sets_pin(&mut device, PIN);
    assert_eq!(device.get_authenticator_info().unwrap().pin_protocols, Some(vec![2, 1]));

    // Register a discoverable credential with UV; the PIN comes from the front end's prompt.
    let args = register_args(b"firefox-user-1", ResidentKeyRequirement::Required, None);
    let client_data_hash = args.client_data_hash;
    let (result, prompts) = register(&mut device, args, &[PIN]);
    let registered = result.unwrap();
    assert_eq!(prompts.first(), Some(&Prompt::PinRequired));
    assert!(prompts.contains(&Prompt::Presence));
    assert_eq!(device.touches, 1, "makeCredential waited for one touch");
    let (credential_id, key) = check_registration(&device, &registered, &client_data_hash);
    assert_eq!(device.key.discoverable_credential_count(), 1);
    assert!(client_pin_protocols(&device).iter().all(|p| *p == 2));

    // Sign with it (allow list), PIN passed up front this time.
    let args = sign_args(std::slice::from_ref(&credential_id), Some(PIN));
    let client_data_hash = args.client_data_hash;
    let (result, prompts) = sign(&mut device, args, &[]);
    let signed = result.unwrap();
    assert!(!prompts.contains(&Prompt::PinRequired));
    assert_eq!(signed.assertion.credentials.as_ref().unwrap().id, credential_id);
    assert!(signed.assertion.auth_data.counter > registered.att_obj.auth_data.counter);
    check_assertion(&device, &signed, &key, &client_data_hash);

    // Sign again with an empty allow list: the key finds the discoverable credential and
    // returns its user handle.
    let args = sign_args(&[], Some(PIN));
    let client_data_hash = args.client_data_hash;
    let (result, _) = sign(&mut device, args, &[]);
    let discovered = result.unwrap();
    assert_eq!(discovered.assertion.credentials.as_ref().unwrap().id, credential_id);
    assert_eq!(discovered.assertion.user.as_ref().unwrap().id, b"firefox-user-1");
    assert!(discovered.assertion.auth_data.counter > signed.assertion.auth_data.counter);
    check_assertion(&device, &discovered, &key, &client_data_hash);

    // Registering the same credential again is refused after a touch (exclude list, found by
    // Mozilla's silent pre-flight).
    let mut args = register_args(b"firefox-user-1", ResidentKeyRequirement::Required, Some(PIN));
    args.exclude_list = vec![PublicKeyCredentialDescriptor {
        id: credential_id,
        transports: vec![],
    }];
    let (result, _) = register(&mut device, args, &[]);
    assert!(
        matches!(result, Err(AuthenticatorError::CredentialExcluded)),
        "{result:?}"
    );
    assert_eq!(device.key.discoverable_credential_count(), 1);
}

#[test]
fn mozilla_uses_pin_protocol_1_for_a_non_resident_credential() {
    let mut device = VirtualKeyForMozilla::new(protocol_1_only);
    mozilla_sets_pin(&mut device, PIN);

    let args = register_args(b"firefox-user-2", ResidentKeyRequirement::Discouraged, Some(PIN));
    let client_data_hash = args.client_data_hash;
    let (result, _) = register(&mut device, args, &[]);
    let registered = result.unwrap();
    let (credential_id, key) = check_registration(&device, &registered, &client_data_hash);
    assert_eq!(device.key.discoverable_credential_count(), 0);

    let args = sign_args(std::slice::from_ref(&credential_id), Some(PIN));
    let client_data_hash = args.client_data_hash;
    let (result, _) = sign(&mut device, args, &[]);
    let signed = result.unwrap();
    assert_eq!(signed.assertion.credentials.as_ref().unwrap().id, credential_id);
    check_assertion(&device, &signed, &key, &client_data_hash);

    // Every clientPIN request (getKeyAgreement, setPIN, tokens) spoke protocol 1, and the
    // makeCredential/getAssertion pinUvAuthParams were protocol 1's 16-byte HMACs.
    let protocols = client_pin_protocols(&device);
    assert!(protocols.len() >= 4, "{protocols:?}");
    assert!(protocols.iter().all(|p| *p == 1), "{protocols:?}");
    for command in [MAKE_CREDENTIAL, GET_ASSERTION] {
        let request: Value = ciborium::from_reader(&device.last_success(command).request[1..]).unwrap();
        let (param_key, protocol_key) = if command == MAKE_CREDENTIAL { (8, 9) } else { (6, 7) };
        assert_eq!(
            map_get(&request, param_key).and_then(Value::as_bytes).map(Vec::len),
            Some(16)
        );
        assert_eq!(
            map_get(&request, protocol_key).and_then(Value::as_integer),
            Some(1.into())
        );
    }
}

#[test]
fn mozilla_reports_a_wrong_pin_with_the_retries_left_and_recovers() {
    let mut device = VirtualKeyForMozilla::new(as_reported);
    mozilla_sets_pin(&mut device, PIN);
    let (result, _) = register(
        &mut device,
        register_args(b"firefox-user-3", ResidentKeyRequirement::Discouraged, Some(PIN)),
        &[],
    );
    let credential_id = result.unwrap().att_obj.auth_data.credential_data.unwrap().credential_id;

    // First a wrong PIN: Mozilla asks the key for getPinRetries and prompts again with 7 left.
    let (result, prompts) = sign(
        &mut device,
        sign_args(std::slice::from_ref(&credential_id), None),
        &["1357", PIN],
    );
    result.unwrap();
    let pin_prompts: Vec<&Prompt> = prompts.iter().filter(|p| !matches!(p, Prompt::Presence)).collect();
    assert_eq!(pin_prompts, [&Prompt::PinRequired, &Prompt::InvalidPin(Some(7))]);
    assert_eq!(device.key.pin_retries(), 8, "the correct PIN restores the retries");

    // With no PIN left to give, the operation stops and no assertion is made.
    let before = device.exchanges.len();
    let (result, prompts) = sign(&mut device, sign_args(&[credential_id], None), &["1357"]);
    assert!(matches!(result, Err(AuthenticatorError::CancelledByUser)), "{result:?}");
    assert_eq!(prompts.last(), Some(&Prompt::InvalidPin(Some(7))));
    assert!(device.exchanges[before..]
        .iter()
        .all(|e| e.request.first() != Some(&GET_ASSERTION) || e.response.first() != Some(&0)));
}

#[test]
fn mozilla_changes_the_pin_and_the_old_one_stops_working() {
    let mut device = VirtualKeyForMozilla::new(as_reported);
    mozilla_sets_pin(&mut device, PIN);
    let new_pin = "97531";

    let secret = device.establish_shared_secret(&|| true).unwrap();
    let info = device.get_authenticator_info().unwrap().clone();
    let (old_pin, changed_pin) = (Pin::new(PIN), Pin::new(new_pin));
    let change = ChangeExistingPin::new(&info, &secret, &old_pin, &changed_pin).unwrap();
    device.send_cbor(&change).unwrap();

    // The old PIN is now wrong (CTAP2_ERR_PIN_INVALID, one retry used) ...
    let secret = device.establish_shared_secret(&|| true).unwrap();
    let old = device.send_cbor(&GetPinToken::new(&secret, &Pin::new(PIN)));
    assert!(
        matches!(
            old,
            Err(HIDError::Command(CommandError::StatusCode(StatusCode::PinInvalid, _)))
        ),
        "{old:?}"
    );
    assert_eq!(device.key.pin_retries(), 7);

    // ... and the new one registers and signs.
    let (result, _) = register(
        &mut device,
        register_args(b"firefox-user-4", ResidentKeyRequirement::Discouraged, Some(new_pin)),
        &[],
    );
    let registered = result.unwrap();
    let key = credential_key(&registered);
    let credential_id = registered.att_obj.auth_data.credential_data.unwrap().credential_id;
    let args = sign_args(&[credential_id], Some(new_pin));
    let client_data_hash = args.client_data_hash;
    let (result, _) = sign(&mut device, args, &[]);
    check_assertion(&device, &result.unwrap(), &key, &client_data_hash);
    assert_eq!(device.key.pin_retries(), 8);
}

#[test]
fn a_user_name_of_null_from_mozilla_is_refused_as_the_wrong_type() {
    let mut device = VirtualKeyForMozilla::new(as_reported);
    mozilla_sets_pin(&mut device, PIN);
    let mut args = register_args(b"firefox-user-5", ResidentKeyRequirement::Discouraged, Some(PIN));
    args.user.name = None;
    let (result, _) = register(&mut device, args, &[]);

    // authenticator 0.5 serialises an absent user name as `"name": null` (its
    // PublicKeyCredentialUserEntity has no skip_serializing_if on `name`), where CTAP 2.1 §6.1
    // allows only a text string or no member at all. The key refuses the request with
    // CTAP2_ERR_CBOR_UNEXPECTED_TYPE rather than guessing, and creates nothing. (Firefox itself
    // always has a name: WebAuthn L3 §5.4.3 makes it a required member.)
    let exchange = device.exchanges.last().unwrap();
    assert_eq!(exchange.request.first(), Some(&MAKE_CREDENTIAL));
    let request: Value = ciborium::from_reader(&exchange.request[1..]).unwrap();
    let user = map_get(&request, 3).unwrap();
    assert_eq!(map_text(user, "name"), Some(&Value::Null));
    assert_eq!(exchange.response, [0x11]);
    assert!(
        matches!(
            result,
            Err(AuthenticatorError::HIDError(HIDError::Command(
                CommandError::StatusCode(StatusCode::CBORUnexpectedType, _)
            )))
        ),
        "{result:?}"
    );
    assert_eq!(device.touches, 0);
}

#[test]
fn mozilla_verifies_with_a_fingerprint_and_our_host_signs_with_its_credential() {
    // Our host sets the PIN and enrolls a fingerprint on the key.
    let mut client = Client::new(VirtualKeyForMozilla::new(as_reported));
    client.set_pin(&keydesk_ctap_client::Pin::new(PIN)).unwrap();
    client
        .enroll_fingerprint(Some("right index"), None, &mut OurUi::default())
        .unwrap();
    let mut device = client.into_device();

    // Mozilla sees built-in UV with pinUvAuthToken, so it asks the sensor rather than the user
    // for a PIN. The first finger does not match: Mozilla reports it and tries again.
    device.init().unwrap();
    let options = &device.get_authenticator_info().unwrap().options;
    assert_eq!(
        (options.user_verification, options.pin_uv_auth_token),
        (Some(true), Some(true))
    );
    device.key.sensor_mut().set_next_match(NextMatch::NoMatch);
    let from = device.exchanges.len();
    let args = register_args(b"firefox-user-6", ResidentKeyRequirement::Required, None);
    let client_data_hash = args.client_data_hash;
    let (result, prompts) = register(&mut device, args, &[]);
    let registered = result.unwrap();
    assert!(
        !prompts
            .iter()
            .any(|p| matches!(p, Prompt::PinRequired | Prompt::InvalidPin(_))),
        "{prompts:?}"
    );
    assert!(
        prompts
            .iter()
            .any(|p| matches!(p, Prompt::Other(s) if s.contains("InvalidUv"))),
        "{prompts:?}"
    );
    // Tokens only through getPinUvAuthTokenUsingUvWithPermissions (subCommand 0x06), twice.
    let subcommands = client_pin_members(&device, from, 2);
    assert_eq!(subcommands.iter().filter(|c| **c == 0x06).count(), 2, "{subcommands:?}");
    assert!(!subcommands.iter().any(|c| matches!(c, 0x05 | 0x09)), "{subcommands:?}");
    let (credential_id, key) = check_registration(&device, &registered, &client_data_hash);

    // Our host signs with the credential Mozilla created; its signature verifies with the key
    // Mozilla parsed from the attestation.
    let mut client = Client::new(device);
    let mut ui = OurUi::default();
    let args = GetAssertionArgs {
        rp_id: RP_ID.into(),
        client_data_hash: Sha256::digest(b"our host signs").into(),
        allow_list: vec![CredentialDescriptor::public_key(credential_id.clone())],
        extensions: None,
        user_presence: true,
        user_verification: UserVerification::Required,
        hmac_secret_salts: None,
    };
    let assertion = client.get_assertion(&args, &mut ui).unwrap().response;
    assert_eq!(assertion.credential.as_ref().unwrap().id, credential_id);
    let flags = assertion.authenticator_data().unwrap().flags;
    assert_eq!(flags, AuthDataFlags(AuthDataFlags::UP | AuthDataFlags::UV));
    verify_es256(&key, &assertion.auth_data, &args.client_data_hash, &assertion.signature);
    assert_eq!(ui.pin_requests, 0, "our host used the fingerprint too");
}

#[test]
fn mozilla_and_our_host_derive_the_same_hmac_secret_outputs() {
    let salt1 = [0x11; 32];
    let salt2 = [0x22; 32];
    for (shown, label) in [
        (as_reported as fn(&mut AuthenticatorInfo), "protocol 2"),
        (protocol_1_only, "protocol 1"),
    ] {
        let mut device = VirtualKeyForMozilla::new(shown);
        mozilla_sets_pin(&mut device, PIN);
        let mut args = register_args(b"firefox-user-7", ResidentKeyRequirement::Discouraged, Some(PIN));
        args.extensions.hmac_create_secret = Some(true);
        let (result, _) = register(&mut device, args, &[]);
        let registered = result.unwrap();
        assert_eq!(registered.extensions.hmac_create_secret, Some(true), "{label}");
        let credential_id = registered.att_obj.auth_data.credential_data.unwrap().credential_id;

        // Mozilla encrypts the salts under its shared secret and decrypts the key's outputs.
        let mut args = sign_args(std::slice::from_ref(&credential_id), Some(PIN));
        args.extensions.hmac_get_secret = Some(HMACGetSecretInput {
            salt1,
            salt2: Some(salt2),
        });
        let (result, _) = sign(&mut device, args, &[]);
        let mozilla = result.unwrap().extensions.hmac_get_secret.expect("hmac-secret outputs");
        assert_ne!(mozilla.output1, mozilla.output2.unwrap());

        // Our host asks for the same salts on the same credential (both with UV, so the same
        // CredRandom): the outputs must be identical, whichever protocol carried them.
        let mut client = Client::new(device);
        let ours = client
            .get_assertion(
                &GetAssertionArgs {
                    rp_id: RP_ID.into(),
                    client_data_hash: Sha256::digest(b"our host derives a secret").into(),
                    allow_list: vec![CredentialDescriptor::public_key(credential_id)],
                    extensions: None,
                    user_presence: true,
                    user_verification: UserVerification::Required,
                    hmac_secret_salts: Some(HmacSecretSalts::new(salt1, Some(salt2))),
                },
                &mut OurUi::default(),
            )
            .unwrap()
            .hmac_secret
            .expect("hmac-secret outputs");
        assert_eq!(ours.first(), &mozilla.output1, "{label}");
        assert_eq!(ours.second(), mozilla.output2.as_ref(), "{label}");
    }
}

#[test]
fn mozilla_resets_the_key_only_within_ten_seconds_of_power_up() {
    let mut device = VirtualKeyForMozilla::new(as_reported);
    mozilla_sets_pin(&mut device, PIN);
    let (result, _) = register(
        &mut device,
        register_args(b"firefox-user-8", ResidentKeyRequirement::Required, Some(PIN)),
        &[],
    );
    result.unwrap();

    // Eleven seconds after power-up the key refuses (CTAP 2.1 §6.6: CTAP2_ERR_NOT_ALLOWED).
    device.now += Duration::from_secs(11);
    let late = device.send_cbor(&Reset::default());
    assert!(
        matches!(
            late,
            Err(HIDError::Command(CommandError::StatusCode(StatusCode::NotAllowed, _)))
        ),
        "{late:?}"
    );
    assert_eq!(device.key.discoverable_credential_count(), 1);

    // After a power cycle, a reset with a touch wipes the PIN and the credentials.
    device.key.power_cycle(device.now);
    let touches = device.touches;
    device.send_cbor(&Reset::default()).unwrap();
    assert_eq!(device.touches, touches + 1, "reset waited for a touch");
    device.refresh_authenticator_info();
    assert_eq!(device.get_authenticator_info().unwrap().options.client_pin, Some(false));
    assert_eq!(device.key.discoverable_credential_count(), 0);
}

#[test]
fn credentials_mozilla_protects_are_hidden_without_user_verification() {
    let mut device = VirtualKeyForMozilla::new(as_reported);
    mozilla_sets_pin(&mut device, PIN);
    let mut registered = Vec::new();
    for (user, policy) in [
        (
            &b"firefox-user-9"[..],
            CredentialProtectionPolicy::UserVerificationRequired,
        ),
        (
            &b"firefox-user-10"[..],
            CredentialProtectionPolicy::UserVerificationOptionalWithCredentialIDList,
        ),
    ] {
        let mut args = register_args(user, ResidentKeyRequirement::Required, Some(PIN));
        args.extensions.credential_protection_policy = Some(policy);
        args.extensions.enforce_credential_protection_policy = Some(true);
        let (result, _) = register(&mut device, args, &[]);
        let auth_data = result.unwrap().att_obj.auth_data;
        // CTAP 2.1 §12.1: the key echoes the level in the credProtect extension output.
        assert_eq!(auth_data.extensions.cred_protect, Some(policy));
        registered.push(auth_data.credential_data.unwrap().credential_id);
    }
    let (required, with_id_list) = (&registered[0], &registered[1]);

    // Without UV: the level-3 credential is never found, even by ID; the level-2 one only by ID.
    let mut without_uv = sign_args(std::slice::from_ref(required), None);
    without_uv.user_verification_req = UserVerificationRequirement::Discouraged;
    let touches = device.touches;
    let (result, _) = sign(&mut device, without_uv.clone(), &[]);
    assert!(
        matches!(
            &result,
            Err(AuthenticatorError::HIDError(HIDError::Command(
                CommandError::StatusCode(StatusCode::NoCredentials, _)
            )))
        ),
        "{result:?}"
    );
    // Its silent pre-flight found nothing, so Mozilla made the key blink with a zero-length
    // pinUvAuthParam makeCredential: the key waited for a touch, then answered
    // CTAP2_ERR_PIN_INVALID as a key with a PIN must (CTAP 2.1 §6.1.2 step 1).
    assert_eq!(device.touches, touches + 1);
    let blink = device.exchanges.last().unwrap();
    assert_eq!(
        (blink.request[0], blink.response.as_slice()),
        (MAKE_CREDENTIAL, &[0x31][..])
    );
    without_uv.allow_list = vec![PublicKeyCredentialDescriptor {
        id: with_id_list.clone(),
        transports: vec![],
    }];
    let (result, _) = sign(&mut device, without_uv.clone(), &[]);
    let signed = result.unwrap();
    assert_eq!(signed.assertion.credentials.unwrap().id, *with_id_list);
    assert_eq!(signed.assertion.auth_data.flags, AuthenticatorDataFlags::USER_PRESENT);
    without_uv.allow_list.clear();
    let (result, _) = sign(&mut device, without_uv, &[]);
    assert!(
        matches!(
            &result,
            Err(AuthenticatorError::HIDError(HIDError::Command(
                CommandError::StatusCode(StatusCode::NoCredentials, _)
            )))
        ),
        "{result:?}"
    );

    // With UV both are found again (the most recent first when discovering).
    let (result, _) = sign(&mut device, sign_args(std::slice::from_ref(required), Some(PIN)), &[]);
    assert_eq!(result.unwrap().assertion.credentials.unwrap().id, *required);
}

#[test]
fn mozilla_finds_our_credential_in_a_long_allow_list_of_foreign_ones() {
    let mut device = VirtualKeyForMozilla::new(as_reported);
    mozilla_sets_pin(&mut device, PIN);
    let (result, _) = register(
        &mut device,
        register_args(b"firefox-user-11", ResidentKeyRequirement::Discouraged, Some(PIN)),
        &[],
    );
    let registered = result.unwrap();
    let key = credential_key(&registered);
    let ours = registered.att_obj.auth_data.credential_data.unwrap().credential_id;
    let info = device.get_authenticator_info().unwrap();
    let (max_count, max_id) = (
        info.max_credential_count_in_list.unwrap(),
        info.max_credential_id_length.unwrap(),
    );
    assert!(max_count > 1);

    // Foreign IDs: as long as ours (they fail the key's authentication, not its parser), and
    // longer than maxCredentialIdLength (Mozilla drops those itself); ours comes last.
    let mut allow: Vec<Vec<u8>> = (0..max_count + 8)
        .map(|i| {
            let fill = u8::try_from(i).unwrap();
            if i % 4 == 3 {
                vec![fill; max_id + 1]
            } else {
                let mut id = ours.clone();
                id[ours.len() / 2] ^= fill.wrapping_add(1);
                id
            }
        })
        .collect();
    allow.push(ours.clone());
    let sent_from = device.exchanges.len();
    let args = sign_args(&allow, Some(PIN));
    let client_data_hash = args.client_data_hash;
    let (result, _) = sign(&mut device, args, &[]);
    let signed = result.unwrap();
    assert_eq!(signed.assertion.credentials.as_ref().unwrap().id, ours);
    check_assertion(&device, &signed, &key, &client_data_hash);

    // Silent probes (up=false) batch by batch: the first batch finds nothing (the foreign IDs
    // are skipped, not errors), the second holds ours; the real request carries only the
    // credential the probe returned.
    let assertions: Vec<(usize, u8)> = device.exchanges[sent_from..]
        .iter()
        .filter(|e| e.request.first() == Some(&GET_ASSERTION))
        .map(|e| {
            let request: Value = ciborium::from_reader(&e.request[1..]).unwrap();
            let listed = map_get(&request, 3).and_then(Value::as_array).map_or(0, Vec::len);
            (listed, e.response[0])
        })
        .collect();
    let short_ids = allow.iter().filter(|id| id.len() <= max_id).count();
    assert!(short_ids > max_count);
    assert_eq!(
        assertions,
        [(max_count, 0x2e), (short_ids - max_count, 0x00), (1, 0x00)]
    );
}

#[test]
fn mozilla_uses_the_legacy_pin_token_when_the_key_looks_like_ctap_2_0() {
    // Without the pinUvAuthToken option Mozilla falls back to getPinToken (CTAP 2.1 §6.5.5.7.1,
    // "superseded"): a token with the default mc and ga permissions.
    let mut device = VirtualKeyForMozilla::new(|info| info.options.pin_uv_auth_token = None);
    mozilla_sets_pin(&mut device, PIN);
    let from = device.exchanges.len();
    let args = register_args(b"firefox-user-12", ResidentKeyRequirement::Discouraged, Some(PIN));
    let client_data_hash = args.client_data_hash;
    let (result, _) = register(&mut device, args, &[]);
    let registered = result.unwrap();
    let (credential_id, key) = check_registration(&device, &registered, &client_data_hash);
    let args = sign_args(std::slice::from_ref(&credential_id), Some(PIN));
    let client_data_hash = args.client_data_hash;
    let (result, _) = sign(&mut device, args, &[]);
    check_assertion(&device, &result.unwrap(), &key, &client_data_hash);

    let subcommands = client_pin_members(&device, from, 2);
    assert!(subcommands.contains(&0x05), "{subcommands:?}");
    assert!(!subcommands.iter().any(|c| matches!(c, 0x06 | 0x09)), "{subcommands:?}");
}

#[test]
fn mozilla_registers_an_eddsa_credential_and_its_signatures_verify() {
    let mut device = VirtualKeyForMozilla::new(as_reported);
    mozilla_sets_pin(&mut device, PIN);
    let mut args = register_args(b"firefox-user-13", ResidentKeyRequirement::Discouraged, Some(PIN));
    let register_hash = args.client_data_hash;
    args.pub_cred_params = vec![
        PublicKeyCredentialParameters {
            alg: COSEAlgorithm::EDDSA,
        },
        PublicKeyCredentialParameters {
            alg: COSEAlgorithm::ES256,
        },
    ];
    let (result, _) = register(&mut device, args, &[]);
    let registered = result.unwrap();
    let credential = registered.att_obj.auth_data.credential_data.as_ref().unwrap();
    assert_eq!(
        credential.credential_public_key.alg,
        COSEAlgorithm::EDDSA,
        "the RP's first choice"
    );
    let COSEKeyType::OKP(okp) = &credential.credential_public_key.key else {
        panic!("an OKP credential key, got {:?}", credential.credential_public_key.key);
    };
    let key = ed25519_dalek::VerifyingKey::from_bytes(okp.x.as_slice().try_into().unwrap()).unwrap();
    // The packed batch attestation is still ES256 (the batch key signs, whatever the credential).
    check_packed_attestation(&device, &registered, &register_hash);

    let args = sign_args(std::slice::from_ref(&credential.credential_id), Some(PIN));
    let client_data_hash = args.client_data_hash;
    let (result, _) = sign(&mut device, args, &[]);
    let signed = result.unwrap();
    let body = response_body(device.last_success(GET_ASSERTION));
    let raw_auth_data = map_get(&body, 2).and_then(Value::as_bytes).unwrap();
    let signature = ed25519_dalek::Signature::from_slice(&signed.assertion.signature).unwrap();
    key.verify_strict(&[raw_auth_data.as_slice(), &client_data_hash].concat(), &signature)
        .unwrap();
}
