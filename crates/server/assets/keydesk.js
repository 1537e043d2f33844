// Small helpers shared by the KeyDesk pages: JSON API calls and WebAuthn
// ceremonies through navigator.credentials with the Level 3 JSON helpers.
const kd = {
  $: (id) => document.getElementById(id),
  say(text) { const m = document.getElementById('msg'); if (m) m.textContent = text; },
  async api(method, path, body) {
    const init = {method, credentials: 'same-origin', headers: {}};
    if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    const res = await fetch(path, init);
    const data = await res.json().catch(() => ({}));
    if (!res.ok) { kd.say((data.error && data.error.message) || ('HTTP ' + res.status)); return null; }
    kd.say('');
    return data;
  },
  async register(name) {
    const start = await kd.api('POST', '/api/me/passkeys/register/start', {name});
    if (!start) return null;
    try {
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(start.options);
      const cred = await navigator.credentials.create({publicKey});
      return kd.api('POST', '/api/me/passkeys/register/finish', {ceremony_id: start.ceremony_id, credential: cred.toJSON()});
    } catch (e) { kd.say('Passkey creation failed: ' + e.message); return null; }
  },
  async assert(startPath, finishPath, body) {
    const start = await kd.api('POST', startPath, body);
    if (!start) return null;
    try {
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(start.options);
      const cred = await navigator.credentials.get({publicKey});
      return kd.api('POST', finishPath, {ceremony_id: start.ceremony_id, credential: cred.toJSON()});
    } catch (e) { kd.say('Passkey verification failed: ' + e.message); return null; }
  },
};
