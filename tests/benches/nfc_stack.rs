//! Issue 2 "Proof" benchmark: what our NFC stack costs on top of the raw PC/SC transport.
//!
//! One run prints timings of the same makeCredential + getAssertion ceremony with a PIN
//! (CTAP 2.1 §6.1, §6.2; a fresh pinUvAuthToken for each, §6.5.5.7, as a real sign-up followed by
//! a sign-in acquires them, since each command clears the token's permissions):
//!
//! 1. **in memory**: `keydesk_ctap_client::Client` over `keydesk_transport::memory::card`
//!    (ISO 7816 framing in process, no IO);
//! 2. **through pcscd**: the same client over `discovery::open("nfc:Virtual PCD 00 00")`, the
//!    virtual key served to the real pcscd through vsmartcard's vpcd;
//! 3. **raw transport floor**: the exact command APDUs of ceremony (2), recorded at the card,
//!    sent again with bare `pcsc::Card::transmit` through the same pcscd + vpcd to the key's
//!    **twin**: a second virtual key built from the same seed (`KeyRng::seeded`) that has
//!    received every command the key received, in the same order, so it starts each replay in
//!    the key's state and does the same work. Its responses are checked byte for byte against
//!    the key's; any difference discards the iteration and is reported. So the floor contains
//!    the transport and the authenticator's computing (P-256 ECDH, key generation,
//!    attestation and assertion signatures) but nothing of our host stack, and (2)/(3) is
//!    exactly what our stack adds: the CTAP client, the PIN protocol's host crypto, the
//!    ISO 7816 framing and the pcsc shell.
//!
//! Also printed, so nothing is hidden: (3b) the earlier floor, a replay card that answers each
//! recorded command with the recorded response at once (the same APDUs through pcscd + vpcd,
//! without the authenticator's computing, so (2)/(3b) mixes our stack with the key's work),
//! and (2r)/(3r), the same ceremony when the key regenerated its key-agreement key just before
//! it (its power-up state, CTAP 2.1 §6.5.5.1), where the host must compute one ECDH again.
//!
//! Each iteration runs (2), then (3) and (3b) in alternating order, so drift on a shared machine
//! hits all alike and neither floor always follows the ceremony; the ratio of the medians
//! decides, and the per-iteration ratios are printed too.
//!
//! To show where our stack's time goes, the card also timestamps every command and answer: the
//! time from one answer to the next command is the host side of that round trip (pcscd both
//! ways plus, in (2), our code; in (3), a bare loop), printed per APDU for (2) and (3).
//!
//! The goal is "(2) / (3) <= 1.2". The client keeps one platform key-agreement key pair per
//! connection (CTAP 2.1 §6.5.4 `initialize()`: once per series of transactions) and computes
//! the ECDH again only when the key's getKeyAgreement answer changed; getKeyAgreement itself is
//! still sent before every token, so a regenerated key never costs a PIN retry.
//!
//! Run with `cargo bench -p keydesk-e2e --bench nfc_stack`; it starts pcscd when none is running
//! (needs `pcscd` and `vsmartcard-vpcd`), holds the machine-wide pcscd test lock
//! (`Pcscd::exclusive_for_test`) and stops what it started.

use keydesk_ctap::entities::{RpEntity, UserEntity};
use keydesk_ctap_client::{Client, GetAssertionArgs, Interaction, MakeCredentialArgs, Pin, PinRequest};
use keydesk_ctap_crypto::{KeyAgreementKeyPair, PinUvAuthProtocol};
use keydesk_testkit::Pcscd;
use keydesk_transport::discovery::{self, scan};
use keydesk_transport::{Device, DeviceId};
use keydesk_virtual_key::{Authenticator, Config, KeyRng, PresencePolicy};
use keydesk_vpcd::{Card, CardServer, VirtualKeyCard};
use std::error::Error;
use std::ffi::CString;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

type BenchResult<T> = Result<T, Box<dyn Error>>;

const READER: &str = "Virtual PCD 00 00";
const PIN: &str = "4821";
/// The seed of the key and its twin: the same seed and the same commands give the same state.
const SEED: u64 = 0x4b44_4e46_4332;
/// Ceremonies before measuring (caches, TCP windows, branch predictors).
const WARMUP: usize = 10;
/// Upper bounds on measured iterations, and the wall-clock budgets that may end them earlier
/// (the whole run stays within about a minute on a busy two-core machine).
const MEMORY_ITERATIONS: usize = 3000;
const MEMORY_BUDGET: Duration = Duration::from_secs(10);
const PCSC_ITERATIONS: usize = 4000;
const PCSC_BUDGET: Duration = Duration::from_secs(40);
const GOAL_RATIO: f64 = 1.2;
/// More disturbed iterations than this means the machine is too busy for a measurement, or the
/// twin does not follow the key.
const MAX_DISTURBED: usize = 20;

fn main() -> BenchResult<()> {
    // `cargo bench` passes `--bench`; a filter that does not name this bench skips it.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    if !args.is_empty() && !args.iter().any(|a| "nfc_stack".contains(a.as_str())) {
        return Ok(());
    }
    println!("nfc_stack: makeCredential + getAssertion with PIN (fresh token for each), ES256, discoverable");
    println!("machine load at start: {}", load_average());

    let memory = bench_in_memory()?;
    let through_pcscd = bench_through_pcscd()?;
    let ecdh = bench_host_key_agreement()?;
    report(&memory, &through_pcscd, &ecdh);
    println!("machine load at end: {} (timings on a shared machine vary with it)", load_average());
    Ok(())
}

/// The 1, 5 and 15 minute load averages (Linux), to judge how busy the machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The front end of a sign-up + sign-in: types the fixed PIN whenever asked.
#[derive(Debug, Default)]
struct FixedPin {
    pin_requests: usize,
}

impl Interaction for FixedPin {
    fn touch_needed(&mut self) {}
    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        self.pin_requests += 1;
        Some(Pin::new(PIN))
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        Some(0)
    }
}

fn new_key() -> Authenticator {
    let config = Config { presence: PresencePolicy::ApproveAll, ..Config::default() };
    Authenticator::new(config, KeyRng::seeded(SEED), Duration::ZERO)
}

/// One sign-up and one sign-in. The user ID is fixed, so the key overwrites the previous
/// iteration's discoverable credential (CTAP 2.1 §6.1.2 step 15) and its capacity never fills.
fn ceremony<D: Device>(client: &mut Client<D>) -> BenchResult<()> {
    let mut ui = FixedPin::default();
    client.forget_token();
    let mut registration =
        MakeCredentialArgs::new([0x11; 32], RpEntity::new("example.com"), UserEntity::new(b"bench-user".to_vec()));
    registration.user.name = Some("bench@example.com".into());
    registration.resident_key = true;
    let created = client.make_credential(&registration, &mut ui)?;
    let assertion = client.get_assertion(&GetAssertionArgs::new("example.com", [0x22; 32]), &mut ui)?;
    // Cheap sanity checks that the ceremony did what it claims (both steps user-verified by PIN).
    let made_uv = created.authenticator_data()?.flags.user_verified();
    let asserted_uv = assertion.response.auth_data.get(32).is_some_and(|flags| flags & 0x04 != 0);
    if !made_uv || !asserted_uv || ui.pin_requests != 2 {
        return Err(
            format!("ceremony not PIN-verified (uv {made_uv}/{asserted_uv}, {} PIN prompts)", ui.pin_requests).into()
        );
    }
    Ok(())
}

fn bench_in_memory() -> BenchResult<Samples> {
    let (link, _handle) = keydesk_transport::memory::card(new_key(), "bench")?;
    let mut client = Client::new(link);
    client.set_pin(&Pin::new(PIN))?;
    for _ in 0..WARMUP {
        ceremony(&mut client)?;
    }
    let mut samples = Samples::default();
    let start = Instant::now();
    while samples.len() < MEMORY_ITERATIONS && start.elapsed() < MEMORY_BUDGET {
        let t = Instant::now();
        ceremony(&mut client)?;
        samples.push(t.elapsed());
    }
    Ok(samples)
}

/// The host's share of a PIN/UV key agreement (CTAP 2.1 §6.5.6), in this process: a platform
/// key pair (once per connection, §6.5.4 `initialize()`) and one ECDH (once per key-agreement
/// key of the authenticator), the work the client did for every token before.
#[derive(Debug, Default)]
struct HostKeyAgreement {
    key_pair: Samples,
    ecdh: Samples,
}

fn bench_host_key_agreement() -> BenchResult<HostKeyAgreement> {
    let authenticator = KeyAgreementKeyPair::from_secret_bytes(&[0x42; 32])?;
    let mut samples = HostKeyAgreement::default();
    for i in 0..200u8 {
        let mut secret = [0x17; 32];
        secret[31] = i;
        let t = Instant::now();
        let platform = KeyAgreementKeyPair::from_secret_bytes(&secret)?;
        samples.key_pair.push(t.elapsed());
        let t = Instant::now();
        let shared = platform.decapsulate(PinUvAuthProtocol::Two, &authenticator.public_key())?;
        samples.ecdh.push(t.elapsed());
        drop(shared);
    }
    Ok(samples)
}

/// One command APDU and the response the card gave to it.
#[derive(Debug, Clone)]
struct Exchange {
    command: Vec<u8>,
    response: Vec<u8>,
    /// How long the virtual key computed this response.
    key_time: Duration,
}

/// The trivial card of the no-compute floor (3b): answers the i-th command with the i-th
/// recorded response, instantly, and counts commands that differ from the recording (there
/// must be none).
#[derive(Debug, Default)]
struct ReplayCard {
    exchanges: Vec<Exchange>,
    next: usize,
    mismatches: usize,
}

impl Card for ReplayCard {
    fn power_on(&mut self) {}
    fn power_off(&mut self) {}
    fn transmit(&mut self, command_apdu: &[u8]) -> Vec<u8> {
        let Some(exchange) = self.exchanges.get(self.next) else {
            self.mismatches += 1;
            return vec![0x6F, 0x00];
        };
        if exchange.command != command_apdu {
            self.mismatches += 1;
        }
        self.next = (self.next + 1) % self.exchanges.len();
        exchange.response.clone()
    }
}

/// Where vpcd's command APDUs go.
#[derive(Debug)]
enum Route {
    /// The virtual key the client talks to; every exchange is recorded.
    Key,
    /// The key's twin, receiving the recorded commands again (floor 3).
    Twin,
    /// The instant replay card (floor 3b).
    Replay(ReplayCard),
}

/// What vpcd talks to: the virtual key, its twin, or the replay card.
#[derive(Debug)]
struct BenchCard {
    key: VirtualKeyCard,
    twin: VirtualKeyCard,
    route: Route,
    /// What the key received (and answered) that the twin has not received yet, in order.
    recording: Vec<Exchange>,
    /// What the twin received through pcscd and answered: kept only so that the card does the
    /// same work behind both routes (the host compares the answers).
    twin_log: Vec<Exchange>,
    /// Computing time of the key (route Key) and of the twin (route Twin) since last cleared.
    key_time: Duration,
    twin_time: Duration,
    /// Responses of the twin that differed from the key's while it caught up in process.
    divergences: usize,
    /// When each command reached the key (or twin) and when its answer left, since last
    /// cleared: the gaps between an answer and the next command are the host's side.
    timeline: Vec<(Instant, Instant)>,
    epoch: Instant,
}

impl BenchCard {
    fn new() -> Self {
        Self {
            key: VirtualKeyCard::new(new_key()),
            twin: VirtualKeyCard::new(new_key()),
            route: Route::Key,
            recording: Vec::new(),
            twin_log: Vec::new(),
            key_time: Duration::ZERO,
            twin_time: Duration::ZERO,
            divergences: 0,
            timeline: Vec::new(),
            epoch: Instant::now(),
        }
    }

    /// Gives the twin, in process, every command the key received that it has not: then both
    /// are in the same state. Each answer is compared with the key's.
    fn catch_up_twin(&mut self) {
        for exchange in std::mem::take(&mut self.recording) {
            if self.twin.transmit(&exchange.command) != exchange.response {
                self.divergences += 1;
            }
        }
    }

    /// Both keys regenerate their key-agreement key and pinUvAuthToken as at power-up
    /// (CTAP 2.1 §6.5.5.1), at the same point of their command streams. The applet stays
    /// selected: pcscd and the client's connection do not notice.
    fn regenerate_key_agreement(&mut self) {
        self.catch_up_twin();
        let now = self.epoch.elapsed();
        self.key.key_mut().power_cycle(now);
        self.twin.key_mut().power_cycle(now);
    }
}

impl Card for BenchCard {
    fn atr(&self) -> Vec<u8> {
        self.key.atr()
    }
    fn power_on(&mut self) {
        self.catch_up_twin();
        self.key.power_on();
        self.twin.power_on();
    }
    fn power_off(&mut self) {
        self.key.power_off();
        self.twin.power_off();
    }
    fn transmit(&mut self, command_apdu: &[u8]) -> Vec<u8> {
        match &mut self.route {
            Route::Key => {
                let t = Instant::now();
                let response = self.key.transmit(command_apdu);
                let key_time = t.elapsed();
                self.timeline.push((t, Instant::now()));
                self.key_time += key_time;
                self.recording.push(Exchange { command: command_apdu.to_vec(), response: response.clone(), key_time });
                response
            }
            Route::Twin => {
                let t = Instant::now();
                let response = self.twin.transmit(command_apdu);
                let twin_time = t.elapsed();
                self.timeline.push((t, Instant::now()));
                self.twin_time += twin_time;
                self.twin_log.push(Exchange {
                    command: command_apdu.to_vec(),
                    response: response.clone(),
                    key_time: twin_time,
                });
                response
            }
            Route::Replay(replay) => replay.transmit(command_apdu),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Timings of one kind of iteration: ceremony (2) and its floors (3) and (3b), measured in turn
/// so drift on a shared machine hits them alike.
#[derive(Debug, Default)]
struct Series {
    ceremony: Samples,
    floor: Samples,
    no_compute_floor: Samples,
    key_compute: Samples,
    twin_compute: Samples,
    /// (2)/(3) of each iteration.
    ratios: Vec<f64>,
    /// Per position in the APDU sequence: the host-side gap before that APDU in (2) and (3).
    ceremony_gaps: Vec<Samples>,
    floor_gaps: Vec<Samples>,
}

/// Exchanges the twin answered exactly as the key had, of all it was sent raw.
#[derive(Debug, Default)]
struct TwinCheck {
    identical: usize,
    replayed: usize,
}

#[derive(Debug, Default)]
struct PcscdRun {
    /// The key kept its key-agreement key since the previous ceremony.
    steady: Series,
    /// The key regenerated its key-agreement key just before the ceremony.
    regenerated: Series,
    apdus: usize,
    command_bytes: usize,
    response_bytes: usize,
    /// How the twin's answers compared with the key's, over every replay (discarded ones too).
    twin: TwinCheck,
    /// Commands the instant replay card did not expect.
    replay_mismatches: usize,
    /// Iterations discarded because another PC/SC client reset the card meanwhile, or because
    /// the twin answered differently (then both keys start over).
    disturbed: usize,
}

/// The key and its twin on the vpcd reader, a client connected to the key with its PIN set,
/// and the twin caught up: both keys in the same state.
fn start_over(card: &Mutex<BenchCard>) -> BenchResult<Client<Box<dyn Device>>> {
    *lock(card) = BenchCard::new();
    let mut client = Client::new(discovery::open(&DeviceId(format!("nfc:{READER}")))?);
    client.set_pin(&Pin::new(PIN))?;
    let mut card = lock(card);
    card.catch_up_twin();
    if card.divergences > 0 {
        return Err(format!("the twin answered {} commands differently from the key", card.divergences).into());
    }
    Ok(client)
}

fn bench_through_pcscd() -> BenchResult<PcscdRun> {
    let pcscd = Pcscd::exclusive_for_test()?;
    let card = Arc::new(Mutex::new(BenchCard::new()));
    let _server = CardServer::start(pcscd.vpcd_address(), Arc::clone(&card))?;
    wait_for_reader()?;
    let mut client = start_over(&card)?;

    // The floors' own PC/SC connection, shared with the client's (as two applications would).
    let context = pcsc::Context::establish(pcsc::Scope::User)?;
    let mut raw = context.connect(&CString::new(READER)?, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)?;
    let mut buffer = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];

    let mut run = PcscdRun::default();
    let start = Instant::now();
    let mut iteration = 0;
    while iteration < WARMUP + PCSC_ITERATIONS && start.elapsed() < PCSC_BUDGET {
        let regenerate = iteration % 2 == 1;
        let twin_first = iteration % 4 < 2;
        let measured = match measure_once(&mut client, &raw, &mut buffer, &card, regenerate, twin_first, &mut run.twin)
        {
            Ok(measured) => measured,
            Err(error) => {
                // pcscd is machine-wide: another client's connect/disconnect (the `pcsc` crate
                // disconnects with SCARD_RESET_CARD) resets the card and deselects the applet
                // mid-ceremony. Such an iteration is discarded, counted and reported, and the
                // key and its twin start over in the same state.
                run.disturbed += 1;
                eprintln!("iteration {iteration} disturbed ({error}); starting over");
                if run.disturbed > MAX_DISTURBED {
                    return Err(format!("more than {MAX_DISTURBED} iterations disturbed; last: {error}").into());
                }
                raw.reconnect(pcsc::ShareMode::Shared, pcsc::Protocols::ANY, pcsc::Disposition::LeaveCard)?;
                client = start_over(&card)?;
                continue;
            }
        };
        let exchanges = &measured.exchanges;
        if iteration >= WARMUP {
            let series = if regenerate { &mut run.regenerated } else { &mut run.steady };
            series.ceremony.push(measured.ceremony);
            series.floor.push(measured.floor);
            series.ratios.push(measured.ceremony.as_secs_f64() / measured.floor.as_secs_f64().max(f64::MIN_POSITIVE));
            series.no_compute_floor.push(measured.no_compute_floor);
            series.key_compute.push(measured.key_time);
            series.twin_compute.push(measured.twin_time);
            push_per_position(&mut series.ceremony_gaps, &measured.ceremony_gaps);
            push_per_position(&mut series.floor_gaps, &measured.floor_gaps);
            run.replay_mismatches += measured.replay_mismatches;
            run.apdus = exchanges.len();
            run.command_bytes = exchanges.iter().map(|e| e.command.len()).sum();
            run.response_bytes = exchanges.iter().map(|e| e.response.len()).sum();
        } else if iteration == 0 {
            print_sequence(exchanges);
        }
        iteration += 1;
    }
    Ok(run)
}

fn push_per_position(samples: &mut Vec<Samples>, values: &[Duration]) {
    samples.resize_with(values.len().max(samples.len()), Samples::default);
    for (s, v) in samples.iter_mut().zip(values) {
        s.push(*v);
    }
}

/// One iteration's measurements.
#[derive(Debug)]
struct Iteration {
    exchanges: Vec<Exchange>,
    ceremony: Duration,
    key_time: Duration,
    floor: Duration,
    twin_time: Duration,
    no_compute_floor: Duration,
    replay_mismatches: usize,
    /// Host-side gaps between consecutive APDUs, seen from the card, in (2) and in (3).
    ceremony_gaps: Vec<Duration>,
    floor_gaps: Vec<Duration>,
}

/// (2) the ceremony through pcscd, recorded at the key; then (3) the same commands raw to the
/// twin, whose answers must equal the key's byte for byte; then (3b) the instant replay.
fn measure_once(
    client: &mut Client<Box<dyn Device>>,
    raw: &pcsc::Card,
    buffer: &mut [u8],
    card: &Mutex<BenchCard>,
    regenerate: bool,
    twin_first: bool,
    twin: &mut TwinCheck,
) -> BenchResult<Iteration> {
    {
        let mut card = lock(card);
        card.catch_up_twin();
        if regenerate {
            card.regenerate_key_agreement();
        }
        if card.divergences > 0 {
            return Err("the twin diverged from the key while catching up".into());
        }
        card.key_time = Duration::ZERO;
        card.timeline.clear();
    }
    let t = Instant::now();
    ceremony(client)?;
    let ceremony = t.elapsed();
    let (exchanges, key_time, ceremony_timeline) = {
        let mut card = lock(card);
        (std::mem::take(&mut card.recording), card.key_time, std::mem::take(&mut card.timeline))
    };

    // The floors in either order, alternately, so that neither always runs right after (2).
    let (floor, no_compute) = if twin_first {
        let floor = twin_floor(raw, buffer, card, &exchanges, twin)?;
        (floor, no_compute_floor(raw, buffer, card, &exchanges)?)
    } else {
        let no_compute = no_compute_floor(raw, buffer, card, &exchanges)?;
        (twin_floor(raw, buffer, card, &exchanges, twin)?, no_compute)
    };
    Ok(Iteration {
        ceremony,
        key_time,
        floor: floor.elapsed,
        twin_time: floor.twin_time,
        no_compute_floor: no_compute.elapsed,
        replay_mismatches: no_compute.mismatches,
        ceremony_gaps: host_gaps(&ceremony_timeline),
        floor_gaps: host_gaps(&floor.timeline),
        exchanges,
    })
}

/// Floor (3) of one ceremony.
struct TwinFloor {
    elapsed: Duration,
    twin_time: Duration,
    timeline: Vec<(Instant, Instant)>,
}

/// (3): the twin owes exactly these commands; afterwards it is in the key's state again. Its
/// answers must equal the key's, byte for byte.
fn twin_floor(
    raw: &pcsc::Card,
    buffer: &mut [u8],
    card: &Mutex<BenchCard>,
    exchanges: &[Exchange],
    twin: &mut TwinCheck,
) -> BenchResult<TwinFloor> {
    {
        let mut card = lock(card);
        card.route = Route::Twin;
        card.twin_time = Duration::ZERO;
        card.timeline.clear();
    }
    let t = Instant::now();
    let mut different = 0;
    let mut outcome = Ok(());
    for exchange in exchanges {
        twin.replayed += 1;
        match raw.transmit(&exchange.command, buffer) {
            Ok(response) if response == exchange.response.as_slice() => twin.identical += 1,
            Ok(_) => different += 1,
            Err(error) => {
                outcome = Err(error);
                break;
            }
        }
    }
    let elapsed = t.elapsed();
    let (twin_time, timeline) = {
        let mut card = lock(card);
        card.route = Route::Key;
        // The twin's log only evened out the card's work with route Key; the host compared.
        card.twin_log.clear();
        (card.twin_time, std::mem::take(&mut card.timeline))
    };
    outcome?;
    if different > 0 {
        return Err(
            format!("the twin answered {different} of {} commands differently from the key", exchanges.len()).into()
        );
    }
    Ok(TwinFloor { elapsed, twin_time, timeline })
}

/// Floor (3b) of one ceremony.
struct NoComputeFloor {
    elapsed: Duration,
    mismatches: usize,
}

/// (3b): the recorded answers, instantly.
fn no_compute_floor(
    raw: &pcsc::Card,
    buffer: &mut [u8],
    card: &Mutex<BenchCard>,
    exchanges: &[Exchange],
) -> BenchResult<NoComputeFloor> {
    lock(card).route = Route::Replay(ReplayCard { exchanges: exchanges.to_vec(), ..ReplayCard::default() });
    let t = Instant::now();
    let mut mismatches = 0;
    let mut outcome = Ok(());
    for exchange in exchanges {
        match raw.transmit(&exchange.command, buffer) {
            Ok(response) if response == exchange.response.as_slice() => {}
            Ok(_) => mismatches += 1,
            Err(error) => {
                outcome = Err(error);
                break;
            }
        }
    }
    let elapsed = t.elapsed();
    let replay = std::mem::replace(&mut lock(card).route, Route::Key);
    outcome?;
    // The replay walked the whole recording, so it ends where it began.
    mismatches += match replay {
        Route::Replay(r) => r.mismatches + usize::from(r.next != 0),
        _ => 1,
    };
    Ok(NoComputeFloor { elapsed, mismatches })
}

/// The time from each answer leaving the card to the next command reaching it.
fn host_gaps(timeline: &[(Instant, Instant)]) -> Vec<Duration> {
    timeline
        .windows(2)
        .map(|w| match w {
            [(_, answered), (next, _)] => next.saturating_duration_since(*answered),
            _ => Duration::ZERO,
        })
        .collect()
}

fn wait_for_reader() -> BenchResult<()> {
    let wanted = format!("nfc:{READER}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !scan().devices.iter().any(|d| d.id.0 == wanted) {
        if Instant::now() > deadline {
            return Err("the virtual key did not appear on the vpcd reader within 10 s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// The APDUs of one ceremony: header, command and response sizes, status word.
fn print_sequence(exchanges: &[Exchange]) {
    println!("APDU sequence of one ceremony ({} round trips):", exchanges.len());
    for (i, e) in exchanges.iter().enumerate() {
        let header: Vec<String> = e.command.iter().take(4).map(|b| format!("{b:02X}")).collect();
        let sw: Vec<String> = e.response.iter().rev().take(2).rev().map(|b| format!("{b:02X}")).collect();
        let ctap = match e.command.get(..2) {
            Some([_, 0x10]) => e.command.get(5).map(|c| format!(" ctap 0x{c:02X}")).unwrap_or_default(),
            _ => String::new(),
        };
        println!(
            "  {:2}. {} cmd {:4} B -> rsp {:4} B SW {}{ctap}  (key computed {:.0} us)",
            i + 1,
            header.join(" "),
            e.command.len(),
            e.response.len(),
            sw.join(""),
            e.key_time.as_secs_f64() * 1e6
        );
    }
}

#[derive(Debug, Default)]
struct Samples(Vec<Duration>);

impl Samples {
    fn push(&mut self, d: Duration) {
        self.0.push(d);
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    /// The `q` quantile (nearest rank) in microseconds.
    fn quantile_us(&self, q: f64) -> f64 {
        let mut sorted = self.0.clone();
        sorted.sort();
        let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len().max(1));
        sorted.get(rank - 1).map_or(f64::NAN, |d| d.as_secs_f64() * 1e6)
    }
    fn median_us(&self) -> f64 {
        self.quantile_us(0.5)
    }
    fn line(&self, label: &str) -> String {
        format!(
            "{label:<66} median {:>9.1} us   p90 {:>9.1} us   (n={})",
            self.median_us(),
            self.quantile_us(0.9),
            self.len()
        )
    }
}

/// Median and p10/p90 of per-iteration ratios.
fn ratio_quantiles(ratios: &[f64]) -> String {
    let mut sorted = ratios.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len().max(1));
        sorted.get(rank - 1).copied().unwrap_or(f64::NAN)
    };
    format!("median {:.2}, p10 {:.2}, p90 {:.2}", at(0.5), at(0.1), at(0.9))
}

fn verdict(ratio: f64) -> &'static str {
    if ratio <= GOAL_RATIO {
        "PASS"
    } else {
        "FAIL"
    }
}

fn report(memory: &Samples, run: &PcscdRun, host: &HostKeyAgreement) {
    let (steady, regenerated) = (&run.steady, &run.regenerated);
    println!();
    println!("{}", memory.line("(1)  in memory (memory::card, ISO 7816 framing in process)"));
    println!("{}", steady.ceremony.line("(2)  through pcscd + vpcd (discovery::open, our stack)"));
    println!("{}", steady.floor.line("(3)  raw floor: same APDUs, pcsc::Card::transmit, twin key"));
    println!("{}", steady.no_compute_floor.line("(3b) no-compute floor: same APDUs, instant replay of answers"));
    println!("{}", steady.key_compute.line("     of (2): the key computing (crypto, CBOR)"));
    println!("{}", steady.twin_compute.line("     of (3): the twin computing the same"));
    println!(
        "     {} APDU round trips per ceremony, {} B commands, {} B responses; twin answers identical to the \
         key's, byte for byte: {} of {}; instant replay mismatches: {}; iterations discarded (card reset by \
         another PC/SC client, or twin diverged): {}",
        run.apdus,
        run.command_bytes,
        run.response_bytes,
        run.twin.identical,
        run.twin.replayed,
        run.replay_mismatches,
        run.disturbed
    );

    let (two, three) = (steady.ceremony.median_us(), steady.floor.median_us());
    let ratio = two / three;
    println!();
    println!("absolute overhead of our stack (2)-(3): {:.1} us (median)", two - three);
    println!(
        "goal: \"our NFC stack adds at most 20% over that raw transport floor\": (2)/(3) = {ratio:.2} (goal <= {GOAL_RATIO}) -> {}",
        verdict(ratio)
    );
    println!("      per iteration, (2)/(3) of the same ceremony: {}", ratio_quantiles(&steady.ratios));
    println!("      host side between APDUs, seen from the card: median time from an answer to the next command, before APDU n, in (2) | in (3) [us]:");
    let gaps: Vec<String> = steady
        .ceremony_gaps
        .iter()
        .zip(&steady.floor_gaps)
        .enumerate()
        .map(|(i, (c, f))| format!("{}: {:.0}|{:.0}", i + 2, c.median_us(), f.median_us()))
        .collect();
    println!("        {}", gaps.join("  "));
    let sum = |v: &[Samples]| v.iter().map(Samples::median_us).sum::<f64>();
    println!(
        "        sum of median gaps: {:.1} us in (2), {:.1} us in (3)",
        sum(&steady.ceremony_gaps),
        sum(&steady.floor_gaps)
    );
    println!(
        "      for comparison, against the no-compute floor (3b), which lacks the key's {:.1} us of computing: (2)/(3b) = {:.2}",
        steady.key_compute.median_us(),
        two / steady.no_compute_floor.median_us()
    );

    println!();
    println!("{}", regenerated.ceremony.line("(2r) as (2), the key's key-agreement key regenerated before it"));
    println!("{}", regenerated.floor.line("(3r) raw floor of (2r), twin key regenerated alike"));
    let (two_r, three_r) = (regenerated.ceremony.median_us(), regenerated.floor.median_us());
    let ratio_r = two_r / three_r;
    println!("      per iteration, (2r)/(3r) of the same ceremony: {}", ratio_quantiles(&regenerated.ratios));
    println!(
        "      (2r)/(3r) = {ratio_r:.2} (goal <= {GOAL_RATIO}) -> {}: here the host computes one ECDH for the key's new key-agreement key",
        verdict(ratio_r)
    );
    println!(
        "      host key agreement in this process (median of {}): ECDH {:.1} us, platform key pair {:.1} us (once per \
         connection); before this change the client paid both for every token, twice per ceremony",
        host.ecdh.len(),
        host.ecdh.median_us(),
        host.key_pair.median_us()
    );
}
