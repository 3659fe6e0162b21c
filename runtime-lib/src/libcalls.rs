//! The runtime functions compiled code calls (see `wasi_aot_abi::libcalls`).
//!
//! Each takes the caller's vmctx first. Those that can fail return a status (0 = done)
//! and compiled code raises the trap: nothing here unwinds.

use crate::instance::Instance;

fn instance<'a>(vmctx: *mut u8) -> &'a mut Instance {
    // SAFETY: compiled code passes its own, live vmctx.
    unsafe { Instance::from_vmctx(vmctx) }
}

fn status(ok: bool) -> u32 {
    (!ok) as u32
}

/// `memory.grow`.
#[export_name = "wasi_aot_rt_memory_grow"]
pub extern "C" fn memory_grow(vmctx: *mut u8, memory: u32, delta: u64) -> u64 {
    let inst = instance(vmctx);
    // SAFETY: memories are never freed.
    let memory = unsafe { &*inst.memories[memory as usize] };
    memory.grow(delta).unwrap_or(u64::MAX)
}

/// `memory.copy`.
#[export_name = "wasi_aot_rt_memory_copy"]
pub extern "C" fn memory_copy(
    vmctx: *mut u8,
    dst_mem: u32,
    src_mem: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> u32 {
    let inst = instance(vmctx);
    // SAFETY: memories are never freed.
    let (d, s) = unsafe {
        (
            &*inst.memories[dst_mem as usize],
            &*inst.memories[src_mem as usize],
        )
    };
    let (Some(dst), Some(src)) = (d.range(dst, len), s.range(src, len)) else {
        return status(false);
    };
    // SAFETY: both ranges are in bounds; they may overlap.
    unsafe { std::ptr::copy(src, dst, len as usize) };
    status(true)
}

/// `memory.init`.
#[export_name = "wasi_aot_rt_memory_init"]
pub extern "C" fn memory_init(
    vmctx: *mut u8,
    memory: u32,
    data: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> u32 {
    let inst = instance(vmctx);
    // SAFETY: memories are never freed.
    let memory = unsafe { &*inst.memories[memory as usize] };
    let bytes = inst.data[data as usize];
    let Some(src) = (src as usize)
        .checked_add(len as usize)
        .and_then(|end| bytes.get(src as usize..end))
    else {
        return status(false);
    };
    let Some(dst) = memory.range(dst, len as u64) else {
        return status(false);
    };
    // SAFETY: `dst` has room for `src`.
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst, src.len()) };
    status(true)
}

/// `data.drop`.
#[export_name = "wasi_aot_rt_data_drop"]
pub extern "C" fn data_drop(vmctx: *mut u8, data: u32) {
    instance(vmctx).data[data as usize] = &[];
}

/// `table.grow`.
#[export_name = "wasi_aot_rt_table_grow"]
pub extern "C" fn table_grow(vmctx: *mut u8, table: u32, init: u64, delta: u32) -> u32 {
    let inst = instance(vmctx);
    // SAFETY: tables are never freed.
    let table = unsafe { &mut *inst.tables[table as usize] };
    table.grow(delta, init).unwrap_or(u32::MAX)
}

/// `table.fill`.
#[export_name = "wasi_aot_rt_table_fill"]
pub extern "C" fn table_fill(vmctx: *mut u8, table: u32, dst: u32, value: u64, len: u32) -> u32 {
    let inst = instance(vmctx);
    // SAFETY: tables are never freed.
    let table = unsafe { &mut *inst.tables[table as usize] };
    match table.range(dst, len) {
        Some(range) => {
            range.fill(value);
            status(true)
        }
        None => status(false),
    }
}

/// `table.copy`.
#[export_name = "wasi_aot_rt_table_copy"]
pub extern "C" fn table_copy(
    vmctx: *mut u8,
    dst_table: u32,
    src_table: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> u32 {
    let inst = instance(vmctx);
    // SAFETY: tables are never freed.
    let src_table = unsafe { &mut *inst.tables[src_table as usize] };
    let Some(items) = src_table.range(src, len).map(|r| r.to_vec()) else {
        return status(false);
    };
    // SAFETY: tables are never freed.
    let dst_table = unsafe { &mut *inst.tables[dst_table as usize] };
    match dst_table.range(dst, len) {
        Some(range) => {
            range.copy_from_slice(&items);
            status(true)
        }
        None => status(false),
    }
}

/// `table.init`.
#[export_name = "wasi_aot_rt_table_init"]
pub extern "C" fn table_init(
    vmctx: *mut u8,
    table: u32,
    elem: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> u32 {
    let inst = instance(vmctx);
    let items = &inst.elems[elem as usize];
    let Some(items) = (src as usize)
        .checked_add(len as usize)
        .and_then(|end| items.get(src as usize..end))
        .map(|s| s.to_vec())
    else {
        return status(false);
    };
    // SAFETY: tables are never freed.
    let table = unsafe { &mut *inst.tables[table as usize] };
    match table.range(dst, len) {
        Some(range) => {
            range.copy_from_slice(&items);
            status(true)
        }
        None => status(false),
    }
}

/// `elem.drop`.
#[export_name = "wasi_aot_rt_elem_drop"]
pub extern "C" fn elem_drop(vmctx: *mut u8, elem: u32) {
    instance(vmctx).elems[elem as usize] = Vec::new();
}

/// `memory.atomic.wait32` on a shared memory: `address` is the checked, aligned host address.
/// No other thread can notify (wasi-threads is not supported yet), so the guest wakes up
/// only by its timeout; a negative timeout waits forever, as it would with no notifier.
#[export_name = "wasi_aot_rt_atomic_wait32"]
pub extern "C" fn atomic_wait32(
    _vmctx: *mut u8,
    _memory: u32,
    address: u64,
    expected: u32,
    timeout: i64,
) -> u32 {
    // SAFETY: compiled code checked bounds and alignment of `address`.
    let value = unsafe {
        (*(address as *const std::sync::atomic::AtomicU32))
            .load(std::sync::atomic::Ordering::SeqCst)
    };
    if value != expected {
        return 1;
    }
    sleep_for(timeout)
}

/// `memory.atomic.wait64`; see [`atomic_wait32`].
#[export_name = "wasi_aot_rt_atomic_wait64"]
pub extern "C" fn atomic_wait64(
    _vmctx: *mut u8,
    _memory: u32,
    address: u64,
    expected: u64,
    timeout: i64,
) -> u32 {
    // SAFETY: compiled code checked bounds and alignment of `address`.
    let value = unsafe {
        (*(address as *const std::sync::atomic::AtomicU64))
            .load(std::sync::atomic::Ordering::SeqCst)
    };
    if value != expected {
        return 1;
    }
    sleep_for(timeout)
}

/// Sleeps `timeout` nanoseconds (forever if negative) and reports "timed out" (2).
fn sleep_for(timeout: i64) -> u32 {
    match u64::try_from(timeout) {
        Ok(ns) => std::thread::sleep(std::time::Duration::from_nanos(ns)),
        Err(_) => loop {
            std::thread::park();
        },
    }
    2
}

/// `throw`: creates an exception of tag `tag` with the payload in `values` (one 16-byte slot
/// per value) and makes it pending; compiled code then branches to its handler.
///
/// The exception record is never freed: an `exnref` may be kept anywhere (FIXME(#5):
/// reclaim exceptions once references to them are tracked).
///
/// # Safety
/// Called by compiled code with its vmctx and `values` holding the tag's payload slots.
#[export_name = "wasi_aot_rt_throw"]
pub unsafe extern "C" fn throw(vmctx: *mut u8, tag: u32, values: *const u128) {
    let inst = instance(vmctx);
    let identity = inst.tags[tag as usize];
    // SAFETY: the throwing instance, and every instance whose tags it imports, are live.
    let type_id = unsafe { (*identity).type_id };
    let count = crate::program::get().meta.types[type_id as usize]
        .params
        .len();
    // SAFETY: compiled code passes `count` initialized slots.
    let payload: Vec<u128> = unsafe { std::slice::from_raw_parts(values, count) }.to_vec();
    let exn = Box::new(wasi_aot_abi::vmctx::VmException {
        tag: identity.cast(),
        payload: payload.leak().as_ptr(),
    });
    // SAFETY: a fresh exception record, never freed.
    unsafe { crate::instance::set_pending_exception(Box::into_raw(exn)) };
}

/// `throw_ref` of a non-null `exnref`: makes it pending again.
///
/// # Safety
/// Called by compiled code with a non-null `exnref`, which points to a live record.
#[export_name = "wasi_aot_rt_throw_ref"]
pub unsafe extern "C" fn throw_ref(_vmctx: *mut u8, exn: *mut wasi_aot_abi::vmctx::VmException) {
    // SAFETY: see the function's contract.
    unsafe { crate::instance::set_pending_exception(exn) };
}
