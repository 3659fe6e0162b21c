//! [`TlsTrust`]: whom a guest's https requests trust.
//!
//! The Mozilla roots of the `webpki-roots` crate are compiled in, so that the executable needs
//! no certificate store on the machine it runs on and trusts the same servers wherever it is
//! deployed; `--tls-ca` adds the certificates of a private CA, baked in at build time.

use std::sync::{Arc, OnceLock};

use rustls::pki_types::CertificateDer;

/// The TLS client settings of every https request of one guest: the trusted roots, and
/// HTTP/2 or HTTP/1.1 by ALPN. Cheap to clone.
#[derive(Clone)]
pub struct TlsTrust(Arc<rustls::ClientConfig>);

impl TlsTrust {
    /// The compiled-in roots and the DER certificates of `extra`.
    pub fn with_extra_roots(extra: &[Vec<u8>]) -> Result<TlsTrust, String> {
        if extra.is_empty() {
            return Ok(TlsTrust::default());
        }
        let mut roots = mozilla_roots();
        for (n, der) in extra.iter().enumerate() {
            roots
                .add(CertificateDer::from(der.as_slice()))
                .map_err(|e| format!("built-in TLS certificate {} is unusable: {e}", n + 1))?;
        }
        Ok(TlsTrust(client_config(roots)))
    }

    pub(crate) fn config(&self) -> Arc<rustls::ClientConfig> {
        self.0.clone()
    }
}

impl Default for TlsTrust {
    /// The compiled-in roots only, built once per process.
    fn default() -> TlsTrust {
        static DEFAULT: OnceLock<TlsTrust> = OnceLock::new();
        DEFAULT
            .get_or_init(|| TlsTrust(client_config(mozilla_roots())))
            .clone()
    }
}

impl std::fmt::Debug for TlsTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsTrust")
    }
}

fn mozilla_roots() -> rustls::RootCertStore {
    rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

fn client_config(roots: rustls::RootCertStore) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Arc::new(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_roots_must_be_certificates() {
        assert!(TlsTrust::with_extra_roots(&[]).is_ok());
        assert!(TlsTrust::with_extra_roots(&[vec![0x30, 0x00]]).is_err());
    }
}
