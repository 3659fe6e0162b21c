//! Everything one run measured, and its two renderings: a plain-text table for the
//! terminal and `benches/RESULTS.md`. Both show the targets of issue 4 with the
//! measured figure next to each.

use std::fmt::Write as _;

use crate::component_build::ComponentBuildResult;
use crate::hostcall::HostcallResult;
use crate::http::HttpResult;
use crate::kernels::KernelResult;
use crate::machine::Machine;
use crate::measure::geomean;
use crate::sqlite::BuildResult;
use crate::startup::StartupResult;
use crate::variants::Variant;

/// The results of one run. A section that was skipped is `None`; one that failed holds
/// the error text.
#[derive(Debug)]
pub struct Report {
    /// The machine and tool versions.
    pub machine: Machine,
    /// Timed rounds per program.
    pub rounds: usize,
    /// One row per program.
    pub kernels: Vec<KernelResult>,
    /// Start-up and size.
    pub startup: Option<Result<StartupResult, String>>,
    /// The host-call loop.
    pub hostcall: Option<Result<HostcallResult, String>>,
    /// Build time and memory on SQLite.
    pub build: Option<Result<BuildResult, String>>,
    /// Build time and memory on the largest component.
    pub component_build: Option<Result<ComponentBuildResult, String>>,
    /// HTTP servers under load.
    pub http: Option<Result<HttpResult, String>>,
}

/// One target (of issues 4, 10 and 11), checked against the measurement.
pub struct Target {
    /// What the issue asks for.
    pub goal: &'static str,
    /// The measured figure, in words.
    pub measured: String,
    /// Whether it is met; `None` when not measured in this run.
    pub met: Option<bool>,
}

impl Report {
    /// The geometric mean of `a / b` over the programs that count and were timed.
    pub fn geomean(&self, a: Variant, b: Variant) -> Option<f64> {
        let ratios: Vec<f64> = self
            .kernels
            .iter()
            .filter(|k| k.in_geomean)
            .filter_map(|k| k.ratio(a, b))
            .collect();
        geomean(&ratios)
    }

    /// The same by CPU time (user + system), which sharing the machine disturbs less.
    pub fn cpu_geomean(&self, a: Variant, b: Variant) -> Option<f64> {
        let ratios: Vec<f64> = self
            .kernels
            .iter()
            .filter(|k| k.in_geomean)
            .filter_map(|k| k.cpu_ratio(a, b))
            .collect();
        geomean(&ratios)
    }

    fn geomean_count(&self) -> usize {
        self.kernels
            .iter()
            .filter(|k| k.in_geomean && k.outcome.is_ok())
            .count()
    }

    /// The targets, with what this run measured.
    pub fn targets(&self) -> Vec<Target> {
        let mut targets = Vec::new();
        let gm_wasmtime = self.geomean(Variant::WasiAot, Variant::Wasmtime);
        targets.push(Target {
            goal: "run time: geomean ≤ 0.95 × wasmtime",
            measured: fmt_ratio(gm_wasmtime),
            met: gm_wasmtime.map(|g| g <= 0.95),
        });
        let gm_native = self.geomean(Variant::WasiAot, Variant::Native);
        targets.push(Target {
            goal: "run time: geomean ≤ 1.25 × native gcc -O2",
            measured: fmt_ratio(gm_native),
            met: gm_native.map(|g| g <= 1.25),
        });
        let worst = self
            .kernels
            .iter()
            .filter_map(|k| Some((k.ratio(Variant::WasiAot, Variant::Wasmtime)?, &k.name)))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        targets.push(Target {
            goal: "run time: no program worse than 1.1 × wasmtime",
            measured: worst
                .map(|(r, name)| format!("worst {r:.2}× ({name})"))
                .unwrap_or_else(|| "not measured".into()),
            met: worst.map(|(r, _)| r <= 1.1),
        });
        match &self.startup {
            Some(Ok(s)) => {
                let [native, wasmtime, aot] = s.median_ms;
                targets.push(Target {
                    goal: "startup: hello ≤ 1.5 × native C hello",
                    measured: format!("{:.2}× ({aot:.2} ms vs {native:.2} ms)", aot / native),
                    met: Some(aot / native <= 1.5),
                });
                targets.push(Target {
                    goal: "startup: ≥ 2.5 × faster than `wasmtime run` (precompiled)",
                    measured: format!("{:.1}× ({wasmtime:.2} ms vs {aot:.2} ms)", wasmtime / aot),
                    met: Some(wasmtime / aot >= 2.5),
                });
                targets.push(Target {
                    goal: "size: stripped hello-world executable ≤ 1 MiB",
                    measured: fmt_bytes(s.aot_stripped_bytes),
                    met: Some(s.aot_stripped_bytes <= 1 << 20),
                });
            }
            other => {
                let measured = not_measured(other);
                for goal in [
                    "startup: hello ≤ 1.5 × native C hello",
                    "startup: ≥ 2.5 × faster than `wasmtime run` (precompiled)",
                    "size: stripped hello-world executable ≤ 1 MiB",
                ] {
                    targets.push(Target {
                        goal,
                        measured: measured.clone(),
                        met: None,
                    });
                }
            }
        }
        match &self.build {
            Some(Ok(b)) => {
                targets.push(Target {
                    goal: "build: `wasi-aot build` wall time ≤ `wasmtime compile` (SQLite)",
                    measured: format!("{:.2} s vs {:.2} s", b.aot.0, b.wasmtime.0),
                    met: Some(b.aot.0 <= b.wasmtime.0),
                });
                targets.push(Target {
                    goal: "build: peak memory no higher than `wasmtime compile`",
                    measured: format!(
                        "{} vs {}",
                        fmt_bytes(b.aot.2 * 1024),
                        fmt_bytes(b.wasmtime.2 * 1024)
                    ),
                    met: Some(b.aot.2 <= b.wasmtime.2),
                });
            }
            other => {
                for goal in [
                    "build: `wasi-aot build` wall time ≤ `wasmtime compile` (SQLite)",
                    "build: peak memory no higher than `wasmtime compile`",
                ] {
                    targets.push(Target {
                        goal,
                        measured: not_measured(other),
                        met: None,
                    });
                }
            }
        }
        const FRONT_END_GOAL: &str =
            "build: a component's own stages ≤ 10% of its build (the rest is its core modules)";
        const COMPONENT_BUILD_GOAL: &str =
            "build: `wasi-aot build` wall time ≤ `wasmtime compile` (largest component)";
        match &self.component_build {
            Some(Ok(c)) => {
                let share = c.component_ms.0 / c.component_ms.1;
                targets.push(Target {
                    goal: FRONT_END_GOAL,
                    measured: format!("{:.1}%", 100.0 * share),
                    met: Some(share <= 0.10),
                });
                targets.push(Target {
                    goal: COMPONENT_BUILD_GOAL,
                    measured: format!("{:.2} s vs {:.2} s", c.aot.0, c.wasmtime.0),
                    met: Some(c.aot.0 <= c.wasmtime.0),
                });
            }
            other => {
                for goal in [FRONT_END_GOAL, COMPONENT_BUILD_GOAL] {
                    targets.push(Target {
                        goal,
                        measured: not_measured(other),
                        met: None,
                    });
                }
            }
        }
        const COMPONENT_GOAL: &str =
            "host calls: a component's blocking-write-and-flush ≤ the P1 fd_write build";
        match &self.hostcall {
            Some(Ok(h)) => {
                let r = h.ratio(Variant::WasiAot, Variant::Native);
                targets.push(Target {
                    goal: "host calls: 100k fd_write to /dev/null ≤ 1.2 × native",
                    measured: format!("{r:.2}×"),
                    met: Some(r <= 1.2),
                });
                let p1 = h.median_ms[Variant::WasiAot.index()];
                let c = h.component_ms.1 / p1;
                targets.push(Target {
                    goal: COMPONENT_GOAL,
                    measured: format!("{c:.2}× the P1 build"),
                    met: Some(c <= 1.0),
                });
            }
            other => {
                for goal in [
                    "host calls: 100k fd_write to /dev/null ≤ 1.2 × native",
                    COMPONENT_GOAL,
                ] {
                    targets.push(Target {
                        goal,
                        measured: not_measured(other),
                        met: None,
                    });
                }
            }
        }
        const HTTP_RATE_GOAL: &str =
            "http: ≥ 2× `wasmtime serve`'s requests per second at 64 connections";
        const HTTP_P99_GOAL: &str = "http: p99 latency ≤ `wasmtime serve`'s at 64 connections";
        match &self.http {
            Some(Ok(h)) => {
                let speedup = h.speedup(64).unwrap_or(f64::NAN);
                targets.push(Target {
                    goal: HTTP_RATE_GOAL,
                    measured: format!("{speedup:.2}×"),
                    met: Some(speedup >= 2.0),
                });
                if let Some((wasmtime, aot)) = h.p99(64) {
                    targets.push(Target {
                        goal: HTTP_P99_GOAL,
                        measured: format!(
                            "{:.2} ms vs {:.2} ms",
                            aot.as_secs_f64() * 1e3,
                            wasmtime.as_secs_f64() * 1e3
                        ),
                        met: Some(aot <= wasmtime),
                    });
                }
            }
            other => {
                for goal in [HTTP_RATE_GOAL, HTTP_P99_GOAL] {
                    targets.push(Target {
                        goal,
                        measured: not_measured(other),
                        met: None,
                    });
                }
            }
        }
        targets
    }

    /// The plain-text rendering for the terminal.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<12} {:<13} {:>9} {:>10} {:>10} {:>11} {:>13} {:>10} {:>10}",
            "program",
            "category",
            "native s",
            "wasmtime s",
            "wasi-aot s",
            "aot/native",
            "aot/wasmtime",
            "cpu a/n",
            "cpu a/w"
        );
        for k in &self.kernels {
            match &k.outcome {
                Ok(_) => {
                    let _ = writeln!(
                        out,
                        "{:<12} {:<13} {:>9} {:>10} {:>10} {:>11} {:>13} {:>10} {:>10}{}",
                        k.name,
                        k.category,
                        fmt_secs(k.median_wall(Variant::Native)),
                        fmt_secs(k.median_wall(Variant::Wasmtime)),
                        fmt_secs(k.median_wall(Variant::WasiAot)),
                        fmt_ratio(k.ratio(Variant::WasiAot, Variant::Native)),
                        fmt_ratio(k.ratio(Variant::WasiAot, Variant::Wasmtime)),
                        fmt_ratio(k.cpu_ratio(Variant::WasiAot, Variant::Native)),
                        fmt_ratio(k.cpu_ratio(Variant::WasiAot, Variant::Wasmtime)),
                        if k.in_geomean {
                            ""
                        } else {
                            "  (not in geomean)"
                        }
                    );
                }
                Err(reason) => {
                    let first = reason.lines().next().unwrap_or("");
                    let _ = writeln!(out, "{:<12} {:<13} NOT TIMED: {first}", k.name, k.category);
                }
            }
        }
        if !self.kernels.is_empty() {
            let _ = writeln!(
                out,
                "{:<57} {:>11} {:>13} {:>10} {:>10}",
                format!("geometric mean ({} programs)", self.geomean_count()),
                fmt_ratio(self.geomean(Variant::WasiAot, Variant::Native)),
                fmt_ratio(self.geomean(Variant::WasiAot, Variant::Wasmtime)),
                fmt_ratio(self.cpu_geomean(Variant::WasiAot, Variant::Native)),
                fmt_ratio(self.cpu_geomean(Variant::WasiAot, Variant::Wasmtime)),
            );
        }
        let _ = writeln!(out);
        if let Some(section) = &self.startup {
            match section {
                Ok(s) => {
                    let [native, wasmtime, aot] = s.median_ms;
                    let _ = writeln!(
                        out,
                        "startup (hello, median of {} runs): native {native:.2} ms, wasmtime {wasmtime:.2} ms, \
                         wasi-aot {aot:.2} ms (aot/native {:.2}, wasmtime/aot {:.1})",
                        s.runs,
                        aot / native,
                        wasmtime / aot
                    );
                    let _ = writeln!(
                        out,
                        "size (hello): wasi-aot {} stripped ({} as built), native {} stripped, .cwasm {}",
                        fmt_bytes(s.aot_stripped_bytes),
                        fmt_bytes(s.aot_bytes),
                        fmt_bytes(s.native_stripped_bytes),
                        fmt_bytes(s.cwasm_bytes)
                    );
                }
                Err(e) => {
                    let _ = writeln!(out, "startup: FAILED: {e}");
                }
            }
        }
        if let Some(section) = &self.build {
            match section {
                Ok(b) => {
                    let _ = writeln!(
                        out,
                        "build (SQLite, {} of code, median of {}): wasi-aot build {:.2} s ({:.2} s CPU), peak {}; \
                         wasmtime compile {:.2} s ({:.2} s CPU), peak {}",
                        fmt_bytes(b.code_bytes),
                        b.reps,
                        b.aot.0,
                        b.aot.1,
                        fmt_bytes(b.aot.2 * 1024),
                        b.wasmtime.0,
                        b.wasmtime.1,
                        fmt_bytes(b.wasmtime.2 * 1024)
                    );
                }
                Err(e) => {
                    let _ = writeln!(out, "build: FAILED: {e}");
                }
            }
        }
        if let Some(section) = &self.component_build {
            match section {
                Ok(c) => {
                    let _ = writeln!(
                        out,
                        "build (component {}, {}, median of {}): wasi-aot build {:.2} s ({:.2} s \
                         CPU), peak {}; wasmtime compile {:.2} s ({:.2} s CPU), peak {}; component \
                         front end {:.0} of {:.0} ms",
                        crate::component_build::INPUT,
                        fmt_bytes(c.bytes),
                        c.reps,
                        c.aot.0,
                        c.aot.1,
                        fmt_bytes(c.aot.2 * 1024),
                        c.wasmtime.0,
                        c.wasmtime.1,
                        fmt_bytes(c.wasmtime.2 * 1024),
                        c.component_ms.0,
                        c.component_ms.1
                    );
                }
                Err(e) => {
                    let _ = writeln!(out, "build (component): FAILED: {e}");
                }
            }
        }
        if let Some(section) = &self.hostcall {
            match section {
                Ok(h) => {
                    let [native, wasmtime, aot] = h.median_ms;
                    let _ = writeln!(
                        out,
                        "host calls (100k fd_write to /dev/null, median of {}): native {native:.1} ms, \
                         wasmtime {wasmtime:.1} ms, wasi-aot {aot:.1} ms (aot/native {:.2})",
                        h.runs,
                        aot / native
                    );
                    let (c_wasmtime, c_aot) = h.component_ms;
                    let _ = writeln!(
                        out,
                        "host calls as a component (100k blocking-write-and-flush): wasmtime \
                         {c_wasmtime:.1} ms, wasi-aot {c_aot:.1} ms (vs the P1 build {:.2}, vs \
                         native {:.2})",
                        c_aot / aot,
                        c_aot / native
                    );
                }
                Err(e) => {
                    let _ = writeln!(out, "host calls: FAILED: {e}");
                }
            }
        }
        if let Some(section) = &self.http {
            match section {
                Ok(h) => out.push_str(&h.text()),
                Err(e) => {
                    let _ = writeln!(out, "http: FAILED: {e}");
                }
            }
        }
        let _ = writeln!(out, "\ntargets (issues 4, 10 and 11):");
        for t in self.targets() {
            let _ = writeln!(out, "  [{}] {}: {}", met_word(t.met), t.goal, t.measured);
        }
        out
    }

    /// The Markdown rendering, `benches/RESULTS.md`.
    pub fn markdown(&self) -> String {
        let m = &self.machine;
        let mut out = String::new();
        let _ = writeln!(out, "# Benchmark results\n");
        let _ = writeln!(
            out,
            "Written by `make bench` (`benches/runner`, package `wasi-aot-bench`) on {}. \
             Regenerate with `make bench`; `make bench BENCH_ARGS=--quick` does one round.\n",
            m.date
        );
        let _ = writeln!(out, "## Machine\n");
        let _ = writeln!(out, "| | |\n|---|---|");
        let _ = writeln!(out, "| CPU | {} ({} logical cores) |", m.cpu, m.cores);
        let _ = writeln!(out, "| kernel | {} |", m.kernel);
        let _ = writeln!(out, "| native compiler | {} (`-O2`, `-lm`) |", m.gcc);
        let _ = writeln!(
            out,
            "| wasm compiler (checked-in modules) | {} (`-O2 {}`, wasi-libc) |",
            m.clang,
            crate::tools::WASM_FEATURES.join(" ")
        );
        let _ = writeln!(out, "| wasmtime | {} |", m.wasmtime);
        let _ = writeln!(out, "| wasi-aot | {} |", m.wasi_aot);
        let _ = writeln!(
            out,
            "\n**Noise.** This machine has {} cores shared with other engineers' builds and \
             tests, so individual figures move by 10% or more between runs. Each figure is a \
             median, with the implementations alternating so that load changes hit all of them; \
             the CPU-time geomean is given too, as it is less disturbed by sharing.\n",
            m.cores
        );

        let _ = writeln!(out, "## Run time\n");
        let _ = writeln!(
            out,
            "Median wall time of {} per program; in each round native, wasmtime and \
             wasi-aot run one after the other. Every implementation's output was checked \
             against the native output before timing. Ratios below 1 mean wasi-aot is faster. \
             The last two columns are the same ratios by median CPU time (user + system), \
             which other processes on the machine disturb less than wall time.\n",
            plural(self.rounds, "round")
        );
        let _ = writeln!(
            out,
            "| program | category | native (s) | wasmtime (s) | wasi-aot (s) | wasi-aot / native | wasi-aot / wasmtime | by CPU time: / native | / wasmtime |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for k in &self.kernels {
            match &k.outcome {
                Ok(_) => {
                    let _ = writeln!(
                        out,
                        "| {}{} | {} | {} | {} | {} | {} | {} | {} | {} |",
                        k.name,
                        if k.in_geomean { "" } else { " ¹" },
                        k.category,
                        fmt_secs(k.median_wall(Variant::Native)),
                        fmt_secs(k.median_wall(Variant::Wasmtime)),
                        fmt_secs(k.median_wall(Variant::WasiAot)),
                        fmt_ratio(k.ratio(Variant::WasiAot, Variant::Native)),
                        fmt_ratio(k.ratio(Variant::WasiAot, Variant::Wasmtime)),
                        fmt_ratio(k.cpu_ratio(Variant::WasiAot, Variant::Native)),
                        fmt_ratio(k.cpu_ratio(Variant::WasiAot, Variant::Wasmtime)),
                    );
                }
                Err(reason) => {
                    let first = reason.lines().next().unwrap_or("");
                    let _ = writeln!(
                        out,
                        "| {} | {} | not timed: {} | | | | | | |",
                        k.name,
                        k.category,
                        first.replace('|', "\\|")
                    );
                }
            }
        }
        let _ = writeln!(
            out,
            "| **geometric mean** ({} programs) | | | | | **{}** | **{}** | {} | {} |",
            self.geomean_count(),
            fmt_ratio(self.geomean(Variant::WasiAot, Variant::Native)),
            fmt_ratio(self.geomean(Variant::WasiAot, Variant::Wasmtime)),
            fmt_ratio(self.cpu_geomean(Variant::WasiAot, Variant::Native)),
            fmt_ratio(self.cpu_geomean(Variant::WasiAot, Variant::Wasmtime)),
        );
        if self.kernels.iter().any(|k| !k.in_geomean) {
            let _ = writeln!(
                out,
                "\n¹ SQLite with our driver (`benches/sqlite/`): a real program, shown for \
                 reference and not counted in the geometric means of our kernels."
            );
        }
        let _ = writeln!(
            out,
            "\n![wasi-aot run-time ratios per program](ratios.svg)\n"
        );

        let _ = writeln!(out, "## Startup and size\n");
        match &self.startup {
            Some(Ok(s)) => {
                let [native, wasmtime, aot] = s.median_ms;
                let _ = writeln!(
                    out,
                    "`benches/startup/hello.c`, median wall time of {} runs each (process start \
                     to exit), alternating:\n",
                    s.runs
                );
                let _ = writeln!(out, "| native (gcc -O2, dynamically linked) | `wasmtime run --allow-precompiled` | wasi-aot |");
                let _ = writeln!(out, "|---:|---:|---:|");
                let _ = writeln!(out, "| {native:.2} ms | {wasmtime:.2} ms | {aot:.2} ms |");
                let _ = writeln!(
                    out,
                    "\nSizes: wasi-aot executable {} stripped ({} as built); native {} stripped; \
                     wasmtime's `.cwasm` {}.\n",
                    fmt_bytes(s.aot_stripped_bytes),
                    fmt_bytes(s.aot_bytes),
                    fmt_bytes(s.native_stripped_bytes),
                    fmt_bytes(s.cwasm_bytes)
                );
            }
            other => {
                let _ = writeln!(out, "{}\n", not_measured(other));
            }
        }

        let _ = writeln!(out, "## Build time and memory (SQLite)\n");
        match &self.build {
            Some(Ok(b)) => {
                let _ = writeln!(
                    out,
                    "`benches/sqlite/sqlite_bench.wasm`: the SQLite amalgamation bundled in the \
                     `{}` {} crate plus our driver, {} module, {} of code. Median of {} \
                     each after one untimed build; peak RSS of the process and the \
                     children it waited for (`wait4`). `wasi-aot build` includes linking.\n",
                    crate::sqlite::CRATE,
                    crate::sqlite::CRATE_VERSION,
                    fmt_bytes(b.module_bytes),
                    fmt_bytes(b.code_bytes),
                    plural(b.reps, "build")
                );
                let _ = writeln!(
                    out,
                    "| | wall time | CPU time | peak memory |\n|---|---:|---:|---:|"
                );
                let _ = writeln!(
                    out,
                    "| `wasi-aot build` | {:.2} s | {:.2} s | {} |",
                    b.aot.0,
                    b.aot.1,
                    fmt_bytes(b.aot.2 * 1024)
                );
                let _ = writeln!(
                    out,
                    "| `wasmtime compile` | {:.2} s | {:.2} s | {} |\n",
                    b.wasmtime.0,
                    b.wasmtime.1,
                    fmt_bytes(b.wasmtime.2 * 1024)
                );
            }
            other => {
                let _ = writeln!(out, "{}\n", not_measured(other));
            }
        }

        let _ = writeln!(out, "## Build time and memory (a component)\n");
        match &self.component_build {
            Some(Ok(c)) => {
                let _ = writeln!(
                    out,
                    "`{}` ({}, made with componentize-js: the StarlingMonkey engine), the \
                     largest component among the test programs. Median of {} each after one \
                     untimed build, peak RSS as above:\n",
                    crate::component_build::INPUT,
                    fmt_bytes(c.bytes),
                    c.reps
                );
                let _ = writeln!(
                    out,
                    "| | wall time | CPU time | peak memory |\n|---|---:|---:|---:|"
                );
                let _ = writeln!(
                    out,
                    "| `wasi-aot build` | {:.2} s | {:.2} s | {} |",
                    c.aot.0,
                    c.aot.1,
                    fmt_bytes(c.aot.2 * 1024)
                );
                let _ = writeln!(
                    out,
                    "| `wasmtime compile` | {:.2} s | {:.2} s | {} |\n",
                    c.wasmtime.0,
                    c.wasmtime.1,
                    fmt_bytes(c.wasmtime.2 * 1024)
                );
                let _ = writeln!(
                    out,
                    "Of wasi-aot's build, the component front end (validating the component, \
                     flattening it into its plan, generating adapters) took {:.0} ms of {:.0} ms \
                     ({:.1}%, from `build -v`); the rest is what building its core modules costs.\n",
                    c.component_ms.0,
                    c.component_ms.1,
                    100.0 * c.component_ms.0 / c.component_ms.1
                );
            }
            other => {
                let _ = writeln!(out, "{}\n", not_measured(other));
            }
        }

        let _ = writeln!(out, "## Host calls\n");
        match &self.hostcall {
            Some(Ok(h)) => {
                let [native, wasmtime, aot] = h.median_ms;
                let _ = writeln!(
                    out,
                    "`benches/hostcall/fd_write.c`: 100,000 `write(2)` calls of 1–8 bytes to \
                     stdout on `/dev/null` (one `fd_write` each under WASI), median of {} runs, \
                     start-up included:\n",
                    h.runs
                );
                let _ = writeln!(
                    out,
                    "| native | wasmtime | wasi-aot | wasi-aot / native |\n|---:|---:|---:|---:|"
                );
                let _ = writeln!(
                    out,
                    "| {native:.1} ms | {wasmtime:.1} ms | {aot:.1} ms | {:.2} |\n",
                    aot / native
                );
                let (c_wasmtime, c_aot) = h.component_ms;
                let _ = writeln!(
                    out,
                    "The same writes from a component (`benches/hostcall/blocking_write.c`, \
                     each one `output-stream.blocking-write-and-flush` through wit-bindgen's C \
                     bindings), same runs:\n"
                );
                let _ = writeln!(
                    out,
                    "| `wasmtime run` (precompiled) | wasi-aot | wasi-aot / its P1 build | \
                     wasi-aot / native |\n|---:|---:|---:|---:|"
                );
                let _ = writeln!(
                    out,
                    "| {c_wasmtime:.1} ms | {c_aot:.1} ms | {:.2} | {:.2} |\n",
                    c_aot / aot,
                    c_aot / native
                );
            }
            other => {
                let _ = writeln!(out, "{}\n", not_measured(other));
            }
        }

        let _ = writeln!(out, "## HTTP servers\n");
        match &self.http {
            Some(Ok(h)) => out.push_str(&h.markdown()),
            other => {
                let _ = writeln!(out, "{}\n", not_measured(other));
            }
        }

        let _ = writeln!(out, "## Targets (issues 4, 10 and 11)\n");
        let _ = writeln!(out, "| target | measured | met |\n|---|---|---|");
        for t in self.targets() {
            let _ = writeln!(out, "| {} | {} | {} |", t.goal, t.measured, met_word(t.met));
        }
        out
    }
}

fn not_measured<T>(section: &Option<Result<T, String>>) -> String {
    match section {
        Some(Err(e)) => format!("failed: {}", e.lines().next().unwrap_or("")),
        _ => "not measured in this run".into(),
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn met_word(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    }
}

fn fmt_secs(secs: Option<f64>) -> String {
    secs.map(|s| format!("{s:.3}"))
        .unwrap_or_else(|| "-".into())
}

fn fmt_ratio(ratio: Option<f64>) -> String {
    ratio
        .map(|r| format!("{r:.2}"))
        .unwrap_or_else(|| "-".into())
}

/// Bytes as KiB or MiB with one decimal, or plain bytes when small.
pub fn fmt_bytes(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / f64::from(1u32 << 20))
    } else if bytes >= 1 << 10 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_sizes() {
        assert_eq!(fmt_bytes(512), "512 B");
        assert_eq!(fmt_bytes(1536), "1.5 KiB");
        assert_eq!(fmt_bytes(3 << 20), "3.0 MiB");
    }
}
