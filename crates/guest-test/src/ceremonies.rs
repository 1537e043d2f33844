//! The ceremony sequence both guest binaries run with our host (`keydesk-ctap-client`) over a
//! real transport: getInfo, setting the PIN, makeCredential and getAssertion with the PIN,
//! listing the stored credentials, cancelling while the key waits for a touch, the key going away
//! mid-operation, and the ceremony half of the benchmarks. Written once over
//! [`Client<D: Device>`](Client), so USB (hidraw) and BLE (GATT) prove the same things; each
//! binary only supplies its link and what it can do to the key on the other end.

use std::time::{Duration, Instant};

use keydesk_ctap::entities::{CredentialDescriptor, CredentialParameters, RpEntity, UserEntity};
use keydesk_ctap_client::{
    Client, Error, GetAssertionArgs, Interaction, MakeCredentialArgs, Pin, PinRequest, UserVerification,
};
use keydesk_transport::{Device, TransportError};
use keydesk_virtual_key::PresencePolicy;

use crate::report::{check, TestResult};

/// The PIN the sequence sets and then answers with.
pub const PIN: &str = "1234";

/// Polls `found` every 10 ms until it holds or `limit` passes.
pub fn wait_until(limit: Duration, mut found: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if found() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    found()
}

/// Waits (at most 5 s) until the key on the other end waits for a touch.
pub fn key_waits_for_touch(waiting: impl FnMut() -> bool) -> TestResult {
    check(wait_until(Duration::from_secs(5), waiting), "the key never waited for a touch")
}

/// A front end that knows the PIN, counts touch prompts and can cancel once asked to touch.
#[derive(Debug, Default)]
pub struct Ui {
    pub pin: Option<&'static str>,
    pub pin_requests: usize,
    pub touches: usize,
    pub cancel_on_touch: bool,
}

impl Ui {
    /// A front end that answers with [`PIN`].
    pub fn with_pin() -> Self {
        Self { pin: Some(PIN), ..Self::default() }
    }
}

impl Interaction for Ui {
    fn touch_needed(&mut self) {
        self.touches += 1;
    }

    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        self.pin_requests += 1;
        // Never loop on a wrong PIN.
        self.pin.filter(|_| self.pin_requests <= 2).map(Pin::new)
    }

    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        Some(0)
    }

    fn cancel_requested(&mut self) -> bool {
        self.cancel_on_touch && self.touches > 0
    }
}

/// One transport's run of the sequence: the prefix of its test names (`ours` gives
/// `ours_get_info`, `ours_ble` gives `ours_ble_get_info`) and the relying party it registers at.
#[derive(Debug, Clone, Copy)]
pub struct Script {
    pub prefix: &'static str,
    pub rp: &'static str,
}

impl Script {
    /// The full name of one of the sequence's tests.
    pub fn name(&self, test: &str) -> String {
        format!("{}_{test}", self.prefix)
    }

    /// makeCredential arguments for `user` at this script's RP (ES256).
    pub fn registration(&self, user: &[u8], resident: bool, uv: UserVerification) -> MakeCredentialArgs {
        let mut entity = UserEntity::new(user.to_vec());
        entity.name = Some(String::from_utf8_lossy(user).into_owned());
        MakeCredentialArgs {
            client_data_hash: [3; 32],
            rp: RpEntity::new(self.rp),
            user: entity,
            pub_key_cred_params: vec![CredentialParameters::public_key(-7)],
            exclude_list: Vec::new(),
            extensions: None,
            resident_key: resident,
            user_verification: uv,
            enterprise_attestation: None,
        }
    }

    /// getAssertion arguments for `credential` at this script's RP, with user presence.
    pub fn sign_in(&self, credential: Vec<u8>, uv: UserVerification) -> GetAssertionArgs {
        GetAssertionArgs {
            rp_id: self.rp.to_owned(),
            client_data_hash: [4; 32],
            allow_list: vec![CredentialDescriptor::public_key(credential)],
            extensions: None,
            user_presence: true,
            user_verification: uv,
            hmac_secret_salts: None,
        }
    }

    /// Runs, in this order, `get_info`, `set_pin`, `make_credential`, `get_assertion`,
    /// `list_credentials` and `cancel_during_touch` on a fresh key (no PIN, no credentials) that
    /// approves presence by itself (`set_presence` changes that on the key), handing each verdict
    /// to `report` (the guest binaries pass [`report::report`](crate::report::report)) as soon as
    /// it is known. Returns the id of the resident credential made for "alice" (empty if that
    /// failed).
    pub fn run<D: Device>(
        &self,
        client: &mut Client<D>,
        set_presence: &dyn Fn(PresencePolicy),
        report: &mut dyn FnMut(&str, TestResult),
    ) -> Vec<u8> {
        report(&self.name("get_info"), get_info(client));
        report(&self.name("set_pin"), set_pin(client));
        let mut credential = Vec::new();
        report(&self.name("make_credential"), self.make_credential(client, &mut credential));
        report(&self.name("get_assertion"), self.get_assertion(client, &credential));
        report(&self.name("list_credentials"), self.list_credentials(client));
        report(&self.name("cancel_during_touch"), self.cancel_during_touch(client, set_presence));
        credential
    }

    fn make_credential<D: Device>(&self, client: &mut Client<D>, credential: &mut Vec<u8>) -> TestResult {
        let mut ui = Ui::with_pin();
        let made = client.make_credential(&self.registration(b"alice", true, UserVerification::Preferred), &mut ui).map_err(text)?;
        let data = made.authenticator_data().map_err(|e| e.to_string())?;
        check(data.flags.user_verified(), "no UV flag after PIN")?;
        *credential = data.attested_credential.map(|c| c.credential_id).ok_or("no attested credential")?;
        check(ui.pin_requests == 1, format!("{} PIN requests", ui.pin_requests))
    }

    /// Signs in with `credential` and the PIN: UP and UV set, the same credential answered.
    pub fn get_assertion<D: Device>(&self, client: &mut Client<D>, credential: &[u8]) -> TestResult {
        let mut ui = Ui::with_pin();
        let assertion = client.get_assertion(&self.sign_in(credential.to_vec(), UserVerification::Preferred), &mut ui).map_err(text)?;
        let data = assertion.response.authenticator_data().map_err(|e| e.to_string())?;
        check(data.flags.user_verified() && data.flags.user_present(), "flags lack UP/UV")?;
        check(assertion.response.credential.as_ref().is_some_and(|c| c.id == credential), "another credential answered")
    }

    fn list_credentials<D: Device>(&self, client: &mut Client<D>) -> TestResult {
        let mut ui = Ui::with_pin();
        let list = client.list_passkeys(&mut ui).map_err(text)?;
        let rp = self.rp;
        let site = list.sites.iter().find(|s| s.rp_id == rp).ok_or(format!("{} sites, none {rp}", list.sites.len()))?;
        check(site.passkeys.len() == 1 && site.passkeys[0].user_name.as_deref() == Some("alice"), format!("{:?}", site.passkeys))
    }

    fn cancel_during_touch<D: Device>(&self, client: &mut Client<D>, set_presence: &dyn Fn(PresencePolicy)) -> TestResult {
        set_presence(PresencePolicy::WaitForTouch);
        let mut ui = Ui { cancel_on_touch: true, ..Ui::with_pin() };
        let result = client.make_credential(&self.registration(b"bob", true, UserVerification::Preferred), &mut ui);
        set_presence(PresencePolicy::ApproveAll);
        check(ui.touches > 0, "the key never asked for a touch (no keepalive UP_NEEDED)")?;
        match result {
            Err(Error::Cancelled) => Ok(()),
            other => Err(format!("expected Cancelled, got {other:?}")),
        }
    }

    /// The key goes away while it waits for a touch (the caller has set it to wait): `remove`
    /// waits for that moment and removes it. The ceremony must end with `Transport(Disconnected)`
    /// within `noticed_within`, not after a timeout.
    pub fn removed_mid_operation<D: Device>(
        &self,
        client: &mut Client<D>,
        remove: impl FnOnce() -> TestResult,
        noticed_within: Duration,
    ) -> TestResult {
        let started = Instant::now();
        let result = std::thread::scope(|scope| {
            let ceremony = scope.spawn(|| {
                let mut ui = Ui::with_pin();
                client.make_credential(&self.registration(b"carol", true, UserVerification::Preferred), &mut ui)
            });
            remove()?;
            ceremony.join().map_err(|_| "the ceremony thread panicked".to_owned())
        })?;
        let took = started.elapsed();
        match result {
            Err(Error::Transport(TransportError::Disconnected)) => {
                check(took < noticed_within, format!("noticed only after {took:?}"))
            }
            other => Err(format!("expected Transport(Disconnected), got {other:?} after {took:?}")),
        }
    }

    /// The median time of `count` makeCredential (non-resident, no PIN) + getAssertion pairs.
    pub fn ceremony_median<D: Device>(&self, client: &mut Client<D>, count: usize) -> Result<Duration, String> {
        let mut samples = Vec::with_capacity(count);
        for i in 0..count {
            let mut ui = Ui::default();
            let start = Instant::now();
            let made = client
                .make_credential(&self.registration(format!("bench{i}").as_bytes(), false, UserVerification::Discouraged), &mut ui)
                .map_err(|e| e.to_string())?;
            let id = made
                .authenticator_data()
                .map_err(|e| e.to_string())?
                .attested_credential
                .map(|c| c.credential_id)
                .ok_or("no credential")?;
            client.get_assertion(&self.sign_in(id, UserVerification::Discouraged), &mut ui).map_err(|e| e.to_string())?;
            samples.push(start.elapsed());
        }
        Ok(median(samples))
    }
}

/// The middle sample (the upper one of an even count); zero for none.
pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// An error with both its message and its variant, for FAIL lines.
pub fn text(error: Error) -> String {
    format!("{error} ({error:?})")
}

fn get_info<D: Device>(client: &mut Client<D>) -> TestResult {
    let info = client.ctap2_info().map_err(text)?;
    check(info.versions.iter().any(|v| v == "FIDO_2_1"), format!("versions {:?}", info.versions))?;
    check(&info.aaguid == b"KeyDeskVirtual01", "aaguid is not the virtual key's")
}

fn set_pin<D: Device>(client: &mut Client<D>) -> TestResult {
    client.set_pin(&Pin::new(PIN)).map_err(text)?;
    let retries = client.pin_retries().map_err(text)?;
    check(retries.retries == 8, format!("{retries:?}"))
}
