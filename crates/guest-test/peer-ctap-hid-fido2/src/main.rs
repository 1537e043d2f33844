//! Runs in the QEMU guest against the virtual key (served through uhid by the guest test):
//! finds it, reads its info, sets a PIN, makes and gets a credential, lists credentials through
//! credential management. Prints `ok <step>` per step, or `failed <step>: <why>` and exits 1.

use ctap_hid_fido2::fidokey::get_assertion::get_assertion_params::Assertion;
use ctap_hid_fido2::public_key_credential_user_entity::PublicKeyCredentialUserEntity;
use ctap_hid_fido2::{get_fidokey_devices, FidoKeyHidFactory, LibCfg};

const PIN: &str = "4321";
const RP: &str = "peer.example";

fn step<T>(name: &str, result: Result<T, String>) -> T {
    match result {
        Ok(value) => {
            println!("ok {name}");
            value
        }
        Err(why) => {
            println!("failed {name}: {why}");
            std::process::exit(1);
        }
    }
}

fn main() {
    let devices = get_fidokey_devices();
    step("find", if devices.len() == 1 { Ok(()) } else { Err(format!("{} FIDO devices found", devices.len())) });
    // CTAP 2.1 credential management with a cm-permission token, as a 2.1 key advertises
    // (the library's default is the 2.0 preview command with a legacy getPinToken token).
    let mut config = LibCfg::init();
    config.use_pre_credential_management = false;
    config.enable_keep_alive_msg = false;
    let key = step("open", FidoKeyHidFactory::create(&config).map_err(|e| e.to_string()));
    let info = step("info", key.get_info().map_err(|e| e.to_string()));
    step(
        "info_versions",
        if info.versions.iter().any(|v| v == "FIDO_2_1") { Ok(()) } else { Err(format!("versions {:?}", info.versions)) },
    );
    step("set_pin", key.set_new_pin(PIN).map_err(|e| e.to_string()));
    step(
        "pin_retries",
        match key.get_pin_retries() {
            Ok(8) => Ok(()),
            other => Err(format!("{other:?}")),
        },
    );
    let challenge = [7u8; 32];
    let user = PublicKeyCredentialUserEntity::new(Some(b"peer-user"), Some("peer"), Some("Peer User"));
    let attestation =
        step("make_credential", key.make_credential_rk(RP, &challenge, Some(PIN), &user).map_err(|e| e.to_string()));
    step(
        "make_credential_verified",
        if attestation.flags.user_verified_result && attestation.flags.user_present_result { Ok(()) } else { Err("flags lack UP/UV".into()) },
    );
    let id = attestation.credential_descriptor.id.clone();
    let assertion: Assertion = step(
        "get_assertion",
        key.get_assertion(RP, &challenge, std::slice::from_ref(&id), Some(PIN)).map_err(|e| e.to_string()),
    );
    step(
        "get_assertion_signed",
        if assertion.signature.is_empty() { Err("empty signature".into()) } else { Ok(()) },
    );
    let rps = step("list_rps", key.credential_management_enumerate_rps(Some(PIN)).map_err(|e| e.to_string()));
    let rp = step(
        "list_rps_contains",
        rps.iter().find(|rp| rp.public_key_credential_rp_entity.id == RP).ok_or(format!("{} RPs, none is {RP}", rps.len())),
    );
    let credentials = step(
        "list_credentials",
        key.credential_management_enumerate_credentials(Some(PIN), &rp.rpid_hash).map_err(|e| e.to_string()),
    );
    step(
        "list_credentials_contains",
        if credentials.iter().any(|c| c.public_key_credential_descriptor.id == id) {
            Ok(())
        } else {
            Err(format!("{} credentials, not the one made", credentials.len()))
        },
    );
    println!("peer done");
}
