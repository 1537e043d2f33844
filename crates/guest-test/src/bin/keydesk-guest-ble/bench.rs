//! makeCredential + getAssertion over BLE beside the raw round trip of one control-point write
//! and its notification (a one-fragment PING, echoed by the key), measured in the same run on
//! the same connection; the ratio is printed.

use std::time::{Duration, Instant};

use keydesk_framing::ble::{fragment_message, BleCommand, ControlPointLen, Reassembler};
use keydesk_guest_test::ceremonies::median;
use keydesk_guest_test::report::TestResult;
use keydesk_transport::ble::GattPipe;

use crate::ours_ble::{BleClient, SCRIPT};

const PINGS: usize = 50;
const CEREMONIES: usize = 10;

/// One write (an 8-byte PING in one fragment) and the notification echoing it.
fn round_trips(pipe: &mut dyn GattPipe) -> Result<Duration, String> {
    let mut samples = Vec::with_capacity(PINGS);
    for i in 0..PINGS {
        let payload = [i as u8; 8];
        let fragments = fragment_message(BleCommand::Ping, &payload, ControlPointLen::MIN.into()).map_err(|e| e.to_string())?;
        let [fragment] = fragments.as_slice() else { return Err("PING took more than one fragment".into()) };
        let mut reassembler = Reassembler::new(64, 512);
        let start = Instant::now();
        pipe.write_control_point(fragment).map_err(|e| e.to_string())?;
        let echoed = loop {
            let notification = pipe.read_status(Duration::from_secs(2)).map_err(|e| e.to_string())?.ok_or("no PING echo within 2 s")?;
            if let Some(message) = reassembler.push(&notification).map_err(|e| e.to_string())? {
                break message;
            }
        };
        samples.push(start.elapsed());
        if echoed.cmd != BleCommand::Ping || echoed.payload != payload {
            return Err(format!("PING answered {echoed:?}"));
        }
    }
    Ok(median(samples))
}

pub fn run(client: &mut BleClient) -> TestResult {
    let round_trip = round_trips(client.device_mut().pipe_mut())?;
    let ceremony = SCRIPT.ceremony_median(client, CEREMONIES)?;
    let ratio = ceremony.as_secs_f64() / round_trip.as_secs_f64().max(1e-9);
    println!(
        "BENCH ble_write_notify_round_trip median {:.2} ms (n={PINGS}, one-fragment PING write + echo notification)",
        round_trip.as_secs_f64() * 1e3
    );
    println!(
        "BENCH ble_make_credential+get_assertion median {:.2} ms (n={CEREMONIES}, our host via btleplug, no PIN)",
        ceremony.as_secs_f64() * 1e3
    );
    println!("BENCH ble_ratio ceremony/round_trip = {ratio:.1}");
    Ok(())
}
