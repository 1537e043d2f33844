//! The IO shell: keeps a TCP connection to vpcd and answers it from a [`Card`].

use crate::wire::{frame, Control, VpcdMessage};
use crate::Card;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often a blocked read wakes up to notice `remove`/`stop`, and how long to wait between
/// connection attempts while vpcd (pcscd) is not there.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    #[error("the card-server thread could not be started: {0}")]
    Spawn(std::io::Error),
}

/// A card plugged into vpcd by a background thread, which reconnects whenever vpcd drops it
/// (for example when pcscd restarts) until [`CardServer::stop`] or drop.
#[derive(Debug)]
pub struct CardServer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Shared {
    stop: AtomicBool,
    /// False while the card is held out of the reader by [`CardServer::remove`].
    inserted: AtomicBool,
    /// Incremented on every `remove`, so the serving loop drops the connection it holds.
    removals: AtomicU64,
    connected: AtomicBool,
}

impl CardServer {
    /// Starts serving `card` to the vpcd listening at `address` (see [`crate::DEFAULT_VPCD_ADDRESS`]).
    pub fn start<C: Card + 'static>(address: SocketAddr, card: Arc<Mutex<C>>) -> Result<Self, ServeError> {
        let shared = Arc::new(Shared { inserted: AtomicBool::new(true), ..Shared::default() });
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("vpcd-card".into())
            .spawn(move || serve(address, &card, &thread_shared))
            .map_err(ServeError::Spawn)?;
        Ok(Self { shared, thread: Some(thread) })
    }

    /// Whether vpcd currently holds a connection to this card.
    pub fn connected(&self) -> bool {
        self.shared.connected.load(Ordering::SeqCst)
    }

    /// Pulls the card out of the reader: the connection closes at once, even mid-APDU.
    pub fn remove(&self) {
        self.shared.inserted.store(false, Ordering::SeqCst);
        self.shared.removals.fetch_add(1, Ordering::SeqCst);
    }

    /// Puts the card back (vpcd sees a new card and powers it on).
    pub fn insert(&self) {
        self.shared.inserted.store(true, Ordering::SeqCst);
    }

    /// Stops serving and waits for the thread; the card is removed.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for CardServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn serve<C: Card>(address: SocketAddr, card: &Mutex<C>, shared: &Shared) {
    while !shared.stop.load(Ordering::SeqCst) {
        if !shared.inserted.load(Ordering::SeqCst) {
            std::thread::sleep(POLL_INTERVAL);
            continue;
        }
        match TcpStream::connect_timeout(&address, Duration::from_secs(1)) {
            Ok(stream) => {
                shared.connected.store(true, Ordering::SeqCst);
                // An IO error here means vpcd went away: loop and reconnect.
                let _ = Connection::new(stream, shared).and_then(|mut c| c.run(card));
                shared.connected.store(false, Ordering::SeqCst);
                lock(card).power_off();
            }
            Err(_) => std::thread::sleep(POLL_INTERVAL),
        }
    }
}

fn lock<C>(card: &Mutex<C>) -> std::sync::MutexGuard<'_, C> {
    // A panic in another holder must not take the card server down with it.
    card.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Connection<'a> {
    stream: TcpStream,
    shared: &'a Shared,
    removals_at_start: u64,
    buffer: Vec<u8>,
}

impl<'a> Connection<'a> {
    fn new(stream: TcpStream, shared: &'a Shared) -> std::io::Result<Self> {
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(POLL_INTERVAL))?;
        Ok(Self { stream, shared, removals_at_start: shared.removals.load(Ordering::SeqCst), buffer: Vec::new() })
    }

    fn run<C: Card>(&mut self, card: &Mutex<C>) -> std::io::Result<()> {
        while let Some(payload) = self.next_payload()? {
            let reply = match VpcdMessage::parse(&payload) {
                Ok(VpcdMessage::Control(Control::GetAtr)) => Some(lock(card).atr()),
                Ok(VpcdMessage::Control(Control::PowerOn | Control::Reset)) => {
                    lock(card).power_on();
                    None
                }
                Ok(VpcdMessage::Control(Control::PowerOff)) => {
                    lock(card).power_off();
                    None
                }
                Ok(VpcdMessage::Apdu(apdu)) => Some(lock(card).transmit(&apdu)),
                // Unknown control codes expect no answer; ignoring them keeps the link up.
                Err(_) => None,
            };
            if let Some(reply) = reply {
                let framed = frame(&reply).map_err(|e| std::io::Error::new(ErrorKind::InvalidData, e))?;
                self.stream.write_all(&framed)?;
            }
        }
        Ok(())
    }

    /// The next complete payload, or `None` when the card was removed or the server stops.
    fn next_payload(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(payload) = self.take_buffered_payload() {
                return Ok(Some(payload));
            }
            if self.shared.stop.load(Ordering::SeqCst)
                || self.shared.removals.load(Ordering::SeqCst) != self.removals_at_start
            {
                return Ok(None);
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    self.buffer.extend_from_slice(chunk.get(..n).unwrap_or_default());
                    // Debian 12's vpcd writes the length and the payload separately; without
                    // re-arming quick ACKs each APDU would stall ~40 ms on delayed ACK.
                    quick_ack(&self.stream);
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn take_buffered_payload(&mut self) -> Option<Vec<u8>> {
        let length = match self.buffer.as_slice() {
            [high, low, ..] => usize::from(u16::from_be_bytes([*high, *low])),
            _ => return None,
        };
        let end = 2 + length;
        if self.buffer.len() < end {
            return None;
        }
        let payload = self.buffer.get(2..end)?.to_vec();
        self.buffer.drain(..end);
        Some(payload)
    }
}

#[cfg(target_os = "linux")]
fn quick_ack(stream: &TcpStream) {
    let _ = socket2::SockRef::from(stream).set_tcp_quickack(true);
}

#[cfg(not(target_os = "linux"))]
fn quick_ack(_stream: &TcpStream) {}
