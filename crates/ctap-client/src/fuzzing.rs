//! Entry point for the cargo-fuzz target in `fuzz/` and the hostile-input test: the client
//! and the management service run against a device whose every answer comes from the input.

use std::collections::VecDeque;

use keydesk_ctap::entities::{CredentialDescriptor, UserEntity};
use keydesk_transport::{
    Device, DeviceDescriptor, DeviceId, Message, TransportError, TransportKind, Watch,
};

use crate::ceremony::{GetAssertionArgs, UserVerification};
use crate::client::Client;
use crate::interaction::{Interaction, Pin, PinRequest};

/// Answers taken from the fuzz input: each is a length byte followed by that many bytes; a
/// length byte of 255 is followed by a two-byte big-endian length (for long answers).
#[derive(Debug)]
struct InputDevice {
    descriptor: DeviceDescriptor,
    answers: VecDeque<Vec<u8>>,
}

impl Device for InputDevice {
    fn descriptor(&self) -> &DeviceDescriptor {
        &self.descriptor
    }

    fn transact(
        &mut self,
        _message: Message<'_>,
        watch: &mut dyn Watch,
    ) -> Result<Vec<u8>, TransportError> {
        watch.status(keydesk_transport::KeepaliveStatus::UpNeeded);
        self.answers.pop_front().ok_or(TransportError::Disconnected)
    }
}

/// A front end that gives one PIN, picks the first account and never cancels.
#[derive(Debug, Default)]
struct OnePin {
    given: bool,
}

impl Interaction for OnePin {
    fn touch_needed(&mut self) {}

    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        if self.given {
            return None;
        }
        self.given = true;
        Some(Pin::new("1234"))
    }

    fn choose_credential(&mut self, users: &[UserEntity]) -> Option<usize> {
        (!users.is_empty()).then_some(0)
    }
}

fn split(data: &[u8]) -> VecDeque<Vec<u8>> {
    let mut answers = VecDeque::new();
    let mut rest = data;
    while let Some((&len, tail)) = rest.split_first() {
        let (len, tail) = match (len, tail) {
            (255, [hi, lo, tail @ ..]) => (usize::from(u16::from_be_bytes([*hi, *lo])), tail),
            (len, tail) => (usize::from(len), tail),
        };
        let take = len.min(tail.len());
        let (answer, remaining) = tail.split_at(take);
        answers.push_back(answer.to_vec());
        rest = remaining;
    }
    answers
}

/// Runs the client's operations against answers taken from `data`; must never panic.
pub fn responses(data: &[u8]) {
    let device = InputDevice {
        descriptor: DeviceDescriptor {
            id: DeviceId("fuzz".to_owned()),
            transport: TransportKind::Usb,
            product: String::new(),
            simulated: true,
        },
        answers: split(data),
    };
    let mut client = Client::new(device);
    let _ = client.info();
    let _ = client.pin_status();
    let _ = client.list_passkeys(&mut OnePin::default());
    let args = GetAssertionArgs {
        rp_id: "example.com".to_owned(),
        client_data_hash: [0; 32],
        allow_list: vec![CredentialDescriptor::public_key(vec![1; 16])],
        extensions: None,
        user_presence: true,
        user_verification: UserVerification::Preferred,
        hmac_secret_salts: None,
    };
    let _ = client.get_assertions(&args, &mut OnePin::default());
    let _ = client.list_fingerprints(&mut OnePin::default());
    let _ = client.enroll_fingerprint(None, None, &mut OnePin::default());
    let _ = client.large_blob_info();
    let _ = client.settings();
    let _ = client.reset(&mut OnePin::default());
}
