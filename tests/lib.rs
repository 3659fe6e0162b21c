//! Shared helpers of the wasi-aot test harnesses (`spec.rs`, `wasi.rs`, `errors.rs`).
//!
//! Each harness builds executables through the same library entry points the `wasi-aot`
//! binary uses: `wasi_aot_compiler::compile_program`, then `wasi_aot_linker::link`.
//!
//! Helpers here: [`build_executable`] (wasm bytes to a linked executable), [`run`] (a
//! child process with exact args, stdin and environment, captured), golden files
//! ([`bless`], [`expect_golden`], [`expect_status`], [`line_diff`]) and paths
//! ([`workspace_root`]).

use anyhow::{bail, Context, Result};
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
    let name = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "module".into());
    let object = compile_object(wasm, &name, kind, config)
        .with_context(|| format!("failed to compile `{name}`"))?;
    let mut object_path = out.as_os_str().to_owned();
    object_path.push(".o");
    let object_path = PathBuf::from(object_path);
    std::fs::write(&object_path, &object)
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
pub fn parse_args_file(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    let text = text.strip_suffix('\n').unwrap_or(text);
    text.split('\n').map(str::to_string).collect()
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
