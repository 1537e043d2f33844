// The server profile form: a name, the server's URL (its origin is the WebAuthn origin) and
// the user name. Validation mirrors keydesk-account's rules so mistakes show before saving.

export const MAX_PROFILE_NAME = 64;

export interface ProfileInput {
  name: string;
  url: string;
  username: string;
}

export type ProfileErrors = Partial<Record<keyof ProfileInput, string>>;

/** localhost may use plain http (a local test server); everything else needs https. */
function isLocalhost(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost");
}

/** WebAuthn relying-party IDs are domains: IP addresses are refused. */
function isIpAddress(host: string): boolean {
  return host.startsWith("[") || /^\d+\.\d+\.\d+\.\d+$/.test(host);
}

const CONTROL = /[\u0000-\u001f\u007f]/;

/** The origin a URL stands for ("https://login.example.com"), or an error sentence. */
export function originOf(text: string): { origin: string } | { error: string } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { error: "Enter the server's address, like https://login.example.com." };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { error: "The address must start with https://." };
  if (url.protocol === "http:" && !isLocalhost(url.hostname)) {
    return { error: "Use https:// (plain http is allowed only for localhost)." };
  }
  if (isIpAddress(url.hostname)) return { error: "Use the server's domain name, not an IP address (passkeys belong to domains)." };
  if (url.username || url.password) return { error: "Leave user names and passwords out of the address." };
  if (url.pathname !== "/" || url.search || url.hash) return { error: "Enter only the server's address, without a path (like https://login.example.com)." };
  return { origin: url.origin };
}

/** Every problem with the form, by field; empty when it can be saved. */
export function validateProfile(input: ProfileInput, existingNames: readonly string[], editing: string | null = null): ProfileErrors {
  const errors: ProfileErrors = {};
  const name = input.name.trim();
  if (name === "") errors.name = "Give the server a name.";
  else if (CONTROL.test(name)) errors.name = "Use printable characters only.";
  else if ([...name].length > MAX_PROFILE_NAME) errors.name = `At most ${MAX_PROFILE_NAME} characters.`;
  else if (existingNames.some((n) => n.toLowerCase() === name.toLowerCase() && n !== editing)) {
    errors.name = `A server named "${name}" exists already.`;
  }
  const origin = originOf(input.url);
  if ("error" in origin) errors.url = origin.error;
  if (input.username.trim() === "") errors.username = "Enter your user name on this server.";
  else if (CONTROL.test(input.username)) errors.username = "Use printable characters only.";
  return errors;
}

export function isValid(errors: ProfileErrors): boolean {
  return Object.keys(errors).length === 0;
}
