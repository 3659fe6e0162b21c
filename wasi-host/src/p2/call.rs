//! [`P2Call`]: what one lowered WASI 0.2 host call works with, and the canonical ABI's value
//! layout for what host functions read and write in guest memory.
//!
//! The runtime builds a `P2Call` per call from the lowering's canonical options: the memory,
//! the component instance (whose handle table the call's handles index), the string encoding
//! and the guest's `realloc`. A host function reads its flattened parameters as plain
//! integers, follows pointers into the memory, and stores results that do not fit in one core
//! value at the return pointer, in the canonical ABI's layout (`CanonicalABI.md`: `store`).

use crate::ctx::WasiCtx;
use crate::error::{HostError, HostTrap};
use crate::memory::GuestMemory;
use crate::resources::{HostKind, HostObject};
use wasi_aot_abi::metadata::StringEncoding;

/// Calls the guest's `realloc(old_ptr, old_size, align, new_size)`; returns the new pointer
/// and a view of the guest memory valid after the call (it may have grown).
pub type Realloc<'a> =
    &'a mut dyn FnMut(u32, u32, u32, u32) -> Result<(u32, GuestMemory), HostError>;

/// One lowered host call.
pub struct P2Call<'a> {
    /// The guest's WASI state.
    pub ctx: &'a mut WasiCtx,
    /// The lowering's memory (empty without a `memory` option).
    pub mem: GuestMemory,
    /// The calling component instance.
    pub instance: u32,
    /// The lowering's string encoding.
    pub encoding: StringEncoding,
    /// The lowering's `realloc`, if it has one.
    pub realloc: Option<Realloc<'a>>,
}

impl P2Call<'_> {
    /// Gives the caller an owned handle to a new host object.
    pub fn new_own(&mut self, object: HostObject) -> Result<u32, HostError> {
        Ok(self.ctx.resources.new_own(self.instance, object)?)
    }

    /// The host object behind the caller's `handle`, of `kind`.
    #[inline]
    pub fn object(&mut self, handle: u32, kind: HostKind) -> Result<&mut HostObject, HostError> {
        Ok(self.ctx.resources.get(self.instance, handle, kind)?)
    }

    /// Takes the host object behind the caller's owned `handle`, of `kind`: the handle goes,
    /// as when an `own` parameter moves a resource to its callee.
    pub fn take_own(&mut self, handle: u32, kind: HostKind) -> Result<HostObject, HostError> {
        let rep = self
            .ctx
            .resources
            .table(self.instance)
            .take_own(handle, kind.ty())?;
        Ok(self
            .ctx
            .resources
            .objects
            .remove(rep)
            .ok_or(HostTrap::canon(
                "a resource handle to a dropped host object",
            ))?)
    }

    /// Allocates `size` bytes aligned to `align` in the guest with its `realloc`, checking
    /// that the block it returns is aligned and inside the memory.
    pub fn alloc(&mut self, size: u32, align: u32) -> Result<u32, HostError> {
        let realloc = self.realloc.as_mut().ok_or(HostTrap::canon(
            "a lowering that returns a list has no realloc",
        ))?;
        let (ptr, mem) = realloc(0, 0, align, size)?;
        self.mem = mem;
        if ptr % align != 0 {
            return Err(HostTrap::canon("realloc returned a misaligned pointer").into());
        }
        if (ptr as u64) + (size as u64) > self.mem.len() as u64 {
            return Err(HostTrap::canon("realloc returned memory out of bounds").into());
        }
        Ok(ptr)
    }

    /// Stores a `u8`/`bool`/discriminant at `ptr`.
    pub fn store_u8(&mut self, ptr: u32, value: u8) -> Result<(), HostError> {
        self.mem.write_u8(ptr, value)
    }

    /// Stores a `u32`/`s32`/handle at `ptr` (4-aligned).
    pub fn store_u32(&mut self, ptr: u32, value: u32) -> Result<(), HostError> {
        GuestMemory::check_aligned(ptr, 4)?;
        self.mem.write_u32(ptr, value)
    }

    /// Stores a `u64`/`s64` at `ptr` (8-aligned).
    pub fn store_u64(&mut self, ptr: u32, value: u64) -> Result<(), HostError> {
        GuestMemory::check_aligned(ptr, 8)?;
        self.mem.write_u64(ptr, value)
    }

    /// Checks that a return pointer for a value of alignment `align` is aligned.
    pub fn check_ret(&self, ptr: u32, align: u32) -> Result<(), HostError> {
        GuestMemory::check_aligned(ptr, align)
    }
}

/// Lifts a `result` (no payloads) from its flattened discriminant: `Ok(())` or `Err(())`.
pub fn lift_result_discriminant(value: i32) -> Result<Result<(), ()>, HostError> {
    match value {
        0 => Ok(Ok(())),
        1 => Ok(Err(())),
        _ => Err(HostTrap::canon("invalid `result` discriminant").into()),
    }
}
