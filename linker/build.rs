//! Builds the runtime static library (`runtime-lib`, `runtime` profile) with a nested cargo
//! invocation in a private target directory, so that the `wasi-aot` binary can embed it:
//! `cargo install --path compiler` then yields one self-contained tool.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir
        .parent()
        .expect("linker/ is inside the workspace");
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));
    for path in [
        "runtime-lib/src",
        "runtime-lib/abi/src",
        "runtime-lib/build.rs",
        "runtime-lib/Cargo.toml",
        "runtime-lib/abi/Cargo.toml",
        "wasi-host/src",
        "wasi-host/Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(path).display());
    }
    println!("cargo:rerun-if-env-changed=WASI_AOT_RUNTIME_PROFILE");
    let profile = env::var("WASI_AOT_RUNTIME_PROFILE").unwrap_or_else(|_| "runtime".into());
    let target_dir = out_dir.join("runtime-target");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--quiet",
        "--profile",
        &profile,
        "-p",
        "wasi-aot-runtime",
        "--lib",
    ])
    .arg("--manifest-path")
    .arg(workspace.join("Cargo.toml"))
    .arg("--target-dir")
    .arg(&target_dir);
    for var in [
        "CARGO_TARGET_DIR",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "TARGET",
        "HOST",
        "OPT_LEVEL",
        "PROFILE",
        "DEBUG",
        "OUT_DIR",
        "NUM_JOBS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .expect("cannot run cargo to build the runtime library");
    assert!(status.success(), "building the runtime library failed");
    let dir = if profile == "dev" {
        "debug"
    } else {
        profile.as_str()
    };
    let built = target_dir.join(dir).join("libwasi_aot_runtime.a");
    let object = out_dir.join("wasi_aot_runtime.o");
    prelink(&built, &object);
    // The cache file name, hashed here rather than over 15 MB at every link.
    let bytes =
        std::fs::read(&object).unwrap_or_else(|e| panic!("cannot read {}: {e}", object.display()));
    println!(
        "cargo:rustc-env=WASI_AOT_RUNTIME_HASH={:016x}",
        content_hash(&bytes)
    );
}

/// FNV-1a: a stable content hash.
fn content_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Links the runtime archive into one relocatable object without debug information: every
/// executable link then reads one 15 MB object instead of searching a 24 MB archive of 339
/// members (SQLite links in 70 ms instead of 110, with 29 MiB peak instead of 35; hello in
/// 40 ms instead of 110). Nothing is discarded here: the final link's `--gc-sections`
/// drops what a program does not use, and keeps what it must (constructors included).
fn prelink(archive: &Path, object: &Path) {
    let compiler = cc::Build::new()
        .cargo_metadata(false)
        .cargo_warnings(false)
        .get_compiler();
    let status = Command::new(compiler.path())
        .args(["-r", "-nostdlib", "-Wl,--strip-debug", "-o"])
        .arg(object)
        .arg("-Wl,--whole-archive")
        .arg(archive)
        .arg("-Wl,--no-whole-archive")
        .status()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", compiler.path().display()));
    assert!(
        status.success(),
        "pre-linking {} into {} failed",
        archive.display(),
        object.display()
    );
}
