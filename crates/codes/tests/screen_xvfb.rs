//! Screen capture on a real X server: the test starts Xvfb, paints an otpauth QR code onto its
//! root window through the X protocol (PutImage), and [`screen::qr_payloads_on`] captures that
//! display (GetImage), finds and decodes the QR code; the preview holds the account, nothing is
//! added until applied, and the added account gives RFC 6238 Appendix B's code. A blank screen
//! is the precise [`CodesError::NoQrOnScreen`]. Needs the Debian package xvfb.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly

use keydesk_codes::{open, screen, CodesError, ListFilter, SecretString};
use keydesk_otp::import::PreviewAction;
use keydesk_otp::vault::PasswordKdfParams;
use keydesk_testkit::Xvfb;

/// RFC 6238 Appendix B's SHA-1 seed, 8 digits.
const URI: &str = "otpauth://totp/ACME:erin@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8&issuer=ACME";

/// Shows `png` with its top left corner at (`x`, `y`) on the display.
fn show(xvfb: &Xvfb, png: &[u8], x: i16, y: i16) {
    let picture = image::load_from_memory(png).expect("QR PNG").into_luma8();
    xvfb.paint_gray(picture.as_raw(), u16::try_from(picture.width()).unwrap(), x, y).expect("paint");
}


#[test]
fn a_qr_code_shown_on_the_display_is_captured_previewed_and_added() {
    let xvfb = Xvfb::start(800, 600).expect("Xvfb");
    let dir = tempfile::tempdir().unwrap();
    let kdf = PasswordKdfParams { memory_kib: 64, iterations: 1, parallelism: 1 };
    let mut codes = open::create(&dir.path().join("codes.vault"), &SecretString::from("vault password"), kdf).unwrap();

    let blank = screen::qr_payloads_on(Some(xvfb.display())).unwrap_err();
    assert!(matches!(blank, CodesError::NoQrOnScreen), "{blank:?}");
    assert_eq!((blank.kind(), blank.to_string().as_str()), ("no_qr_on_screen", "no readable QR code found on screen: show it fully and try again"));

    show(&xvfb, &keydesk_otp::qr::encode_png(URI, 4).unwrap(), 250, 140);
    let payloads = screen::qr_payloads_on(Some(xvfb.display())).unwrap();
    assert_eq!(payloads.iter().map(|p| p.as_str()).collect::<Vec<_>>(), [URI], "the exact payload shown");

    let preview = codes.preview_payloads(&payloads).unwrap();
    assert_eq!(preview.entries.len(), 1);
    assert_eq!(preview.entries[0].action, PreviewAction::New);
    assert!(codes.list(0, &ListFilter::default()).is_empty(), "a preview adds nothing");
    let added = codes.apply_import(&preview).unwrap();
    let row = codes.show(&added[0], 59).unwrap();
    assert_eq!((row.summary.issuer.as_str(), row.summary.name.as_str()), ("ACME", "erin@example.com"));
    assert_eq!(row.code.as_deref(), Some("94287082"), "RFC 6238 Appendix B at T = 59 s");

    // Shown again, the same QR code is previewed as a duplicate of the account just added.
    let again = codes.preview_payloads(&screen::qr_payloads_on(Some(xvfb.display())).unwrap()).unwrap();
    assert_eq!(again.entries[0].action, PreviewAction::Duplicate { of: added[0].clone() });
}
