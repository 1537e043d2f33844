//! makeCredential + getAssertion over hidraw beside the raw CTAPHID round trip (PING), measured
//! in the same run on the same key; the ratio is printed.

use std::fs::File;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use keydesk_framing::hid::report_id::with_report_id;
use keydesk_framing::hid::{HidCommand, HidHost, HostEvent, ReportLen};
use keydesk_guest_test::ceremonies::median;
use keydesk_guest_test::report::report;
use keydesk_virtual_key::PresencePolicy;

use crate::ours::{connect, SCRIPT};
use crate::served::ServedKey;

const PINGS: usize = 200;
const CEREMONIES: usize = 20;

/// One CTAPHID exchange on a raw hidraw file: send what the host queued, read until an event.
fn exchange(hidraw: &mut File, host: &mut HidHost) -> Result<HostEvent, String> {
    while let Some(report) = host.poll_transmit() {
        hidraw.write_all(&with_report_id(&report)).map_err(|e| format!("hidraw write: {e}"))?;
    }
    let mut buffer = [0u8; 64];
    loop {
        let n = hidraw.read(&mut buffer).map_err(|e| format!("hidraw read: {e}"))?;
        host.handle_report(buffer.get(..n).unwrap_or_default()).map_err(|e| e.to_string())?;
        if let Some(event) = host.poll_event() {
            return Ok(event);
        }
    }
}

fn ping_round_trips(path: &str) -> Result<Duration, String> {
    let mut hidraw = File::options().read(true).write(true).open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut host = HidHost::new(ReportLen::DEFAULT);
    host.begin_init([9; 8]);
    match exchange(&mut hidraw, &mut host)? {
        HostEvent::Initialized(_) => {}
        other => return Err(format!("INIT answered {other:?}")),
    }
    let mut samples = Vec::with_capacity(PINGS);
    for i in 0..PINGS {
        let payload = [i as u8; 8];
        let start = Instant::now();
        host.send(HidCommand::Ping, &payload).map_err(|e| e.to_string())?;
        match exchange(&mut hidraw, &mut host)? {
            HostEvent::Response { payload: echoed, .. } if echoed == payload => samples.push(start.elapsed()),
            other => return Err(format!("PING answered {other:?}")),
        }
    }
    Ok(median(samples))
}

pub fn run() {
    report("bench_ceremony_vs_ping", (|| {
        let served = ServedKey::start(PresencePolicy::ApproveAll)?;
        let path = served.hidraw_path()?;
        let ping = ping_round_trips(&path)?;
        let ceremony = SCRIPT.ceremony_median(&mut connect(&served)?, CEREMONIES)?;
        let ratio = ceremony.as_secs_f64() / ping.as_secs_f64().max(1e-9);
        println!("BENCH ctaphid_ping_round_trip median {:.1} us (n={PINGS}, 8-byte PING over hidraw)", ping.as_secs_f64() * 1e6);
        println!(
            "BENCH make_credential+get_assertion median {:.1} us (n={CEREMONIES}, our host via hidapi, no PIN)",
            ceremony.as_secs_f64() * 1e6
        );
        println!("BENCH ratio ceremony/ping = {ratio:.1}");
        Ok(())
    })());
}
