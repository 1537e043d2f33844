//! Touch selection with a CTAP 2.0 key, which has no authenticatorSelection: it is asked
//! for a touch with a makeCredential carrying an empty pinUvAuthParam (CTAP 2.1 §6.1 step
//! 1), which it answers after the touch without creating anything.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use keydesk_ctap::commands::{GetInfoResponse, MakeCredentialRequest};
use keydesk_ctap::{CommandRequest, CommandResponse};
use keydesk_ctap_client::Client;
use keydesk_transport::{
    Device, DeviceDescriptor, DeviceId, KeepaliveStatus, Message, TransportError, TransportKind,
    Watch,
};
use keydesk_webauthn_client::select_by_touch;
use support::*;

/// A CTAP 2.0 key: getInfo says FIDO_2_0 only; makeCredential waits for a touch (given
/// after `delay`) and then answers CTAP2_ERR_PIN_NOT_SET, as 2.0 keys do for an empty
/// pinUvAuthParam.
struct OldKey {
    descriptor: DeviceDescriptor,
    delay: Duration,
    make_credentials: Arc<Mutex<Vec<MakeCredentialRequest>>>,
}

impl Device for OldKey {
    fn descriptor(&self) -> &DeviceDescriptor {
        &self.descriptor
    }

    fn transact(
        &mut self,
        message: Message<'_>,
        watch: &mut dyn Watch,
    ) -> Result<Vec<u8>, TransportError> {
        let Message::Ctap2(request) = message else {
            return Err(TransportError::Unsupported("CTAP1"));
        };
        match request.first() {
            Some(0x04) => Ok(GetInfoResponse {
                versions: vec!["FIDO_2_0".to_owned()],
                aaguid: [7; 16],
                ..GetInfoResponse::default()
            }
            .encode()),
            Some(0x01) => {
                let decoded = MakeCredentialRequest::decode(request)
                    .map_err(|_| TransportError::Unsupported("bad makeCredential"))?;
                if let Ok(mut sent) = self.make_credentials.lock() {
                    sent.push(decoded);
                }
                watch.status(KeepaliveStatus::UpNeeded);
                let started = std::time::Instant::now();
                while started.elapsed() < self.delay {
                    if watch.cancel_requested() {
                        return Ok(vec![0x2d]); // CTAP2_ERR_KEEPALIVE_CANCEL
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                Ok(vec![0x35]) // CTAP2_ERR_PIN_NOT_SET
            }
            _ => Ok(vec![0x01]), // CTAP1_ERR_INVALID_COMMAND
        }
    }
}

#[test]
fn a_ctap20_key_is_selected_through_an_empty_pin_auth_probe() -> TestResult {
    let old = OldKey {
        descriptor: DeviceDescriptor {
            id: DeviceId("old".to_owned()),
            transport: TransportKind::Usb,
            product: String::new(),
            simulated: true,
        },
        delay: Duration::from_millis(50),
        make_credentials: Arc::default(),
    };
    let mut idle = VirtualDevice::new("idle", config(), 40, TransportKind::Usb);
    idle.touch = TouchMode::Never;
    let mut clients: Vec<Client<Box<dyn Device>>> =
        vec![Client::new(Box::new(idle)), Client::new(Box::new(old))];
    let mut ui = TestUi::default();
    let chosen = select_by_touch(&mut clients, &mut ui, soon())?;
    assert_eq!(chosen, 1);
    Ok(())
}

#[test]
fn the_probe_carries_an_empty_pin_auth_and_a_dummy_rp() -> TestResult {
    let old = OldKey {
        descriptor: DeviceDescriptor {
            id: DeviceId("old".to_owned()),
            transport: TransportKind::Usb,
            product: String::new(),
            simulated: true,
        },
        delay: Duration::ZERO,
        make_credentials: Arc::default(),
    };
    let never = OldKey {
        descriptor: DeviceDescriptor {
            id: DeviceId("never".to_owned()),
            transport: TransportKind::Usb,
            product: String::new(),
            simulated: true,
        },
        delay: Duration::from_secs(30),
        make_credentials: Arc::default(),
    };
    let (old_sent, never_sent) = (old.make_credentials.clone(), never.make_credentials.clone());
    let mut clients = vec![Client::new(old), Client::new(never)];
    let mut ui = TestUi::default();
    let started = std::time::Instant::now();
    assert_eq!(select_by_touch(&mut clients, &mut ui, soon())?, 0);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the waiting key was cancelled"
    );
    let old_sent = old_sent.lock().map_err(|_| "poisoned")?;
    let probe = old_sent.first().ok_or("no probe sent")?;
    assert_eq!(probe.pin_uv_auth_param.as_deref(), Some(&[][..]));
    assert_eq!(probe.rp.id, ".dummy");
    let never_sent = never_sent.lock().map_err(|_| "poisoned")?.len();
    assert_eq!(never_sent, 1, "the other key was asked too, then cancelled");
    Ok(())
}
