// The email address on a server account: bound with the code the server mails to it, then
// usable to confirm sensitive changes. Checks here mirror the server's (one address, at most
// 254 characters, RFC 5321 §4.5.3.1.3) so mistakes show before anything is sent.

export const MAX_EMAIL = 254;

/** An error sentence for an address the server would refuse, or null. */
export function validateEmail(text: string): string | null {
  const address = text.trim();
  if (address === "") return "Type the email address to bind.";
  if (address.length > MAX_EMAIL) return `At most ${MAX_EMAIL} characters.`;
  const at = address.lastIndexOf("@");
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (at < 1 || /\s/.test(address) || domain === "" || domain.startsWith(".") || domain.endsWith(".") || local.includes("@")) {
    return "That is not an email address (name@example.com).";
  }
  return null;
}

/** The code as typed ("123 456", " 123456 ") reduced to its digits, or an error sentence. */
export function emailCode(text: string): { code: string } | { error: string } {
  const code = text.replace(/[\s-]/g, "");
  if (!/^\d{6}$/.test(code)) return { error: "The code in the email has 6 digits." };
  return { code };
}

/** What the account page says about the email address. */
export function emailStatus(email: string | null): string {
  return email === null ? "None: bind one to confirm changes with a code by email." : email;
}

/** After a code was sent: where to look, and that a new request replaces the old code. */
export function codeSentText(address: string): string {
  return `A code was sent to ${address}. Type it below; asking again sends a new code and the old one stops working.`;
}
