//! Links objects produced by `wasi-aot` with the runtime library into executables.
//!
//! Entry points: [`link`]. [`runtime`] decides which runtime library is used (the object
//! embedded at build time, or `WASI_AOT_RUNTIME_LIB` for development); [`command`] finds
//! the system C compiler and runs it as the link driver.
//!
//! Boundaries: this crate knows nothing of wasm; it links an object with the runtime.

pub mod command;
pub mod runtime;

use std::path::PathBuf;

/// What to link.
#[derive(Clone, Debug)]
pub struct LinkOptions {
    /// The object produced by the compiler.
    pub object: PathBuf,
    /// The executable to write.
    pub output: PathBuf,
    /// Link fully statically.
    pub static_link: bool,
    /// Strip symbols.
    pub strip: bool,
}

/// Errors of linking.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The runtime library could not be provided.
    #[error("runtime library {}: {error}", path.display())]
    Runtime {
        /// The path tried.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// No C compiler to drive the link.
    #[error("no C compiler found to link with ({0}); set CC or install cc")]
    NoCompiler(String),
    /// The link command failed.
    #[error("linking failed: `{command}` exited with {status}:\n{stderr}")]
    Failed {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
        /// Its diagnostics.
        stderr: String,
    },
}

/// Links `options.object` with the runtime into `options.output`.
pub fn link(options: &LinkOptions) -> Result<(), LinkError> {
    let runtime = runtime::runtime_library()?;
    command::link(options, &runtime)
}
