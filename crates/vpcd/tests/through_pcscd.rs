//! The vpcd shell against the real pcscd: a client using the `pcsc` crate (libpcsclite) sees our
//! software card in the "Virtual PCD" reader, exchanges APDUs of every size vpcd allows, and sees
//! the card vanish when it is removed.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly
use keydesk_testkit::vpcd_config::InstalledVpcd;
use keydesk_testkit::Pcscd;
use keydesk_vpcd::{Card, CardServer};
use std::ffi::CString;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Answers every APDU with its own data field reversed, then 90 00; counts power-ons.
#[derive(Default)]
struct MirrorCard {
    power_ons: u32,
}

impl Card for MirrorCard {
    fn power_on(&mut self) {
        self.power_ons += 1;
    }
    fn power_off(&mut self) {}
    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        let mut reply: Vec<u8> = apdu.iter().rev().copied().collect();
        reply.extend_from_slice(&[0x90, 0x00]);
        reply
    }
}

fn vpcd_reader(context: &pcsc::Context) -> Option<CString> {
    let mut buffer = vec![0u8; 4096];
    let readers = context.list_readers(&mut buffer).ok()?;
    readers.into_iter().find(|r| r.to_string_lossy().starts_with("Virtual PCD 00 00")).map(CString::from)
}

/// Waits for the card to be present in the vpcd reader (pcscd polls it about every 400 ms).
fn connect_when_present(context: &pcsc::Context, limit: Duration) -> pcsc::Card {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(reader) = vpcd_reader(context) {
            if let Ok(card) = context.connect(&reader, pcsc::ShareMode::Shared, pcsc::Protocols::ANY) {
                return card;
            }
        }
        assert!(Instant::now() < deadline, "the vpcd card did not appear within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn start(card: &Arc<Mutex<MirrorCard>>) -> (Pcscd, CardServer, pcsc::Context) {
    let pcscd = Pcscd::exclusive_for_test().expect("pcscd");
        let server = CardServer::start(pcscd.vpcd_address(), Arc::clone(card)).expect("card server");
    let context = pcsc::Context::establish(pcsc::Scope::User).expect("pcsc context");
    (pcscd, server, context)
}

#[test]
fn apdus_of_every_length_cross_pcscd_unchanged() {
    let card = Arc::new(Mutex::new(MirrorCard::default()));
    let (_pcscd, _server, context) = start(&card);
    let connection = connect_when_present(&context, Duration::from_secs(10));
    let mut response = vec![0u8; 70_000];
    for length in [4usize, 5, 255, 256, 261, 4096, 65_530] {
        let apdu: Vec<u8> = (0..length).map(|i| (i * 7 + length) as u8).collect();
        let reply = connection.transmit(&apdu, &mut response).expect("transmit");
        let mut expected: Vec<u8> = apdu.iter().rev().copied().collect();
        expected.extend_from_slice(&[0x90, 0x00]);
        assert_eq!(reply, expected.as_slice(), "APDU of {length} bytes");
    }
    assert!(card.lock().expect("card").power_ons >= 1, "vpcd powers the card on");
}

#[test]
fn a_removed_card_fails_the_next_transmit_and_can_come_back() {
    let card = Arc::new(Mutex::new(MirrorCard::default()));
    let (_pcscd, server, context) = start(&card);
    let connection = connect_when_present(&context, Duration::from_secs(10));
    let mut response = [0u8; 258];
    assert!(connection.transmit(&[0x00, 0xA4, 0x04, 0x00], &mut response).is_ok());

    server.remove();
    let deadline = Instant::now() + Duration::from_secs(5);
    let error = loop {
        match connection.transmit(&[0x00, 0xA4, 0x04, 0x00], &mut response) {
            Err(error) => break error,
            Ok(_) => {
                assert!(Instant::now() < deadline, "transmit kept working after removal");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    assert!(
        matches!(error, pcsc::Error::RemovedCard | pcsc::Error::ResetCard | pcsc::Error::NoSmartcard | pcsc::Error::CommError | pcsc::Error::NotTransacted),
        "unexpected error after removal: {error:?}"
    );

    keydesk_vpcd::wait_for_card(keydesk_vpcd::VPCD_READER, false, Duration::from_secs(5)).expect("pcscd sees the reader empty");
    server.insert();
    let connection = connect_when_present(&context, Duration::from_secs(10));
    assert_eq!(connection.transmit(&[0x01, 0x02, 0x03, 0x04], &mut response).expect("transmit"), &[4, 3, 2, 1, 0x90, 0x00]);
}

/// Regression: pcscd drops the whole vpcd reader when either of vpcd's two ports is taken, and
/// Debian's second port (35964) is one that any outgoing connection of the last minute may hold
/// in TIME_WAIT. The pcscd of the tests gives vpcd ports outside the ephemeral range, so the card
/// appears even while the system's vpcd ports are held.
#[test]
fn the_card_appears_while_the_systems_vpcd_ports_are_taken() {
    let system = InstalledVpcd::find().expect("vpcd");
    let system_ports = [system.port, system.port + 1];
    // A port that something else uses already (a connection in TIME_WAIT, say) is taken too.
    let _held: Vec<TcpListener> = system_ports.into_iter().filter_map(|port| TcpListener::bind(("0.0.0.0", port)).ok()).collect();
    let card = Arc::new(Mutex::new(MirrorCard::default()));
    let (pcscd, _server, context) = start(&card);
    assert_ne!(pcscd.vpcd_address().port(), system.port, "a pcscd with the system's configuration was already running: stop it for this test");
    let connection = connect_when_present(&context, Duration::from_secs(10));
    let mut response = [0u8; 258];
    assert_eq!(connection.transmit(&[0x01, 0x02, 0x03, 0x04], &mut response).expect("transmit"), &[4, 3, 2, 1, 0x90, 0x00]);
}
