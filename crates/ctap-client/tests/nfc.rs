//! End to end through ISO 7816 framing: the client over the transport's APDU driver
//! (`keydesk_transport::nfc::ApduLink`, NFCCTAP_GETRESPONSE status polling) and the virtual
//! key as a contactless card; the card leaves the field in the middle of an operation.

mod support;

use std::time::Duration;

use keydesk_ctap::entities::{RpEntity, UserEntity};
use keydesk_ctap_client::{Client, Error, MakeCredentialArgs, Pin};
use keydesk_framing::iso7816::CardConfig;
use keydesk_transport::nfc::{ApduLink, ApduPipe};
use keydesk_transport::{DeviceDescriptor, DeviceId, TransportError, TransportKind};
use keydesk_virtual_key::device::CardKey;
use keydesk_virtual_key::{Authenticator, KeyRng};
use support::{config, TestUi};

/// APDUs to the virtual card on a simulated clock; the user touches once the key waits,
/// and the card can be lifted off the reader after a number of APDUs.
struct CardPipe {
    card: CardKey,
    now: Duration,
    lifted_after: Option<usize>,
}

impl ApduPipe for CardPipe {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if let Some(left) = self.lifted_after.as_mut() {
            if *left == 0 {
                return Err(TransportError::Disconnected);
            }
            *left -= 1;
        }
        self.now += Duration::from_millis(20);
        if self.card.key().is_waiting_for_presence() {
            self.card.touch(self.now);
        }
        Ok(self.card.handle_apdu(command, self.now))
    }
}

fn nfc_client(lifted_after: Option<usize>) -> Result<Client<ApduLink<CardPipe>>, Error> {
    let key = Authenticator::new(config(), KeyRng::seeded(13), Duration::ZERO);
    let pipe = CardPipe {
        card: CardKey::new(key, CardConfig::default()),
        now: Duration::ZERO,
        lifted_after,
    };
    let descriptor = DeviceDescriptor {
        id: DeviceId("nfc:virtual reader".to_owned()),
        transport: TransportKind::Nfc,
        product: "virtual reader".to_owned(),
        simulated: true,
    };
    Ok(Client::new(ApduLink::select(descriptor, pipe)?))
}

fn registration() -> MakeCredentialArgs {
    let mut args = MakeCredentialArgs::new(
        [7; 32],
        RpEntity::new("example.com"),
        UserEntity::new(b"nfc".to_vec()),
    );
    args.resident_key = true;
    args
}

#[test]
fn pin_and_registration_over_iso7816() -> Result<(), Error> {
    let mut client = nfc_client(None)?;
    client.set_pin(&Pin::new("1234"))?;
    let mut ui = TestUi::with_pins(&["1234", "1234"]);
    client.make_credential(&registration(), &mut ui)?;
    assert_eq!(ui.touches, 1);
    assert_eq!(client.list_passkeys(&mut ui)?.capacity.existing, 1);
    let guide = client.reset_guide()?;
    assert_eq!(guide.transport, "nfc");
    assert!(guide.steps[0].contains("reader"));
    Ok(())
}

#[test]
fn card_lifted_mid_operation_says_reconnect() -> Result<(), Error> {
    // SELECT, getInfo, then the card leaves during the clientPIN exchange.
    let mut client = nfc_client(Some(3))?;
    let err = client.set_pin(&Pin::new("1234")).err();
    assert!(
        matches!(err, Some(Error::Transport(TransportError::Disconnected))),
        "{err:?}"
    );
    assert!(err
        .map(|e| e.to_string())
        .unwrap_or_default()
        .contains("tap it again"));
    Ok(())
}
