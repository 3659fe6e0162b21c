//! `--tls-ca FILE`: certificates that the executable's https requests trust besides the
//! compiled-in Mozilla roots, read and checked at build time so that a bad file fails the
//! build rather than every request of the deployed program.

use std::path::Path;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

/// The certificates of `path` in DER: every `CERTIFICATE` section of a PEM file, or the
/// whole file if it is one DER certificate. Each must be usable as a trust anchor.
pub fn read_trust_anchors(path: &Path) -> Result<Vec<Vec<u8>>, String> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    let certs: Vec<Vec<u8>> = if bytes.starts_with(b"\x30") {
        vec![bytes]
    } else {
        CertificateDer::pem_slice_iter(&bytes)
            .map(|c| c.map(|c| c.to_vec()))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("`{shown}` is not a PEM file: {e}"))?
    };
    if certs.is_empty() {
        return Err(format!(
            "`{shown}` holds no certificate: expected PEM `BEGIN CERTIFICATE` sections or one \
             DER certificate"
        ));
    }
    for (n, der) in certs.iter().enumerate() {
        let cert = CertificateDer::from(der.as_slice());
        webpki::anchor_from_trusted_cert(&cert).map_err(|e| {
            format!(
                "certificate {} of `{shown}` cannot be a trust anchor: {e}",
                n + 1
            )
        })?;
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path =
            std::env::temp_dir().join(format!("wasi-aot-tls-ca-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn rejects_files_without_certificates() {
        let empty = write("empty.pem", b"");
        assert!(read_trust_anchors(&empty)
            .unwrap_err()
            .contains("holds no certificate"));
        let garbage = write(
            "garbage.pem",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        );
        assert!(read_trust_anchors(&garbage)
            .unwrap_err()
            .contains("cannot be a trust anchor"));
        let der = write("bad.der", b"\x30\x03\x02\x01\x00");
        assert!(read_trust_anchors(&der).is_err());
        assert!(read_trust_anchors(Path::new("/no/such/ca.pem"))
            .unwrap_err()
            .contains("cannot read"));
    }
}
