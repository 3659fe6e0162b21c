//! HTTP servers (issue 11): the hello-world route of the proxy test component
//! (`tests/programs/proxy/p2_proxy.wasm`, `GET /` answers `hello from wasi-aot`), served
//! by our executable (`--listen`) and by `wasmtime serve` of the same component, each
//! loaded in turn at 1, 16 and 64 keep-alive connections by the load generator the server
//! tests use (`tests/support/http_client.rs`, hyper on two tokio threads). Each server
//! makes a fresh instance per request. Both servers share the machine's cores with the
//! load generator, so the figures are for comparing the two servers, not absolute.
//!
//! Memory: the server's resident set once it has answered one request (idle), and its
//! peak (`VmHWM`) after the loaded runs.
//!
//! Large guests: the same route of the Python and JavaScript proxies
//! (`tests/programs/proxy/{py,js}_proxy.wasm`, 18 and 13 MB with their interpreters'
//! heap images), where instantiation dominates, at [`SCRIPTED_CONNECTIONS`] connections.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

#[path = "../../../tests/support/http_client.rs"]
#[allow(dead_code)] // The tests use more of it than the load generator.
mod http_client;

use crate::report::fmt_bytes;
use crate::tools::{run_step, Tools};

/// Concurrent connections of the loaded runs.
pub const CONNECTIONS: [usize; 3] = [1, 16, 64];

/// The component and the path the load generator requests.
const COMPONENT: &str = "tests/programs/proxy/p2_proxy.wasm";
const PATH: &str = "/";
const BODY: &[u8] = b"hello from wasi-aot\n";

/// The large guests, each with its answer to `GET /`, and their connections.
const SCRIPTED: [(&str, &[u8]); 2] = [
    ("tests/programs/proxy/py_proxy.wasm", b"hello from python\n"),
    (
        "tests/programs/proxy/js_proxy.wasm",
        b"hello from javascript\n",
    ),
];
pub const SCRIPTED_CONNECTIONS: usize = 16;

/// The two servers, in the order they are measured and shown.
pub const SERVERS: [&str; 2] = ["wasmtime serve", "wasi-aot"];

/// One load run.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// Requests answered with 200 per second.
    pub rate: f64,
    /// Median and 99th-percentile latency.
    pub p50: Duration,
    pub p99: Duration,
    /// Requests that failed or were answered otherwise.
    pub failed: u64,
}

/// One server's figures.
#[derive(Debug)]
pub struct ServerResult {
    /// One run per entry of [`CONNECTIONS`].
    pub runs: Vec<Run>,
    /// Resident set after one request, in KiB.
    pub idle_rss_kib: u64,
    /// Peak resident set after the loaded runs, in KiB.
    pub peak_rss_kib: u64,
}

/// Both servers' figures, in the order of [`SERVERS`].
#[derive(Debug)]
pub struct HttpResult {
    /// How long each load run lasted.
    pub seconds: f64,
    pub servers: [ServerResult; 2],
    /// The large guests: (component file name, one run per server).
    pub scripted: Vec<(String, [Run; 2])>,
}

impl HttpResult {
    /// Requests per second of wasi-aot over wasmtime at `connections`.
    pub fn speedup(&self, connections: usize) -> Option<f64> {
        let i = CONNECTIONS.iter().position(|&c| c == connections)?;
        Some(self.servers[1].runs[i].rate / self.servers[0].runs[i].rate)
    }

    /// p99 latency of (wasmtime, wasi-aot) at `connections`.
    pub fn p99(&self, connections: usize) -> Option<(Duration, Duration)> {
        let i = CONNECTIONS.iter().position(|&c| c == connections)?;
        Some((self.servers[0].runs[i].p99, self.servers[1].runs[i].p99))
    }

    /// The terminal lines.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "http (hello-world proxy component, {:.0} s per run): connections, then req/s p50 p99 per server",
            self.seconds
        );
        for (i, connections) in CONNECTIONS.iter().enumerate() {
            let _ = write!(out, "  {connections:>3}:");
            for (name, server) in SERVERS.iter().zip(&self.servers) {
                let _ = write!(out, "  {name} {}", server.runs[i].text());
            }
            let _ = writeln!(out);
        }
        for (name, server) in SERVERS.iter().zip(&self.servers) {
            let _ = writeln!(
                out,
                "  {name}: RSS idle {}, peak under load {}",
                fmt_bytes(server.idle_rss_kib * 1024),
                fmt_bytes(server.peak_rss_kib * 1024)
            );
        }
        for (file, runs) in &self.scripted {
            let _ = write!(out, "  {file} at {SCRIPTED_CONNECTIONS}:");
            for (name, r) in SERVERS.iter().zip(runs) {
                let _ = write!(out, "  {name} {}", r.text());
            }
            let _ = writeln!(out);
        }
        out
    }

    /// The section of `benches/RESULTS.md`.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "`GET /` of `{COMPONENT}` (a `wasi:http/proxy` component in C; the route answers \
             `hello from wasi-aot`), served by our executable (`wasi-aot build --listen`) and by \
             `wasmtime serve -S cli` of the precompiled component, both with a fresh instance \
             per request. The load generator (`tests/support/http_client.rs`: hyper, keep-alive \
             connections each sending its next request when the last is answered) runs {:.0} s \
             per row on two threads of the same {}-core machine, so the server has less than \
             the whole machine; both servers are measured under the same conditions.\n",
            self.seconds,
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        let _ = write!(out, "| connections |");
        for name in SERVERS {
            let _ = write!(out, " {name} req/s | p50 | p99 |");
        }
        let _ = writeln!(out, " wasi-aot / wasmtime |");
        let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (i, connections) in CONNECTIONS.iter().enumerate() {
            let _ = write!(out, "| {connections} |");
            for server in &self.servers {
                let _ = write!(out, "{}", server.runs[i].cells());
            }
            let _ = writeln!(
                out,
                " {:.2}× |",
                self.speedup(*connections).unwrap_or(f64::NAN)
            );
        }
        let _ = writeln!(
            out,
            "\n| | RSS idle (after one request) | peak RSS (after the loaded runs) |\n|---|---:|---:|"
        );
        for (name, server) in SERVERS.iter().zip(&self.servers) {
            let _ = writeln!(
                out,
                "| {name} | {} | {} |",
                fmt_bytes(server.idle_rss_kib * 1024),
                fmt_bytes(server.peak_rss_kib * 1024)
            );
        }
        if !self.scripted.is_empty() {
            let _ = writeln!(
                out,
                "\nLarge guests: `GET /` of the Python and JavaScript proxies (componentize-py \
                 and componentize-js: an interpreter and its heap image in each instance's \
                 memory), {SCRIPTED_CONNECTIONS} connections, same conditions:\n"
            );
            let _ = writeln!(
                out,
                "| component | wasmtime serve req/s | p50 | p99 | wasi-aot req/s | p50 | p99 | wasi-aot / wasmtime |\n|---|---:|---:|---:|---:|---:|---:|---:|"
            );
            for (file, [w, a]) in &self.scripted {
                let _ = writeln!(
                    out,
                    "| `{file}` |{}{} {:.2}× |",
                    w.cells(),
                    a.cells(),
                    a.rate / w.rate
                );
            }
        }
        let _ = writeln!(out);
        out
    }
}

impl Run {
    /// `R req/s P50 P99`, and the failures if any: a run on a terminal line.
    fn text(&self) -> String {
        format!(
            "{:.0} req/s {} {}{}",
            self.rate,
            fmt_latency(self.p50),
            fmt_latency(self.p99),
            failures(self.failed)
        )
    }

    /// ` R | P50 | P99 |`: a run's cells of a markdown row.
    fn cells(&self) -> String {
        format!(
            " {:.0}{} | {} | {} |",
            self.rate,
            failures(self.failed),
            fmt_latency(self.p50),
            fmt_latency(self.p99)
        )
    }
}

fn fmt_latency(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.0} µs")
    }
}

fn failures(failed: u64) -> String {
    if failed == 0 {
        String::new()
    } else {
        format!(" ({failed} failed)")
    }
}

/// The two servers of one component: our executable and wasmtime's precompiled component.
struct Builds {
    aot: PathBuf,
    cwasm: PathBuf,
}

impl Builds {
    fn new(tools: &Tools, component: &str) -> Result<Builds> {
        let wasm = tools.root.join(component);
        if !wasm.is_file() {
            bail!("`{}` is missing", wasm.display());
        }
        let stem = wasm
            .file_stem()
            .and_then(|s| s.to_str())
            .context("component name")?;
        let dir = tools.work_dir("http")?;
        let builds = Builds {
            aot: dir.join(stem),
            cwasm: dir.join(format!("{stem}.cwasm")),
        };
        run_step(
            Command::new(&tools.wasi_aot)
                .arg("build")
                .args(["--target-cpu", "native", "--listen", "127.0.0.1:0"])
                .arg(&wasm)
                .arg("-o")
                .arg(&builds.aot),
        )
        .with_context(|| format!("`wasi-aot build --listen` of {component} failed"))?;
        run_step(
            Command::new(&tools.wasmtime)
                .arg("compile")
                .arg(&wasm)
                .arg("-o")
                .arg(&builds.cwasm),
        )
        .with_context(|| format!("`wasmtime compile` of {component} failed"))?;
        Ok(builds)
    }

    /// The commands of [`SERVERS`], in order.
    fn commands(&self, tools: &Tools) -> Result<[Command; 2]> {
        let mut wasmtime = Command::new(&tools.wasmtime);
        wasmtime
            .args(["serve", "--allow-precompiled", "-S", "cli", "--addr"])
            .arg(format!("127.0.0.1:{}", free_port()?))
            .arg(&self.cwasm);
        Ok([wasmtime, Command::new(&self.aot)])
    }
}

/// Builds both servers and loads each at every [`CONNECTIONS`] for `seconds`, then the
/// large guests at [`SCRIPTED_CONNECTIONS`].
pub fn measure(tools: &Tools, seconds: f64) -> Result<HttpResult> {
    let duration = Duration::from_secs_f64(seconds);
    let [mut wasmtime, mut aot] = Builds::new(tools, COMPONENT)?.commands(tools)?;
    let wasmtime =
        load_server(&mut wasmtime, BODY, &CONNECTIONS, duration).context("wasmtime serve")?;
    let aot = load_server(&mut aot, BODY, &CONNECTIONS, duration).context("wasi-aot")?;
    let mut scripted = Vec::new();
    for (component, body) in SCRIPTED {
        let mut commands = Builds::new(tools, component)?.commands(tools)?;
        let mut runs = Vec::new();
        for (name, cmd) in SERVERS.iter().zip(&mut commands) {
            let result = load_server(cmd, body, &[SCRIPTED_CONNECTIONS], duration)
                .with_context(|| format!("{name} of {component}"))?;
            runs.push(result.runs[0]);
        }
        let file = component
            .rsplit('/')
            .next()
            .unwrap_or(component)
            .to_string();
        scripted.push((file, [runs[0], runs[1]]));
    }
    Ok(HttpResult {
        seconds,
        servers: [wasmtime, aot],
        scripted,
    })
}

/// Starts the server, checks its answer, loads it at each of `connections`, stops it.
fn load_server(
    cmd: &mut Command,
    body: &[u8],
    connections: &[usize],
    duration: Duration,
) -> Result<ServerResult> {
    let server = Server::start(cmd)?;
    let response = http_client::fetch(server.addr, http_client::Request::get(PATH))?;
    if response.status != 200 || response.body != body {
        bail!(
            "GET {PATH} answered {} {:?}",
            response.status,
            String::from_utf8_lossy(&response.body)
        );
    }
    let idle_rss_kib = server.status_kib("VmRSS")?;
    let mut runs = Vec::new();
    for &connections in connections {
        // A short warm-up, so that thread pools and connections exist before timing.
        http_client::load(server.addr, PATH, connections, duration / 10);
        let load = http_client::load(server.addr, PATH, connections, duration);
        if load.ok == 0 {
            bail!("no request succeeded at {connections} connections");
        }
        runs.push(Run {
            rate: load.rate,
            p50: load.quantile(0.5),
            p99: load.quantile(0.99),
            failed: load.failed,
        });
    }
    Ok(ServerResult {
        runs,
        idle_rss_kib,
        peak_rss_kib: server.status_kib("VmHWM")?,
    })
}

/// A port that was free a moment ago (`wasmtime serve` takes no port 0).
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("no free loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// A server process, killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// Starts `cmd` and reads its standard error up to `Serving HTTP on http://ADDR/`
    /// (both servers print it); the rest of its output is discarded.
    fn start(cmd: &mut Command) -> Result<Server> {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot start the server")?;
        let stderr = child.stderr.take().context("piped stderr")?;
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let mut lines = BufReader::new(stderr).lines();
        let start = Instant::now();
        let mut seen = String::new();
        while start.elapsed() < Duration::from_secs(60) {
            let Some(line) = lines.next().transpose()? else {
                break;
            };
            if let Some(rest) = line.trim().strip_prefix("Serving HTTP on http://") {
                server.addr = rest
                    .trim_end_matches('/')
                    .parse()
                    .with_context(|| format!("the server's address in `{line}`"))?;
                // Keep draining stderr so that the server never blocks on it.
                std::thread::spawn(move || lines.for_each(drop));
                return Ok(server);
            }
            seen.push_str(&line);
            seen.push('\n');
        }
        bail!("the server did not start listening; stderr:\n{seen}")
    }

    /// A `kB` field of `/proc/PID/status`, in KiB.
    fn status_kib(&self, field: &str) -> Result<u64> {
        let path = format!("/proc/{}/status", self.child.id());
        let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("no {field} in {path}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
