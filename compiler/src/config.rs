//! Build configuration.

use wasi_aot_abi::metadata::WasiPolicy;

/// Optimisation level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OptLevel {
    /// No optimisation (`-O0`).
    None,
    /// Cranelift's speed optimisations (`-O1`, `-O2`).
    #[default]
    Speed,
    /// Speed and size (`-Os`).
    SpeedAndSize,
}

impl OptLevel {
    /// The Cranelift `opt_level` setting.
    pub fn cranelift_name(self) -> &'static str {
        match self {
            OptLevel::None => "none",
            OptLevel::Speed => "speed",
            OptLevel::SpeedAndSize => "speed_and_size",
        }
    }
}

/// Everything that shapes a build besides the input.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Optimisation level.
    pub opt_level: OptLevel,
    /// WASI sandbox policy baked into the executable.
    pub wasi: WasiPolicy,
    /// Worker threads for function compilation (0 = one per core).
    pub threads: usize,
}
