//! The HTTP server the HTTP client guests talk to: hyper on loopback, started once per test
//! process on ports the system picks, with a route for each thing a client must handle. It
//! listens three times: plain HTTP/1.1 ([`address`]), and HTTPS with the certificate of
//! tests/support/tls (`localhost`, issued by its test CA) offering HTTP/2 and HTTP/1.1 by ALPN
//! ([`tls_address`]) or HTTP/1.1 only ([`tls_http1_address`]).
//!
//! - `GET /version`: the HTTP version the request came by (`HTTP/1.1`, `HTTP/2.0`);
//! - `GET /hello`: 200, a `x-test: yes` header and a line of text;
//! - `GET /headers`: the request's `x-*` headers, one `name: value` line each, sorted, and
//!   whether it had a `host`;
//! - `POST /echo`: the request body streamed back as it comes, and its trailers as the
//!   response's trailers;
//! - `GET /status/N`: status N;
//! - `GET /trailers`: a body followed by a `x-trailer: done` trailer;
//! - `GET /big`: 3 MiB in 16 KiB chunks, byte `i` being `i % 251`;
//! - `GET /slow`: the response head only after 3 s;
//! - anything else: 404.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};

type Body = BoxBody<Bytes, hyper::Error>;

fn full(text: impl Into<Bytes>) -> Body {
    Full::new(text.into()).map_err(|e| match e {}).boxed()
}

/// The size of `/big`.
pub const BIG: usize = 3 << 20;

fn big_body() -> Body {
    let chunks = (0..BIG).step_by(16384).map(|start| {
        let end = (start + 16384).min(BIG);
        let chunk: Vec<u8> = (start..end).map(|i| (i % 251) as u8).collect();
        Ok::<_, hyper::Error>(Frame::data(Bytes::from(chunk)))
    });
    StreamBody::new(futures_util::stream::iter(chunks)).boxed()
}

async fn route(request: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let path = request.uri().path().to_string();
    let method = request.method().clone();
    let response = match (method.as_str(), path.as_str()) {
        ("GET", "/version") => Response::builder().body(full(format!("{:?}\n", request.version()))),
        ("GET", "/hello") => Response::builder()
            .header("x-test", "yes")
            .header("content-type", "text/plain")
            .body(full("hello from the test server\n")),
        ("GET", "/headers") => {
            let mut lines: Vec<String> = request
                .headers()
                .iter()
                .filter(|(n, _)| n.as_str().starts_with("x-"))
                .map(|(n, v)| format!("{}: {}\n", n, String::from_utf8_lossy(v.as_bytes())))
                .collect();
            lines.sort();
            lines.push(format!(
                "host: {}\n",
                if request.headers().contains_key("host") {
                    "present"
                } else {
                    "absent"
                }
            ));
            Response::builder().body(full(lines.concat()))
        }
        // hyper's HTTP/1.1 encoder sends only the trailers a `trailer` header declares.
        ("POST", "/echo") => Response::builder()
            .header("x-echo", "yes")
            .header("trailer", "x-trailer")
            .body(request.into_body().boxed()),
        ("GET", "/trailers") => {
            let mut trailers = http::HeaderMap::new();
            trailers.insert("x-trailer", http::HeaderValue::from_static("done"));
            let frames = vec![
                Ok::<_, hyper::Error>(Frame::data(Bytes::from_static(b"body with trailers\n"))),
                Ok(Frame::trailers(trailers)),
            ];
            Response::builder()
                .header("trailer", "x-trailer")
                .body(StreamBody::new(futures_util::stream::iter(frames)).boxed())
        }
        ("GET", "/big") => Response::builder().body(big_body()),
        ("GET", "/slow") => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            Response::builder().body(full("slow\n"))
        }
        ("GET", p) if p.starts_with("/status/") => {
            let status: u16 = p["/status/".len()..].parse().unwrap_or(400);
            Response::builder()
                .status(status)
                .body(full(format!("status {status}\n")))
        }
        _ => Response::builder()
            .status(404)
            .body(full("no such route\n")),
    };
    Ok(response.expect("the routes build valid responses"))
}

/// How one listener speaks.
#[derive(Clone, Copy)]
enum Listener {
    Plain,
    /// TLS, with these ALPN protocols.
    Tls(&'static [&'static [u8]]),
}

/// The plain HTTP/1.1 listener's address, starting the server on first use.
pub fn address() -> SocketAddr {
    addresses()[0]
}

/// The address of the HTTPS listener that offers HTTP/2 and HTTP/1.1.
pub fn tls_address() -> SocketAddr {
    addresses()[1]
}

/// The address of the HTTPS listener that offers HTTP/1.1 only.
pub fn tls_http1_address() -> SocketAddr {
    addresses()[2]
}

/// `arg` with `$HTTP_SERVER`, `$HTTPS_SERVER` and `$HTTPS1_SERVER` replaced by the
/// addresses of [`address`], [`tls_address`] and [`tls_http1_address`].
pub fn substitute(arg: &str) -> String {
    let mut arg = arg.to_string();
    for (name, index) in [
        ("$HTTP_SERVER", 0),
        ("$HTTPS_SERVER", 1),
        ("$HTTPS1_SERVER", 2),
    ] {
        if arg.contains(name) {
            arg = arg.replace(name, &addresses()[index].to_string());
        }
    }
    arg
}

const LISTENERS: [Listener; 3] = [
    Listener::Plain,
    Listener::Tls(&[b"h2", b"http/1.1"]),
    Listener::Tls(&[b"http/1.1"]),
];

fn addresses() -> &'static [SocketAddr; 3] {
    static ADDRESSES: OnceLock<[SocketAddr; 3]> = OnceLock::new();
    ADDRESSES.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime for the test server");
            runtime.block_on(async move {
                let mut bound = Vec::new();
                for kind in LISTENERS {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("a loopback port for the test server");
                    bound.push(listener.local_addr().expect("bound"));
                    tokio::spawn(serve(listener, kind));
                }
                tx.send(bound).expect("the harness waits");
                std::future::pending::<()>().await
            });
        });
        let bound = rx.recv().expect("the test server starts");
        [bound[0], bound[1], bound[2]]
    })
}

async fn serve(listener: tokio::net::TcpListener, kind: Listener) {
    let acceptor = match kind {
        Listener::Plain => None,
        Listener::Tls(alpn) => Some(tokio_rustls::TlsAcceptor::from(tls_config(alpn))),
    };
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(route);
            let builder =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
            match acceptor {
                None => {
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = builder.http1_only().serve_connection(io, service).await;
                }
                Some(acceptor) => {
                    // A client that gives up on the handshake (a certificate it rejects)
                    // just ends the connection.
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let io = hyper_util::rt::TokioIo::new(tls);
                    let _ = builder.serve_connection(io, service).await;
                }
            }
        });
    }
}

/// The server side of TLS: tests/support/tls's certificate and key, `alpn` offered.
fn tls_config(alpn: &[&[u8]]) -> std::sync::Arc<rustls::ServerConfig> {
    use rustls_pki_types::pem::PemObject;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("support/tls");
    let certs = rustls_pki_types::CertificateDer::pem_file_iter(dir.join("server.pem"))
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .expect("tests/support/tls/server.pem");
    let key = rustls_pki_types::PrivateKeyDer::from_pem_file(dir.join("server.key"))
        .expect("tests/support/tls/server.key");
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("the test certificate and key match");
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    std::sync::Arc::new(config)
}
