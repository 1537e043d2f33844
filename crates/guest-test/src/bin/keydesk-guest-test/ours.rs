//! Our host (keydesk-transport's hidapi adapter + keydesk-ctap-client) over real hidraw.

use std::time::Duration;

use keydesk_ctap::entities::{CredentialDescriptor, CredentialParameters, RpEntity, UserEntity};
use keydesk_ctap_client::{Client, Error, GetAssertionArgs, Interaction, MakeCredentialArgs, Pin, PinRequest, UserVerification};
use keydesk_transport::hid::usb::{open, UsbPipe, FIDO_USAGE_PAGE};
use keydesk_transport::hid::HidLink;
use keydesk_transport::TransportError;
use keydesk_virtual_key::PresencePolicy;

use crate::served::{wait_until, ServedKey};
use crate::{report, TestResult};

pub const RP: &str = "guest.example";
const PIN: &str = "1234";

pub type HidClient = Client<HidLink<UsbPipe>>;

/// A front end that knows the PIN, counts touch prompts and can cancel once asked to touch.
#[derive(Debug, Default)]
pub struct Ui {
    pub pin: Option<&'static str>,
    pub pin_requests: usize,
    pub touches: usize,
    pub cancel_on_touch: bool,
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

pub fn registration(user: &[u8], resident: bool, uv: UserVerification) -> MakeCredentialArgs {
    let mut entity = UserEntity::new(user.to_vec());
    entity.name = Some(String::from_utf8_lossy(user).into_owned());
    MakeCredentialArgs {
        client_data_hash: [3; 32],
        rp: RpEntity::new(RP),
        user: entity,
        pub_key_cred_params: vec![CredentialParameters::public_key(-7)],
        exclude_list: Vec::new(),
        extensions: None,
        resident_key: resident,
        user_verification: uv,
        enterprise_attestation: None,
    }
}

pub fn sign_in(credential: Vec<u8>, uv: UserVerification) -> GetAssertionArgs {
    GetAssertionArgs {
        rp_id: RP.to_owned(),
        client_data_hash: [4; 32],
        allow_list: vec![CredentialDescriptor::public_key(credential)],
        extensions: None,
        user_presence: true,
        user_verification: uv,
        hmac_secret_salts: None,
    }
}

pub fn connect(served: &ServedKey) -> Result<HidClient, String> {
    Ok(Client::new(open(&served.candidate()?).map_err(|e| e.to_string())?))
}

fn check(condition: bool, why: impl Into<String>) -> TestResult {
    if condition {
        Ok(())
    } else {
        Err(why.into())
    }
}

fn text(error: Error) -> String {
    format!("{error} ({error:?})")
}

pub fn run() {
    let mut served = match ServedKey::start(PresencePolicy::ApproveAll) {
        Ok(served) => served,
        Err(why) => {
            report("ours_enumerate_by_usage_page", Err(why));
            return;
        }
    };
    report("ours_enumerate_by_usage_page", (|| {
        let found = served.candidate()?;
        let path = found.path.to_string_lossy().into_owned();
        check(path.starts_with("/dev/hidraw"), format!("path {path}"))?;
        // Found through usage page 0xF1D0 (enumerate filters on nothing else).
        check(FIDO_USAGE_PAGE == 0xF1D0, "usage page constant")
    })());
    let mut client = match connect(&served) {
        Ok(client) => client,
        Err(why) => {
            report("ours_get_info", Err(why));
            return;
        }
    };
    report("ours_get_info", (|| {
        let info = client.ctap2_info().map_err(text)?;
        check(info.versions.iter().any(|v| v == "FIDO_2_1"), format!("versions {:?}", info.versions))?;
        check(&info.aaguid == b"KeyDeskVirtual01", "aaguid is not the virtual key's")
    })());
    report("ours_set_pin", (|| {
        client.set_pin(&Pin::new(PIN)).map_err(text)?;
        let retries = client.pin_retries().map_err(text)?;
        check(retries.retries == 8, format!("{retries:?}"))
    })());
    let mut credential = Vec::new();
    report("ours_make_credential", (|| {
        let mut ui = Ui { pin: Some(PIN), ..Ui::default() };
        let made = client.make_credential(&registration(b"alice", true, UserVerification::Preferred), &mut ui).map_err(text)?;
        let data = made.authenticator_data().map_err(|e| e.to_string())?;
        check(data.flags.user_verified(), "no UV flag after PIN")?;
        credential = data.attested_credential.map(|c| c.credential_id).ok_or("no attested credential")?;
        check(ui.pin_requests == 1, format!("{} PIN requests", ui.pin_requests))
    })());
    report("ours_get_assertion", (|| {
        let mut ui = Ui { pin: Some(PIN), ..Ui::default() };
        let assertion = client.get_assertion(&sign_in(credential.clone(), UserVerification::Preferred), &mut ui).map_err(text)?;
        let data = assertion.response.authenticator_data().map_err(|e| e.to_string())?;
        check(data.flags.user_verified() && data.flags.user_present(), "flags lack UP/UV")?;
        check(assertion.response.credential.as_ref().is_some_and(|c| c.id == credential), "another credential answered")
    })());
    report("ours_list_credentials", (|| {
        let mut ui = Ui { pin: Some(PIN), ..Ui::default() };
        let list = client.list_passkeys(&mut ui).map_err(text)?;
        let site = list.sites.iter().find(|s| s.rp_id == RP).ok_or(format!("{} sites, none {RP}", list.sites.len()))?;
        check(site.passkeys.len() == 1 && site.passkeys[0].user_name.as_deref() == Some("alice"), format!("{:?}", site.passkeys))
    })());
    report("ours_cancel_during_touch", (|| {
        served.set_presence(PresencePolicy::WaitForTouch);
        let mut ui = Ui { pin: Some(PIN), cancel_on_touch: true, ..Ui::default() };
        let result = client.make_credential(&registration(b"bob", true, UserVerification::Preferred), &mut ui);
        served.set_presence(PresencePolicy::ApproveAll);
        check(ui.touches > 0, "the key never asked for a touch (no keepalive UP_NEEDED)")?;
        match result {
            Err(Error::Cancelled) => Ok(()),
            other => Err(format!("expected Cancelled, got {other:?}")),
        }
    })());
    report("ours_unplugged_mid_operation", (|| {
        served.set_presence(PresencePolicy::WaitForTouch);
        let started = std::time::Instant::now();
        let result = std::thread::scope(|scope| {
            let ceremony = scope.spawn(|| {
                let mut ui = Ui { pin: Some(PIN), ..Ui::default() };
                client.make_credential(&registration(b"carol", true, UserVerification::Preferred), &mut ui)
            });
            if !wait_until(Duration::from_secs(5), || served.is_waiting_for_touch()) {
                return Err("the key never waited for a touch".to_owned());
            }
            served.unplug()?;
            ceremony.join().map_err(|_| "the ceremony thread panicked".to_owned())
        })?;
        let took = started.elapsed();
        match result {
            Err(Error::Transport(TransportError::Disconnected)) => {
                check(took < Duration::from_secs(3), format!("noticed only after {took:?}"))
            }
            other => Err(format!("expected Transport(Disconnected), got {other:?}")),
        }
    })());
}
