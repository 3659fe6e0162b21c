//! An HTTP/1.1 client for driving the servers wasi-aot builds (and `wasmtime serve`): hyper
//! over one connection per request, on a tokio runtime of its own, every request bounded in
//! time; and HTTP/2 with prior knowledge, many requests at once over one connection
//! ([`fetch_h2`]). Also the load generator of the benchmarks: keep-alive connections
//! sending as fast as they are answered.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Empty, Full, StreamBody};
use hyper::body::Frame;

/// How long one request may take, response body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

type Body = BoxBody<Bytes, std::convert::Infallible>;

/// The client's runtime.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime for the test client")
    })
}

/// A request to send.
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: &'static str,
    /// Path and query.
    pub path: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The body, sent in these chunks (streamed: no content-length).
    pub chunks: Vec<Vec<u8>>,
}

impl Request {
    /// A `GET` of `path`.
    pub fn get(path: &str) -> Request {
        Request {
            method: "GET",
            path: path.into(),
            headers: Vec::new(),
            chunks: Vec::new(),
        }
    }
}

/// What came back.
#[derive(Debug, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers, lower-case names, in order.
    pub headers: Vec<(String, String)>,
    /// The whole body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn body_of(chunks: Vec<Vec<u8>>) -> Body {
    match chunks.len() {
        0 => Empty::new().boxed(),
        1 => Full::new(Bytes::from(chunks.into_iter().next().unwrap_or_default())).boxed(),
        _ => {
            let frames = chunks
                .into_iter()
                .map(|c| Ok::<_, std::convert::Infallible>(Frame::data(Bytes::from(c))));
            StreamBody::new(futures_util::stream::iter(frames)).boxed()
        }
    }
}

async fn connect(addr: SocketAddr) -> Result<hyper::client::conn::http1::SendRequest<Body>> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

fn http_request(addr: SocketAddr, request: Request) -> Result<http::Request<Body>> {
    let mut builder = http::Request::builder()
        .method(request.method)
        .uri(&request.path)
        .header("host", addr.to_string());
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    Ok(builder.body(body_of(request.chunks))?)
}

async fn send_on(
    sender: &mut hyper::client::conn::http1::SendRequest<Body>,
    request: http::Request<Body>,
) -> Result<Response> {
    sender.ready().await?;
    read_response(sender.send_request(request).await?).await
}

async fn read_response(response: http::Response<hyper::body::Incoming>) -> Result<Response> {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = response.into_body().collect().await?.to_bytes().to_vec();
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// Sends `request` to `addr` on a new connection.
pub async fn fetch_async(addr: SocketAddr, request: Request) -> Result<Response> {
    let path = request.path.clone();
    let exchange = async {
        let mut sender = connect(addr).await?;
        send_on(&mut sender, http_request(addr, request)?).await
    };
    tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .map_err(|_| anyhow!("no response to {path} within {REQUEST_TIMEOUT:?}"))?
        .with_context(|| format!("request {path}"))
}

/// [`fetch_async`], blocking.
pub fn fetch(addr: SocketAddr, request: Request) -> Result<Response> {
    runtime().block_on(fetch_async(addr, request))
}

/// Sends every request of `requests` at once over one HTTP/2 connection to `addr` (prior
/// knowledge, no TLS) and returns the responses in the same order.
pub fn fetch_h2(addr: SocketAddr, requests: Vec<Request>) -> Result<Vec<Response>> {
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(stream),
        )
        .await?;
        tokio::spawn(connection);
        let exchanges: Vec<_> = requests
            .into_iter()
            .map(|request| {
                let mut sender = sender.clone();
                tokio::spawn(async move {
                    let path = request.path.clone();
                    // HTTP/2 names the scheme and authority in the request, not in a Host header.
                    let mut request = http_request(addr, request)?;
                    request.headers_mut().remove("host");
                    *request.uri_mut() = format!("http://{addr}{path}").parse()?;
                    sender.ready().await?;
                    let response = sender.send_request(request).await?;
                    read_response(response)
                        .await
                        .with_context(|| format!("HTTP/2 request {path}"))
                })
            })
            .collect();
        let mut responses = Vec::new();
        for exchange in exchanges {
            responses.push(exchange.await??);
        }
        Ok::<_, anyhow::Error>(responses)
    };
    runtime().block_on(async {
        tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| anyhow!("no HTTP/2 responses within {REQUEST_TIMEOUT:?}"))?
    })
}

/// What a load run measured.
#[derive(Debug)]
pub struct Load {
    /// Requests answered with 200.
    pub ok: u64,
    /// Requests that failed or got another status.
    pub failed: u64,
    /// Requests per second.
    pub rate: f64,
    /// Every answered request's latency, sorted.
    pub latencies: Vec<Duration>,
}

impl Load {
    /// The `q` quantile (0 to 1) of the latencies.
    pub fn quantile(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() - 1) as f64 * q).round() as usize;
        self.latencies[i]
    }
}

/// `GET path` on `connections` keep-alive connections for `duration`, each sending its
/// next request when the last is answered.
pub fn load(addr: SocketAddr, path: &str, connections: usize, duration: Duration) -> Load {
    runtime().block_on(async {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let path = path.to_string();
            tasks.push(tokio::spawn(async move {
                let (mut ok, mut failed, mut latencies) = (0u64, 0u64, Vec::new());
                let mut sender = None;
                while start.elapsed() < duration {
                    if sender.is_none() {
                        match connect(addr).await {
                            Ok(s) => sender = Some(s),
                            Err(_) => {
                                failed += 1;
                                tokio::time::sleep(Duration::from_millis(1)).await;
                                continue;
                            }
                        }
                    }
                    let Some(s) = sender.as_mut() else { continue };
                    let sent = Instant::now();
                    let request = match http_request(addr, Request::get(&path)) {
                        Ok(r) => r,
                        Err(_) => break,
                    };
                    match send_on(s, request).await {
                        Ok(r) if r.status == 200 => {
                            ok += 1;
                            latencies.push(sent.elapsed());
                        }
                        Ok(_) => failed += 1,
                        Err(_) => {
                            failed += 1;
                            sender = None;
                        }
                    }
                }
                (ok, failed, latencies)
            }));
        }
        let mut total = Load {
            ok: 0,
            failed: 0,
            rate: 0.0,
            latencies: Vec::new(),
        };
        for task in tasks {
            if let Ok((ok, failed, latencies)) = task.await {
                total.ok += ok;
                total.failed += failed;
                total.latencies.extend(latencies);
            }
        }
        total.rate = total.ok as f64 / start.elapsed().as_secs_f64();
        total.latencies.sort();
        total
    })
}
