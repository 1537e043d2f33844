//! The caller's origin and the RP ID it may use, as a browser decides them.
//!
//! - WebAuthn L3 §5.1.3 steps 6-8 / §5.1.4.1 steps 5-7: the origin must be a secure context
//!   (https, or http on `localhost` / `*.localhost` / loopback, as browsers treat them as
//!   potentially trustworthy), its effective domain must be a valid domain (IP-address
//!   origins cannot use WebAuthn), and the RP ID must be that domain or a registrable domain
//!   suffix of it.
//! - HTML "is a registrable domain suffix of or is equal to": the suffix may not be a public
//!   suffix itself nor lie inside the origin's public suffix, per the Public Suffix List
//!   (the `psl` crate's bundled copy, private section included, as browsers use it; no
//!   network).

use std::net::IpAddr;

use url::{Host, Url};

/// Why an origin or RP ID is refused (the browser's SecurityError / NotAllowedError).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OriginError {
    /// The origin does not parse as a URL.
    #[error("{origin:?} is not a valid origin: {reason}")]
    Unparsable {
        /// As given.
        origin: String,
        /// The parser's complaint.
        reason: String,
    },
    /// A URL with a path, query, fragment or credentials was given where an origin belongs.
    #[error("{origin:?} is not an origin (scheme://host[:port] only): it has a {part}")]
    NotAnOrigin {
        /// As given.
        origin: String,
        /// The offending part.
        part: &'static str,
    },
    /// Only https (and http on localhost) can use WebAuthn.
    #[error(
        "{origin} is not a secure context: WebAuthn needs https (plain http only on localhost)"
    )]
    InsecureOrigin {
        /// The serialized origin.
        origin: String,
    },
    /// IP-address origins have no valid domain to scope credentials to.
    #[error("{origin} is an IP address origin: WebAuthn needs a domain name, refused")]
    IpAddressOrigin {
        /// The serialized origin.
        origin: String,
    },
    /// The RP ID is not a valid domain (empty, an IP address, forbidden characters).
    #[error("{origin} asked for a passkey for {rp_id:?}, which is not a valid domain: refused")]
    InvalidRpId {
        /// The serialized origin.
        origin: String,
        /// As requested.
        rp_id: String,
    },
    /// The RP ID is valid but not in its canonical (lowercase ASCII) form.
    #[error("{origin} asked for a passkey for {rp_id:?}: the RP ID must be written {canonical:?}")]
    NonCanonicalRpId {
        /// The serialized origin.
        origin: String,
        /// As requested.
        rp_id: String,
        /// The canonical spelling.
        canonical: String,
    },
    /// The phishing case: the RP ID belongs to another site.
    #[error("{origin} asked for a passkey for {rp_id}: refused (a page on {domain} may only use {domain} or a parent domain that is not a public suffix)")]
    RpIdNotAllowed {
        /// The serialized origin.
        origin: String,
        /// As requested.
        rp_id: String,
        /// The origin's effective domain.
        domain: String,
    },
}

/// A caller origin that passed the secure-context and valid-domain checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerOrigin {
    serialized: String,
    domain: String,
}

impl CallerOrigin {
    /// Parses and checks `origin` (e.g. `https://login.example.com:8443`).
    pub fn parse(origin: &str) -> Result<Self, OriginError> {
        let url = Url::parse(origin).map_err(|e| OriginError::Unparsable {
            origin: origin.to_owned(),
            reason: e.to_string(),
        })?;
        let not_origin = |part| OriginError::NotAnOrigin {
            origin: origin.to_owned(),
            part,
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(not_origin("user name or password"));
        }
        if url.path() != "/" && !url.path().is_empty() {
            return Err(not_origin("path"));
        }
        if url.query().is_some() {
            return Err(not_origin("query"));
        }
        if url.fragment().is_some() {
            return Err(not_origin("fragment"));
        }
        let tuple = url.origin();
        if !tuple.is_tuple() {
            return Err(OriginError::Unparsable {
                origin: origin.to_owned(),
                reason: format!("the {} scheme has no origin WebAuthn can use", url.scheme()),
            });
        }
        let serialized = tuple.ascii_serialization();
        let host = url.host().ok_or_else(|| OriginError::Unparsable {
            origin: origin.to_owned(),
            reason: "no host".to_owned(),
        })?;
        let trustworthy = match url.scheme() {
            "https" => true,
            "http" => is_potentially_trustworthy_http_host(&host),
            _ => false,
        };
        if !trustworthy {
            return Err(OriginError::InsecureOrigin { origin: serialized });
        }
        match host {
            Host::Domain(domain) => Ok(Self {
                domain: domain.to_owned(),
                serialized,
            }),
            Host::Ipv4(_) | Host::Ipv6(_) => {
                Err(OriginError::IpAddressOrigin { origin: serialized })
            }
        }
    }

    /// The ASCII serialization that goes into clientDataJSON (`https://example.com`, default
    /// port omitted, IDNs in punycode).
    pub fn serialized(&self) -> &str {
        &self.serialized
    }

    /// The effective domain (the host).
    pub fn effective_domain(&self) -> &str {
        &self.domain
    }

    /// The RP ID for a ceremony: the requested one if this origin may use it, else the
    /// effective domain when none was requested (§5.1.3 step 8, §5.1.4.1 step 7).
    pub fn rp_id(&self, requested: Option<&str>) -> Result<String, OriginError> {
        let Some(requested) = requested else {
            return Ok(self.domain.clone());
        };
        let invalid = || OriginError::InvalidRpId {
            origin: self.serialized.clone(),
            rp_id: requested.to_owned(),
        };
        if requested.is_empty() {
            return Err(invalid());
        }
        let canonical = match Host::parse(requested) {
            Ok(Host::Domain(domain)) => domain,
            _ => return Err(invalid()),
        };
        if canonical != requested {
            return Err(OriginError::NonCanonicalRpId {
                origin: self.serialized.clone(),
                rp_id: requested.to_owned(),
                canonical,
            });
        }
        if is_registrable_domain_suffix_or_equal(&canonical, &self.domain) {
            Ok(canonical)
        } else {
            Err(OriginError::RpIdNotAllowed {
                origin: self.serialized.clone(),
                rp_id: requested.to_owned(),
                domain: self.domain.clone(),
            })
        }
    }
}

/// Secure Contexts §3.1 "potentially trustworthy" for http: `localhost`, `*.localhost`
/// (RFC 6761 names browsers resolve to loopback) and loopback addresses.
fn is_potentially_trustworthy_http_host(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(domain) => {
            let domain = domain.strip_suffix('.').unwrap_or(domain);
            domain == "localhost" || domain.ends_with(".localhost")
        }
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

/// The public suffix of `domain` per the PSL (with the implicit `*` rule).
fn public_suffix(domain: &str) -> &str {
    psl::suffix_str(domain).unwrap_or(domain)
}

/// HTML "is a registrable domain suffix of or is equal to" for two canonical domains
/// (`host_suffix` is the RP ID, `original_host` the origin's host).
pub fn is_registrable_domain_suffix_or_equal(host_suffix: &str, original_host: &str) -> bool {
    if host_suffix.is_empty() {
        return false;
    }
    if host_suffix == original_host {
        return true;
    }
    if host_suffix.parse::<IpAddr>().is_ok() || original_host.parse::<IpAddr>().is_ok() {
        return false;
    }
    let dotted = format!(".{host_suffix}");
    if !original_host.ends_with(&dotted) {
        return false;
    }
    if public_suffix(host_suffix) == host_suffix {
        return false;
    }
    if public_suffix(original_host).ends_with(&dotted) {
        return false;
    }
    true
}
