//! A hostile or broken key: every operation of the client and the management service runs
//! against responses that are mutated, truncated or replaced at random (deterministic seeds,
//! bounded count). Each must end with a result, never a panic or an endless loop.

mod support;

use std::time::Duration;

use keydesk_ctap::entities::{CredentialDescriptor, CredentialParameters, RpEntity, UserEntity};
use keydesk_ctap_client::manage::MinPinLengthChange;
use keydesk_ctap_client::{Client, GetAssertionArgs, MakeCredentialArgs, Pin, UserVerification};
use keydesk_transport::{
    Device, DeviceDescriptor, DeviceId, Message, TransportError, TransportKind, Watch,
};
use keydesk_virtual_key::{Authenticator, KeyRng, Reply};
use support::{config, TestUi};

struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }
}

/// The virtual key with its answers corrupted one time in three.
struct HostileKey {
    descriptor: DeviceDescriptor,
    key: Authenticator,
    now: Duration,
    rng: Xorshift,
}

impl HostileKey {
    fn corrupt(&mut self, mut response: Vec<u8>) -> Vec<u8> {
        match self.rng.below(9) {
            0 if !response.is_empty() => {
                let at = self.rng.below(response.len());
                response[at] ^= 1 << self.rng.below(8);
            }
            1 => response.truncate(self.rng.below(response.len() + 1)),
            2 => {
                let len = self.rng.below(80);
                response = (0..len).map(|_| self.rng.next() as u8).collect();
            }
            _ => {}
        }
        response
    }
}

impl Device for HostileKey {
    fn descriptor(&self) -> &DeviceDescriptor {
        &self.descriptor
    }

    fn transact(
        &mut self,
        message: Message<'_>,
        _watch: &mut dyn Watch,
    ) -> Result<Vec<u8>, TransportError> {
        self.now += Duration::from_millis(5);
        let response = match message {
            Message::Ctap2(request) => match self.key.handle(request, self.now) {
                Reply::Response(bytes) => bytes,
                Reply::WaitingForUserPresence => self.key.touch(self.now).unwrap_or_default(),
            },
            Message::Ctap1(apdu) => self.key.handle_u2f(apdu, self.now),
        };
        Ok(self.corrupt(response))
    }
}

fn exercise(client: &mut Client<HostileKey>) {
    let pins = || TestUi::with_pins(&["1234", "1234", "1234"]);
    let _ = client.info();
    let _ = client.pin_status();
    let _ = client.set_pin(&Pin::new("1234"));
    let registration = MakeCredentialArgs {
        client_data_hash: [1; 32],
        rp: RpEntity::new("example.com"),
        user: UserEntity::new(b"u".to_vec()),
        pub_key_cred_params: vec![CredentialParameters::public_key(-7)],
        exclude_list: (0..20)
            .map(|i| CredentialDescriptor::public_key(vec![i; 32]))
            .collect(),
        extensions: None,
        resident_key: true,
        user_verification: UserVerification::Preferred,
        enterprise_attestation: None,
    };
    let _ = client.make_credential(&registration, &mut pins());
    let sign_in = GetAssertionArgs {
        rp_id: "example.com".to_owned(),
        client_data_hash: [2; 32],
        allow_list: Vec::new(),
        extensions: None,
        user_presence: true,
        user_verification: UserVerification::Preferred,
        hmac_secret_salts: None,
    };
    let mut ui = TestUi {
        choose: Some(0),
        ..pins()
    };
    let _ = client.get_assertion(&sign_in, &mut ui);
    let _ = client.list_passkeys(&mut pins());
    let _ = client.persistent_token(&mut pins());
    let _ = client.delete_passkey(&[1; 16], &mut pins());
    let _ = client.update_passkey_user(&[1; 16], Some("x"), None, &mut pins());
    let _ = client.fingerprint_sensor();
    let _ = client.enroll_fingerprint(Some("f"), None, &mut pins());
    let _ = client.list_fingerprints(&mut pins());
    let _ = client.settings();
    let _ = client.set_always_uv(true, &mut pins());
    let change = MinPinLengthChange {
        new_min_length: Some(5),
        ..Default::default()
    };
    let _ = client.set_min_pin_length(&change, &mut pins());
    let _ = client.large_blob_info();
    let _ = client.write_large_blob(&[1; 16], b"data", &mut pins());
    let _ = client.change_pin(&Pin::new("43210"), &mut pins());
    let _ = client.reset_guide();
    let _ = client.reset(&mut pins());
}

#[test]
fn corrupted_answers_end_in_errors_not_panics() {
    for seed in 1..=60u64 {
        let mut client = Client::new(HostileKey {
            descriptor: DeviceDescriptor {
                id: DeviceId(format!("hostile:{seed}")),
                transport: TransportKind::Usb,
                product: String::new(),
                simulated: true,
            },
            key: Authenticator::new(config(), KeyRng::seeded(seed), Duration::ZERO),
            now: Duration::ZERO,
            rng: Xorshift(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1),
        });
        exercise(&mut client);
    }
}

#[test]
fn random_answer_streams_end_in_errors_not_panics() {
    let mut rng = Xorshift(0x5eed_1234_abcd_ef01);
    // A valid getInfo answer first, so the later operations get past it.
    let info = keydesk_ctap::CommandResponse::encode(
        &Authenticator::new(config(), KeyRng::seeded(1), Duration::ZERO).info(),
    );
    for round in 0..400 {
        let mut data = Vec::new();
        if round % 2 == 0 {
            data.push(255);
            data.extend_from_slice(&u16::try_from(info.len()).unwrap_or(u16::MAX).to_be_bytes());
            data.extend_from_slice(&info);
        }
        let len = rng.below(600);
        data.extend((0..len).map(|_| rng.next() as u8));
        keydesk_ctap_client::fuzzing::responses(&data);
    }
}
