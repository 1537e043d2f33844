// Words for passkey properties.

/** credProtect (CTAP 2.1 §12.1) in words. */
export function protectionLabel(protection: string | null): string {
  switch (protection) {
    case "uv_required":
      return "Always needs PIN or fingerprint";
    case "uv_optional_with_credential_id_list":
      return "PIN or fingerprint unless the site names it";
    case "uv_optional":
      return "Touch is enough";
    default:
      return "Default protection";
  }
}

/** "2 passkeys stored, room for 23 more." with the singular where it belongs. */
export function capacityText(existing: number, remaining: number): string {
  return `${existing} ${existing === 1 ? "passkey" : "passkeys"} stored, room for ${remaining} more.`;
}
