//! Xvfb, a virtual X display (Debian package xvfb), for the screen-capture tests; with the
//! `x11` feature it also paints a picture onto the root window, as a QR code shown on screen.

use crate::process::terminate;
use crate::Result;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Display numbers are picked under this lock, so parallel tests of one binary never race for
/// the same number (other processes are avoided through X's own /tmp/.X<n>-lock files).
static PICKING: Mutex<()> = Mutex::new(());

/// An Xvfb of our own on a free display; stopped on drop.
#[derive(Debug)]
pub struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    /// Starts Xvfb with one `width`x`height` screen at depth 24 on the first free display from
    /// :300, with `-noreset` (an X server clears its screen when its last client leaves, which
    /// would erase what a test painted before the app under test connects).
    pub fn start(width: u32, height: u32) -> Result<Self> {
        let _picking = PICKING.lock().unwrap_or_else(PoisonError::into_inner);
        for number in 300..400 {
            if Path::new(&format!("/tmp/.X{number}-lock")).exists() {
                continue;
            }
            let display = format!(":{number}");
            let mut child = Command::new("Xvfb")
                .args([display.as_str(), "-screen", "0", &format!("{width}x{height}x24"), "-nolisten", "tcp", "-noreset"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("could not start Xvfb ({e}): install the Debian package xvfb"))?;
            let socket = format!("/tmp/.X11-unix/X{number}");
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if Path::new(&socket).exists() {
                    return Ok(Self { child, display });
                }
                if child.try_wait().ok().flatten().is_some() || Instant::now() > deadline {
                    // Taken by another process meanwhile, or it failed: try the next number.
                    terminate(&mut child);
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Err("no X display between :300 and :399 could be started".to_owned())
    }

    /// The DISPLAY value, e.g. ":301".
    pub fn display(&self) -> &str {
        &self.display
    }

    /// Paints a grayscale picture (`pixels`: one byte per pixel, rows of `width`) with its top
    /// left corner at (`x`, `y`) on the root window, through the X protocol (PutImage), in bands
    /// of 64 rows so that no request exceeds the core protocol's size limit.
    #[cfg(feature = "x11")]
    pub fn paint_gray(&self, pixels: &[u8], width: u16, x: i16, y: i16) -> Result<()> {
        use x11rb::connection::Connection;
        use x11rb::protocol::xproto::{ConnectionExt, CreateGCAux, ImageFormat};
        use x11rb::wrapper::ConnectionExt as _;
        let failed = |what: &str, e: &dyn std::fmt::Display| format!("painting on {}: {what}: {e}", self.display);
        let (conn, screen_number) = x11rb::connect(Some(&self.display)).map_err(|e| failed("connect", &e))?;
        let screen = conn.setup().roots.get(screen_number).ok_or_else(|| failed("screen", &"missing"))?;
        let (root, depth) = (screen.root, screen.root_depth);
        let gc = conn.generate_id().map_err(|e| failed("id", &e))?;
        conn.create_gc(gc, root, &CreateGCAux::new()).map_err(|e| failed("create_gc", &e))?;
        let row = usize::from(width.max(1));
        for (band, rows) in pixels.chunks(row * 64).enumerate() {
            // Depth 24 is stored as 32-bit BGRX pixels.
            let data: Vec<u8> = rows.iter().flat_map(|&gray| [gray, gray, gray, 0]).collect();
            let height = u16::try_from(rows.len() / row).map_err(|e| failed("height", &e))?;
            let top = i16::try_from(band * 64).ok().and_then(|offset| y.checked_add(offset)).ok_or_else(|| failed("position", &"off screen"))?;
            conn.put_image(ImageFormat::Z_PIXMAP, root, gc, width, height, x, top, 0, depth, &data).map_err(|e| failed("put_image", &e))?;
        }
        conn.sync().map_err(|e| failed("sync", &e))?;
        Ok(())
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}
