//! SQLite, the large real module: `benches/sqlite/sqlite_bench.c` (our driver and a
//! tiny in-memory VFS) with the SQLite amalgamation that the `libsqlite3-sys` crate
//! bundles. The amalgamation is not checked in; cargo fetches the crate into its
//! registry through a throwaway manifest under `target/bench/`, and
//! `cargo metadata` says where it landed. The built `sqlite_bench.wasm` is checked in.
//!
//! It serves twice: `wasi-aot build` against `wasmtime compile` on a module with over
//! 1 MB of code (wall time and peak memory), and one more run-time row, built natively
//! from the same sources.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::measure::{median, run_measured, Sample};
use crate::tools::{run_step, Tools};
use crate::variants::Program;

/// The crate whose bundled amalgamation we use, pinned, and its version.
pub const CRATE: &str = "libsqlite3-sys";
pub const CRATE_VERSION: &str = "0.40.0";

/// How SQLite is configured, for both the wasm and the native build. `SQLITE_OS_OTHER`
/// drops SQLite's OS layer (the driver supplies a VFS); the optional extensions are on
/// because a real deployment has them, and they make the module big.
const DEFINES: &[&str] = &[
    "-DSQLITE_OS_OTHER=1",
    "-DSQLITE_THREADSAFE=0",
    "-DSQLITE_OMIT_LOAD_EXTENSION",
    "-DSQLITE_TEMP_STORE=3",
    "-DSQLITE_DEFAULT_MEMSTATUS=0",
    "-DSQLITE_ENABLE_FTS3",
    "-DSQLITE_ENABLE_FTS5",
    "-DSQLITE_ENABLE_RTREE",
    "-DSQLITE_ENABLE_GEOPOLY",
    "-DSQLITE_ENABLE_DBSTAT_VTAB",
    "-DSQLITE_ENABLE_STAT4",
];

fn driver(root: &Path) -> PathBuf {
    root.join("benches/sqlite/sqlite_bench.c")
}

/// The checked-in module.
pub fn wasm_path(root: &Path) -> PathBuf {
    root.join("benches/sqlite/sqlite_bench.wasm")
}

/// The directory holding `sqlite3.c` and `sqlite3.h`, fetching the crate if needed.
pub fn source_dir(tools: &Tools) -> Result<PathBuf> {
    let dir = tools.work_dir("sqlite-source")?;
    let manifest = dir.join("Cargo.toml");
    fs::write(
        &manifest,
        format!(
            "# Written by wasi-aot-bench: only here so that cargo fetches the SQLite sources.\n\
             [package]\nname = \"sqlite-source\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
             publish = false\n\n[lib]\npath = \"lib.rs\"\n\n[dependencies]\n\
             {CRATE} = {{ version = \"={CRATE_VERSION}\", default-features = false }}\n\n\
             [workspace]\n"
        ),
    )?;
    fs::write(dir.join("lib.rs"), "")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(&manifest)
        .output()
        .with_context(|| format!("failed to run `{cargo} metadata`"))?;
    if !out.status.success() {
        bail!(
            "`cargo metadata` could not fetch {CRATE} {CRATE_VERSION}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let json = String::from_utf8_lossy(&out.stdout);
    let crate_manifest = find_manifest_path(&json, &format!("{CRATE}-{CRATE_VERSION}"))
        .with_context(|| format!("`cargo metadata` does not list {CRATE} {CRATE_VERSION}"))?;
    let sources = Path::new(&crate_manifest)
        .parent()
        .context("manifest path has no parent")?
        .join("sqlite3");
    if !sources.join("sqlite3.c").is_file() {
        bail!("no `sqlite3.c` in `{}`", sources.display());
    }
    Ok(sources)
}

/// Finds the `"manifest_path"` value whose path has a directory named `dir_name`.
fn find_manifest_path(json: &str, dir_name: &str) -> Option<String> {
    const KEY: &str = "\"manifest_path\":\"";
    json.match_indices(KEY).find_map(|(at, _)| {
        let rest = &json[at + KEY.len()..];
        let value = &rest[..rest.find('"')?];
        value
            .contains(&format!("/{dir_name}/"))
            .then(|| value.to_string())
    })
}

/// Rebuilds the checked-in `sqlite_bench.wasm` with clang and wasi-libc. Compiling and
/// linking are separate steps, for the reason given in `tests/programs/Makefile.inc`.
pub fn rebuild_wasm(tools: &Tools) -> Result<PathBuf> {
    let sources = source_dir(tools)?;
    let dir = tools.work_dir("sqlite")?;
    let wasm_cc = |out: &Path, input: &Path, extra: &[&str]| {
        run_step(
            Command::new(&tools.wasm_cc)
                .args(tools.wasm_target_args())
                .args(["-O2", "-c"])
                .args(DEFINES)
                .args(extra)
                .arg("-I")
                .arg(&sources)
                .arg("-o")
                .arg(out)
                .arg(input),
        )
    };
    let amalgamation = dir.join("sqlite3.wasm.o");
    let driver_obj = dir.join("sqlite_bench.wasm.o");
    eprintln!("compiling the SQLite amalgamation to wasm (about a minute)");
    wasm_cc(&amalgamation, &sources.join("sqlite3.c"), &["-w"])?;
    wasm_cc(&driver_obj, &driver(&tools.root), &["-Wall", "-Wextra"])?;
    let wasm = wasm_path(&tools.root);
    run_step(
        Command::new(&tools.wasm_cc)
            .args(tools.wasm_target_args())
            .arg("-Wl,--strip-debug")
            .arg("-o")
            .arg(&wasm)
            .arg(&driver_obj)
            .arg(&amalgamation),
    )?;
    Ok(wasm)
}

/// SQLite as a run-time benchmark: the checked-in module, and a native build from the
/// same sources (the amalgamation's object is cached, it takes a while to compile).
pub fn program(tools: &Tools) -> Result<Program> {
    let sources = source_dir(tools)?;
    let dir = tools.work_dir("sqlite")?;
    let object = dir.join("sqlite3.native.o");
    let stamp = dir.join("sqlite3.native.stamp");
    let key = format!(
        "{} -O2 {} {}",
        tools.cc,
        DEFINES.join(" "),
        sources.display()
    );
    if !object.is_file() || fs::read_to_string(&stamp).ok().as_deref() != Some(&key) {
        eprintln!("compiling the SQLite amalgamation natively (about a minute)");
        run_step(
            Command::new(&tools.cc)
                .args(["-O2", "-w", "-c"])
                .args(DEFINES)
                .arg("-o")
                .arg(&object)
                .arg(sources.join("sqlite3.c")),
        )?;
        fs::write(&stamp, &key)?;
    }
    let wasm = wasm_path(&tools.root);
    if !wasm.is_file() {
        bail!(
            "`{}` is missing; rebuild it with `make bench-wasm`",
            wasm.display()
        );
    }
    Ok(Program {
        name: "sqlite".into(),
        category: "real program".into(),
        wasm,
        native_inputs: vec![driver(&tools.root), object],
        native_flags: vec!["-I".into(), sources.display().to_string()],
    })
}

/// `wasi-aot build` against `wasmtime compile` on the SQLite module.
#[derive(Debug)]
pub struct BuildResult {
    /// Timed builds per tool.
    pub reps: usize,
    /// Size of the module's code section, in bytes.
    pub code_bytes: u64,
    /// Size of the whole module, in bytes.
    pub module_bytes: u64,
    /// `wasi-aot build` (compile and link): median wall seconds, median CPU seconds,
    /// highest peak RSS in KiB.
    pub aot: (f64, f64, u64),
    /// `wasmtime compile`: the same figures.
    pub wasmtime: (f64, f64, u64),
}

/// Times `reps` builds by each tool, alternating, after one untimed build each (the
/// first `wasi-aot build` also unpacks its runtime archive into a cache).
pub fn compare_build(tools: &Tools, reps: usize) -> Result<BuildResult> {
    let wasm = wasm_path(&tools.root);
    let bytes = fs::read(&wasm).with_context(|| format!("failed to read `{}`", wasm.display()))?;
    let code_bytes = code_section_size(&bytes)
        .with_context(|| format!("`{}` has no code section", wasm.display()))?;
    let dir = tools.work_dir("sqlite-build")?;
    let aot_out = dir.join("sqlite_bench");
    let cwasm_out = dir.join("sqlite_bench.cwasm");
    let aot = || {
        let mut cmd = Command::new(&tools.wasi_aot);
        // `wasmtime compile` targets the host CPU; so does this build.
        cmd.args(["build", "--target-cpu", "native"])
            .arg(&wasm)
            .arg("-o")
            .arg(&aot_out);
        cmd
    };
    let wasmtime = || {
        let mut cmd = Command::new(&tools.wasmtime);
        cmd.arg("compile").arg(&wasm).arg("-o").arg(&cwasm_out);
        cmd
    };
    run_measured(&mut aot(), "wasi-aot build (warm-up)")?;
    run_measured(&mut wasmtime(), "wasmtime compile (warm-up)")?;
    let mut aot_samples = Vec::new();
    let mut wasmtime_samples = Vec::new();
    for _ in 0..reps {
        aot_samples.push(run_measured(&mut aot(), "wasi-aot build")?);
        wasmtime_samples.push(run_measured(&mut wasmtime(), "wasmtime compile")?);
    }
    Ok(BuildResult {
        reps,
        code_bytes,
        module_bytes: bytes.len() as u64,
        aot: summarize(&aot_samples),
        wasmtime: summarize(&wasmtime_samples),
    })
}

fn summarize(samples: &[Sample]) -> (f64, f64, u64) {
    let walls: Vec<f64> = samples.iter().map(|s| s.wall.as_secs_f64()).collect();
    let cpus: Vec<f64> = samples.iter().map(|s| s.cpu.as_secs_f64()).collect();
    let rss = samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0);
    (
        median(&walls).unwrap_or(f64::NAN),
        median(&cpus).unwrap_or(f64::NAN),
        rss,
    )
}

/// The size of the code section (id 10) of a wasm module, from the section headers.
fn code_section_size(bytes: &[u8]) -> Option<u64> {
    let mut at = 8; // magic and version
    while at < bytes.len() {
        let id = bytes[at];
        let (size, next) = read_leb_u32(bytes, at + 1)?;
        if id == 10 {
            return Some(u64::from(size));
        }
        at = next.checked_add(usize::try_from(size).ok()?)?;
    }
    None
}

fn read_leb_u32(bytes: &[u8], mut at: usize) -> Option<(u32, usize)> {
    let mut value: u32 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= u32::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_code_section() {
        // magic, version, a type section of 4 bytes, then a code section of 130 bytes
        // (a two-byte LEB128 size).
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        module.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]);
        module.extend_from_slice(&[10, 0x82, 0x01]);
        module.extend(std::iter::repeat_n(0, 130));
        assert_eq!(code_section_size(&module), Some(130));
        assert_eq!(code_section_size(b"\0asm\x01\0\0\0"), None);
    }

    #[test]
    fn picks_the_manifest_of_the_crate() {
        let json = r#"{"packages":[{"name":"a","manifest_path":"/x/a-1.0.0/Cargo.toml"},
            {"name":"libsqlite3-sys","manifest_path":"/r/libsqlite3-sys-0.40.0/Cargo.toml"}]}"#;
        assert_eq!(
            find_manifest_path(json, "libsqlite3-sys-0.40.0").as_deref(),
            Some("/r/libsqlite3-sys-0.40.0/Cargo.toml")
        );
        assert_eq!(find_manifest_path(json, "zlib-1.0.0"), None);
    }
}
