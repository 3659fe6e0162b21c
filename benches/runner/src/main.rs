//! `wasi-aot-bench`, the benchmark behind `make bench` (issue 4). It compares
//! `wasi-aot` with the two reference points of DESIGN.md §5, measured side by side in
//! one run: the same C source built natively with `gcc -O2`, and wasmtime running the
//! same `.wasm` precompiled.
//!
//! Sections, in run order:
//! - run time: `benches/programs/*.c` (and SQLite as a reference row), outputs checked
//!   against native before anything is timed ([`kernels`]);
//! - start-up and executable size of a hello world ([`startup`]);
//! - the WASI host-call path, 100k `fd_write` calls ([`hostcall`]);
//! - build time and peak memory on the SQLite module ([`sqlite`]), and on the largest
//!   component test program ([`component_build`]);
//! - HTTP servers: requests per second and latency of a proxy component under load, our
//!   executable against `wasmtime serve` ([`http`]).
//!
//! Results go to stdout and, for a complete run, to `benches/RESULTS.md` and
//! `benches/ratios.svg`. `wasi-aot-bench sqlite-wasm` rebuilds the checked-in SQLite
//! module. The runner never asserts on timing; it reports.

mod chart;
mod component_build;
mod hostcall;
mod http;
mod kernels;
mod machine;
mod measure;
mod report;
mod sqlite;
mod startup;
mod tools;
mod variants;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::kernels::KernelResult;
use crate::machine::Machine;
use crate::report::Report;
use crate::tools::Tools;

/// Section names accepted by `--only` besides program names.
const SECTIONS: [&str; 5] = ["sqlite", "startup", "hostcall", "build", "http"];

#[derive(Parser)]
#[command(
    name = "wasi-aot-bench",
    about = "Benchmark wasi-aot against native gcc -O2 and wasmtime (make bench)"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// One timed round per program and fewer start-up, host-call and build runs.
    #[arg(long)]
    quick: bool,
    /// Timed rounds per program [default: 5, or 1 with --quick].
    #[arg(long, value_name = "N")]
    rounds: Option<usize>,
    /// Run only this program or section (repeatable). Sections: sqlite (the SQLite
    /// run-time row), startup, hostcall, build, http.
    #[arg(long, value_name = "NAME")]
    only: Vec<String>,
    /// Write benches/RESULTS.md and benches/ratios.svg even for a partial or quick run
    /// (a complete run without --quick always writes them).
    #[arg(long)]
    write: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Rebuild benches/sqlite/sqlite_bench.wasm from the SQLite amalgamation that the
    /// libsqlite3-sys crate bundles (needs clang and wasi-libc).
    SqliteWasm,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn repository_root() -> Result<PathBuf> {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest_dir.join("../..");
    root.canonicalize()
        .with_context(|| format!("repository root `{}` not found", root.display()))
}

fn run(cli: Cli) -> Result<ExitCode> {
    let root = repository_root()?;
    if let Some(Command::SqliteWasm) = cli.command {
        let wasm = sqlite::rebuild_wasm(&Tools::find_compilers(&root))?;
        eprintln!("wrote {}", wasm.display());
        return Ok(ExitCode::SUCCESS);
    }

    let rounds = cli.rounds.unwrap_or(if cli.quick { 1 } else { 5 }).max(1);
    let (startup_runs, hostcall_runs, build_reps) =
        if cli.quick { (50, 7, 1) } else { (100, 21, 3) };
    let wanted = |name: &str| cli.only.is_empty() || cli.only.iter().any(|o| o == name);
    let programs = kernels::discover(&root, &cli.only)?;
    for name in &cli.only {
        if !SECTIONS.contains(&name.as_str()) && !programs.iter().any(|p| &p.name == name) {
            anyhow::bail!(
                "unknown program or section `{name}`; sections are {}",
                SECTIONS.join(", ")
            );
        }
    }

    let tools = Tools::find(&root)?;
    let machine = Machine::describe(&tools);
    eprintln!(
        "{} ({} cores), {}; {}; {}; {}",
        machine.cpu, machine.cores, machine.kernel, machine.gcc, machine.wasmtime, machine.wasi_aot
    );

    let mut results: Vec<KernelResult> = Vec::new();
    if !programs.is_empty() {
        eprintln!(
            "run time: {} programs, {rounds} rounds each",
            programs.len()
        );
    }
    for program in &programs {
        results.push(kernels::measure(&tools, program, rounds, true));
    }
    if wanted("sqlite") {
        eprintln!("run time: sqlite");
        match sqlite::program(&tools) {
            Ok(program) => results.push(kernels::measure(&tools, &program, rounds, false)),
            Err(err) => {
                eprintln!("  sqlite: NOT TIMED: {err:#}");
                results.push(KernelResult {
                    name: "sqlite".into(),
                    category: "real program".into(),
                    in_geomean: false,
                    outcome: Err(format!("{err:#}")),
                });
            }
        }
    }
    let startup = wanted("startup").then(|| {
        eprintln!("startup: {startup_runs} runs each");
        startup::measure(&tools, startup_runs).map_err(|e| format!("{e:#}"))
    });
    let hostcall = wanted("hostcall").then(|| {
        eprintln!("host calls: {hostcall_runs} runs each");
        hostcall::measure(&tools, hostcall_runs).map_err(|e| format!("{e:#}"))
    });
    let build = wanted("build").then(|| {
        eprintln!("build: SQLite, {build_reps} builds each");
        sqlite::compare_build(&tools, build_reps).map_err(|e| format!("{e:#}"))
    });

    let component_build = wanted("build").then(|| {
        eprintln!(
            "build: {}, {build_reps} builds each",
            component_build::INPUT
        );
        component_build::compare(&tools, build_reps).map_err(|e| format!("{e:#}"))
    });

    let http = wanted("http").then(|| {
        let seconds = if cli.quick { 2.0 } else { 8.0 };
        eprintln!("http: {seconds} s per load run");
        http::measure(&tools, seconds).map_err(|e| format!("{e:#}"))
    });

    let report = Report {
        machine,
        rounds,
        kernels: results,
        startup,
        hostcall,
        build,
        component_build,
        http,
    };
    println!("{}", report.text());

    let complete = cli.only.is_empty() && !cli.quick;
    if complete || cli.write {
        let results_md = root.join("benches/RESULTS.md");
        let chart = root.join("benches/ratios.svg");
        fs::write(&results_md, report.markdown())
            .with_context(|| format!("failed to write `{}`", results_md.display()))?;
        fs::write(&chart, chart::svg(&report))
            .with_context(|| format!("failed to write `{}`", chart.display()))?;
        eprintln!("wrote {} and {}", results_md.display(), chart.display());
    }

    let failed: Vec<&str> = report
        .kernels
        .iter()
        .filter(|k| k.outcome.is_err())
        .map(|k| k.name.as_str())
        .collect();
    let sections_failed = [
        report.startup.as_ref().is_some_and(|s| s.is_err()),
        report.hostcall.as_ref().is_some_and(|s| s.is_err()),
        report.build.as_ref().is_some_and(|s| s.is_err()),
        report.component_build.as_ref().is_some_and(|s| s.is_err()),
        report.http.as_ref().is_some_and(|s| s.is_err()),
    ];
    if !failed.is_empty() || sections_failed.iter().any(|&f| f) {
        eprintln!(
            "error: not everything was measured (untimed programs: {})",
            if failed.is_empty() {
                "none".to_string()
            } else {
                failed.join(", ")
            }
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
