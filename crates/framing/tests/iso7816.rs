//! ISO 7816 host planner <-> FIDO card in memory, golden APDU layouts
//! (ISO 7816-4 §5.1, CTAP 2.1 §11.3) and the exact APDUs python-fido2 sends.

// Test helpers outside #[test] functions unwrap and panic like the tests do.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use keydesk_framing::iso7816::apdu::{
    CommandDecodeError, CommandEncodeError, ResponseDecodeError, EXTENDED_MAX_NE, SHORT_MAX_NE,
};
use keydesk_framing::iso7816::{
    ApduHost, ApduHostConfig, Applet, CardAction, CardConfig, CardError, CardRequest, CommandApdu, FidoCard,
    HostError, HostEvent, LengthForm, RequestKind, ResponseApdu, StatusWord,
};
use keydesk_framing::KeepaliveStatus;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 13 + 1) as u8).collect()
}

#[test]
fn golden_command_cases() {
    let cases: &[(&str, CommandApdu, LengthForm)] = &[
        ("00A40400", CommandApdu::new(0, 0xA4, 4, 0), LengthForm::Short),
        ("80110000 00", CommandApdu::new(0x80, 0x11, 0, 0).with_ne(256), LengthForm::Short),
        ("00C00000 10", CommandApdu::new(0, 0xC0, 0, 0).with_ne(16), LengthForm::Short),
        ("80100000 01 04", CommandApdu::new(0x80, 0x10, 0, 0).with_data([4]), LengthForm::Short),
        ("80108000 01 04 00", CommandApdu::new(0x80, 0x10, 0x80, 0).with_data([4]).with_ne(256), LengthForm::Short),
        ("80110000 000000", CommandApdu::new(0x80, 0x11, 0, 0).with_ne(65_536), LengthForm::Extended),
        ("80110000 000100", CommandApdu::new(0x80, 0x11, 0, 0).with_ne(256), LengthForm::Extended),
        ("80100000 000001 04", CommandApdu::new(0x80, 0x10, 0, 0).with_data([4]), LengthForm::Extended),
        (
            "80100000 000001 04 0000",
            CommandApdu::new(0x80, 0x10, 0, 0).with_data([4]).with_ne(65_536),
            LengthForm::Extended,
        ),
    ];
    for (bytes, apdu, form) in cases {
        let bytes = hex(bytes);
        assert_eq!(apdu.encode(*form).unwrap(), bytes, "{apdu:?}");
        assert_eq!(CommandApdu::decode(&bytes).unwrap(), (apdu.clone(), *form));
    }
}

#[test]
fn long_commands_need_extended_form() {
    let apdu = CommandApdu::new(0x80, 0x10, 0, 0).with_data(payload(256));
    assert_eq!(apdu.smallest_form(), LengthForm::Extended);
    assert!(matches!(apdu.encode(LengthForm::Short), Err(CommandEncodeError::DataTooLong { len: 256, max: 255, .. })));
    let encoded = apdu.encode(LengthForm::Extended).unwrap();
    assert_eq!(&encoded[4..7], &[0, 1, 0]);
    assert_eq!(CommandApdu::decode(&encoded).unwrap().0, apdu);
    let max = CommandApdu::new(0x80, 0x10, 0, 0).with_data(payload(65_535)).with_ne(65_536);
    assert_eq!(CommandApdu::decode(&max.encode(LengthForm::Extended).unwrap()).unwrap().0, max);
    assert!(CommandApdu::new(0, 0, 0, 0).with_data(payload(65_536)).encode(LengthForm::Extended).is_err());
    assert!(CommandApdu::new(0, 0, 0, 0).with_ne(257).encode(LengthForm::Short).is_err());
    assert!(CommandApdu::new(0, 0, 0, 0).with_ne(0).encode(LengthForm::Short).is_err());
}

#[test]
fn malformed_commands_are_precise_errors() {
    assert_eq!(CommandApdu::decode(&hex("00A404")), Err(CommandDecodeError::MissingHeader(3)));
    assert_eq!(
        CommandApdu::decode(&hex("80100000 05 0102")),
        Err(CommandDecodeError::ShortLengthMismatch { lc: 5, body_len: 3 })
    );
    assert_eq!(CommandApdu::decode(&hex("80100000 000000 01")), Err(CommandDecodeError::ExtendedLcZero));
    assert_eq!(
        CommandApdu::decode(&hex("80100000 000002 01")),
        Err(CommandDecodeError::ExtendedLengthMismatch { body_len: 4 })
    );
    assert_eq!(CommandApdu::decode(&hex("80100000 0001")), Err(CommandDecodeError::ExtendedLengthMismatch { body_len: 2 }));
    assert_eq!(ResponseApdu::decode(&[0x90]), Err(ResponseDecodeError::MissingStatusWord(1)));
}

#[test]
fn case_1_has_no_length_fields_in_either_form() {
    let apdu = CommandApdu::new(0, 0x03, 0, 0);
    assert_eq!(apdu.encode(LengthForm::Short).unwrap(), hex("00030000"));
    assert_eq!(apdu.encode(LengthForm::Extended).unwrap(), hex("00030000"));
    assert_eq!(CommandApdu::decode(&hex("00030000")).unwrap().0, apdu);
}

#[test]
fn status_only_responses_and_status_word_values() {
    assert_eq!(ResponseApdu::status_only(StatusWord::WrongData).encode(), [0x6A, 0x80]);
    let response = ResponseApdu { data: vec![1, 2], sw: StatusWord::ConditionsNotSatisfied };
    assert_eq!(response.encode(), [1, 2, 0x69, 0x85]);
    assert_eq!(ResponseApdu::decode(&[1, 2, 0x69, 0x85]).unwrap(), response);
    assert_eq!(StatusWord::from_u16(0x6D00), StatusWord::InstructionNotSupported);
    assert_eq!(StatusWord::Other(0x6400).to_u16(), 0x6400);
    assert_eq!(StatusWord::ConditionsNotSatisfied.to_string(), "6985");
    assert_eq!(StatusWord::NoPreciseDiagnosis.to_string(), "6F00");
}

#[test]
fn status_words_round_trip() {
    for (sw, word) in [
        (StatusWord::NoError, 0x9000u16),
        (StatusWord::CtapStatusUpdate, 0x9100),
        (StatusWord::BytesRemaining(0x10), 0x6110),
        (StatusWord::WrongLength, 0x6700),
        (StatusWord::LastCommandOfChainExpected, 0x6883),
        (StatusWord::CommandChainingNotSupported, 0x6884),
        (StatusWord::SecurityStatusNotSatisfied, 0x6982),
        (StatusWord::ConditionsNotSatisfied, 0x6985),
        (StatusWord::WrongData, 0x6A80),
        (StatusWord::FunctionNotSupported, 0x6A81),
        (StatusWord::FileNotFound, 0x6A82),
        (StatusWord::IncorrectP1P2, 0x6A86),
        (StatusWord::WrongLe(3), 0x6C03),
        (StatusWord::InstructionNotSupported, 0x6D00),
        (StatusWord::ClassNotSupported, 0x6E00),
        (StatusWord::NoPreciseDiagnosis, 0x6F00),
        (StatusWord::Other(0x6400), 0x6400),
    ] {
        assert_eq!(sw.to_bytes(), word.to_be_bytes());
        let [a, b] = word.to_be_bytes();
        assert_eq!(StatusWord::from_bytes(a, b), sw);
    }
}

fn respond(action: CardAction) -> Vec<u8> {
    match action {
        CardAction::Respond(bytes) => bytes,
        other => panic!("expected Respond, got {other:?}"),
    }
}

fn dispatch(action: CardAction) -> CardRequest {
    match action {
        CardAction::Dispatch(request) => request,
        other => panic!("expected Dispatch, got {other:?}"),
    }
}

#[test]
fn card_answers_the_apdus_python_fido2_sends() {
    let mut card = FidoCard::new(CardConfig::default());
    // Before SELECT the applet answers nothing.
    assert_eq!(respond(card.handle_apdu(&hex("80108000 01 04 00"))), hex("6D00"));
    // SELECT of another AID.
    assert_eq!(respond(card.handle_apdu(&hex("00A40400 07 A0000005272101 00"))), hex("6A82"));
    // SELECT of the FIDO AID with Le=00.
    assert_eq!(respond(card.handle_apdu(&hex("00A40400 08 A0000006472F0001 00"))), b"FIDO_2_0\x90\x00".to_vec());
    // And without Le.
    assert_eq!(respond(card.handle_apdu(&hex("00A40400 08 A0000006472F0001"))), b"FIDO_2_0\x90\x00".to_vec());
    // GetInfo with P1=0x80.
    let request = dispatch(card.handle_apdu(&hex("80108000 01 04 00")));
    assert_eq!(request, CardRequest { kind: RequestKind::Ctap(vec![0x04]), status_polling: true });
    // A 300-byte GetInfo response goes out as 256 bytes + 612C, then GET RESPONSE 00 C0 00 00 2C.
    let info = payload(300);
    let first = card.complete(&info).unwrap().unwrap();
    assert_eq!(first.len(), 258);
    assert_eq!(&first[256..], &hex("612C"));
    let rest = respond(card.handle_apdu(&hex("00C00000 2C")));
    assert_eq!(&rest[..44], &info[256..]);
    assert_eq!(&rest[44..], &hex("9000"));
    // A chained command: 90 10 80 00 FA (250 bytes) then 80 10 80 00 0A (10 bytes) 00.
    let data = payload(260);
    let mut first = hex("90108000 FA");
    first.extend_from_slice(&data[..250]);
    assert_eq!(respond(card.handle_apdu(&first)), hex("9000"));
    let mut last = hex("80108000 0A");
    last.extend_from_slice(&data[250..]);
    last.push(0);
    let request = dispatch(card.handle_apdu(&last));
    assert_eq!(request.kind, RequestKind::Ctap(data));
    // The owner defers; polls get 9100 + status until it completes.
    assert_eq!(card.defer(KeepaliveStatus::Processing).unwrap(), hex("01 9100"));
    assert_eq!(respond(card.handle_apdu(&hex("80110000 00"))), hex("01 9100"));
    card.set_status(KeepaliveStatus::UpNeeded).unwrap();
    assert_eq!(respond(card.handle_apdu(&hex("80110000 00"))), hex("02 9100"));
    assert_eq!(card.complete(&[0x00, 0xA0]).unwrap(), None);
    assert_eq!(respond(card.handle_apdu(&hex("80110000 00"))), hex("00A0 9000"));
    // Nothing left to poll for.
    assert_eq!(respond(card.handle_apdu(&hex("80110000 00"))), hex("6985"));
}

#[test]
fn card_cancel_and_misuse() {
    let mut card = FidoCard::new(CardConfig::default());
    respond(card.handle_apdu(&hex("00A40400 08 A0000006472F0001 00")));
    assert_eq!(card.complete(&[0]), Err(CardError::NoRequest));
    // Without P1=0x80 the request cannot be deferred.
    dispatch(card.handle_apdu(&hex("80100000 01 04 00")));
    assert_eq!(card.defer(KeepaliveStatus::Processing), Err(CardError::CannotDefer));
    assert_eq!(card.complete(&[0]).unwrap(), Some(hex("00 9000")));
    // Cancel through NFCCTAP_GETRESPONSE P1=0x11.
    dispatch(card.handle_apdu(&hex("80108000 01 02 00")));
    card.defer(KeepaliveStatus::UpNeeded).unwrap();
    assert_eq!(card.handle_apdu(&hex("80111100 00")), CardAction::Cancel(hex("02 9100")));
    assert!(card.is_deferred());
    card.complete(&[0x2D]).unwrap(); // CTAP2_ERR_KEEPALIVE_CANCEL
    assert_eq!(respond(card.handle_apdu(&hex("80110000 00"))), hex("2D 9000"));
    // A chain broken by a different command.
    assert_eq!(respond(card.handle_apdu(&hex("90108000 01 AA"))), hex("9000"));
    assert_eq!(respond(card.handle_apdu(&hex("80110000 00"))), hex("6883"));
    // Bad CLA, bad INS, malformed APDU.
    assert_eq!(respond(card.handle_apdu(&hex("A0100000 01 04"))), hex("6E00"));
    assert_eq!(respond(card.handle_apdu(&hex("80FF0000"))), hex("6D00"));
    assert_eq!(respond(card.handle_apdu(&hex("80100000 05 04"))), hex("6700"));
    // Empty NFCCTAP_MSG.
    assert_eq!(respond(card.handle_apdu(&hex("80108000"))), hex("6700"));
}

#[test]
fn card_bounds_chained_requests() {
    let mut card = FidoCard::new(CardConfig { max_request_len: 300, ..CardConfig::default() });
    respond(card.handle_apdu(&hex("00A40400 08 A0000006472F0001 00")));
    let mut segment = hex("90108000 FA");
    segment.extend_from_slice(&payload(250));
    assert_eq!(respond(card.handle_apdu(&segment)), hex("9000"));
    assert_eq!(respond(card.handle_apdu(&segment)), hex("6700"));
}

#[test]
fn u2f_only_card_and_u2f_passthrough() {
    let mut card = FidoCard::new(CardConfig { applet: Applet::U2fOnly, ..CardConfig::default() });
    assert_eq!(respond(card.handle_apdu(&hex("00A40400 08 A0000006472F0001 00"))), b"U2F_V2\x90\x00".to_vec());
    assert_eq!(respond(card.handle_apdu(&hex("80108000 01 04 00"))), hex("6D00"));
    // U2F authenticate: the owner's 6985 (user presence required) passes through.
    let request = dispatch(card.handle_apdu(&hex("00020300 03 AABBCC 00")));
    let RequestKind::U2f(apdu) = request.kind else { panic!("expected U2F") };
    assert_eq!((apdu.ins, apdu.p1, apdu.data.as_slice()), (0x02, 0x03, &[0xAA, 0xBB, 0xCC][..]));
    assert_eq!(card.complete(&hex("6985")).unwrap(), Some(hex("6985")));
    // U2F register with a long response: chunked with 61xx, final SW kept.
    dispatch(card.handle_apdu(&hex("00010300 40") .into_iter().chain(payload(64)).chain([0]).collect::<Vec<_>>()));
    let mut response = payload(700);
    response.extend_from_slice(&hex("9000"));
    let first = card.complete(&response).unwrap().unwrap();
    assert_eq!(&first[256..], &hex("6100"));
    let second = respond(card.handle_apdu(&hex("00C00000 00")));
    assert_eq!(&second[256..], &hex("61BC"));
    let third = respond(card.handle_apdu(&hex("00C00000 BC")));
    assert_eq!(third.len(), 188 + 2);
    assert_eq!(card.complete(&[0x90]), Err(CardError::NoRequest));
}

/// Host planner and card joined in memory.
struct Pair {
    host: ApduHost,
    card: FidoCard,
    now: Duration,
    /// Every command APDU the host sent, for layout assertions.
    sent: Vec<Vec<u8>>,
    /// What the owner does with a dispatched CTAP request.
    defer_with: Option<KeepaliveStatus>,
    cancelled: bool,
}

impl Pair {
    fn new(host: ApduHostConfig, card: CardConfig) -> Self {
        let mut pair = Self {
            host: ApduHost::new(host),
            card: FidoCard::new(card),
            now: Duration::ZERO,
            sent: Vec::new(),
            defer_with: None,
            cancelled: false,
        };
        pair.host.select().unwrap();
        let (events, _) = pair.drive(|_| None);
        assert_eq!(events, vec![HostEvent::Selected(Applet::Fido2)]);
        pair.sent.clear();
        pair
    }

    /// Runs until the host has nothing to send; `serve` answers dispatched
    /// requests synchronously (or returns None to leave them deferred).
    fn drive(&mut self, mut serve: impl FnMut(&CardRequest) -> Option<Vec<u8>>) -> (Vec<HostEvent>, Vec<CardRequest>) {
        let mut events = Vec::new();
        let mut requests = Vec::new();
        loop {
            while let Some(event) = self.host.poll_event() {
                events.push(event);
            }
            let Some(apdu) = self.host.poll_transmit() else {
                match self.host.next_timeout() {
                    Some(at) => {
                        self.now = at;
                        self.host.handle_timeout(at);
                        continue;
                    }
                    None => break,
                }
            };
            self.sent.push(apdu.clone());
            let response = match self.card.handle_apdu(&apdu) {
                CardAction::Respond(bytes) => bytes,
                CardAction::Cancel(bytes) => {
                    self.cancelled = true;
                    bytes
                }
                CardAction::Dispatch(request) => {
                    requests.push(request.clone());
                    match (self.defer_with, request.status_polling) {
                        (Some(status), true) => self.card.defer(status).unwrap(),
                        _ => self.card.complete(&serve(&request).unwrap()).unwrap().unwrap(),
                    }
                }
                other => panic!("unexpected {other:?}"),
            };
            self.host.handle_response(&response, self.now).unwrap();
        }
        (events, requests)
    }
}

fn python_fido2_like() -> ApduHostConfig {
    ApduHostConfig { chunk_len: 250, poll_interval: Duration::ZERO, ..ApduHostConfig::default() }
}

#[test]
fn host_sends_exactly_what_python_fido2_sends() {
    let mut host = ApduHost::new(python_fido2_like());
    host.select().unwrap();
    assert_eq!(host.poll_transmit().unwrap(), hex("00A40400 08 A0000006472F0001 00"));
    host.handle_response(b"FIDO_2_0\x90\x00", Duration::ZERO).unwrap();
    assert_eq!(host.poll_event(), Some(HostEvent::Selected(Applet::Fido2)));
    host.send_ctap(&[0x04]).unwrap();
    assert_eq!(host.poll_transmit().unwrap(), hex("80108000 01 04 00"));
    host.handle_response(&hex("01 9100"), Duration::ZERO).unwrap();
    assert_eq!(host.poll_event(), Some(HostEvent::Status(KeepaliveStatus::Processing)));
    assert_eq!(host.poll_transmit().unwrap(), hex("80110000 00"));
    host.handle_response(&hex("00 A1 9000"), Duration::ZERO).unwrap();
    assert_eq!(host.poll_event(), Some(HostEvent::CtapResponse(hex("00 A1"))));
}

#[test]
fn round_trip_chaining_and_61xx_at_short_boundaries() {
    let mut pair = Pair::new(python_fido2_like(), CardConfig::default());
    for size in [1, 249, 250, 251, 255, 256, 499, 500, 501, 1200, 7609] {
        for response_len in [1, 255, 256, 257, 511, 512, 513, 1200] {
            let request = payload(size);
            pair.sent.clear();
            pair.host.send_ctap(&request).unwrap();
            let response = payload(response_len);
            let (events, requests) = pair.drive(|_| Some(response.clone()));
            assert_eq!(requests.len(), 1);
            assert_eq!(requests[0].kind, RequestKind::Ctap(request.clone()), "request of {size} bytes");
            assert_eq!(events, vec![HostEvent::CtapResponse(response.clone())], "{size}/{response_len}");
            let segments = size.div_ceil(250);
            let gets = response_len.saturating_sub(1) / 256;
            assert_eq!(pair.sent.len(), segments + gets, "{size}/{response_len}");
            for segment in &pair.sent[..segments - 1] {
                assert_eq!(&segment[..5], &hex("90108000 FA"));
            }
            assert_eq!(pair.sent[segments - 1][0], 0x80);
            assert_eq!(*pair.sent[segments - 1].last().unwrap(), 0x00, "Le=00 on the last segment");
            for get in &pair.sent[segments..] {
                assert_eq!(&get[..4], &hex("00C00000"));
            }
        }
    }
}

#[test]
fn round_trip_extended_length() {
    let config = ApduHostConfig { extended_length: true, poll_interval: Duration::ZERO, ..ApduHostConfig::default() };
    let mut pair = Pair::new(config, CardConfig::default());
    for (size, response_len) in [(1, 1), (255, 256), (256, 257), (7609, 7609), (65_535, 65_536)] {
        pair.sent.clear();
        let request = payload(size);
        pair.host.send_ctap(&request).unwrap();
        let response = payload(response_len);
        let (events, requests) = pair.drive(|_| Some(response.clone()));
        assert_eq!(requests[0].kind, RequestKind::Ctap(request));
        assert_eq!(events, vec![HostEvent::CtapResponse(response)]);
        assert_eq!(pair.sent.len(), 1, "one extended APDU, no chaining, no 61xx");
        assert_eq!(&pair.sent[0][4..7], &[0, (size >> 8) as u8, size as u8]);
        assert_eq!(&pair.sent[0][pair.sent[0].len() - 2..], &[0, 0], "Le=0000 (65536)");
    }
    // A card without extended length refuses it.
    let mut card = FidoCard::new(CardConfig { extended_length: false, ..CardConfig::default() });
    assert_eq!(respond(card.handle_apdu(&hex("00A40400 000008 A0000006472F0001"))), hex("6700"));
}

#[test]
fn polling_with_status_updates_and_pace() {
    let config = ApduHostConfig { poll_interval: Duration::from_millis(100), ..ApduHostConfig::default() };
    let mut pair = Pair::new(config, CardConfig::default());
    pair.defer_with = Some(KeepaliveStatus::UpNeeded);
    pair.host.send_ctap(&payload(600)).unwrap();
    // Card defers; the host waits 100 ms per poll; after 3 polls the owner completes.
    let mut polls = 0;
    let mut statuses = Vec::new();
    let response = payload(700);
    loop {
        while let Some(event) = pair.host.poll_event() {
            match event {
                HostEvent::Status(status) => statuses.push(status),
                HostEvent::CtapResponse(data) => {
                    assert_eq!(data, response);
                    assert_eq!(polls, 4);
                    assert_eq!(pair.now, Duration::from_millis(400));
                    assert_eq!(statuses, vec![KeepaliveStatus::UpNeeded; 4]);
                    return;
                }
                other => panic!("{other:?}"),
            }
        }
        let apdu = match pair.host.poll_transmit() {
            Some(apdu) => apdu,
            None => {
                let at = pair.host.next_timeout().expect("a poll is scheduled");
                pair.now = at;
                pair.host.handle_timeout(at);
                continue;
            }
        };
        let answer = match pair.card.handle_apdu(&apdu) {
            CardAction::Respond(bytes) => bytes,
            CardAction::Dispatch(request) => {
                assert!(request.status_polling);
                pair.card.defer(KeepaliveStatus::UpNeeded).unwrap()
            }
            other => panic!("{other:?}"),
        };
        if apdu[..2] == [0x80, 0x11] {
            polls += 1;
            if polls == 3 {
                pair.card.complete(&response).unwrap();
            }
        }
        pair.host.handle_response(&answer, pair.now).unwrap();
    }
}

#[test]
fn host_cancel_uses_getresponse_p1_0x11() {
    let mut pair = Pair::new(python_fido2_like(), CardConfig::default());
    pair.defer_with = Some(KeepaliveStatus::UpNeeded);
    pair.host.send_ctap(&[0x01, 0xA0]).unwrap();
    // First exchange: dispatch + deferral.
    let msg = pair.host.poll_transmit().unwrap();
    assert!(matches!(pair.card.handle_apdu(&msg), CardAction::Dispatch(_)));
    let answer = pair.card.defer(KeepaliveStatus::UpNeeded).unwrap();
    pair.host.handle_response(&answer, pair.now).unwrap();
    assert_eq!(pair.host.poll_event(), Some(HostEvent::Status(KeepaliveStatus::UpNeeded)));
    pair.host.cancel().unwrap();
    let poll = pair.host.poll_transmit().unwrap();
    assert_eq!(poll, hex("80111100 00"));
    let CardAction::Cancel(answer) = pair.card.handle_apdu(&poll) else { panic!("expected Cancel") };
    pair.card.complete(&[0x2D]).unwrap();
    pair.host.handle_response(&answer, pair.now).unwrap();
    // The next poll is a plain one and gets the cancel result.
    assert_eq!(pair.host.poll_event(), Some(HostEvent::Status(KeepaliveStatus::UpNeeded)));
    let poll = pair.host.poll_transmit().unwrap();
    assert_eq!(poll, hex("80110000 00"));
    pair.host.handle_response(&respond(pair.card.handle_apdu(&poll)), pair.now).unwrap();
    assert_eq!(pair.host.poll_event(), Some(HostEvent::CtapResponse(vec![0x2D])));
    assert_eq!(pair.host.cancel(), Err(HostError::NothingToCancel));
}

#[test]
fn host_u2f_passthrough_and_errors() {
    let mut pair = Pair::new(python_fido2_like(), CardConfig::default());
    let apdu = CommandApdu::new(0, 0x02, 0x07, 0).with_data(payload(300));
    pair.host.send_u2f(apdu.clone()).unwrap();
    let (events, requests) = pair.drive(|_| Some(hex("6A80")));
    let RequestKind::U2f(received) = &requests[0].kind else { panic!("expected U2F") };
    assert_eq!(received.data, apdu.data);
    assert_eq!(events, vec![HostEvent::U2fResponse(ResponseApdu { data: vec![], sw: StatusWord::WrongData })]);
    assert_eq!(pair.sent.len(), 2, "chained in two short APDUs");
    assert_eq!(pair.sent[0][0], 0x10);

    // SELECT refused / unknown version / chain segment refused / protocol errors.
    let mut host = ApduHost::new(python_fido2_like());
    host.select().unwrap();
    host.poll_transmit().unwrap();
    host.handle_response(&hex("6A82"), Duration::ZERO).unwrap();
    assert_eq!(host.poll_event(), Some(HostEvent::Rejected(StatusWord::FileNotFound)));
    host.select().unwrap();
    host.poll_transmit().unwrap();
    assert_eq!(host.handle_response(b"FIDO_3\x90\x00", Duration::ZERO), Err(HostError::UnknownAppletVersion(b"FIDO_3".to_vec())));
    host.send_ctap(&payload(600)).unwrap();
    host.poll_transmit().unwrap();
    assert_eq!(host.handle_response(&hex("6884"), Duration::ZERO), Err(HostError::ChainSegmentRejected(StatusWord::CommandChainingNotSupported)));
    assert!(!host.is_busy());
    assert_eq!(host.handle_response(&hex("9000"), Duration::ZERO), Err(HostError::UnexpectedResponse));
    host.send_ctap(&[4]).unwrap();
    host.poll_transmit().unwrap();
    assert_eq!(host.handle_response(&hex("9100"), Duration::ZERO), Err(HostError::EmptyStatusUpdate));
    host.send_ctap(&[4]).unwrap();
    assert_eq!(host.send_ctap(&[4]), Err(HostError::Busy));
    host.poll_transmit().unwrap();
    assert_eq!(host.handle_response(&hex("6700"), Duration::ZERO), Ok(()));
    assert_eq!(host.poll_event(), Some(HostEvent::Rejected(StatusWord::WrongLength)));
    assert_eq!(host.send_ctap(&[]), Err(HostError::EmptyRequest));
}

#[test]
fn host_bounds_collected_responses() {
    let mut host = ApduHost::new(ApduHostConfig { max_response_len: 300, ..python_fido2_like() });
    host.send_ctap(&[4]).unwrap();
    host.poll_transmit().unwrap();
    let mut chunk = payload(256);
    chunk.extend_from_slice(&hex("6100"));
    host.handle_response(&chunk, Duration::ZERO).unwrap();
    host.poll_transmit().unwrap();
    assert_eq!(host.handle_response(&chunk, Duration::ZERO), Err(HostError::ResponseTooLong { max: 300 }));
    assert_eq!(SHORT_MAX_NE, 256);
    assert_eq!(EXTENDED_MAX_NE, 65_536);
}

#[test]
fn status_updates_need_p1_0x80() {
    let mut host = ApduHost::new(ApduHostConfig { status_polling: false, ..python_fido2_like() });
    host.send_ctap(&[4]).unwrap();
    assert_eq!(host.poll_transmit().unwrap(), hex("80100000 01 04 00"));
    assert_eq!(host.cancel(), Err(HostError::CancelNeedsStatusPolling));
    assert_eq!(host.handle_response(&hex("01 9100"), Duration::ZERO), Err(HostError::UnexpectedStatusUpdate));
    assert!(!host.is_busy());
}
