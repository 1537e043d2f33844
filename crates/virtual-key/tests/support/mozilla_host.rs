//! Mozilla's `authenticator` crate (Firefox's CTAP2 host) in front of any of our transport
//! `Device`s: Mozilla encodes every request and parses every answer; the bytes travel through
//! our device (e.g. `keydesk_transport::memory::hid`, CTAPHID in memory to the virtual key).
//! A front end answers Mozilla's PIN prompts and account choices, and records what it was shown.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use authenticator::authenticatorservice::{RegisterArgs, SignArgs};
use authenticator::crypto::SharedSecret;
use authenticator::ctap2::commands::{RequestCtap1, RequestCtap2};
use authenticator::ctap2::server::PublicKeyCredentialUserEntity;
use authenticator::errors::{AuthenticatorError, HIDError};
use authenticator::statecallback::StateCallback;
use authenticator::{
    AuthenticatorInfo, FidoDevice, FidoDeviceIO, FidoProtocol, Pin, RegisterResult, SignResult, StatusPinUv,
    StatusUpdate,
};
use keydesk_transport::{Device, Message, NoWatch};

/// One of our devices as Mozilla's stack sees a FIDO device (CTAP2 only).
#[derive(Debug)]
pub struct MozillaDevice<D> {
    device: D,
    initialized: bool,
    info: Option<AuthenticatorInfo>,
    secret: Option<SharedSecret>,
    protocol: FidoProtocol,
}

impl<D: Device + std::fmt::Debug> MozillaDevice<D> {
    /// Wraps `device` and runs Mozilla's own initialization (getInfo).
    pub fn open(device: D) -> Self {
        let mut wrapped = Self { device, initialized: false, info: None, secret: None, protocol: FidoProtocol::CTAP2 };
        wrapped.init().expect("Mozilla initializes the device");
        wrapped
    }

    /// The device back, for another host.
    pub fn into_device(self) -> D {
        self.device
    }
}

impl<D: Device + std::fmt::Debug> FidoDeviceIO for MozillaDevice<D> {
    fn send_msg_cancellable<Out, Req: RequestCtap1<Output = Out> + RequestCtap2<Output = Out>>(
        &mut self,
        msg: &Req,
        keep_alive: &dyn Fn() -> bool,
    ) -> Result<Out, HIDError> {
        self.send_cbor_cancellable(msg, keep_alive)
    }

    fn send_cbor_cancellable<Req: RequestCtap2>(&mut self, msg: &Req, _keep_alive: &dyn Fn() -> bool) -> Result<Req::Output, HIDError> {
        let mut request = vec![msg.command() as u8];
        request.extend(msg.wire_format()?);
        let response = self.device.transact(Message::Ctap2(&request), &mut NoWatch).map_err(|_| HIDError::DeviceError)?;
        msg.handle_response_ctap2(self, &response)
    }

    fn send_ctap1_cancellable<Req: RequestCtap1>(&mut self, _msg: &Req, _keep_alive: &dyn Fn() -> bool) -> Result<Req::Output, HIDError> {
        Err(HIDError::UnsupportedCommand) // These tests drive CTAP2 only.
    }
}

impl<D: Device + std::fmt::Debug> FidoDevice for MozillaDevice<D> {
    fn pre_init(&mut self) -> Result<(), HIDError> {
        // Our device opens its CTAPHID channel on first use.
        self.initialized = true;
        Ok(())
    }
    fn initialized(&self) -> bool {
        self.initialized
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

/// A front end for Mozilla: answers every PIN prompt with `pin`, picks the first account when
/// several match, and hands back the account lists it was shown (one per choice).
pub fn front_end(pin: &'static str) -> (Sender<StatusUpdate>, JoinHandle<Vec<Vec<PublicKeyCredentialUserEntity>>>) {
    let (status_tx, status_rx) = channel::<StatusUpdate>();
    let thread = std::thread::spawn(move || {
        let mut shown = Vec::new();
        while let Ok(update) = status_rx.recv() {
            match update {
                StatusUpdate::PinUvError(StatusPinUv::PinRequired(reply)) => {
                    let _ = reply.send(Pin::new(pin));
                }
                StatusUpdate::SelectResultNotice(reply, users) => {
                    shown.push(users);
                    let _ = reply.send(Some(0));
                }
                _ => {}
            }
        }
        shown
    });
    (status_tx, thread)
}

type Outcome<T> = Result<T, AuthenticatorError>;

fn result<T: Send + 'static>() -> (StateCallback<Outcome<T>>, Receiver<Outcome<T>>) {
    let (tx, rx) = channel();
    (StateCallback::new(Box::new(move |r| tx.send(r).unwrap())), rx)
}

/// Mozilla's makeCredential ceremony; the PIN is typed into its front end.
pub fn register<D: Device + std::fmt::Debug>(device: &mut MozillaDevice<D>, args: RegisterArgs, pin: &'static str) -> RegisterResult {
    let (status, front) = front_end(pin);
    let (callback, outcome) = result();
    authenticator::ctap2::register(device, args, status, callback, &|| true);
    let registered = outcome.recv_timeout(Duration::from_secs(10)).expect("Mozilla answered");
    front.join().unwrap();
    registered.expect("Mozilla registered")
}

/// Mozilla's getAssertion ceremony: the outcome and the account lists its front end was shown.
pub fn sign<D: Device + std::fmt::Debug>(
    device: &mut MozillaDevice<D>,
    args: SignArgs,
    pin: &'static str,
) -> (Result<SignResult, AuthenticatorError>, Vec<Vec<PublicKeyCredentialUserEntity>>) {
    let (status, front) = front_end(pin);
    let (callback, outcome) = result();
    authenticator::ctap2::sign(device, args, status, callback, &|| true);
    let signed = outcome.recv_timeout(Duration::from_secs(10)).expect("Mozilla answered");
    (signed, front.join().unwrap())
}
