//! The HTTP server of a `wasi:http/proxy` component: hyper accepts connections (HTTP/1.1,
//! and HTTP/2 by prior knowledge) on the tokio runtime, and every request becomes an
//! `incoming-request` and a `response-outparam` that a [`Handler`] gives a guest. The
//! handler returns at once (the runtime runs the guest on a thread of its own); the
//! response comes back through the outparam, and its body streams out as the guest writes
//! it, as the request's body streams in as the guest reads it.
//!
//! A request the guest never answers (it trapped, or returned without setting the outparam)
//! gets `500 Internal Server Error`, as under `wasmtime serve`. SIGTERM and SIGINT stop the
//! accepting, let the requests in flight finish (for at most [`SHUTDOWN_GRACE`]), then
//! [`serve`] returns.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::Frame;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::signal::unix::{signal, SignalKind};

use crate::p2::http::body::{GuestBody, IncomingShared};
use crate::p2::http::error::ErrorCode;
use crate::p2::http::fields::Fields;
use crate::p2::http::request::IncomingRequest;
use crate::p2::http::response::{OutgoingResponse, ResponseOutparam};

/// How long requests in flight may still take after SIGTERM or SIGINT.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Runs a guest on a request: must return at once, and answer through the outparam.
pub type Handler = Arc<dyn Fn(IncomingRequest, ResponseOutparam) + Send + Sync>;

/// What the server accepts.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The largest request head (request line and headers), in bytes: a larger one is
    /// refused with 431 (HTTP/1.1) before any guest runs.
    pub max_header_bytes: usize,
    /// The most header fields a request may have.
    pub max_headers: usize,
    /// The largest request body, in bytes: a request declaring a larger one is refused with
    /// 413; a body that grows past it ends the guest's stream with an error.
    pub max_body_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_header_bytes: 64 << 10,
            max_headers: 100,
            max_body_bytes: 64 << 20,
        }
    }
}

/// Serves HTTP on `addr` until SIGTERM or SIGINT; `listening` learns the bound address
/// first (port 0 picks a free one).
pub fn serve(
    addr: SocketAddr,
    limits: Limits,
    handler: Handler,
    listening: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    super::runtime().block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        listening(listener.local_addr()?);
        let mut terminate = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .max_buf_size(limits.max_header_bytes.max(8192))
            .max_headers(limits.max_headers);
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_header_list_size(limits.max_header_bytes as u32);
        loop {
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    // Out of descriptors, say: the next accept may succeed.
                    Err(e) => {
                        eprintln!("wasi-aot: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                },
                _ = terminate.recv() => break,
                _ = interrupt.recv() => break,
            };
            let _ = stream.set_nodelay(true);
            let handler = handler.clone();
            let service = hyper::service::service_fn(move |request| {
                respond(request, handler.clone(), limits)
            });
            let connection = builder
                .serve_connection(TokioIo::new(stream), service)
                .into_owned();
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                // A connection's errors (a client gone, a malformed request) are its own.
                let _ = connection.await;
            });
        }
        drop(listener);
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
        Ok(())
    })
}

/// A response the host makes itself, with an empty body.
fn host_response(status: http::StatusCode) -> http::Response<GuestBody> {
    let mut response = http::Response::new(GuestBody::empty());
    *response.status_mut() = status;
    response
}

/// Answers one request: through the guest, unless it is refused first.
async fn respond(
    request: http::Request<Incoming>,
    handler: Handler,
    limits: Limits,
) -> Result<http::Response<GuestBody>, Infallible> {
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body_bytes) {
        return Ok(host_response(http::StatusCode::PAYLOAD_TOO_LARGE));
    }
    let (parts, body) = request.into_parts();
    let shared = IncomingShared::new();
    tokio::spawn(shared.clone().feed(
        LimitedBody {
            inner: body,
            left: limits.max_body_bytes,
        },
        None,
    ));
    let authority = parts.uri.authority().map(|a| a.to_string()).or_else(|| {
        let host = parts.headers.get(http::header::HOST)?;
        Some(host.to_str().ok()?.to_string())
    });
    let incoming = IncomingRequest {
        method: parts.method,
        scheme: Some(
            parts
                .uri
                .scheme()
                .cloned()
                .unwrap_or(http::uri::Scheme::HTTP),
        ),
        authority,
        path_with_query: parts.uri.path_and_query().map(|p| p.to_string()),
        headers: Fields::received(&parts.headers),
        body: Some(shared),
    };
    let (reply, answer) = tokio::sync::oneshot::channel();
    handler(incoming, ResponseOutparam { reply });
    Ok(match answer.await {
        Ok(Ok(response)) => guest_response(response),
        Ok(Err(code)) => {
            eprintln!("wasi-aot: the guest answered a request with an error: {code:?}");
            host_response(http::StatusCode::INTERNAL_SERVER_ERROR)
        }
        // The guest trapped (the runtime reported it), or returned without answering.
        Err(_) => host_response(http::StatusCode::INTERNAL_SERVER_ERROR),
    })
}

/// The response the guest set, as hyper sends it.
fn guest_response(response: OutgoingResponse) -> http::Response<GuestBody> {
    let body = match &response.body {
        Some(shared) => GuestBody::attach(shared),
        None => GuestBody::empty(),
    };
    let mut out = http::Response::new(body);
    *out.status_mut() = http::StatusCode::from_u16(response.status).unwrap_or(http::StatusCode::OK);
    *out.headers_mut() = response.headers.to_header_map();
    out
}

/// A request body that fails once more than `left` bytes have come.
struct LimitedBody {
    inner: Incoming,
    left: u64,
}

impl http_body::Body for LimitedBody {
    type Data = Bytes;
    type Error = ErrorCode;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, ErrorCode>>> {
        let frame = match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(ErrorCode::from(e)))),
            Poll::Ready(Some(Ok(frame))) => frame,
        };
        if let Some(data) = frame.data_ref() {
            let len = data.len() as u64;
            if len > self.left {
                return Poll::Ready(Some(Err(ErrorCode::HttpRequestBodySize(None))));
            }
            self.left -= len;
        }
        Poll::Ready(Some(Ok(frame)))
    }
}
