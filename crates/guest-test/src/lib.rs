//! # keydesk-guest-test: USB HID and BLE proven end to end in QEMU guests
//!
//! The binary `keydesk-guest-test` runs as the USB guest's test program (started by `/init` after
//! `insmod hid hid-generic uhid`): it serves the virtual key through `/dev/uhid` (crate
//! `keydesk-uhid`) and drives it over real hidraw with three hosts: ours (the hidapi adapter of
//! `keydesk-transport` and `keydesk-ctap-client`), Debian's libfido2 tools, and the
//! `ctap-hid-fido2` crate (built apart, see `peer-ctap-hid-fido2/`); and it runs our discovery scan
//! as the unprivileged user `nobody` to show a root-only hidraw node reported as a permission
//! problem pointing to `udev/` (and the key listed once the node is opened up). It prints one
//! `PASS <name>` or `FAIL <name>: <why>` line per test on the serial console.
//!
//! The binary `keydesk-guest-ble` (feature `ble`, on by default) runs in the BLE guest, where
//! `/init` starts two virtual controllers (`btvirt -l2`), a system bus and bluetoothd: it serves
//! the virtual key as a FIDO GATT peripheral on hci0 (`keydesk-ble-peripheral`) and drives it from
//! hci1 with our btleplug host, pairing through our agent (Just Works in one boot, passkey entry
//! in a second).
//!
//! Both binaries run the same ceremony sequence with our host, written once in [`ceremonies`]
//! over `keydesk-ctap-client`'s `Client<D: Device>`, and print their verdicts with
//! [`report::report`].
//!
//! The rest of the library is the host-side harnesses ([`harness`], [`ble_harness`]) used by the
//! integration tests `tests/guest.rs` and `tests/ble.rs`: they download a pinned Debian kernel
//! (and the libfido2 tools, or BlueZ pinned by version and sha256) with `apt-get download`,
//! build an initramfs, boot QEMU (TCG, microvm) and require a `PASS` line for every name in
//! [`GUEST_TESTS`], [`BLE_GUEST_TESTS`] and [`BLE_PASSKEY_GUEST_TESTS`]: a test that did not run
//! is a failure.

pub mod ble_harness;
pub mod ceremonies;
pub mod harness;
pub mod report;

/// Every test the guest must pass, in the order it runs them.
pub const GUEST_TESTS: &[&str] = &[
    "ours_enumerate_by_usage_page",
    "ours_get_info",
    "ours_set_pin",
    "ours_make_credential",
    "ours_get_assertion",
    "ours_list_credentials",
    "ours_cancel_during_touch",
    "ours_unplugged_mid_operation",
    "ours_discovery_no_hidraw_permission",
    "libfido2_token_list",
    "libfido2_token_info",
    "libfido2_cred_make_verify",
    "libfido2_assert_get_verify",
    "libfido2_set_pin",
    "libfido2_with_pin_uv_verified",
    "ctap_hid_fido2_find",
    "ctap_hid_fido2_info",
    "ctap_hid_fido2_set_pin",
    "ctap_hid_fido2_make_credential",
    "ctap_hid_fido2_get_assertion",
    "ctap_hid_fido2_list_credentials",
    "bench_ceremony_vs_ping",
];

/// Every test the BLE guest must pass, in the order it runs them (binary `keydesk-guest-ble`,
/// harness [`ble_harness`]).
pub const BLE_GUEST_TESTS: &[&str] = &[
    "ble_controllers_up",
    "ble_peripheral_serves_fido_service",
    "ours_ble_pairing_agent",
    "ours_ble_scan_finds_key",
    "ours_ble_refused_pairing_is_a_clear_error",
    "ours_ble_pairs_just_works_and_selects_fido2",
    "ours_ble_get_info",
    "ours_ble_set_pin",
    "ours_ble_make_credential",
    "ours_ble_get_assertion",
    "ours_ble_list_credentials",
    "ours_ble_cancel_during_touch",
    "ours_ble_touch_completes_waiting_request",
    "bench_ble_ceremony_vs_round_trip",
    "ours_ble_discovery_lists_key",
    "ours_ble_peripheral_vanishes_mid_operation",
    "ours_ble_hot_plug_added_then_removed",
];

/// The second BLE boot (`BLE_PAIRING=passkey`): a fresh key that displays its passkey
/// (DisplayOnly) and a host that types it (KeyboardOnly), so BlueZ runs LE passkey entry and our
/// agent asks the user for the digits.
pub const BLE_PASSKEY_GUEST_TESTS: &[&str] = &[
    "ble_controllers_up",
    "ours_ble_pairing_agent",
    "ble_peripheral_serves_fido_service",
    "ours_ble_scan_finds_key",
    "ble_io_capabilities_display_and_keyboard",
    "ours_ble_pairs_with_passkey_entry",
];
