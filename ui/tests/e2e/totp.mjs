// An independent TOTP (RFC 6238) with node:crypto, to check the codes the app shows.
import { createHmac } from "node:crypto";

/** RFC 4648 base32 (case-insensitive, spaces and padding ignored). */
export function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of text.toUpperCase().replace(/[\s=]/g, "")) {
    const value = alphabet.indexOf(ch);
    if (value < 0) throw new Error(`not base32: ${ch}`);
    bits += value.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The TOTP at `unixSeconds` (RFC 6238 §4, HOTP truncation of RFC 4226 §5.3). */
export function totp(secretBase32, unixSeconds, { digits = 6, period = 30, algorithm = "sha1" } = {}) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / period)));
  const mac = createHmac(algorithm, base32(secretBase32)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(binary % 10 ** digits).padStart(digits, "0");
}
