//! Errors of the compiler library.

use std::path::PathBuf;

/// Everything that can make a build fail.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// The input is not valid WebAssembly (or not well-formed WAT).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The input uses something wasi-aot does not support.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// An import that the runtime does not provide.
    #[error(
        "unsupported import `{module}`.`{field}` ({ty}): the runtime provides only WASI \
         preview 1 functions it implements (see `wasi-aot inspect`)"
    )]
    UnknownImport {
        /// Import module.
        module: String,
        /// Import field.
        field: String,
        /// Its type, as text.
        ty: String,
    },
    /// A WASI import declared with another type than WASI defines.
    #[error(
        "import `{module}`.`{field}` is declared as {declared}, but WASI defines it as {expected}"
    )]
    ImportType {
        /// Import module.
        module: String,
        /// Import field.
        field: String,
        /// The type in the module.
        declared: String,
        /// The type WASI defines.
        expected: String,
    },
    /// Cranelift rejected a function (a compiler bug).
    #[error("code generation failed for function {func}: {message}")]
    Codegen {
        /// Function index and name.
        func: String,
        /// Cranelift's message (with the IR in verbose builds).
        message: String,
    },
    /// Writing the object failed.
    #[error("object emission failed: {0}")]
    Object(String),
    /// Reading or writing a file failed.
    #[error("{}: {error}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
}

impl From<wasmparser::BinaryReaderError> for CompileError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        CompileError::Invalid(format!("{} (at offset 0x{:x})", e.message(), e.offset()))
    }
}

/// Result alias of the compiler library.
pub type Result<T, E = CompileError> = std::result::Result<T, E>;
