//! A fresh virtual key served through uhid on a thread of its own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use keydesk_framing::hid::DeviceConfig;
use keydesk_guest_test::ceremonies::wait_until;
use keydesk_transport::hid::usb::{enumerate, UsbCandidate};
use keydesk_uhid::{Clock, DeviceIdentity, UhidError, UhidServer, Waker};
use keydesk_virtual_key::{Authenticator, Config, HidKey, KeyRng, PresencePolicy};

pub struct ServedKey {
    pub key: Arc<Mutex<HidKey>>,
    waker: Waker,
    clock: Clock,
    stop: Arc<AtomicBool>,
    serving: Option<JoinHandle<Result<(), UhidError>>>,
}

impl ServedKey {
    /// Plugs in a new virtual key and waits until hidapi lists it.
    pub fn start(presence: PresencePolicy) -> Result<Self, String> {
        let config = Config { presence, ..Config::default() };
        let key = Arc::new(Mutex::new(HidKey::new(
            Authenticator::new(config, KeyRng::os(), Duration::ZERO),
            DeviceConfig::default(),
        )));
        let server = UhidServer::create(&DeviceIdentity::default(), key.clone()).map_err(|e| e.to_string())?;
        let (waker, clock) = (server.waker(), server.clock());
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let serving = std::thread::spawn(move || server.serve(&flag));
        let served = Self { key, waker, clock, stop, serving: Some(serving) };
        if !wait_until(Duration::from_secs(3), || enumerate().is_ok_and(|found| found.len() == 1)) {
            return Err("the uhid key did not appear as one FIDO hidraw device within 3 s".into());
        }
        Ok(served)
    }

    /// The one FIDO device hidapi lists.
    pub fn candidate(&self) -> Result<UsbCandidate, String> {
        let mut found = enumerate().map_err(|e| e.to_string())?;
        match found.len() {
            1 => found.pop().ok_or_else(|| "vanished".to_owned()),
            n => Err(format!("{n} FIDO devices listed, expected 1")),
        }
    }

    pub fn hidraw_path(&self) -> Result<String, String> {
        Ok(self.candidate()?.path.to_string_lossy().into_owned())
    }

    pub fn set_presence(&self, policy: PresencePolicy) {
        if let Ok(mut key) = self.key.lock() {
            key.key_mut().set_presence_policy(policy);
        }
    }

    pub fn is_waiting_for_touch(&self) -> bool {
        self.key.lock().is_ok_and(|key| key.key().is_waiting_for_presence())
    }

    #[allow(dead_code)]
    pub fn touch(&self) {
        if let Ok(mut key) = self.key.lock() {
            key.touch(self.clock.now());
        }
        self.waker.wake();
    }

    /// Unplugs the key (UHID_DESTROY) and waits until its hidraw node is gone.
    pub fn unplug(&mut self) -> Result<(), String> {
        self.stop.store(true, Ordering::Release);
        if let Some(serving) = self.serving.take() {
            serving.join().map_err(|_| "the serving thread panicked".to_owned())?.map_err(|e| e.to_string())?;
        }
        if wait_until(Duration::from_secs(3), || enumerate().is_ok_and(|found| found.is_empty())) {
            Ok(())
        } else {
            Err("the hidraw node stayed after UHID_DESTROY".into())
        }
    }
}

impl Drop for ServedKey {
    fn drop(&mut self) {
        let _ = self.unplug();
    }
}
