//! Sans-IO user presence: waiting, touch, deny, cancel, timeout, keepalive status; reset
//! window and selection (CTAP 2.1 §6.6, §6.9).
#![allow(clippy::unwrap_used, clippy::panic)] // helper functions of tests

mod common;

use std::time::Duration;

use common::{status_of, Host, CLIENT_DATA_HASH};
use keydesk_ctap::commands::{EmptyResponse, GetAssertionRequest, ResetRequest, SelectionRequest};
use keydesk_ctap::message::CommandRequest as _;
use keydesk_ctap::StatusCode;
use keydesk_virtual_key::{Config, KeepaliveStatus, PresencePolicy, Reply};

fn waiting_host() -> Host {
    Host::new(Config { presence: PresencePolicy::WaitForTouch, ..Config::default() })
}

#[test]
fn a_request_waits_for_the_touch_and_keepalive_says_so() {
    let mut host = waiting_host();
    let request = host.mc_request("example.com", b"alice", true).encode();
    assert_eq!(host.key.keepalive_status(), None);
    assert_eq!(host.key.handle(&request, host.now), Reply::WaitingForUserPresence);
    assert_eq!(host.key.keepalive_status(), Some(KeepaliveStatus::UpNeeded));
    assert_eq!(host.key.discoverable_credential_count(), 0, "nothing stored before the touch");
    assert_eq!(host.key.poll(host.now + Duration::from_secs(5)), None);
    let response = host.key.touch(host.now + Duration::from_secs(5)).unwrap();
    assert_eq!(status_of(&response), StatusCode::Ok);
    assert_eq!(host.key.keepalive_status(), None);
    assert_eq!(host.key.discoverable_credential_count(), 1);
    assert_eq!(host.key.touch(host.now), None, "nothing left to touch for");
}

#[test]
fn deny_cancel_and_timeout() {
    let mut host = waiting_host();
    let request = host.mc_request("example.com", b"alice", true).encode();
    host.key.handle(&request, host.now);
    assert_eq!(status_of(&host.key.deny(host.now).unwrap()), StatusCode::OperationDenied);

    host.key.handle(&request, host.now);
    assert_eq!(status_of(&host.key.cancel(host.now).unwrap()), StatusCode::KeepaliveCancel);
    assert_eq!(host.key.discoverable_credential_count(), 0);

    host.key.handle(&request, host.now);
    assert_eq!(host.key.next_timeout(), Some(host.now + Duration::from_secs(30)));
    assert_eq!(host.key.poll(host.now + Duration::from_secs(29)), None);
    assert_eq!(status_of(&host.key.poll(host.now + Duration::from_secs(30)).unwrap()), StatusCode::UserActionTimeout);
    assert!(!host.key.is_waiting_for_presence());
}

#[test]
fn deny_all_and_assertions_wait_too() {
    let mut host = Host::new(Config { presence: PresencePolicy::DenyAll, ..Config::default() });
    let request = host.mc_request("example.com", b"alice", false);
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::OperationDenied);

    host.key.set_presence_policy(PresencePolicy::ApproveAll);
    let id = host.register("example.com", b"alice", false, None);
    host.key.set_presence_policy(PresencePolicy::WaitForTouch);
    let mut get = GetAssertionRequest::new("example.com", CLIENT_DATA_HASH);
    get.allow_list = Host::allow(&[&id]);
    assert_eq!(host.key.handle(&get.encode(), host.now), Reply::WaitingForUserPresence);
    let response = host.key.touch(host.now).unwrap();
    assert_eq!(status_of(&response), StatusCode::Ok);
}

#[test]
fn an_excluded_credential_is_reported_after_presence_whatever_the_user_does() {
    let mut host = waiting_host();
    host.key.set_presence_policy(PresencePolicy::ApproveAll);
    let id = host.register("example.com", b"alice", false, None);
    host.key.set_presence_policy(PresencePolicy::WaitForTouch);
    let mut request = host.mc_request("example.com", b"alice", false);
    request.exclude_list = Host::allow(&[&id]);
    let request = request.encode();
    host.key.handle(&request, host.now);
    assert_eq!(status_of(&host.key.touch(host.now).unwrap()), StatusCode::CredentialExcluded);
    host.key.handle(&request, host.now);
    assert_eq!(status_of(&host.key.deny(host.now).unwrap()), StatusCode::CredentialExcluded);
    host.key.handle(&request, host.now);
    assert_eq!(status_of(&host.key.poll(host.now + Duration::from_secs(31)).unwrap()), StatusCode::CredentialExcluded);
    host.key.set_presence_policy(PresencePolicy::DenyAll);
    assert_eq!(status_of(&host.send(&request)), StatusCode::CredentialExcluded);
}

#[test]
fn reset_only_within_ten_seconds_of_power_up_and_with_a_touch() {
    let mut host = waiting_host();
    host.key.set_presence_policy(PresencePolicy::ApproveAll);
    host.set_pin("1234").unwrap();
    host.register("example.com", b"alice", false, None);
    host.key.set_presence_policy(PresencePolicy::WaitForTouch);

    host.advance(Duration::from_secs(11));
    assert_eq!(status_of(&host.send(&ResetRequest.encode())), StatusCode::NotAllowed);

    host.key.power_cycle(host.now);
    host.advance(Duration::from_secs(9));
    assert_eq!(host.key.handle(&ResetRequest.encode(), host.now), Reply::WaitingForUserPresence);
    // The touch may come after the window: the request itself was in time.
    let response = host.key.touch(host.now + Duration::from_secs(5)).unwrap();
    assert_eq!(status_of(&response), StatusCode::Ok);
    assert_eq!(host.info().option("clientPin"), Some(false));

    host.key.power_cycle(host.now);
    host.key.handle(&ResetRequest.encode(), host.now);
    assert_eq!(status_of(&host.key.deny(host.now).unwrap()), StatusCode::OperationDenied);
}

#[test]
fn reset_forgets_credentials_and_the_pin() {
    let mut host = Host::new(Config::default());
    host.set_pin("1234").unwrap();
    let id = host.register("example.com", b"alice", false, None);
    host.call::<EmptyResponse>(&ResetRequest).unwrap();
    let mut get = GetAssertionRequest::new("example.com", CLIENT_DATA_HASH);
    get.allow_list = Host::allow(&[&id]);
    assert_eq!(host.get_assertion(&get).unwrap_err(), StatusCode::NoCredentials, "master secret replaced");
    assert_eq!(host.pin_retries().pin_retries, Some(8));
    assert_eq!(host.info().option("clientPin"), Some(false));
}

#[test]
fn selection_answers_after_the_touch() {
    let mut host = waiting_host();
    assert_eq!(host.key.handle(&SelectionRequest.encode(), host.now), Reply::WaitingForUserPresence);
    assert_eq!(host.key.touch(host.now).unwrap(), vec![0x00]);
    // A new request abandons the waiting one.
    host.key.handle(&SelectionRequest.encode(), host.now);
    let info = host.key.handle(&keydesk_ctap::commands::GetInfoRequest.encode(), host.now);
    assert!(matches!(info, Reply::Response(ref bytes) if bytes[0] == 0));
    assert!(!host.key.is_waiting_for_presence());
}
