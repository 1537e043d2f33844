//! The OpenAPI 3.1 document served at `/api/openapi.json`, built from the
//! endpoint table below. A test checks every entry against the router.

use axum::Json;
use serde_json::{json, Map, Value};

/// How an endpoint authenticates its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No authentication.
    Public,
    /// A session that completed the password and owes the second factor.
    PendingSession,
    /// An active console session.
    Session,
    /// An active console session with a fresh verification (step-up).
    SessionStepUp,
    /// A session or an API access key.
    SessionOrAccessKey,
    /// The admin token or an admin user's session.
    Admin,
}

/// One documented endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path with `{param}` placeholders.
    pub path: &'static str,
    /// One-line description.
    pub summary: &'static str,
    /// Who may call it.
    pub access: Access,
    /// Request body fields as (name, JSON type, required).
    pub body: &'static [(&'static str, &'static str, bool)],
}

const fn ep(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    access: Access,
    body: &'static [(&'static str, &'static str, bool)],
) -> Endpoint {
    Endpoint { method, path, summary, access, body }
}

const CODE: &[(&str, &str, bool)] = &[("code", "string", true)];
const ASSERTION: &[(&str, &str, bool)] = &[("ceremony_id", "string", true), ("credential", "object", true)];

/// Every API endpoint.
pub const ENDPOINTS: &[Endpoint] = &[
    ep("GET", "/api/health", "Liveness check", Access::Public, &[]),
    ep("GET", "/api/openapi.json", "This document", Access::Public, &[]),
    ep("GET", "/api/settings", "Global settings the logon page needs", Access::Public, &[]),
    ep("POST", "/api/logon/password", "Log on with user name and password; answers stage active or mfa_required", Access::Public,
        &[("username", "string", true), ("password", "string", true)]),
    ep("POST", "/api/logon/mfa/totp", "Second factor: 6-digit code from the bound virtual MFA device", Access::PendingSession, CODE),
    ep("POST", "/api/logon/mfa/passkey/start", "Second factor: start a passkey assertion", Access::PendingSession, &[]),
    ep("POST", "/api/logon/mfa/passkey/finish", "Second factor: finish the passkey assertion", Access::PendingSession, ASSERTION),
    ep("POST", "/api/logon/passkey/start", "Passkey-only logon: start (username optional; without it the ceremony is discoverable)", Access::Public,
        &[("username", "string", false)]),
    ep("POST", "/api/logon/passkey/finish", "Passkey-only logon: finish; answers a session", Access::Public, ASSERTION),
    ep("POST", "/api/logout", "End the session", Access::Session, &[]),
    ep("GET", "/api/step-up", "Available verification methods and freshness", Access::Session, &[]),
    ep("POST", "/api/step-up/totp", "Fresh verification with a virtual MFA code", Access::Session, CODE),
    ep("POST", "/api/step-up/password", "Fresh verification with the password (only when nothing else is bound)", Access::Session,
        &[("password", "string", true)]),
    ep("POST", "/api/step-up/passkey/start", "Fresh verification with a passkey: start", Access::Session, &[]),
    ep("POST", "/api/step-up/passkey/finish", "Fresh verification with a passkey: finish", Access::Session, ASSERTION),
    ep("POST", "/api/step-up/email/start", "Send a code to the bound email address", Access::Session, &[]),
    ep("POST", "/api/step-up/email/finish", "Fresh verification with the emailed code", Access::Session, CODE),
    ep("GET", "/api/me", "The caller's account", Access::SessionOrAccessKey, &[]),
    ep("POST", "/api/me/password", "Change the password (ends other sessions)", Access::SessionStepUp,
        &[("current_password", "string", true), ("new_password", "string", true)]),
    ep("GET", "/api/me/passkeys", "List passkeys: name, ID, creation, last use, counter regressions", Access::SessionOrAccessKey, &[]),
    ep("POST", "/api/me/passkeys/register/start", "Start registering a passkey under a name (unique, at most five)", Access::Session,
        &[("name", "string", true)]),
    ep("POST", "/api/me/passkeys/register/finish", "Finish registering the passkey", Access::Session,
        &[("ceremony_id", "string", true), ("credential", "object", true)]),
    ep("PATCH", "/api/me/passkeys/{id}", "Rename a passkey", Access::SessionOrAccessKey, &[("name", "string", true)]),
    ep("DELETE", "/api/me/passkeys/{id}", "Delete a passkey", Access::SessionStepUp, &[]),
    ep("POST", "/api/me/mfa/totp/start", "Start binding a virtual MFA device: secret, otpauth URI, QR (SVG)", Access::SessionStepUp, &[]),
    ep("POST", "/api/me/mfa/totp/confirm", "Confirm the binding with a code from the device", Access::Session, CODE),
    ep("DELETE", "/api/me/mfa/totp", "Unbind the virtual MFA device", Access::SessionStepUp, &[]),
    ep("POST", "/api/me/email/start", "Start binding an email address: a code is sent to it", Access::SessionStepUp,
        &[("email", "string", true)]),
    ep("POST", "/api/me/email/confirm", "Confirm the address with the emailed code", Access::Session, CODE),
    ep("DELETE", "/api/me/email", "Unbind the email address", Access::SessionStepUp, &[]),
    ep("GET", "/api/me/access-keys", "List API access keys", Access::SessionOrAccessKey, &[]),
    ep("POST", "/api/me/access-keys", "Create an access key; the secret is shown once", Access::SessionStepUp, &[]),
    ep("DELETE", "/api/me/access-keys/{id}", "Delete an access key", Access::SessionOrAccessKey, &[]),
    ep("GET", "/api/admin/users", "List users", Access::Admin, &[]),
    ep("POST", "/api/admin/users", "Create a user", Access::Admin,
        &[("username", "string", true), ("password", "string", true), ("admin", "boolean", false)]),
    ep("DELETE", "/api/admin/users/{name}", "Delete a user", Access::Admin, &[]),
    ep("GET", "/api/admin/settings", "Global security settings", Access::Admin, &[]),
    ep("PUT", "/api/admin/settings", "Change global security settings (admin users need step-up)", Access::Admin,
        &[("allow_passkey_logon", "boolean", true)]),
];

fn security(access: Access) -> Value {
    match access {
        Access::Public => json!([]),
        Access::PendingSession | Access::Session | Access::SessionStepUp => {
            json!([{"sessionCookie": []}, {"bearerSession": []}])
        }
        Access::SessionOrAccessKey => json!([{"sessionCookie": []}, {"bearerSession": []}, {"accessKey": []}]),
        Access::Admin => json!([{"adminToken": []}, {"sessionCookie": []}, {"bearerSession": []}]),
    }
}

fn operation(e: &Endpoint) -> Value {
    let mut op = Map::new();
    op.insert("summary".into(), json!(e.summary));
    op.insert("security".into(), security(e.access));
    op.insert("x-keydesk-access".into(), json!(format!("{:?}", e.access)));
    let params: Vec<Value> = e
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    if !params.is_empty() {
        op.insert("parameters".into(), json!(params));
    }
    if !e.body.is_empty() {
        let properties: Map<String, Value> =
            e.body.iter().map(|(n, t, _)| ((*n).to_owned(), json!({"type": t}))).collect();
        let required: Vec<&str> = e.body.iter().filter(|(_, _, r)| *r).map(|(n, _, _)| *n).collect();
        op.insert(
            "requestBody".into(),
            json!({"required": true, "content": {"application/json": {"schema":
                {"type": "object", "properties": properties, "required": required}}}}),
        );
    }
    op.insert(
        "responses".into(),
        json!({
            "200": {"description": "Success (201 for creations)", "content": {"application/json": {"schema": {"type": "object"}}}},
            "4XX": {"description": "Bad input or not allowed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }),
    );
    Value::Object(op)
}

/// Build the OpenAPI document.
pub fn build() -> Value {
    let mut paths = Map::new();
    for e in ENDPOINTS {
        let entry = paths.entry(e.path).or_insert_with(|| json!({}));
        if let Value::Object(methods) = entry {
            methods.insert(e.method.to_ascii_lowercase(), operation(e));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "KeyDesk reference relying-party server", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "object", "required": ["kind", "message"],
                        "properties": {"kind": {"type": "string"}, "message": {"type": "string"}}}}
                }
            },
            "securitySchemes": {
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "keydesk_session"},
                "bearerSession": {"type": "http", "scheme": "bearer"},
                "accessKey": {"type": "apiKey", "in": "header", "name": "Authorization",
                    "description": "AccessKey <id>:<secret>"},
                "adminToken": {"type": "apiKey", "in": "header", "name": "X-Admin-Token"}
            }
        }
    })
}

/// `GET /api/openapi.json`
pub async fn document() -> Json<Value> {
    Json(build())
}
