//! The compiled program as the runtime sees it: the descriptor the compiler emitted,
//! checked and decoded once at start.

use std::sync::OnceLock;
use wasi_aot_abi::metadata::{self as md, FrameInfo, ProgramDescriptor, TrapSite, METADATA_MAGIC};
use wasi_aot_abi::{MemoryStrategy, Trap, ABI_VERSION};

unsafe extern "C" {
    #[link_name = "wasi_aot_program"]
    static PROGRAM_DESCRIPTOR: ProgramDescriptor;
}

/// The decoded program and the compiled-code tables.
pub struct Program {
    /// Decoded metadata (borrows the executable's read-only data).
    pub meta: md::Program<'static>,
    code: &'static [*const u8],
    text_start: usize,
    text_len: usize,
    traps: &'static [TrapSite],
    frames: &'static [FrameInfo],
}

// SAFETY: everything a `Program` points to is immutable data of the executable.
unsafe impl Sync for Program {}
// SAFETY: as above.
unsafe impl Send for Program {}

static PROGRAM: OnceLock<Program> = OnceLock::new();

/// Reads and checks the descriptor; call once at start.
pub fn load() -> Result<&'static Program, String> {
    if let Some(p) = PROGRAM.get() {
        return Ok(p);
    }
    // SAFETY: the compiler emits the descriptor; its pointers and lengths describe
    // read-only data of this executable.
    let d = unsafe { &PROGRAM_DESCRIPTOR };
    if d.abi_version != ABI_VERSION || d.magic != METADATA_MAGIC {
        return Err(format!(
            "this executable was built for runtime ABI {} (metadata {:#x}), but its runtime \
             is ABI {ABI_VERSION} (metadata {METADATA_MAGIC:#x}); rebuild it with a matching wasi-aot",
            d.abi_version, d.magic
        ));
    }
    // SAFETY: see above.
    let (blob, code, traps, frames) = unsafe {
        (
            std::slice::from_raw_parts(d.metadata, d.metadata_len),
            std::slice::from_raw_parts(d.code, d.code_len),
            std::slice::from_raw_parts(d.traps, d.traps_len),
            std::slice::from_raw_parts(d.frames, d.frames_len),
        )
    };
    let meta = md::Program::decode(blob).map_err(|e| e.to_string())?;
    if meta.strategy != MemoryStrategy::GUARDED_32 {
        return Err(format!(
            "unsupported memory strategy {:?} in program metadata",
            meta.strategy
        ));
    }
    let program = Program {
        meta,
        code,
        text_start: d.text_start as usize,
        text_len: d.text_len,
        traps,
        frames,
    };
    Ok(PROGRAM.get_or_init(|| program))
}

/// The loaded program. Panics if [`load`] has not succeeded (a runtime bug).
pub fn get() -> &'static Program {
    PROGRAM
        .get()
        .expect("program::load runs before anything else")
}

impl Program {
    /// The address of code-table entry `index`.
    pub fn code(&self, index: u32) -> *const u8 {
        self.code[index as usize]
    }

    /// Whether `pc` is inside compiled wasm code.
    pub fn contains_pc(&self, pc: usize) -> bool {
        pc >= self.text_start && pc < self.text_start + self.text_len
    }

    /// The trap recorded for the instruction at `pc`. Allocation-free: called from the
    /// signal handler.
    pub fn trap_at(&self, pc: usize) -> Option<Trap> {
        let offset = pc.checked_sub(self.text_start)? as u32;
        let i = self
            .traps
            .binary_search_by_key(&offset, |t| t.offset)
            .ok()?;
        Trap::from_code(self.traps[i].code as u8)
    }

    /// `module!function` for the function containing `pc`; `None` for the generated
    /// trampolines, which are not part of the guest's backtrace.
    pub fn frame_name(&self, pc: usize) -> Option<String> {
        let offset = pc.wrapping_sub(self.text_start) as u32;
        let i = self.frames.partition_point(|f| f.offset <= offset);
        let Some(frame) = i.checked_sub(1).map(|i| self.frames[i]) else {
            return Some(format!("<unknown> ({pc:#x})"));
        };
        if frame.module == u32::MAX {
            return None;
        }
        let module = &self.meta.modules[frame.module as usize];
        let name = module
            .func_names
            .binary_search_by_key(&frame.func, |(f, _)| *f)
            .ok()
            .map(|i| module.func_names[i].1.clone())
            .unwrap_or_else(|| format!("<wasm function {}>", frame.func));
        Some(format!("{}!{name}", module.name))
    }
}
