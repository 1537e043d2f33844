//! Screen capture on a real X server: the test starts Xvfb, paints an otpauth QR code onto its
//! root window through the X protocol (PutImage), and [`screen::qr_payloads_on`] captures that
//! display (GetImage), finds and decodes the QR code; the preview holds the account, nothing is
//! added until applied, and the added account gives RFC 6238 Appendix B's code. A blank screen
//! is the precise [`CodesError::NoQrOnScreen`]. Needs the Debian package xvfb.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keydesk_codes::{open, screen, CodesError, ListFilter, SecretString};
use keydesk_otp::import::PreviewAction;
use keydesk_otp::vault::PasswordKdfParams;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, CreateGCAux, ImageFormat};
use x11rb::wrapper::ConnectionExt as _;

/// RFC 6238 Appendix B's SHA-1 seed, 8 digits.
const URI: &str = "otpauth://totp/ACME:erin@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8&issuer=ACME";

/// Xvfb on a display of its own; killed on drop.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Self {
        // Away from the CLI test's displays (90..190) and from desktop sessions.
        let number = 300 + std::process::id() % 200;
        let display = format!(":{number}");
        let child = Command::new("Xvfb")
            // -noreset: an X server resets (and clears the screen) when its last client leaves.
            .args([display.as_str(), "-screen", "0", "800x600x24", "-nolisten", "tcp", "-noreset"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (Debian package xvfb) must be installed");
        let deadline = Instant::now() + Duration::from_secs(10);
        while x11rb::connect(Some(&display)).is_err() {
            assert!(Instant::now() < deadline, "Xvfb did not start on {display}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, display }
    }

    /// Paints `png` at (`x`, `y`) on the root window (32-bit BGRX pixels at depth 24), in
    /// bands of 64 rows so that no request exceeds the core protocol's size limit.
    fn paint(&self, png: &[u8], x: i16, y: i16) {
        let image = image::load_from_memory(png).expect("QR PNG").into_luma8();
        let (conn, screen_number) = x11rb::connect(Some(&self.display)).expect("connect");
        let screen = &conn.setup().roots[screen_number];
        let (root, depth) = (screen.root, screen.root_depth);
        let gc = conn.generate_id().expect("id");
        conn.create_gc(gc, root, &CreateGCAux::new()).expect("gc");
        let width = u16::try_from(image.width()).unwrap();
        for (band, rows) in image.as_raw().chunks(usize::from(width) * 64).enumerate() {
            let data: Vec<u8> = rows.iter().flat_map(|&luma| [luma, luma, luma, 0]).collect();
            let height = u16::try_from(rows.len() / usize::from(width)).unwrap();
            let top = y + i16::try_from(band * 64).unwrap();
            conn.put_image(ImageFormat::Z_PIXMAP, root, gc, width, height, x, top, 0, depth, &data).expect("put_image");
        }
        conn.sync().expect("sync");
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_qr_code_shown_on_the_display_is_captured_previewed_and_added() {
    let xvfb = Xvfb::start();
    let dir = tempfile::tempdir().unwrap();
    let kdf = PasswordKdfParams { memory_kib: 64, iterations: 1, parallelism: 1 };
    let mut codes = open::create(&dir.path().join("codes.vault"), &SecretString::from("vault password"), kdf).unwrap();

    let blank = screen::qr_payloads_on(Some(&xvfb.display)).unwrap_err();
    assert!(matches!(blank, CodesError::NoQrOnScreen), "{blank:?}");
    assert_eq!((blank.kind(), blank.to_string().as_str()), ("no_qr_on_screen", "no readable QR code found on screen: show it fully and try again"));

    xvfb.paint(&keydesk_otp::qr::encode_png(URI, 4).unwrap(), 250, 140);
    let payloads = screen::qr_payloads_on(Some(&xvfb.display)).unwrap();
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
    let again = codes.preview_payloads(&screen::qr_payloads_on(Some(&xvfb.display)).unwrap()).unwrap();
    assert_eq!(again.entries[0].action, PreviewAction::Duplicate { of: added[0].clone() });
}
