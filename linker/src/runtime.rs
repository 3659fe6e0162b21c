//! Which runtime library to link: the one place that decides.
//!
//! The runtime built by `build.rs` (the archive pre-linked into one relocatable object) is
//! embedded in the `wasi-aot` binary and written, once per content hash, to the user's
//! cache directory. `WASI_AOT_RUNTIME_LIB` overrides it with an archive or an object
//! (development only).

use crate::LinkError;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/wasi_aot_runtime.o"));

/// FNV-1a: a stable content hash for the cache file name.
fn content_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The cache directory of wasi-aot (`$XDG_CACHE_HOME/wasi-aot`, `~/.cache/wasi-aot`, or
/// the temporary directory).
pub fn cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("wasi-aot")
}

/// The path of the runtime library to link.
pub fn runtime_library() -> Result<PathBuf, LinkError> {
    if let Some(path) = std::env::var_os("WASI_AOT_RUNTIME_LIB") {
        let path = PathBuf::from(path);
        return match std::fs::metadata(&path) {
            Ok(_) => Ok(path),
            Err(error) => Err(LinkError::Runtime { path, error }),
        };
    }
    write_to_cache(&cache_dir())
}

/// Writes the embedded runtime into `dir` unless an identical one is there; returns its
/// path.
fn write_to_cache(dir: &std::path::Path) -> Result<PathBuf, LinkError> {
    let path = dir.join(format!(
        "wasi_aot_runtime-{:016x}.o",
        content_hash(EMBEDDED)
    ));
    if std::fs::metadata(&path)
        .map(|m| m.len() == EMBEDDED.len() as u64)
        .unwrap_or(false)
    {
        return Ok(path);
    }
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        // Write under a name unique to this process and call, then rename: concurrent
        // builds (other processes, or threads of this one) never see a partial file nor
        // take each other's temporary file.
        static WRITES: AtomicUsize = AtomicUsize::new(0);
        let n = WRITES.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!("runtime-{}-{n}.tmp", std::process::id()));
        std::fs::write(&tmp, EMBEDDED)?;
        std::fs::rename(&tmp, &path)
    };
    write().map_err(|error| LinkError::Runtime {
        path: path.clone(),
        error,
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn embedded_runtime_is_a_relocatable_elf_object() {
        let e = super::EMBEDDED;
        assert!(e.starts_with(b"\x7fELF"));
        // e_type (little-endian u16 at offset 16): ET_REL.
        assert_eq!(&e[16..18], &[1, 0]);
    }

    #[test]
    fn concurrent_writers_on_a_cold_cache_all_succeed() {
        let dir =
            std::env::temp_dir().join(format!("wasi-aot-runtime-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let paths: Vec<_> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..8)
                .map(|_| s.spawn(|| super::write_to_cache(&dir)))
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap().unwrap())
                .collect()
        });
        for path in &paths {
            assert_eq!(
                std::fs::metadata(path).unwrap().len(),
                super::EMBEDDED.len() as u64
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
