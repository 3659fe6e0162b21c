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

/// A hash of [`EMBEDDED`], computed by `build.rs`, for the cache file name.
const EMBEDDED_HASH: &str = env!("WASI_AOT_RUNTIME_HASH");

/// The content hash of the embedded runtime library (what executables link against).
pub fn embedded_hash() -> &'static str {
    EMBEDDED_HASH
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
    let path = dir.join(format!("wasi_aot_runtime-{EMBEDDED_HASH}.o"));
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
    prune_cache(dir, &path);
    Ok(path)
}

/// Runtimes of other wasi-aot builds kept in the cache besides the current one: a couple of
/// installed versions used in turn do not rewrite each other's file at every build.
const KEEP_OTHERS: usize = 2;

/// Removes all but the [`KEEP_OTHERS`] most recently written runtimes of other builds from
/// `dir` (this build's, `current`, stays), including the archives of older versions. Best
/// effort: a link that has its runtime open keeps reading it after the unlink.
fn prune_cache(dir: &std::path::Path, current: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut others: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            (name.starts_with("wasi_aot_runtime-") && name.ends_with(".o"))
                || (name.starts_with("libwasi_aot_runtime-") && name.ends_with(".a"))
        })
        .map(|entry| entry.path())
        .filter(|path| path != current)
        .filter_map(|path| Some((std::fs::metadata(&path).ok()?.modified().ok()?, path)))
        .collect();
    others.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    for (_, path) in others.into_iter().skip(KEEP_OTHERS) {
        let _ = std::fs::remove_file(path);
    }
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
    fn writing_a_new_runtime_prunes_all_but_the_newest_others() {
        let dir = std::env::temp_dir().join(format!("wasi-aot-prune-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(1000);
        let names = [
            "libwasi_aot_runtime-0000000000000001.a",
            "wasi_aot_runtime-0000000000000002.o",
            "wasi_aot_runtime-0000000000000003.o",
            "wasi_aot_runtime-0000000000000004.o",
            "unrelated-file.o",
        ];
        for (i, name) in names.iter().enumerate() {
            let file = std::fs::File::create(dir.join(name)).unwrap();
            file.set_modified(old + std::time::Duration::from_secs(i as u64))
                .unwrap();
        }
        let current = super::write_to_cache(&dir).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut wanted = vec![
            names[2].to_string(),
            names[3].to_string(),
            names[4].to_string(),
            current.file_name().unwrap().to_string_lossy().into_owned(),
        ];
        wanted.sort();
        assert_eq!(left, wanted);
        let _ = std::fs::remove_dir_all(&dir);
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
