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

/// The CPU the generated code may assume.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TargetCpu {
    /// x86-64-v2: SSE4.2 and POPCNT, on any x86-64 machine of the last decade.
    #[default]
    X86_64V2,
    /// x86-64-v3: adds AVX2, FMA, BMI1/2, LZCNT.
    X86_64V3,
    /// Whatever the build machine supports (for executables run where they are built).
    Native,
}

/// Everything that shapes a build besides the input.
#[derive(Clone, Debug)]
pub struct Config {
    /// Optimisation level.
    pub opt_level: OptLevel,
    /// The CPU the generated code may assume.
    pub target_cpu: TargetCpu,
    /// WASI sandbox policy baked into the executable.
    pub wasi: WasiPolicy,
    /// Worker threads for function compilation (0 = one per core).
    pub threads: usize,
    /// The wasm features validation accepts. Defaults to the 3.0 set plus the legacy
    /// exception instructions; features the compiler does not implement yet are rejected
    /// at translation with a message naming them.
    pub features: wasmparser::WasmFeatures,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            opt_level: OptLevel::default(),
            target_cpu: TargetCpu::default(),
            wasi: WasiPolicy::default(),
            threads: 0,
            features: wasmparser::WasmFeatures::WASM3
                .union(wasmparser::WasmFeatures::LEGACY_EXCEPTIONS),
        }
    }
}
