//! An independent host: Mozilla's `authenticator` crate (Firefox's CTAP2 stack) registers and
//! signs with a PIN against the virtual key through its public `FidoDevice` trait, over our
//! CTAPHID framing in memory. Our own credential management then lists what it created.
#![allow(clippy::unwrap_used, clippy::panic)] // helper functions of tests

mod common;

use std::sync::mpsc::channel;
use std::time::Duration;

use authenticator::crypto::{COSEAlgorithm, SharedSecret};
use authenticator::ctap2::commands::{RequestCtap1, RequestCtap2};
use authenticator::ctap2::server::{
    AuthenticationExtensionsClientInputs, PublicKeyCredentialDescriptor, PublicKeyCredentialParameters,
    PublicKeyCredentialUserEntity, RelyingParty, ResidentKeyRequirement, UserVerificationRequirement,
};
use authenticator::errors::HIDError;
use authenticator::statecallback::StateCallback;
use authenticator::{AuthenticatorInfo, FidoDevice, FidoDeviceIO, FidoProtocol, Pin, StatusPinUv, StatusUpdate};
use authenticator::authenticatorservice::{RegisterArgs, SignArgs};
use common::Host;
use keydesk_ctap::commands::{CredentialManagementRequest, CredentialManagementResponse, CredentialManagementSubCommand, Permissions};
use keydesk_framing::hid::{DeviceConfig, HidCommand, HidHost, HostEvent, ReportLen};
use keydesk_virtual_key::{Authenticator, Config, HidKey};

/// The virtual key seen by Mozilla's stack: CTAPHID reports in memory.
#[derive(Debug)]
struct VirtualHidDevice {
    host: HidHost,
    key: HidKey,
    info: Option<AuthenticatorInfo>,
    secret: Option<SharedSecret>,
    protocol: FidoProtocol,
}

impl VirtualHidDevice {
    fn new(key: Authenticator) -> Self {
        Self {
            host: HidHost::new(ReportLen::DEFAULT),
            key: HidKey::new(key, DeviceConfig::default()),
            info: None,
            secret: None,
            protocol: FidoProtocol::CTAP2,
        }
    }

    fn exchange(&mut self) -> Vec<HostEvent> {
        let mut events = Vec::new();
        loop {
            let mut moved = false;
            while let Some(report) = self.host.poll_transmit() {
                self.key.handle_report(&report, Duration::ZERO).unwrap();
                moved = true;
            }
            while let Some(report) = self.key.poll_transmit() {
                self.host.handle_report(&report).unwrap();
                moved = true;
            }
            events.extend(std::iter::from_fn(|| self.host.poll_event()));
            if !moved {
                return events;
            }
        }
    }

    fn transact(&mut self, cmd: HidCommand, payload: &[u8]) -> Result<Vec<u8>, HIDError> {
        self.host.send(cmd, payload).map_err(|_| HIDError::DeviceError)?;
        self.exchange()
            .into_iter()
            .find_map(|e| match e {
                HostEvent::Response { payload, .. } => Some(payload),
                _ => None,
            })
            .ok_or(HIDError::DeviceError)
    }
}

impl FidoDeviceIO for VirtualHidDevice {
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

    fn send_cbor_cancellable<Req: RequestCtap2>(&mut self, msg: &Req, _keep_alive: &dyn Fn() -> bool) -> Result<Req::Output, HIDError> {
        let mut request = vec![msg.command() as u8];
        request.extend(msg.wire_format()?);
        let response = self.transact(HidCommand::Cbor, &request)?;
        msg.handle_response_ctap2(self, &response)
    }

    fn send_ctap1_cancellable<Req: RequestCtap1>(&mut self, _msg: &Req, _keep_alive: &dyn Fn() -> bool) -> Result<Req::Output, HIDError> {
        Err(HIDError::UnsupportedCommand) // This test drives CTAP2 only.
    }
}

impl FidoDevice for VirtualHidDevice {
    fn pre_init(&mut self) -> Result<(), HIDError> {
        self.host.begin_init([7; 8]);
        match self.exchange().first() {
            Some(HostEvent::Initialized(_)) => Ok(()),
            _ => Err(HIDError::DeviceNotInitialized),
        }
    }
    fn initialized(&self) -> bool {
        self.host.cid().is_some()
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
    fn set_authenticator_info(&mut self, info: AuthenticatorInfo) {
        self.info = Some(info);
    }
    fn get_protocol(&self) -> FidoProtocol {
        self.protocol
    }
    fn downgrade_to_ctap1(&mut self) {
        self.protocol = FidoProtocol::CTAP1;
    }
    fn get_shared_secret(&self) -> Option<&SharedSecret> {
        self.secret.as_ref()
    }
    fn set_shared_secret(&mut self, secret: SharedSecret) {
        self.secret = Some(secret);
    }
}

/// Answers Mozilla's "PIN required" events with the PIN, as a front-end would.
fn pin_answering_status() -> std::sync::mpsc::Sender<StatusUpdate> {
    let (status_tx, status_rx) = channel::<StatusUpdate>();
    std::thread::spawn(move || {
        while let Ok(update) = status_rx.recv() {
            if let StatusUpdate::PinUvError(StatusPinUv::PinRequired(reply)) = update {
                let _ = reply.send(Pin::new("4321"));
            }
        }
    });
    status_tx
}

#[test]
fn mozilla_authenticator_registers_and_signs_with_a_pin() {
    let mut setup = Host::new(Config::default());
    setup.set_pin("4321").unwrap();
    let mut device = VirtualHidDevice::new(setup.key);
    device.init().unwrap();
    assert!(device.get_authenticator_info().unwrap().options.client_pin == Some(true));

    let (result_tx, result_rx) = channel();
    let args = RegisterArgs {
        client_data_hash: [5; 32],
        relying_party: RelyingParty { id: "mozilla.example".into(), name: Some("Mozilla example".into()) },
        origin: "https://mozilla.example".into(),
        user: PublicKeyCredentialUserEntity { id: b"firefox-user".to_vec(), name: Some("fx".into()), display_name: Some("Fx User".into()) },
        pub_cred_params: vec![PublicKeyCredentialParameters { alg: COSEAlgorithm::ES256 }],
        exclude_list: vec![],
        user_verification_req: UserVerificationRequirement::Required,
        resident_key_req: ResidentKeyRequirement::Required,
        extensions: AuthenticationExtensionsClientInputs::default(),
        pin: None,
        use_ctap1_fallback: false,
    };
    let callback = StateCallback::new(Box::new(move |result| result_tx.send(result).unwrap()));
    assert!(authenticator::ctap2::register(&mut device, args, pin_answering_status(), callback, &|| true));
    let registered = result_rx.recv_timeout(Duration::from_secs(10)).unwrap().unwrap();
    let auth_data = &registered.att_obj.auth_data;
    assert!(auth_data.flags.contains(authenticator::ctap2::attestation::AuthenticatorDataFlags::USER_VERIFIED));
    let credential_id = auth_data.credential_data.as_ref().unwrap().credential_id.clone();

    let (result_tx, result_rx) = channel();
    let args = SignArgs {
        client_data_hash: [6; 32],
        origin: "https://mozilla.example".into(),
        relying_party_id: "mozilla.example".into(),
        allow_list: vec![PublicKeyCredentialDescriptor { id: credential_id.clone(), transports: vec![] }],
        user_verification_req: UserVerificationRequirement::Required,
        user_presence_req: true,
        extensions: AuthenticationExtensionsClientInputs::default(),
        pin: None,
        use_ctap1_fallback: false,
    };
    let callback = StateCallback::new(Box::new(move |result| result_tx.send(result).unwrap()));
    let finished = authenticator::ctap2::sign(&mut device, args, pin_answering_status(), callback, &|| true);
    let signed = result_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(finished, "{signed:?}");
    let signed = signed.unwrap();
    assert_eq!(signed.assertion.credentials.unwrap().id, credential_id);
    assert!(signed.assertion.auth_data.counter > auth_data.counter);

    // Our own key management lists the passkey Mozilla's host created.
    let mut ours = Host::with_key(device.key.into_key());
    let token = ours.token("4321", Permissions::CREDENTIAL_MANAGEMENT, None).unwrap();
    let mut request = CredentialManagementRequest::new(CredentialManagementSubCommand::EnumerateRpsBegin);
    request.pin_uv_auth_param = Some(token.authenticate(ours.protocol, &request.auth_message()));
    request.pin_uv_auth_protocol = Some(2);
    let rps: CredentialManagementResponse = ours.call(&request).unwrap();
    assert_eq!(rps.rp.unwrap().id, "mozilla.example");
}
