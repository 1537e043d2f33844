use crate::apdu::{ApduEncoding, ApduError, CommandApdu, ResponseApdu};
use crate::StatusWord;

fn command(data_len: usize, ne: Option<u32>) -> CommandApdu {
    CommandApdu {
        cla: 0x00,
        ins: 0xA4,
        p1: 0x04,
        p2: 0x00,
        data: (0..data_len).map(|i| i as u8).collect(),
        ne,
    }
}

#[test]
fn all_iso_cases_round_trip() {
    let cases = [
        (command(0, None), ApduEncoding::Short, 4),
        (command(0, Some(256)), ApduEncoding::Short, 5),
        (command(0, Some(17)), ApduEncoding::Short, 5),
        (command(8, None), ApduEncoding::Short, 13),
        (command(8, Some(256)), ApduEncoding::Short, 14),
        (command(255, Some(1)), ApduEncoding::Short, 261),
        (command(0, Some(65_536)), ApduEncoding::Extended, 7),
        (command(0, Some(300)), ApduEncoding::Extended, 7),
        (command(8, None), ApduEncoding::Extended, 15),
        (command(8, Some(65_536)), ApduEncoding::Extended, 17),
        (command(65_535, Some(2)), ApduEncoding::Extended, 65_535 + 9),
    ];
    for (apdu, encoding, len) in cases {
        let bytes = apdu.encode(encoding).unwrap();
        assert_eq!(bytes.len(), len, "{apdu:?}");
        assert_eq!(CommandApdu::decode(&bytes).unwrap(), (apdu, encoding));
    }
}

#[test]
fn length_bytes_are_iso_7816_4() {
    assert_eq!(
        command(0, Some(256)).encode(ApduEncoding::Short).unwrap()[4],
        0x00
    );
    assert_eq!(
        command(2, Some(5)).encode(ApduEncoding::Short).unwrap(),
        [0, 0xA4, 4, 0, 2, 0, 1, 5]
    );
    assert_eq!(
        command(2, Some(65_536))
            .encode(ApduEncoding::Extended)
            .unwrap(),
        [0, 0xA4, 4, 0, 0, 0, 2, 0, 1, 0, 0]
    );
    assert_eq!(
        command(0, Some(0x1234))
            .encode(ApduEncoding::Extended)
            .unwrap(),
        [0, 0xA4, 4, 0, 0, 0x12, 0x34]
    );
}

#[test]
fn encode_errors() {
    assert_eq!(
        command(256, None).encode(ApduEncoding::Short),
        Err(ApduError::DataTooLong {
            len: 256,
            encoding: ApduEncoding::Short
        })
    );
    assert_eq!(
        command(65_536, None).encode(ApduEncoding::Extended),
        Err(ApduError::DataTooLong {
            len: 65_536,
            encoding: ApduEncoding::Extended
        })
    );
    assert_eq!(
        command(1, Some(257)).encode(ApduEncoding::Short),
        Err(ApduError::ExpectedLengthTooLarge {
            ne: 257,
            encoding: ApduEncoding::Short
        })
    );
    assert_eq!(
        command(1, Some(0)).encode(ApduEncoding::Extended),
        Err(ApduError::ExpectedLengthTooLarge {
            ne: 0,
            encoding: ApduEncoding::Extended
        })
    );
}

#[test]
fn decode_errors() {
    assert_eq!(
        CommandApdu::decode(&[0, 1, 2]),
        Err(ApduError::CommandTooShort { len: 3 })
    );
    // Short Lc 3 with 2 data bytes.
    assert_eq!(
        CommandApdu::decode(&[0, 1, 2, 3, 3, 9, 9]),
        Err(ApduError::LengthMismatch { len: 7 })
    );
    // Short Lc of zero.
    assert_eq!(
        CommandApdu::decode(&[0, 1, 2, 3, 0, 9]),
        Err(ApduError::LengthMismatch { len: 6 })
    );
    // Extended Lc 5 with 3 data bytes.
    assert_eq!(
        CommandApdu::decode(&[0, 1, 2, 3, 0, 0, 5, 1, 2, 3]),
        Err(ApduError::LengthMismatch { len: 10 })
    );
    assert_eq!(
        ResponseApdu::decode(&[0x90]),
        Err(ApduError::ResponseTooShort { len: 1 })
    );
}

#[test]
fn responses() {
    let response = ResponseApdu {
        data: vec![1, 2],
        status: StatusWord::ConditionsNotSatisfied,
    };
    assert_eq!(response.encode(), [1, 2, 0x69, 0x85]);
    assert_eq!(ResponseApdu::decode(&[1, 2, 0x69, 0x85]).unwrap(), response);
    assert_eq!(
        ResponseApdu::status_only(StatusWord::WrongData).encode(),
        [0x6A, 0x80]
    );
    for (word, value) in [
        (StatusWord::NoError, 0x9000),
        (StatusWord::ConditionsNotSatisfied, 0x6985),
        (StatusWord::WrongData, 0x6A80),
        (StatusWord::WrongLength, 0x6700),
        (StatusWord::ClassNotSupported, 0x6E00),
        (StatusWord::InstructionNotSupported, 0x6D00),
        (StatusWord::Other(0x6F00), 0x6F00),
    ] {
        assert_eq!(word.to_u16(), value);
        assert_eq!(StatusWord::from_u16(value), word);
    }
    assert_eq!(StatusWord::WrongData.to_string(), "6A80");
}
