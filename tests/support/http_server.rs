//! The HTTP server the HTTP client guests talk to: hyper on loopback, started once per test
//! process on a port the system picks, with a route for each thing a client must handle.
//!
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

/// The server's address, starting it on first use.
pub fn address() -> SocketAddr {
    static ADDRESS: OnceLock<SocketAddr> = OnceLock::new();
    *ADDRESS.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a runtime for the test server");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("a loopback port for the test server");
                tx.send(listener.local_addr().expect("bound"))
                    .expect("the harness waits");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    tokio::spawn(async move {
                        let io = hyper_util::rt::TokioIo::new(stream);
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, hyper::service::service_fn(route))
                            .await;
                    });
                }
            });
        });
        rx.recv().expect("the test server starts")
    })
}
