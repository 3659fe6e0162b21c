//! `args_*` and `environ_*`: the guest's argv and environment.
//!
//! Both hand over a list of strings the same way. `*_sizes_get` returns the count and the
//! buffer size (every string plus its NUL). `*_get` fills a guest array of `count` pointers
//! (4-aligned) and a guest buffer with the NUL-terminated strings back to back, each pointer
//! addressing its string in the buffer.

use crate::ctx::WasiCtx;
use crate::error::{Errno, HostError, HostTrap};
use crate::memory::GuestMemory;

/// Writes the argv strings into `argv_buf` and pointers to them into `argv`.
pub fn args_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    argv: i32,
    argv_buf: i32,
) -> Result<(), HostError> {
    write_strings(mem, ctx.args(), argv as u32, argv_buf as u32)
}

/// Writes the number of arguments to `argc` and the size of their buffer to `argv_buf_size`.
pub fn args_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    argc: i32,
    argv_buf_size: i32,
) -> Result<(), HostError> {
    write_sizes(mem, ctx.args(), argc as u32, argv_buf_size as u32)
}

/// Writes the `KEY=VALUE` strings into `environ_buf` and pointers to them into `environ`.
pub fn environ_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    environ: i32,
    environ_buf: i32,
) -> Result<(), HostError> {
    write_strings(mem, ctx.env(), environ as u32, environ_buf as u32)
}

/// Writes the number of variables to `environc` and the size of their buffer to
/// `environ_buf_size`.
pub fn environ_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    environc: i32,
    environ_buf_size: i32,
) -> Result<(), HostError> {
    write_sizes(mem, ctx.env(), environc as u32, environ_buf_size as u32)
}

/// The number of strings and their total size with NULs, or `overflow` if either does not
/// fit a guest `size`.
fn sizes(strings: &[Vec<u8>]) -> Result<(u32, u32), Errno> {
    let count = u32::try_from(strings.len()).map_err(|_| Errno::Overflow)?;
    let size = strings.iter().try_fold(0u32, |size, string| {
        u32::try_from(string.len())
            .ok()
            .and_then(|len| size.checked_add(len)?.checked_add(1))
            .ok_or(Errno::Overflow)
    })?;
    Ok((count, size))
}

fn write_sizes(
    mem: &mut GuestMemory,
    strings: &[Vec<u8>],
    count_ptr: u32,
    size_ptr: u32,
) -> Result<(), HostError> {
    let (count, size) = sizes(strings)?;
    mem.write_u32(count_ptr, count)?;
    mem.write_u32(size_ptr, size)
}

fn write_strings(
    mem: &mut GuestMemory,
    strings: &[Vec<u8>],
    pointers: u32,
    buf: u32,
) -> Result<(), HostError> {
    let (count, size) = sizes(strings)?;
    let pointers_len = count.checked_mul(4).ok_or(HostTrap::MemoryOutOfBounds)?;
    // Check both regions before writing anything.
    mem.slice(pointers, pointers_len)?;
    GuestMemory::check_aligned(pointers, 4)?;
    mem.slice(buf, size)?;

    // `buf + size` is inside the memory, so no address below overflows.
    let mut next = buf;
    for (index, string) in (0u32..).zip(strings) {
        mem.write_u32(pointers + 4 * index, next)?;
        mem.write_bytes(next, string)?;
        next += string.len() as u32;
        mem.write_u8(next, 0)?;
        next += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::TestMemory;

    fn ctx() -> WasiCtx {
        WasiCtx::new(
            vec![b"prog".to_vec(), b"".to_vec(), b"two words".to_vec()],
            vec![b"A=1".to_vec(), b"EMPTY=".to_vec()],
        )
    }

    #[test]
    fn args_layout() {
        let mut ctx = ctx();
        let mut memory = TestMemory::new(256);
        args_sizes_get(&mut ctx, &mut memory.guest(), 0, 4).unwrap();
        assert_eq!(memory.u32_at(0), 3);
        assert_eq!(memory.u32_at(4), 5 + 1 + 10);

        args_get(&mut ctx, &mut memory.guest(), 16, 100).unwrap();
        assert_eq!(
            [memory.u32_at(16), memory.u32_at(20), memory.u32_at(24)],
            [100, 105, 106]
        );
        assert_eq!(&memory.bytes()[100..117], b"prog\0\0two words\0\0");
        // Nothing past the array.
        assert_eq!(memory.u32_at(28), 0);
    }

    #[test]
    fn environ_layout() {
        let mut ctx = ctx();
        let mut memory = TestMemory::new(256);
        environ_sizes_get(&mut ctx, &mut memory.guest(), 8, 12).unwrap();
        assert_eq!(memory.u32_at(8), 2);
        assert_eq!(memory.u32_at(12), 4 + 7);

        environ_get(&mut ctx, &mut memory.guest(), 32, 64).unwrap();
        assert_eq!([memory.u32_at(32), memory.u32_at(36)], [64, 68]);
        assert_eq!(&memory.bytes()[64..75], b"A=1\0EMPTY=\0");
    }

    #[test]
    fn empty_lists() {
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let mut memory = TestMemory::new(16);
        memory.set_bytes(0, &[0xff; 8]);
        environ_sizes_get(&mut ctx, &mut memory.guest(), 0, 4).unwrap();
        assert_eq!(&memory.bytes()[0..8], &[0; 8]);
        // Zero-length regions at the very end of memory are fine.
        environ_get(&mut ctx, &mut memory.guest(), 16, 16).unwrap();
    }

    #[test]
    fn bad_pointers_trap_before_writing() {
        let mut ctx = ctx();
        let mut memory = TestMemory::new(64);
        let oob = Err(HostError::Trap(HostTrap::MemoryOutOfBounds));
        // The buffer runs past the end.
        assert_eq!(args_get(&mut ctx, &mut memory.guest(), 0, 50), oob);
        assert!(memory.bytes().iter().all(|&b| b == 0));
        // The pointer array runs past the end.
        assert_eq!(args_get(&mut ctx, &mut memory.guest(), 56, 0), oob);
        assert_eq!(
            args_get(&mut ctx, &mut memory.guest(), 2, 20),
            Err(HostError::Trap(HostTrap::MisalignedPointer))
        );
        assert!(memory.bytes().iter().all(|&b| b == 0));
        assert_eq!(args_sizes_get(&mut ctx, &mut memory.guest(), 0, -4), oob);
    }
}
