//! The `wasi-aot` command line: `build`, `run`, `inspect`.
//!
//! Exit status: 0 on success, 1 when a build fails, 2 on usage errors; `run` exits with the
//! program's status.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::time::Instant;
use wasi_aot_compiler::{compile_command, read_input, Config, OptLevel, TargetCpu};

#[derive(Parser)]
#[command(
    name = "wasi-aot",
    version,
    about = "Compile WebAssembly (WASI) to native executables"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile a module into a native executable.
    Build(BuildArgs),
    /// Build (cached) and run a module: `wasi-aot run app.wasm -- args...`.
    Run {
        #[command(flatten)]
        build: PolicyArgs,
        /// The .wasm or .wat input.
        input: PathBuf,
        /// Arguments passed to the program.
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Describe a module: kind, imports and exports, and whether wasi-aot supports them.
    Inspect {
        /// The .wasm or .wat input.
        input: PathBuf,
    },
}

#[derive(clap::Args)]
struct BuildArgs {
    /// The .wasm or .wat input.
    input: PathBuf,
    /// The executable (or object) to write.
    #[arg(short, long)]
    output: PathBuf,
    /// What to write.
    #[arg(long, value_enum, default_value = "exe")]
    emit: Emit,
    /// Link fully statically.
    #[arg(long = "static")]
    static_link: bool,
    /// Print phase timings.
    #[arg(short, long)]
    verbose: bool,
    #[command(flatten)]
    policy: PolicyArgs,
}

#[derive(clap::Args, Clone)]
struct PolicyArgs {
    /// Preopen a directory: HOST[::GUEST] (repeatable). A relative HOST is resolved against
    /// the executable's working directory when it runs; GUEST defaults to HOST.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// Preopen a listening TCP socket on IP:PORT (repeatable); the guest accepts connections
    /// on it with sock_accept. Its descriptor follows the preopened directories.
    #[arg(long = "tcp-listen", value_name = "IP:PORT")]
    tcp_listen: Vec<String>,
    /// Build a `wasi:http/proxy` component into an HTTP server listening on IP:PORT (port 0
    /// picks a free one). The environment variable WASI_AOT_LISTEN overrides it at run time.
    #[arg(long, value_name = "IP:PORT")]
    listen: Option<String>,
    /// Let the guest's sockets reach the whole network: connect, listen, UDP and name
    /// lookup anywhere. Without it and the narrower --allow-* forms, the network is denied.
    #[arg(long)]
    allow_net: bool,
    /// Let TCP sockets connect to HOST[:PORTS] (repeatable). HOST is *, an IP address, a CIDR
    /// block (10.0.0.0/8, [fd00::/8]) or a host name; PORTS is a port, LOW-HIGH or *.
    #[arg(long = "allow-tcp-connect", value_name = "HOST[:PORTS]")]
    allow_tcp_connect: Vec<String>,
    /// Let TCP sockets bind to and listen on local addresses matching ADDR[:PORTS]
    /// (repeatable), in the same syntax.
    #[arg(long = "allow-tcp-listen", value_name = "ADDR[:PORTS]")]
    allow_tcp_listen: Vec<String>,
    /// Let UDP sockets bind to local addresses, and send to remote ones, matching
    /// HOST[:PORTS] (repeatable), in the same syntax.
    #[arg(long = "allow-udp", value_name = "HOST[:PORTS]")]
    allow_udp: Vec<String>,
    /// Let the guest resolve any host name (names in --allow-tcp-connect and --allow-udp
    /// rules always resolve).
    #[arg(long)]
    allow_name_lookup: bool,
    /// Trust the certificates of FILE (PEM, or one DER certificate) for https requests,
    /// besides the Mozilla roots built in (repeatable). They are baked into the executable.
    #[arg(long = "tls-ca", value_name = "FILE")]
    tls_ca: Vec<PathBuf>,
    /// Bake an environment variable KEY=VALUE (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Pass the host environment through at run time.
    #[arg(long)]
    inherit_env: bool,
    /// Optimisation level: 0, 1, 2 or s.
    #[arg(short = 'O', value_name = "LEVEL", default_value = "2")]
    opt: String,
    /// Compile with this many threads (0 = one per core).
    #[arg(short = 'j', long = "jobs", default_value_t = 0)]
    jobs: usize,
    /// The CPU the executable may assume: x86-64-v2 (runs anywhere), x86-64-v3 (AVX2,
    /// FMA) or native (the build machine's).
    #[arg(long = "target-cpu", value_enum, default_value = "x86-64-v2")]
    target_cpu: TargetCpuArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum TargetCpuArg {
    #[value(name = "x86-64-v2")]
    X86_64V2,
    #[value(name = "x86-64-v3")]
    X86_64V3,
    Native,
}

#[derive(Clone, Copy, ValueEnum)]
enum Emit {
    Exe,
    Obj,
}

impl PolicyArgs {
    fn config(&self) -> Result<Config> {
        let opt_level = match self.opt.as_str() {
            "0" => OptLevel::None,
            "1" | "2" | "3" => OptLevel::Speed,
            "s" => OptLevel::SpeedAndSize,
            other => {
                return Err(UsageError(format!(
                    "unknown optimisation level `-O{other}`; use -O0, -O1, -O2 or -Os"
                ))
                .into())
            }
        };
        for e in &self.env {
            if !e.contains('=') || e.starts_with('=') {
                return Err(UsageError(format!("bad --env `{e}`: expected KEY=VALUE")).into());
            }
        }
        let dirs = self
            .dirs
            .iter()
            .map(|d| parse_dir(d))
            .collect::<Result<Vec<_>>>()?;
        for addr in &self.tcp_listen {
            if addr.parse::<std::net::SocketAddr>().is_err() {
                return Err(UsageError(format!(
                    "bad --tcp-listen `{addr}`: expected IP:PORT, e.g. 127.0.0.1:8080 or [::1]:8080"
                ))
                .into());
            }
        }
        if let Some(addr) = &self.listen {
            if addr.parse::<std::net::SocketAddr>().is_err() {
                return Err(UsageError(format!(
                    "bad --listen `{addr}`: expected IP:PORT, e.g. 0.0.0.0:8080 or [::]:8080"
                ))
                .into());
            }
        }
        for (flag, rules) in [
            ("--allow-tcp-connect", &self.allow_tcp_connect),
            ("--allow-tcp-listen", &self.allow_tcp_listen),
            ("--allow-udp", &self.allow_udp),
        ] {
            for rule in rules {
                wasi_aot_abi::net_policy::NetRule::parse(rule)
                    .map_err(|e| UsageError(format!("bad {flag} {e}")))?;
            }
        }
        let mut tls_roots = Vec::new();
        for file in &self.tls_ca {
            let certs = wasi_aot_compiler::tls_ca::read_trust_anchors(file)
                .map_err(|e| UsageError(format!("bad --tls-ca: {e}")))?;
            tls_roots.extend(certs);
        }
        Ok(Config {
            opt_level,
            target_cpu: match self.target_cpu {
                TargetCpuArg::X86_64V2 => TargetCpu::X86_64V2,
                TargetCpuArg::X86_64V3 => TargetCpu::X86_64V3,
                TargetCpuArg::Native => TargetCpu::Native,
            },
            wasi: wasi_aot_abi::metadata::WasiPolicy {
                env: self.env.clone(),
                inherit_env: self.inherit_env,
                dirs,
                tcp_listen: self.tcp_listen.clone(),
                allow_net: self.allow_net,
                tcp_connect: self.allow_tcp_connect.clone(),
                tcp_listen_rules: self.allow_tcp_listen.clone(),
                udp: self.allow_udp.clone(),
                name_lookup: self.allow_name_lookup,
                listen: self.listen.clone(),
                tls_roots,
            },
            threads: self.jobs,
            ..Config::default()
        })
    }
}

/// Splits a `--dir` value into (host path, guest path); the guest path defaults to the host's.
fn parse_dir(value: &str) -> Result<(String, String)> {
    let (host, guest) = value.split_once("::").unwrap_or((value, value));
    if host.is_empty() || guest.is_empty() {
        return Err(UsageError(format!(
            "bad --dir `{value}`: expected HOST or HOST::GUEST with neither part empty"
        ))
        .into());
    }
    Ok((host.to_string(), guest.to_string()))
}

/// A mistake in the command line (exit status 2), as opposed to a failed build (1).
#[derive(Debug)]
struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build(args) => build(&args).map(|_| 0),
        Command::Run { build, input, args } => run(&build, &input, &args),
        Command::Inspect { input } => inspect(&input).map(|_| 0),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            let usage = e.downcast_ref::<UsageError>().is_some();
            std::process::exit(if usage { 2 } else { 1 });
        }
    }
}

/// Compiles `input` to an object, then links it unless only the object is wanted.
fn compile_and_link(
    input: &Path,
    output: &Path,
    config: &Config,
    emit: Emit,
    static_link: bool,
    verbose: bool,
) -> Result<()> {
    let start = Instant::now();
    let wasm = read_input(input)?;
    let read_time = start.elapsed();
    let name = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "module".into());
    let compiled = compile_command(&wasm, &name, config)
        .with_context(|| format!("failed to compile `{}`", input.display()))?;
    let object_path = match emit {
        Emit::Obj => output.to_path_buf(),
        Emit::Exe => output.with_extension("o.tmp"),
    };
    std::fs::write(&object_path, &compiled.object)
        .with_context(|| format!("failed to write `{}`", object_path.display()))?;
    let link_start = Instant::now();
    if let Emit::Exe = emit {
        let linked = wasi_aot_linker::link(&wasi_aot_linker::LinkOptions {
            object: object_path.clone(),
            output: output.to_path_buf(),
            static_link,
            strip: false,
        });
        let _ = std::fs::remove_file(&object_path);
        linked.with_context(|| format!("failed to link `{}`", output.display()))?;
    }
    if verbose {
        eprintln!("read      {:>9.3} ms", read_time.as_secs_f64() * 1e3);
        for (phase, time) in &compiled.timings {
            eprintln!("{phase:<18}{:>9.3} ms", time.as_secs_f64() * 1e3);
        }
        if let Emit::Exe = emit {
            eprintln!(
                "link      {:>9.3} ms",
                link_start.elapsed().as_secs_f64() * 1e3
            );
        }
        eprintln!(
            "total     {:>9.3} ms ({} functions)",
            start.elapsed().as_secs_f64() * 1e3,
            compiled.functions
        );
    }
    Ok(())
}

fn build(args: &BuildArgs) -> Result<()> {
    let config = args.policy.config()?;
    compile_and_link(
        &args.input,
        &args.output,
        &config,
        args.emit,
        args.static_link,
        args.verbose,
    )
}

fn run(policy: &PolicyArgs, input: &Path, args: &[String]) -> Result<i32> {
    use std::hash::{Hash, Hasher};
    let config = policy.config()?;
    let bytes = std::fs::read(input).with_context(|| input.display().to_string())?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    // The cached executable is this compiler's output for this input and policy: the key
    // names the compiler binary itself (a rebuilt wasi-aot of the same version compiles
    // differently) and the runtime it links.
    let compiler = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| (m.len(), m.modified().ok()))
        .ok();
    (
        env!("CARGO_PKG_VERSION"),
        compiler,
        wasi_aot_linker::runtime::embedded_hash(),
        &bytes,
        &config.wasi,
        &policy.opt,
    )
        .hash(&mut hasher);
    let dir = wasi_aot_linker::runtime::cache_dir().join("run");
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("failed to create `{}`", dir.display()))?;
    let exe = dir.join(format!("{:016x}", hasher.finish()));
    if !exe.is_file() {
        let tmp = dir.join(format!("{:016x}.{}", hasher.finish(), std::process::id()));
        compile_and_link(input, &tmp, &config, Emit::Exe, false, false)?;
        std::fs::rename(&tmp, &exe)
            .with_context(|| format!("failed to write `{}`", exe.display()))?;
    }
    use std::os::unix::process::CommandExt;
    let argv0 = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "app".into());
    let err = std::process::Command::new(&exe)
        .arg0(argv0)
        .args(args)
        .exec();
    Err(err).with_context(|| format!("failed to run `{}`", exe.display()))
}

fn inspect(input: &Path) -> Result<()> {
    let wasm = read_input(input)?;
    print!("{}", wasi_aot_compiler::inspect::describe(&wasm)?);
    Ok(())
}
