//! Shared helpers of the wasi-aot test harnesses (`spec.rs`, `wasi.rs`, `errors.rs`).
//!
//! Each harness builds executables through the same library entry points the `wasi-aot`
//! binary uses: `wasi_aot_compiler::compile_program`, then `wasi_aot_linker::link`.
//!
//! Helpers here: [`build_executable`] (wasm bytes to a linked executable), [`run`] (a
//! child process with exact args, stdin and environment, captured), golden files
//! ([`bless`], [`expect_golden`], [`expect_status`], [`line_diff`]) and paths
//! ([`workspace_root`]).

#[path = "support/http_client.rs"]
pub mod http_client;
#[path = "support/http_server.rs"]
pub mod http_server;

use anyhow::{anyhow, bail, Context, Result};
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use wasi_aot_compiler::{compile_program, Config, ModuleInput, ProgramKind};

/// The workspace root (the parent of this `tests` package).
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package sits in a subdirectory of the workspace")
}

/// Whether golden files are to be rewritten from actual output (`BLESS=1`).
pub fn bless() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Compiles `wasm` as one module (named `name` in diagnostics) into object bytes.
pub fn compile_object(
    wasm: &[u8],
    name: &str,
    kind: ProgramKind,
    config: &Config,
) -> Result<Vec<u8>> {
    let input = ModuleInput {
        name: name.to_string(),
        wasm,
    };
    Ok(compile_program(&[input], kind, config)?.object)
}

/// Compiles `wasm` and links it with the runtime into the executable `out`, as
/// `wasi-aot build` does (the object is written next to `out` and removed afterwards).
pub fn build_executable(wasm: &[u8], kind: ProgramKind, config: &Config, out: &Path) -> Result<()> {
    let name = executable_name(out);
    let object = compile_object(wasm, &name, kind, config)
        .with_context(|| format!("failed to compile `{name}`"))?;
    link_object(&object, out)
}

/// Compiles the WASI command `wasm`, a core module or a component, and links it into the
/// executable `out`, exactly as `wasi-aot build` does.
pub fn build_command(wasm: &[u8], config: &Config, out: &Path) -> Result<()> {
    let name = executable_name(out);
    let object = wasi_aot_compiler::compile_command(wasm, &name, config)
        .with_context(|| format!("failed to compile `{name}`"))?
        .object;
    link_object(&object, out)
}

fn executable_name(out: &Path) -> String {
    out.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "module".into())
}

/// Links `object` with the runtime into the executable `out`.
fn link_object(object: &[u8], out: &Path) -> Result<()> {
    let mut object_path = out.as_os_str().to_owned();
    object_path.push(".o");
    let object_path = PathBuf::from(object_path);
    std::fs::write(&object_path, object)
        .with_context(|| format!("failed to write `{}`", object_path.display()))?;
    let linked = wasi_aot_linker::link(&wasi_aot_linker::LinkOptions {
        object: object_path.clone(),
        output: out.to_path_buf(),
        static_link: false,
        strip: false,
    });
    let _ = std::fs::remove_file(&object_path);
    linked.with_context(|| format!("failed to link `{}`", out.display()))
}

/// Wraps the WASI Preview 1 module `wasm` as a component with wit-component and the Preview 1
/// adapter (the command adapter of `wasi-preview1-component-adapter-provider`), as
/// `wasm-tools component new --adapt` does.
pub fn wrap_as_component(wasm: &[u8]) -> Result<Vec<u8>> {
    let adapter = wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER;
    wit_component::ComponentEncoder::default()
        .module(wasm)
        .context("wit-component rejected the module")?
        .adapter("wasi_snapshot_preview1", adapter)
        .context("wit-component rejected the adapter")?
        .validate(true)
        .encode()
        .context("wit-component failed to encode the component")
}

/// The network policy a program is built with: the flags of its `.net` file, one per line
/// (`--allow-net`, `--allow-tcp-connect RULE`, ...), as `wasi-aot build` takes them. No file
/// is no network.
pub fn network_flags(program: &Path) -> Result<Vec<String>> {
    let path = program.with_extension("net");
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| path.display().to_string()),
    }
}

/// Sets the network policy of `wasi` from `.net` flags ([`network_flags`]).
pub fn apply_network_flags(
    wasi: &mut wasi_aot_abi::metadata::WasiPolicy,
    flags: &[String],
) -> Result<()> {
    for flag in flags {
        let (name, value) = flag.split_once(' ').unwrap_or((flag, ""));
        let value = value.trim().to_string();
        match name {
            "--allow-net" => wasi.allow_net = true,
            "--allow-name-lookup" => wasi.name_lookup = true,
            "--allow-tcp-connect" => wasi.tcp_connect.push(value),
            "--allow-tcp-listen" => wasi.tcp_listen_rules.push(value),
            "--allow-udp" => wasi.udp.push(value),
            // A path relative to the workspace root.
            "--tls-ca" => wasi.tls_roots.extend(
                wasi_aot_compiler::tls_ca::read_trust_anchors(&workspace_root().join(&value))
                    .map_err(|e| anyhow!("--tls-ca in a .net file: {e}"))?,
            ),
            _ => bail!("unknown network flag `{flag}` in a .net file"),
        }
    }
    Ok(())
}

/// The `wasmtime run` options for the same network access, if wasmtime can express it: it
/// allows all or nothing.
pub fn wasmtime_network_args(flags: &[String]) -> Option<Vec<&'static str>> {
    match flags {
        [] => Some(Vec::new()),
        [only] if only == "--allow-net" => Some(vec![
            "-S",
            "inherit-network",
            "-S",
            "allow-ip-name-lookup",
            "-S",
            "http",
        ]),
        _ => None,
    }
}

/// What a finished child process produced.
#[derive(Debug)]
pub struct Output {
    /// How it ended.
    pub status: ExitStatus,
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
    /// Everything written to stderr.
    pub stderr: Vec<u8>,
}

impl Output {
    /// The status as a `.status` golden file holds it: the exit code (`0`, `134`), or
    /// `signal N` when the process was killed by a signal.
    pub fn status_text(&self) -> String {
        use std::os::unix::process::ExitStatusExt;
        match (self.status.code(), self.status.signal()) {
            (Some(code), _) => code.to_string(),
            (None, Some(signal)) => format!("signal {signal}"),
            (None, None) => format!("{:?}", self.status),
        }
    }

    /// Stdout as text (invalid UTF-8 shown as U+FFFD).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stderr as text (invalid UTF-8 shown as U+FFFD).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// How long [`run`] lets a child run before killing it: a hung program fails its trial
/// instead of hanging the whole run. Not a performance check.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `cmd` with `stdin` as its standard input and captures stdout and stderr; the
/// child is killed after [`RUN_TIMEOUT`]. The caller sets program, args and environment.
pub fn run_command(cmd: &mut Command, stdin: &[u8]) -> Result<Output> {
    let what = format!("{:?}", cmd.get_program());
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("failed to start {what}"))?;
    let mut input = child.stdin.take().expect("stdin is piped");
    let stdin = stdin.to_vec();
    // A child that exits without reading its input makes this write fail; that is fine.
    let writer = std::thread::spawn(move || drop(input.write_all(&stdin)));
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).map(|_| bytes)
        })
    };
    let stdout = reader(Box::new(child.stdout.take().expect("stdout is piped")));
    let stderr = reader(Box::new(child.stderr.take().expect("stderr is piped")));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            bail!("{what} did not finish within {RUN_TIMEOUT:?}; killed");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = writer.join();
    let join = |h: std::thread::JoinHandle<std::io::Result<Vec<u8>>>| -> Result<Vec<u8>> {
        Ok(h.join()
            .map_err(|_| anyhow::anyhow!("pipe reader panicked"))??)
    };
    Ok(Output {
        status,
        stdout: join(stdout)?,
        stderr: join(stderr)?,
    })
}

/// Runs the executable `exe` with exactly `args` (after argv[0]), `stdin`, and an
/// environment holding only `env`.
pub fn run<A: AsRef<OsStr>>(
    exe: &Path,
    args: &[A],
    stdin: &[u8],
    env: &[(&str, &str)],
) -> Result<Output> {
    let mut cmd = Command::new(exe);
    cmd.args(args).env_clear().envs(env.iter().copied());
    run_command(&mut cmd, stdin)
}

/// Reads a golden file, or `None` when it does not exist.
pub fn read_golden(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("failed to read `{}`", path.display())),
    }
}

/// Compares `actual` with the golden file `path` byte for byte. Under [`bless`], writes
/// `actual` to the file instead (creating it only when `create` is set) and succeeds. A
/// mismatch (or a missing file) is returned as a message naming the file, with a line diff.
pub fn expect_golden(path: &Path, actual: &[u8], create: bool) -> Result<(), String> {
    let expected = match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("failed to read `{}`: {e}", path.display())),
    };
    if bless() && (expected.is_some() || create) {
        if expected.as_deref() != Some(actual) {
            std::fs::write(path, actual)
                .map_err(|e| format!("failed to write `{}`: {e}", path.display()))?;
        }
        return Ok(());
    }
    let actual_text = String::from_utf8_lossy(actual);
    match expected {
        Some(expected) if expected == actual => Ok(()),
        Some(expected) => Err(format!(
            "`{}` differs (- expected, + actual):\n{}",
            path.display(),
            line_diff(&String::from_utf8_lossy(&expected), &actual_text)
        )),
        None => Err(format!(
            "`{}` is missing (BLESS=1 creates it); actual:\n{actual_text}",
            path.display()
        )),
    }
}

/// Compares an exit status ([`Output::status_text`]) with a `.status` golden file, ignoring
/// surrounding whitespace. Under [`bless`], a differing or missing file is rewritten.
pub fn expect_status(path: &Path, actual: &str) -> Result<(), String> {
    let expected = read_golden(path).map_err(|e| format!("{e:#}"))?;
    if expected.as_deref().map(str::trim) == Some(actual) {
        return Ok(());
    }
    // Only a differing status is rewritten, so hand-written files stay as they are.
    expect_golden(path, format!("{actual}\n").as_bytes(), true).map_err(|_| {
        let expected = expected.as_deref().map(str::trim);
        format!(
            "exit status {actual}, expected {}",
            expected.unwrap_or("(no .status file)")
        )
    })
}

/// A line diff of `expected` and `actual`: ` ` common, `-` only expected, `+` only actual.
/// Line ends are shown (`⏎`) so that whitespace-only differences are visible.
pub fn line_diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.split_inclusive('\n').collect();
    let b: Vec<&str> = actual.split_inclusive('\n').collect();
    let show = |mark: char, line: &str| {
        let body = line
            .strip_suffix('\n')
            .map(|l| format!("{l}⏎"))
            .unwrap_or_else(|| line.to_string());
        format!("{mark} {body}\n")
    };
    // Longest common subsequence; outputs are small, and huge ones are shown whole.
    if a.len().saturating_mul(b.len()) > 4_000_000 {
        let mut out: String = a.iter().map(|l| show('-', l)).collect();
        out.extend(b.iter().map(|l| show('+', l)));
        return out;
    }
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out += &show(' ', a[i]);
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out += &show('+', b[j]);
            j += 1;
        } else {
            out += &show('-', a[i]);
            i += 1;
        }
    }
    out
}

/// Splits the contents of an `.args` file into arguments: one per line, an empty line is
/// an empty argument, and the final line end is not an extra argument.
///
/// `$HTTP_SERVER` in an argument stands for the address (`IP:PORT`) of the test HTTP server
/// ([`http_server`]), which starts the first time an argument names it; `$HTTPS_SERVER` and
/// `$HTTPS1_SERVER` for its HTTPS listeners (HTTP/2 and HTTP/1.1, or HTTP/1.1 only).
pub fn parse_args_file(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    let text = text.strip_suffix('\n').unwrap_or(text);
    text.split('\n').map(http_server::substitute).collect()
}

/// The files directly in `dir` whose name ends with `.ext`, sorted.
pub fn files_with_extension(dir: &Path, ext: &str) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("failed to list `{}`", dir.display()))?
    {
        let path = entry?.path();
        if path.is_file() && path.extension() == Some(OsStr::new(ext)) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

// ---------------------------------------------------------------------------------------------
// Program fixtures: the directories, files and sockets a WASI test program runs with.
//
// Beside `tests/programs/c/NAME.wasm`:
// - `NAME.setup` builds a tree in the trial's fresh temporary directory before the run, one
//   command per line (`#` starts a comment; TEXT takes `\n`, `\t`, `\\` escapes):
//   `dir PATH`, `file PATH TEXT`, `symlink PATH TARGET` (`$ROOT` in TARGET is the absolute
//   path of the trial directory), `hardlink PATH EXISTING`,
//   `frozen PATH` (nothing under PATH may be read, written, created or deleted by the run:
//   the harness snapshots type, contents, link target, size, link count, mode and both times,
//   with access times set into the past first so that a read shows up as a new access time);
// - `NAME.dirs` preopens, one `HOST::GUEST` (or `HOST`) per line, HOST relative to that
//   directory, which is also the executable's working directory (so relative HOST paths are
//   resolved at run time, as DESIGN.md says);
// - `NAME.tree` (expected): the whole tree after the run, as [`tree_listing`] writes it;
// - `NAME.tcp`: the program gets a listening socket and the harness is its client, following
//   the script (see [`TcpStep`]); `NAME.tcp-received` (expected) is what the client received.
// ---------------------------------------------------------------------------------------------

/// What a program's fixture files ask for.
#[derive(Debug, Default)]
pub struct Fixture {
    /// Preopens from `NAME.dirs`: host path (relative to the trial directory), guest path.
    pub dirs: Vec<(String, String)>,
    /// Paths (relative to the trial directory) the run must leave untouched.
    pub frozen: Vec<String>,
    /// The client script from `NAME.tcp`, if the program wants a listening socket.
    pub tcp: Option<Vec<TcpStep>>,
}

/// One step of a `NAME.tcp` client script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcpStep {
    /// `wait-stdout TEXT`: wait until the program's stdout contains TEXT.
    WaitStdout(String),
    /// `connect`: open a new connection to the program's listening socket (retried until the
    /// program listens); later steps use the newest connection.
    Connect,
    /// `send TEXT`.
    Send(Vec<u8>),
    /// `shutdown-write`: no more sending on the connection.
    ShutdownWrite,
    /// `recv-all`: read until the program closes or shuts down its side.
    RecvAll,
    /// `close`: close the connection.
    Close,
}

/// Decodes the `\n`, `\t` and `\\` escapes of a fixture TEXT.
pub fn unescape(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n') => out.push(b'\n'),
                Some('t') => out.push(b'\t'),
                Some('\\') => out.push(b'\\'),
                Some(other) => {
                    out.push(b'\\');
                    out.extend(other.to_string().bytes());
                }
                None => out.push(b'\\'),
            },
            (c, false) => out.extend(c.to_string().bytes()),
        }
    }
    out
}

/// Reads `NAME.dirs`, `NAME.tcp` and `NAME.setup` beside `program` and builds the setup tree
/// in `trial_dir`.
pub fn prepare_fixture(program: &Path, trial_dir: &Path) -> Result<Fixture> {
    let mut fixture = Fixture::default();
    if let Some(text) = read_golden(&program.with_extension("dirs"))? {
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (host, guest) = line.split_once("::").unwrap_or((line, line));
            fixture.dirs.push((host.to_string(), guest.to_string()));
        }
    }
    if let Some(text) = read_golden(&program.with_extension("tcp"))? {
        fixture.tcp = Some(parse_tcp_script(&text)?);
    }
    if let Some(text) = read_golden(&program.with_extension("setup"))? {
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            setup_command(line, trial_dir, &mut fixture).with_context(|| {
                let setup = program.with_extension("setup");
                format!("{} line {}", setup.display(), number + 1)
            })?;
        }
    }
    Ok(fixture)
}

fn setup_command(line: &str, root: &Path, fixture: &mut Fixture) -> Result<()> {
    let (command, rest) = line.split_once(' ').unwrap_or((line, ""));
    let (path, arg) = rest.split_once(' ').unwrap_or((rest, ""));
    let at = root.join(path);
    if let Some(parent) = at.parent().filter(|_| command != "frozen") {
        std::fs::create_dir_all(parent)?;
    }
    match command {
        "dir" => std::fs::create_dir_all(&at)?,
        "file" => std::fs::write(&at, unescape(arg))?,
        "symlink" => {
            let target = arg.replace("$ROOT", &root.to_string_lossy());
            std::os::unix::fs::symlink(target, &at)?
        }
        "hardlink" => std::fs::hard_link(root.join(arg), &at)?,
        "frozen" => fixture.frozen.push(path.to_string()),
        other => bail!("unknown setup command `{other}`"),
    }
    Ok(())
}

fn parse_tcp_script(text: &str) -> Result<Vec<TcpStep>> {
    let mut steps = Vec::new();
    for line in text.lines().map(str::trim_start) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (command, arg) = line.split_once(' ').unwrap_or((line, ""));
        steps.push(match command {
            "wait-stdout" => TcpStep::WaitStdout(arg.to_string()),
            "connect" => TcpStep::Connect,
            "send" => TcpStep::Send(unescape(arg)),
            "shutdown-write" => TcpStep::ShutdownWrite,
            "recv-all" => TcpStep::RecvAll,
            "close" => TcpStep::Close,
            other => bail!("unknown tcp script step `{other}`"),
        });
    }
    Ok(steps)
}

/// Every entry under `root`, sorted, one line each: `dir PATH`, `link PATH -> TARGET` (with
/// `root` itself written `$ROOT`) or `file PATH (N bytes) CONTENTS` (contents escaped, cut
/// after 60 bytes).
pub fn tree_listing(root: &Path) -> Result<String> {
    let mut entries = Vec::new();
    collect_entries(root, root, &mut entries)?;
    entries.sort();
    let mut out = String::new();
    for rel in entries {
        let path = root.join(&rel);
        let meta = std::fs::symlink_metadata(&path)?;
        let rel = rel.display();
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path)?.display().to_string();
            let target = target.replace(&*root.to_string_lossy(), "$ROOT");
            out += &format!("link {rel} -> {target}\n");
        } else if meta.is_dir() {
            out += &format!("dir  {rel}\n");
        } else {
            let bytes = std::fs::read(&path)?;
            let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(60)]);
            let more = if bytes.len() > 60 { "..." } else { "" };
            out += &format!("file {rel} ({} bytes) {shown:?}{more}\n", bytes.len());
        }
    }
    Ok(out)
}

fn collect_entries(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("failed to list `{}`", dir.display()))?
    {
        let path = entry?.path();
        out.push(
            path.strip_prefix(root)
                .expect("listed under the root")
                .to_path_buf(),
        );
        if std::fs::symlink_metadata(&path)?.is_dir() {
            collect_entries(root, &path, out)?;
        }
    }
    Ok(())
}

/// A snapshot of the frozen paths of a fixture, to compare after the run.
pub struct FrozenSnapshot {
    /// Each entry (relative to the trial directory) with its metadata line.
    metadata: Vec<(PathBuf, String)>,
    /// Each regular file's contents.
    contents: Vec<(PathBuf, Vec<u8>)>,
}

/// Every path under the frozen paths (the frozen paths themselves included), sorted.
fn frozen_entries(root: &Path, fixture_paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut entries = Vec::new();
    for frozen in fixture_paths {
        if std::fs::symlink_metadata(root.join(frozen)).is_err() {
            continue;
        }
        entries.push(frozen.clone());
        let mut below = Vec::new();
        if std::fs::symlink_metadata(root.join(frozen)).is_ok_and(|m| m.is_dir())
            && collect_entries(&root.join(frozen), &root.join(frozen), &mut below).is_ok()
        {
            entries.extend(below.into_iter().map(|rel| frozen.join(rel)));
        }
    }
    entries.sort();
    entries
}

/// Type, mode, link count, size, times (no access time for symlinks, which `readlink`
/// moves) and link target of `path`, from `lstat` alone so that looking does not touch it.
fn metadata_line(path: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return "(gone)".to_string();
    };
    let atime = if meta.file_type().is_symlink() {
        String::new()
    } else {
        format!(" atime {}.{}", meta.atime(), meta.atime_nsec())
    };
    format!(
        "mode {:o} nlink {} size {} mtime {}.{}{atime}",
        meta.mode(),
        meta.nlink(),
        meta.size(),
        meta.mtime(),
        meta.mtime_nsec(),
    )
}

/// The contents of every regular file among `entries`.
fn frozen_contents(root: &Path, entries: &[PathBuf]) -> Vec<(PathBuf, Vec<u8>)> {
    entries
        .iter()
        .filter(|rel| std::fs::symlink_metadata(root.join(rel)).is_ok_and(|m| m.is_file()))
        .map(|rel| {
            (
                rel.clone(),
                std::fs::read(root.join(rel)).unwrap_or_default(),
            )
        })
        .collect()
}

/// Sets the access times of the files and directories under `entries` into the past, before
/// their modification times, so that any read or listing moves them.
fn backdate_access_times(root: &Path, entries: &[PathBuf]) -> Result<()> {
    let past = std::time::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    for rel in entries {
        let path = root.join(rel);
        if !std::fs::symlink_metadata(&path)?.file_type().is_symlink() {
            std::fs::File::open(&path)?.set_times(std::fs::FileTimes::new().set_accessed(past))?;
        }
    }
    Ok(())
}

/// Snapshots the frozen paths of `fixture`, with their access times set into the past.
pub fn freeze(root: &Path, fixture: &Fixture) -> Result<FrozenSnapshot> {
    let roots: Vec<PathBuf> = fixture.frozen.iter().map(PathBuf::from).collect();
    let entries = frozen_entries(root, &roots);
    let contents = frozen_contents(root, &entries);
    backdate_access_times(root, &entries)?;
    let metadata = entries
        .iter()
        .map(|rel| (rel.clone(), metadata_line(&root.join(rel))))
        .collect();
    Ok(FrozenSnapshot { metadata, contents })
}

impl FrozenSnapshot {
    /// What the run changed under the frozen paths (empty when nothing): metadata is read
    /// before anything is listed or read again.
    pub fn changes(&self, root: &Path) -> Vec<String> {
        let mut problems = Vec::new();
        for (rel, before) in &self.metadata {
            let now = metadata_line(&root.join(rel));
            if &now != before {
                problems.push(format!(
                    "frozen `{}` changed: was {before}, is {now}",
                    rel.display()
                ));
            }
        }
        let mut roots: Vec<PathBuf> = self
            .metadata
            .iter()
            .map(|(rel, _)| rel.clone())
            .filter(|rel| {
                !self
                    .metadata
                    .iter()
                    .any(|(other, _)| other != rel && rel.starts_with(other))
            })
            .collect();
        roots.dedup();
        let before: Vec<&PathBuf> = self.metadata.iter().map(|(rel, _)| rel).collect();
        let now = frozen_entries(root, &roots);
        for created in now.iter().filter(|rel| !before.contains(rel)) {
            problems.push(format!(
                "`{}` was created under a frozen path",
                created.display()
            ));
        }
        for (rel, bytes) in &self.contents {
            if std::fs::read(root.join(rel)).ok().as_ref() != Some(bytes) {
                problems.push(format!("frozen `{}` has other contents", rel.display()));
            }
        }
        problems
    }
}

/// A free TCP port on 127.0.0.1 (bound and released; another process could take it before
/// the program binds it, which is unlikely enough for tests).
pub fn free_loopback_port() -> Result<u16> {
    let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(probe.local_addr()?.port())
}

/// Runs `cmd` (stdin closed) while a client follows `script` against `addr`; returns the
/// program's output and everything the client received.
pub fn run_with_tcp_client(
    cmd: &mut Command,
    addr: std::net::SocketAddr,
    script: &[TcpStep],
) -> Result<(Output, Vec<u8>)> {
    use std::net::{Shutdown, TcpStream};
    use std::sync::{Arc, Mutex};
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("failed to start the program")?;
    let capture = |pipe: Box<dyn Read + Send>| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buffer);
        let thread = std::thread::spawn(move || {
            let mut pipe = pipe;
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                sink.lock()
                    .expect("capture lock")
                    .extend_from_slice(&chunk[..n]);
            }
        });
        (buffer, thread)
    };
    let (stdout, stdout_thread) = capture(Box::new(child.stdout.take().expect("piped")));
    let (stderr, stderr_thread) = capture(Box::new(child.stderr.take().expect("piped")));
    let start = Instant::now();
    let mut received = Vec::new();
    let mut connection: Option<TcpStream> = None;
    let mut result = Ok(());
    for step in script {
        let outcome: Result<()> = (|| {
            match step {
                TcpStep::WaitStdout(text) => loop {
                    let seen =
                        String::from_utf8_lossy(&stdout.lock().expect("lock")).contains(text);
                    if seen {
                        break;
                    }
                    // Once the program has exited and all its output is in, the text
                    // cannot come any more.
                    let finished = child.try_wait()?.is_some() && stdout_thread.is_finished();
                    if start.elapsed() > RUN_TIMEOUT || finished {
                        bail!("the program did not print `{text}`");
                    }
                    std::thread::sleep(Duration::from_millis(5));
                },
                TcpStep::Connect => loop {
                    match TcpStream::connect(addr) {
                        Ok(stream) => {
                            stream.set_read_timeout(Some(RUN_TIMEOUT))?;
                            connection = Some(stream);
                            break;
                        }
                        Err(_) if start.elapsed() < Duration::from_secs(30) => {
                            std::thread::sleep(Duration::from_millis(10))
                        }
                        Err(e) => return Err(e).context("cannot connect to the program"),
                    }
                },
                TcpStep::Send(bytes) => {
                    use std::io::Write as _;
                    connection
                        .as_mut()
                        .context("send before connect")?
                        .write_all(bytes)?
                }
                TcpStep::ShutdownWrite => connection
                    .as_ref()
                    .context("shutdown before connect")?
                    .shutdown(Shutdown::Write)?,
                TcpStep::RecvAll => {
                    connection
                        .as_mut()
                        .context("recv before connect")?
                        .read_to_end(&mut received)?;
                }
                TcpStep::Close => connection = None,
            }
            Ok(())
        })();
        if let Err(e) = outcome {
            result = Err(e).with_context(|| format!("tcp script step {step:?}"));
            break;
        }
    }
    drop(connection);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > RUN_TIMEOUT || result.is_err() {
            let _ = child.kill();
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = stdout_thread.join();
    let _ = stderr_thread.join();
    let output = Output {
        status,
        stdout: std::mem::take(&mut *stdout.lock().expect("lock")),
        stderr: std::mem::take(&mut *stderr.lock().expect("lock")),
    };
    match result {
        Ok(()) => Ok((output, received)),
        Err(e) => Err(e.context(format!(
            "stdout so far:\n{}\nstderr so far:\n{}",
            output.stdout_text(),
            output.stderr_text()
        ))),
    }
}
