//! `wasi:http/outgoing-handler`: sending a request with hyper.
//!
//! `handle` checks the request and the network policy, then sends it from a task on the
//! tokio runtime: it resolves and connects (within `connect-timeout`), over TLS for `https`
//! (rustls, trusting the roots of [`TlsTrust`]), speaks HTTP/2 when the
//! server offers it by ALPN and HTTP/1.1 otherwise, and waits for the response head (within
//! `first-byte-timeout`). The response's body then streams into the guest as it arrives.
//!
//! Policy: the request's host must be one the executable may connect to, by name (a rule
//! naming the host) or by address (every address it resolves to is checked; the connection
//! only goes to allowed ones). A denied request is `HTTP-request-denied`.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::error::{HostError, HostTrap};
use crate::p2::call::P2Call;
use crate::p2::http::body::{GuestBody, IncomingShared};
use crate::p2::http::error::ErrorCode;
use crate::p2::http::fields::Fields;
use crate::p2::http::request::{OutgoingRequest, RequestOptions};
use crate::p2::http::response::{FutureIncomingResponse, IncomingResponse, ResponseSlot};
use crate::p2::http::tls::TlsTrust;
use crate::p2::sockets::policy::{NetPolicy, NetUse};
use crate::resources::{HostKind, HostObject};

/// wasmtime's default for each timeout the guest leaves unset.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for ErrorCode {}

impl From<hyper::Error> for ErrorCode {
    fn from(e: hyper::Error) -> ErrorCode {
        ErrorCode::from_hyper(&e)
    }
}

/// Everything the task needs to send one request.
struct Outgoing {
    request: http::Request<GuestBody>,
    host: String,
    port: u16,
    tls: bool,
    options: RequestOptions,
    policy: NetPolicy,
    tls_config: TlsTrust,
}

fn timeout(ns: Option<u64>) -> Duration {
    ns.map_or(DEFAULT_TIMEOUT, Duration::from_nanos)
}

/// The request as hyper sends it, and where it goes; or why it cannot be sent.
fn prepare(
    request: OutgoingRequest,
) -> Result<(http::Request<GuestBody>, String, u16, bool), ErrorCode> {
    // A request without a scheme goes over TLS: the safe default, and wasmtime's.
    let tls = match &request.scheme {
        None => true,
        Some(s) if *s == http::uri::Scheme::HTTP => false,
        Some(s) if *s == http::uri::Scheme::HTTPS => true,
        Some(_) => return Err(ErrorCode::HttpProtocolError),
    };
    let authority = request.authority.ok_or(ErrorCode::HttpRequestUriInvalid)?;
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let host = host.to_string();
    let port = authority.port_u16().unwrap_or(if tls { 443 } else { 80 });
    let path = request
        .path_with_query
        .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
    let uri = http::Uri::builder()
        .scheme(if tls { "https" } else { "http" })
        .authority(authority.as_str())
        .path_and_query(path)
        .build()
        .map_err(|_| ErrorCode::HttpRequestUriInvalid)?;
    let mut builder = http::Request::builder().method(request.method).uri(uri);
    if let Some(headers) = builder.headers_mut() {
        *headers = request.headers.to_header_map();
        if let Ok(value) = http::HeaderValue::from_str(authority.as_str()) {
            headers.insert(http::header::HOST, value);
        }
    }
    let body = match &request.body {
        Some(shared) => GuestBody::attach(shared),
        None => GuestBody::empty(),
    };
    let request = builder
        .body(body)
        .map_err(|e| ErrorCode::internal(e.to_string()))?;
    Ok((request, host, port, tls))
}

/// `outgoing-handler.handle`: sends the request; its response arrives through the future.
pub fn outgoing_handler_handle(
    call: &mut P2Call<'_>,
    request: i32,
    has_options: i32,
    options: i32,
    ret: i32,
) -> Result<(), HostError> {
    let options = match has_options {
        0 => RequestOptions::default(),
        1 => match call.take_own(options as u32, HostKind::RequestOptions)? {
            HostObject::RequestOptions(o) => o,
            _ => unreachable!("the handle table checked the kind"),
        },
        _ => return Err(HostTrap::canon("invalid option discriminant").into()),
    };
    let HostObject::OutgoingRequest(request) =
        call.take_own(request as u32, HostKind::OutgoingRequest)?
    else {
        unreachable!("the handle table checked the kind")
    };
    let result = match prepare(request) {
        Err(code) => Err(code),
        Ok((request, host, port, tls)) => {
            let slot = ResponseSlot::new();
            let outgoing = Outgoing {
                request,
                host,
                port,
                tls,
                options,
                policy: call.ctx.net.clone(),
                tls_config: call.ctx.tls.clone(),
            };
            let task_slot = slot.clone();
            super::runtime().spawn(async move {
                task_slot.fill(send(outgoing).await);
            });
            let future = FutureIncomingResponse::new(slot);
            Ok(call.new_own(HostObject::FutureIncomingResponse(future))?)
        }
    };
    call.store_result(ret, result)
}

/// The addresses the request may go to: the host's, as far as the policy allows.
async fn destinations(out: &mut Outgoing) -> Result<Vec<SocketAddr>, ErrorCode> {
    let by_name = out
        .policy
        .allows_name(NetUse::TcpConnect, &out.host, out.port);
    let addrs: Vec<SocketAddr> = match out.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, out.port)],
        // Resolving is itself a use of the network (a query can carry data out), so a name
        // the policy neither names nor lets the guest look up is denied unresolved.
        Err(_) if !by_name && !out.policy.allows_lookup(&lookup_key(&out.host)) => {
            return Err(ErrorCode::HttpRequestDenied);
        }
        Err(_) => tokio::net::lookup_host((out.host.as_str(), out.port))
            .await
            .map_err(|_| {
                ErrorCode::DnsError(crate::p2::http::error::DnsErrorPayload {
                    rcode: Some("address not available".into()),
                    info_code: Some(0),
                })
            })?
            .collect(),
    };
    let allowed: Vec<SocketAddr> = addrs
        .into_iter()
        .filter(|a| by_name || out.policy.allows(NetUse::TcpConnect, *a))
        .collect();
    if allowed.is_empty() {
        return Err(ErrorCode::HttpRequestDenied);
    }
    Ok(allowed)
}

/// A host name as the policy's lookup rules hold it: lower case, without a trailing dot.
fn lookup_key(host: &str) -> String {
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

async fn connect(
    addrs: &[SocketAddr],
    limit: Duration,
) -> Result<tokio::net::TcpStream, ErrorCode> {
    let mut last = ErrorCode::ConnectionRefused;
    for addr in addrs {
        match tokio::time::timeout(limit, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Ok(Err(e)) => last = ErrorCode::from_io(&e),
            Err(_) => last = ErrorCode::ConnectionTimeout,
        }
    }
    Err(last)
}

fn tls_error(e: &std::io::Error) -> ErrorCode {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::InvalidCertificate(_)) => ErrorCode::TlsCertificateError,
        Some(rustls::Error::AlertReceived(alert)) => {
            ErrorCode::TlsAlertReceived(crate::p2::http::error::TlsAlertPayload {
                alert_id: Some(u8::from(*alert)),
                alert_message: Some(format!("{alert:?}")),
            })
        }
        _ => ErrorCode::TlsProtocolError,
    }
}

/// Sends the request over a connection of its own and waits for the response head.
async fn send(mut out: Outgoing) -> Result<IncomingResponse, ErrorCode> {
    let addrs = destinations(&mut out).await?;
    let tcp = connect(&addrs, timeout(out.options.connect)).await?;
    let first_byte = timeout(out.options.first_byte);
    let between_bytes = Some(timeout(out.options.between_bytes));
    let response = if out.tls {
        let name = rustls::pki_types::ServerName::try_from(out.host.clone())
            .map_err(|_| ErrorCode::HttpRequestUriInvalid)?;
        let tls = tokio_rustls::TlsConnector::from(out.tls_config.config())
            .connect(name, tcp)
            .await
            .map_err(|e| tls_error(&e))?;
        let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
        let io = hyper_util::rt::TokioIo::new(tls);
        exchange(io, h2, out.request, first_byte).await?
    } else {
        let io = hyper_util::rt::TokioIo::new(tcp);
        exchange(io, false, out.request, first_byte).await?
    };
    let (parts, body) = response.into_parts();
    let shared = IncomingShared::new();
    super::runtime().spawn(shared.clone().feed(body, between_bytes));
    Ok(IncomingResponse {
        status: parts.status.as_u16(),
        headers: Fields::received(&parts.headers),
        body: Some(shared),
    })
}

/// One request and its response head over `io`, with HTTP/2 or HTTP/1.1.
async fn exchange<T>(
    io: hyper_util::rt::TokioIo<T>,
    h2: bool,
    mut request: http::Request<GuestBody>,
    first_byte: Duration,
) -> Result<http::Response<hyper::body::Incoming>, ErrorCode>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let sent = if h2 {
        // HTTP/2 names the authority in the request line, not a Host header.
        request.headers_mut().remove(http::header::HOST);
        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
                .await
                .map_err(|e| ErrorCode::from_hyper(&e))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        tokio::time::timeout(first_byte, sender.send_request(request)).await
    } else {
        // HTTP/1.1 sends the path alone and the authority in Host.
        let path = request
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
        *request.uri_mut() = path.parse().map_err(|_| ErrorCode::HttpRequestUriInvalid)?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|e| ErrorCode::from_hyper(&e))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        tokio::time::timeout(first_byte, sender.send_request(request)).await
    };
    match sent {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(e)) => Err(ErrorCode::from_hyper(&e)),
        Err(_) => Err(ErrorCode::ConnectionReadTimeout),
    }
}
