//! Vectors from python-fido2 (tests/test_ctap1.py, and test/test_ctap2.py for a YubiKey
//! registration), retyped here. The signatures are verified with p256 over the bytes that
//! `register_signed_data` / `authenticate_signed_data` build, which checks those helpers
//! against real authenticators.

use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{DerSignature, VerifyingKey};

use super::{hex, hex32};
use crate::{
    authenticate_signed_data, decode_version_response, register_signed_data, ApduEncoding,
    AuthenticateControl, AuthenticateRequest, AuthenticateResponse, CommandApdu, RegisterRequest,
    RegisterResponse, Request, ResponseError, StatusWord,
};

// tests/test_ctap1.py test_register.
const REG_CLIENT_PARAM: &str = "4142d21c00d94ffb9d504ada8f99b721f4b191ae4e37ca0140f696b6983cfacb";
const REG_APP_PARAM: &str = "f0e6a6a97042a4f1f1c87f5f7d44315b2d852c2df5c7991cc66241bf7072d1c4";
const REG_RESPONSE: &str = concat!(
    "0504b174bc49c7ca254b70d2e5c207cee9cf174820ebd77ea3c65508c26da51b657c1cc6b952f8621697936482da0a6d3d3826a59095daf6cd7c03e2e60385d2f6d9",
    "402a552dfdb7477ed65fd84133f86196010b2215b57da75d315b7b9e8fe2e3925a6019551bab61d16591659cbaf00b4950f7abfe6660e2e006f76868b772d70c25",
    "3082013c3081e4a003020102020a47901280001155957352300a06082a8648ce3d0403023017311530130603550403130c476e756262792050696c6f74301e170d3132303831343138323933325a170d3133303831343138323933325a3031312f302d0603550403132650696c6f74476e756262792d302e342e312d34373930313238303030313135353935373335323059301306072a8648ce3d020106082a8648ce3d030107034200048d617e65c9508e64bcc5673ac82a6799da3c1446682c258c463fffdf58dfd2fa3e6c378b53d795c4a4dffb4199edd7862f23abaf0203b4b8911ba0569994e101300a06082a8648ce3d0403020347003044022060cdb6061e9c22262d1aac1d96d8c70829b2366531dda268832cb836bcd30dfa0220631b1459f09e6330055722c8d89b7f48883b9089b88d60d1d9795902b30410df",
    "304502201471899bcc3987e62e8202c9b39c33c19033f7340352dba80fcab017db9230e402210082677d673d891933ade6f617e5dbde2e247e70423fd5ad7804a6d3d3961ef871",
);
const REG_PUBLIC_KEY: &str = "04b174bc49c7ca254b70d2e5c207cee9cf174820ebd77ea3c65508c26da51b657c1cc6b952f8621697936482da0a6d3d3826a59095daf6cd7c03e2e60385d2f6d9";
const REG_KEY_HANDLE: &str = "2a552dfdb7477ed65fd84133f86196010b2215b57da75d315b7b9e8fe2e3925a6019551bab61d16591659cbaf00b4950f7abfe6660e2e006f76868b772d70c25";
const REG_SIGNATURE: &str = "304502201471899bcc3987e62e8202c9b39c33c19033f7340352dba80fcab017db9230e402210082677d673d891933ade6f617e5dbde2e247e70423fd5ad7804a6d3d3961ef871";

/// The P-256 key inside a certificate: the 65 bytes after the SubjectPublicKeyInfo prefix
/// for id-ecPublicKey / prime256v1.
fn certificate_key(certificate: &[u8]) -> VerifyingKey {
    let prefix = hex("3059301306072a8648ce3d020106082a8648ce3d030107034200");
    let at = certificate
        .windows(prefix.len())
        .position(|w| w == prefix.as_slice())
        .expect("P-256 SubjectPublicKeyInfo in certificate");
    let point = &certificate[at + prefix.len()..at + prefix.len() + 65];
    VerifyingKey::from_sec1_bytes(point).unwrap()
}

fn verify(key: &VerifyingKey, message: &[u8], der_signature: &[u8]) {
    let signature = DerSignature::from_bytes(der_signature).unwrap();
    key.verify(message, &signature).expect("signature verifies");
}

#[test]
fn python_fido2_register() {
    let request = Request::Register(RegisterRequest {
        challenge: hex32(REG_CLIENT_PARAM),
        application: hex32(REG_APP_PARAM),
    });
    let mut expected = hex("00010000000040");
    expected.extend(hex(REG_CLIENT_PARAM));
    expected.extend(hex(REG_APP_PARAM));
    expected.extend([0x00, 0x00]);
    assert_eq!(request.encode(ApduEncoding::Extended).unwrap(), expected);
    // The authenticator side reads it back.
    assert_eq!(Request::decode(&expected).unwrap(), request);

    let mut apdu = hex(REG_RESPONSE);
    apdu.extend([0x90, 0x00]);
    let response = RegisterResponse::decode_response_apdu(&apdu).unwrap();
    assert_eq!(response.user_public_key.as_slice(), hex(REG_PUBLIC_KEY));
    assert_eq!(response.key_handle, hex(REG_KEY_HANDLE));
    assert_eq!(response.attestation_certificate.len(), 0x13c + 4);
    assert_eq!(response.signature, hex(REG_SIGNATURE));
    // Re-encoding gives the same bytes.
    assert_eq!(response.encode_response_apdu().unwrap(), apdu);

    let signed = register_signed_data(
        &hex32(REG_APP_PARAM),
        &hex32(REG_CLIENT_PARAM),
        &response.key_handle,
        &response.user_public_key,
    );
    verify(
        &certificate_key(&response.attestation_certificate),
        &signed,
        &response.signature,
    );
}

// test/test_ctap2.py test_fido_u2f_attestation: a YubiKey registration with a 0x024e-byte RSA-signed
// certificate (long-form DER length 0x82).
const YUBICO_REGISTRATION: &str = concat!(
    "0504E87625896EE4E46DC032766E8087962F36DF9DFE8B567F3763015B1990A60E1427DE612D66418BDA1950581EBC5C8C1DAD710CB14C22F8C97045F4612FB20C91",
    "403EBD89BF77EC509755EE9C2635EFAAAC7B2B9C5CEF1736C3717DA48534C8C6B654D7FF945F50B5CC4E78055BDD396B64F78DA2C5F96200CCD415CD08FE420038",
    "3082024A30820132A0030201020204046C8822300D06092A864886F70D01010B0500302E312C302A0603550403132359756269636F2055324620526F6F742043412053657269616C203435373230303633313020170D3134303830313030303030305A180F32303530303930343030303030305A302C312A302806035504030C2159756269636F205532462045452053657269616C203234393138323332343737303059301306072A8648CE3D020106082A8648CE3D030107034200043CCAB92CCB97287EE8E639437E21FCD6B6F165B2D5A3F3DB131D31C16B742BB476D8D1E99080EB546C9BBDF556E6210FD42785899E78CC589EBE310F6CDB9FF4A33B3039302206092B0601040182C40A020415312E332E362E312E342E312E34313438322E312E323013060B2B0601040182E51C020101040403020430300D06092A864886F70D01010B050003820101009F9B052248BC4CF42CC5991FCAABAC9B651BBE5BDCDC8EF0AD2C1C1FFB36D18715D42E78B249224F92C7E6E7A05C49F0E7E4C881BF2E94F45E4A21833D7456851D0F6C145A29540C874F3092C934B43D222B8962C0F410CEF1DB75892AF116B44A96F5D35ADEA3822FC7146F6004385BCB69B65C99E7EB6919786703C0D8CD41E8F75CCA44AA8AB725AD8E799FF3A8696A6F1B2656E631B1E40183C08FDA53FA4A8F85A05693944AE179A1339D002D15CABD810090EC722EF5DEF9965A371D415D624B68A2707CAD97BCDD1785AF97E258F33DF56A031AA0356D8E8D5EBCADC74E071636C6B110ACE5CC9B90DFEACAE640FF1BB0F1FE5DB4EFF7A95F060733F5",
    "30450220324779C68F3380288A1197B6095F7A6EB9B1B1C127F66AE12A99FE8532EC23B9022100E39516AC4D61EE64044D50B415A6A4D4D84BA6D895CB5AB7A1AA7D081DE341FA",
);
// The challenge parameter (clientDataHash) and application parameter of that registration.
const YUBICO_CLIENT_PARAM: &str =
    "687134968222EC17202E42505F8ED2B16AE22F16BB05B88C25DB9E602645F141";
const YUBICO_APP_PARAM: &str = "1194228DA8FDBDEEFD261BD7B6595CFD70A50D70C6407BCF013DE96D4EFB17DE";

#[test]
fn python_fido2_yubikey_registration_with_long_form_certificate() {
    let response = RegisterResponse::decode(&hex(YUBICO_REGISTRATION)).unwrap();
    assert_eq!(response.key_handle.len(), 0x40);
    assert_eq!(response.attestation_certificate.len(), 0x24a + 4);
    assert_eq!(response.signature.len(), 0x47);
    let (x, y) = response.public_key_coordinates();
    assert_eq!(x[0], 0xE8);
    assert_eq!(y[31], 0x91);
    let signed = register_signed_data(
        &hex32(YUBICO_APP_PARAM),
        &hex32(YUBICO_CLIENT_PARAM),
        &response.key_handle,
        &response.user_public_key,
    );
    verify(
        &certificate_key(&response.attestation_certificate),
        &signed,
        &response.signature,
    );
}

// tests/test_ctap1.py test_authenticate.
const AUTH_CLIENT_PARAM: &str = "ccd6ee2e47baef244d49a222db496bad0ef5b6f93aa7cc4d30c4821b3b9dbc57";
const AUTH_APP_PARAM: &str = "4b0be934baebb5d12d26011b69227fa5e86df94e7d94aa2949a89f2d493992ca";
const AUTH_RESPONSE: &str = "0100000001304402204b5f0cd17534cedd8c34ee09570ef542a353df4436030ce43d406de870b847780220267bb998fac9b7266eb60e7cb0b5eabdfd5ba9614f53c7b22272ec10047a923f";
const AUTH_PUBLIC_KEY: &str = "04d368f1b665bade3c33a20f1e429c7750d5033660c019119d29aa4ba7abc04aa7c80a46bbe11ca8cb5674d74f31f8a903f6bad105fb6ab74aefef4db8b0025e1d";

fn auth_request(control: AuthenticateControl, key_handle: Vec<u8>) -> Request {
    Request::Authenticate(AuthenticateRequest {
        control,
        challenge: hex32(AUTH_CLIENT_PARAM),
        application: hex32(AUTH_APP_PARAM),
        key_handle,
    })
}

fn auth_apdu(p1: u8, lc: u8, key_handle: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x00, 0x02, p1, 0x00, 0x00, 0x00, lc];
    apdu.extend(hex(AUTH_CLIENT_PARAM));
    apdu.extend(hex(AUTH_APP_PARAM));
    apdu.push(key_handle.len() as u8);
    apdu.extend(key_handle);
    apdu.extend([0x00, 0x00]);
    apdu
}

#[test]
fn python_fido2_authenticate() {
    let sign = AuthenticateControl::EnforceUserPresenceAndSign;
    let request = auth_request(sign, vec![3; 64]);
    let expected = auth_apdu(0x03, 0x81, &[3; 64]);
    assert_eq!(request.encode(ApduEncoding::Extended).unwrap(), expected);
    assert_eq!(Request::decode(&expected).unwrap(), request);

    let request = auth_request(sign, vec![4; 8]);
    assert_eq!(
        request.encode(ApduEncoding::Extended).unwrap(),
        auth_apdu(0x03, 0x49, &[4; 8])
    );
    let check_only = auth_request(AuthenticateControl::CheckOnly, vec![4; 8]);
    let expected = auth_apdu(0x07, 0x49, &[4; 8]);
    assert_eq!(check_only.encode(ApduEncoding::Extended).unwrap(), expected);
    assert_eq!(Request::decode(&expected).unwrap(), check_only);

    let mut apdu = hex(AUTH_RESPONSE);
    apdu.extend([0x90, 0x00]);
    let response = AuthenticateResponse::decode_response_apdu(&apdu).unwrap();
    assert!(response.user_present());
    assert_eq!(response.counter, 1);
    assert_eq!(response.encode_response_apdu(), apdu);

    let signed = authenticate_signed_data(
        &hex32(AUTH_APP_PARAM),
        response.user_presence,
        response.counter,
        &hex32(AUTH_CLIENT_PARAM),
    );
    let key = VerifyingKey::from_sec1_bytes(&hex(AUTH_PUBLIC_KEY)).unwrap();
    verify(&key, &signed, &response.signature);
}

#[test]
fn python_fido2_version_and_generic_apdus() {
    // python-fido2 sends U2F_VERSION with an extended Lc of zero; we send ISO case 2E. The
    // authenticator side accepts both.
    assert_eq!(
        Request::decode(&hex("000300000000000000")).unwrap(),
        Request::Version
    );
    assert_eq!(
        Request::Version.encode(ApduEncoding::Extended).unwrap(),
        hex("00030000000000")
    );
    assert_eq!(
        Request::decode(&hex("00030000000000")).unwrap(),
        Request::Version
    );
    decode_version_response(b"U2F_V2\x90\x00").unwrap();

    // send_apdu(1, 2, 3, 4, b"foobar") and its error answer "err" 6A80.
    let command = CommandApdu {
        cla: 1,
        ins: 2,
        p1: 3,
        p2: 4,
        data: b"foobar".to_vec(),
        ne: Some(65_536),
    };
    assert_eq!(
        command.encode(ApduEncoding::Extended).unwrap(),
        b"\x01\x02\x03\x04\x00\x00\x06foobar\x00\x00"
    );
    assert_eq!(
        RegisterResponse::decode_response_apdu(b"err\x6a\x80"),
        Err(ResponseError::Status(StatusWord::WrongData))
    );
}
