//! QR codes: decoding otpauth / migration payloads from PNG and JPEG images (a file, a
//! drag-and-drop, a screen capture the front-end took) and rendering payloads as PNG.
//!
//! Images are untrusted: byte size, dimensions and decoder allocations are bounded.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};
use zeroize::Zeroizing;

/// Largest image file accepted.
pub const MAX_IMAGE_BYTES: usize = 32 * 1024 * 1024;
/// Largest width or height accepted (a 8K screen capture fits).
pub const MAX_DIMENSION: u32 = 10_000;

/// Why an image yielded no payload.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    #[error("the image is {0} bytes; at most {MAX_IMAGE_BYTES} are accepted")]
    TooLarge(usize),
    #[error("the file is not a PNG or JPEG image, or it is damaged: {0}")]
    UnreadableImage(String),
    #[error("no readable QR code was found in the image")]
    NoQrCode,
    #[error("the payload does not fit in a QR code: {0}")]
    PayloadTooLong(String),
    #[error("PNG encoding failed: {0}")]
    Encoding(String),
}

/// Every QR payload found in a PNG or JPEG image, in detection order. The payloads may hold
/// secrets and are zeroized on drop.
pub fn decode_image(bytes: &[u8]) -> Result<Vec<Zeroizing<String>>, QrError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(QrError::TooLarge(bytes.len()));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| QrError::UnreadableImage(e.to_string()))?;
    if !matches!(reader.format(), Some(ImageFormat::Png | ImageFormat::Jpeg)) {
        return Err(QrError::UnreadableImage("only PNG and JPEG are supported".into()));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let luma = reader.decode().map_err(|e| QrError::UnreadableImage(e.to_string()))?.into_luma8();
    decode_luma(luma.width(), luma.height(), luma.as_raw())
}

/// Every QR payload in a greyscale picture of `width` x `height` pixels, row by row, one byte a
/// pixel (a screen capture the front end took, say). Fails on a size that does not match.
pub fn decode_luma(width: u32, height: u32, pixels: &[u8]) -> Result<Vec<Zeroizing<String>>, QrError> {
    if width > MAX_DIMENSION || height > MAX_DIMENSION {
        return Err(QrError::UnreadableImage(format!("{width}x{height} is over {MAX_DIMENSION} pixels a side")));
    }
    let (w, h) = (width as usize, height as usize);
    if pixels.len() != w * h {
        return Err(QrError::UnreadableImage(format!("{} bytes for a {width}x{height} picture", pixels.len())));
    }
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels.get(y * w + x).copied().unwrap_or(255));
    let payloads: Vec<Zeroizing<String>> = prepared
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| Zeroizing::new(text)))
        .collect();
    if payloads.is_empty() {
        return Err(QrError::NoQrCode);
    }
    Ok(payloads)
}

/// Renders `payload` as a black-on-white PNG with `scale` pixels per module and a 4-module
/// quiet zone (ISO/IEC 18004 §6.3.8). The PNG holds the payload's secrets: handle it as such.
pub fn encode_png(payload: &str, scale: u32) -> Result<Zeroizing<Vec<u8>>, QrError> {
    let code = qrcode::QrCode::new(payload.as_bytes()).map_err(|e| QrError::PayloadTooLong(e.to_string()))?;
    let modules = code.width() as u32;
    let colors = code.to_colors();
    let scale = scale.clamp(1, 32);
    let quiet = 4;
    let side = (modules + 2 * quiet) * scale;
    let image = image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = ((x / scale).checked_sub(quiet), (y / scale).checked_sub(quiet));
        let dark = match (mx, my) {
            (Some(mx), Some(my)) if mx < modules && my < modules => {
                colors.get((my * modules + mx) as usize) == Some(&qrcode::Color::Dark)
            }
            _ => false,
        };
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut out = Zeroizing::new(Vec::new());
    image
        .write_to(&mut Cursor::new(&mut *out), ImageFormat::Png)
        .map_err(|e| QrError::Encoding(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str = "otpauth://totp/ACME%20Co:john@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co";

    #[test]
    fn png_round_trip() {
        let png = encode_png(URI, 4).unwrap();
        let decoded = decode_image(&png).unwrap();
        assert_eq!(decoded.len(), 1);
        assert_eq!(decoded[0].as_str(), URI);
    }

    #[test]
    fn jpeg_and_migration_payload() {
        let accounts = crate::import::tests::canonical();
        let export = crate::migration::export_batches(&accounts, 10, 1);
        let png = encode_png(export.uris[0].expose(), 4).unwrap();
        let gray = image::load_from_memory(&png).unwrap();
        let mut jpeg = Vec::new();
        gray.write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg).unwrap();
        let decoded = decode_image(&jpeg).unwrap();
        assert_eq!(decoded[0].as_str(), export.uris[0].expose());
        let entries = crate::migration::parse_uri(&decoded[0]).unwrap().entries;
        assert_eq!(entries.len(), 2);
    }

    #[test]
    fn scanned_payloads_preview() {
        let accounts = crate::import::tests::canonical();
        let export = crate::migration::export_batches(&accounts, 1, 5);
        let scans: Vec<Zeroizing<String>> = export.uris.iter().map(|u| decode_image(&encode_png(u.expose(), 3).unwrap()).unwrap().remove(0)).collect();
        let preview = crate::import::preview_qr_payloads(&scans, &accounts[..1]).unwrap();
        assert_eq!(preview.counts(), (1, 1, 0), "one new, one already present");
        assert!(crate::import::preview_qr_payloads(&scans[..1], &[]).is_err(), "an incomplete multi-QR export is refused");
    }

    #[test]
    fn mutated_images_never_panic() {
        let png = encode_png(URI, 2).unwrap();
        let mut rng = crate::import::tests::Rng(77);
        for _ in 0..150 {
            let _ = decode_image(&crate::import::tests::mutate(&mut rng, &png));
        }
    }

    #[test]
    fn bad_images_are_errors() {
        assert!(matches!(decode_image(b"not an image"), Err(QrError::UnreadableImage(_))));
        let blank = image::GrayImage::from_pixel(64, 64, image::Luma([255]));
        let mut png = Vec::new();
        blank.write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        assert!(matches!(decode_image(&png), Err(QrError::NoQrCode)));
        // A header claiming 100000 x 100000 pixels is refused by the limits, not allocated.
        let mut huge = png.clone();
        huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(decode_image(&huge).is_err());
        let mut truncated = encode_png(URI, 2).unwrap().to_vec();
        truncated.truncate(truncated.len() / 2);
        assert!(decode_image(&truncated).is_err());
        assert!(matches!(encode_png(&"x".repeat(8000), 1), Err(QrError::PayloadTooLong(_))));
    }
}
