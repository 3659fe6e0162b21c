//! Checked access to a guest's linear memory.
//!
//! Every guest pointer the host dereferences goes through [`GuestMemory`]: a pointer (plus
//! length) outside the memory is [`HostTrap::MemoryOutOfBounds`], and a pointer to a value wider
//! than a byte must be aligned to the value's size or it is [`HostTrap::MisalignedPointer`]
//! (the witx rules, which wasmtime enforces through wiggle). Values are little-endian, as in
//! wasm.
//!
//! Guest pointers are wasm32 addresses: the `i32` a host function receives reinterpreted as
//! `u32`. Alignment is checked on the guest address; the runtime maps linear memory at a
//! page-aligned base, so that is also the host alignment (the accessors never rely on it: they
//! copy bytes).

use crate::error::{HostError, HostTrap};

/// A guest's linear memory, borrowed for the duration of one host call. Copies are views of
/// the same memory, under the same contract.
#[derive(Clone, Copy, Debug)]
pub struct GuestMemory {
    base: *mut u8,
    len: usize,
}

impl GuestMemory {
    /// Wraps the memory at `base` of `len` bytes.
    ///
    /// # Safety
    ///
    /// `base..base + len` must be valid, writable memory for the lifetime of the value, and
    /// nothing else may access it while the value is in use (the host call has the guest's
    /// memory to itself). `base` may be null or dangling only when `len` is 0.
    pub unsafe fn new(base: *mut u8, len: usize) -> GuestMemory {
        GuestMemory { base, len }
    }

    /// The memory's size in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the memory has no bytes (a module whose memory has zero pages).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Checks that `ptr..ptr + len` lies inside the memory and returns its start as an offset.
    fn check_range(&self, ptr: u32, len: u32) -> Result<usize, HostError> {
        let start = ptr as usize;
        match start.checked_add(len as usize) {
            Some(end) if end <= self.len => Ok(start),
            _ => Err(HostTrap::MemoryOutOfBounds.into()),
        }
    }

    /// Checks that `ptr` is a multiple of `align` (a power of two).
    pub fn check_aligned(ptr: u32, align: u32) -> Result<(), HostError> {
        debug_assert!(align.is_power_of_two());
        if ptr & (align - 1) == 0 {
            Ok(())
        } else {
            Err(HostTrap::MisalignedPointer.into())
        }
    }

    /// Checks `ptr..ptr + len` and returns the host address of `ptr`, for handing guest buffers
    /// straight to a system call (`readv`, `writev`, `getrandom`).
    ///
    /// The pointer is valid for `len` bytes for as long as this `GuestMemory` is.
    pub(crate) fn host_ptr(&self, ptr: u32, len: u32) -> Result<*mut u8, HostError> {
        let start = self.check_range(ptr, len)?;
        if len == 0 {
            // Nothing will be accessed; `base` may be null for an empty memory.
            return Ok(std::ptr::NonNull::dangling().as_ptr());
        }
        // SAFETY: `start + len <= self.len` was checked above, so the offset stays inside the
        // allocation `new`'s contract describes.
        Ok(unsafe { self.base.add(start) })
    }

    /// The guest bytes `ptr..ptr + len`.
    pub fn slice(&self, ptr: u32, len: u32) -> Result<&[u8], HostError> {
        let data = self.host_ptr(ptr, len)?;
        // SAFETY: `host_ptr` checked the range (or returned a dangling pointer for an empty
        // slice); `new`'s contract makes the bytes valid and unaliased while `self` is borrowed.
        Ok(unsafe { std::slice::from_raw_parts(data, len as usize) })
    }

    /// The guest bytes `ptr..ptr + len`, writable.
    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8], HostError> {
        let data = self.host_ptr(ptr, len)?;
        // SAFETY: as in `slice`; `&mut self` makes this the only live view of the memory.
        Ok(unsafe { std::slice::from_raw_parts_mut(data, len as usize) })
    }

    /// Copies `len` guest bytes at `ptr` out of the memory.
    pub fn read_bytes(&self, ptr: u32, len: u32) -> Result<Vec<u8>, HostError> {
        Ok(self.slice(ptr, len)?.to_vec())
    }

    /// Copies `bytes` into the memory at `ptr`.
    pub fn write_bytes(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), HostError> {
        let len = u32::try_from(bytes.len()).map_err(|_| HostTrap::MemoryOutOfBounds)?;
        self.slice_mut(ptr, len)?.copy_from_slice(bytes);
        Ok(())
    }

    /// Copies the encoded record (a witx struct) `bytes` to `ptr`, which must be `align`-aligned.
    pub fn write_record(&mut self, ptr: u32, align: u32, bytes: &[u8]) -> Result<(), HostError> {
        let len = u32::try_from(bytes.len()).map_err(|_| HostTrap::MemoryOutOfBounds)?;
        let target = self.slice_mut(ptr, len)?;
        Self::check_aligned(ptr, align)?;
        target.copy_from_slice(bytes);
        Ok(())
    }

    /// Reads the `N`-byte value at `ptr`, which must be `N`-aligned.
    fn read_array<const N: usize>(&self, ptr: u32) -> Result<[u8; N], HostError> {
        let bytes = self.slice(ptr, N as u32)?;
        Self::check_aligned(ptr, N as u32)?;
        let mut value = [0; N];
        value.copy_from_slice(bytes);
        Ok(value)
    }

    /// Writes the `N`-byte value at `ptr`, which must be `N`-aligned.
    fn write_array<const N: usize>(&mut self, ptr: u32, value: [u8; N]) -> Result<(), HostError> {
        let bytes = self.slice_mut(ptr, N as u32)?;
        Self::check_aligned(ptr, N as u32)?;
        bytes.copy_from_slice(&value);
        Ok(())
    }

    /// Reads the little-endian `u32` at the 4-aligned `ptr`.
    pub fn read_u32(&self, ptr: u32) -> Result<u32, HostError> {
        self.read_array(ptr).map(u32::from_le_bytes)
    }

    /// Reads the byte at `ptr`.
    pub fn read_u8(&self, ptr: u32) -> Result<u8, HostError> {
        self.read_array(ptr).map(u8::from_le_bytes)
    }

    /// Reads the little-endian `u16` at the 2-aligned `ptr`.
    pub fn read_u16(&self, ptr: u32) -> Result<u16, HostError> {
        self.read_array(ptr).map(u16::from_le_bytes)
    }

    /// Reads the little-endian `u64` at the 8-aligned `ptr`.
    pub fn read_u64(&self, ptr: u32) -> Result<u64, HostError> {
        self.read_array(ptr).map(u64::from_le_bytes)
    }

    /// Copies the guest string `ptr..ptr + len` out: a range outside the memory traps, bytes
    /// that are not UTF-8 are `ilseq` (wiggle's rule for witx `string`).
    pub fn read_string(&self, ptr: u32, len: u32) -> Result<String, HostError> {
        std::str::from_utf8(self.slice(ptr, len)?)
            .map(str::to_owned)
            .map_err(|_| crate::error::Errno::Ilseq.into())
    }

    /// Writes a byte at `ptr`.
    pub fn write_u8(&mut self, ptr: u32, value: u8) -> Result<(), HostError> {
        self.write_array(ptr, [value])
    }

    /// Writes a little-endian `u16` at the 2-aligned `ptr`.
    pub fn write_u16(&mut self, ptr: u32, value: u16) -> Result<(), HostError> {
        self.write_array(ptr, value.to_le_bytes())
    }

    /// Writes a little-endian `u32` at the 4-aligned `ptr`.
    pub fn write_u32(&mut self, ptr: u32, value: u32) -> Result<(), HostError> {
        self.write_array(ptr, value.to_le_bytes())
    }

    /// Writes a little-endian `u64` at the 8-aligned `ptr`.
    pub fn write_u64(&mut self, ptr: u32, value: u64) -> Result<(), HostError> {
        self.write_array(ptr, value.to_le_bytes())
    }
}

/// A `Vec`-backed guest memory for unit tests.
#[cfg(test)]
pub(crate) struct TestMemory {
    bytes: Vec<u8>,
}

#[cfg(test)]
impl TestMemory {
    /// `len` zero bytes.
    pub(crate) fn new(len: usize) -> TestMemory {
        TestMemory {
            bytes: vec![0; len],
        }
    }

    /// A view for one host call; it must not outlive `self`'s next use.
    pub(crate) fn guest(&mut self) -> GuestMemory {
        // SAFETY: the vector's buffer is valid and writable for its length and is not
        // reallocated while the test holds the returned view.
        unsafe { GuestMemory::new(self.bytes.as_mut_ptr(), self.bytes.len()) }
    }

    /// The raw contents, to check what a host call wrote.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The little-endian `u32` at `at`.
    pub(crate) fn u32_at(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.bytes[at..at + 4].try_into().expect("4-byte slice"))
    }

    /// The little-endian `u64` at `at`.
    pub(crate) fn u64_at(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.bytes[at..at + 8].try_into().expect("8-byte slice"))
    }

    /// Stores a little-endian `u32` at `at`.
    pub(crate) fn set_u32(&mut self, at: usize, value: u32) {
        self.bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }

    /// Stores `bytes` at `at`.
    pub(crate) fn set_bytes(&mut self, at: usize, bytes: &[u8]) {
        self.bytes[at..at + bytes.len()].copy_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OOB: HostError = HostError::Trap(HostTrap::MemoryOutOfBounds);
    const MISALIGNED: HostError = HostError::Trap(HostTrap::MisalignedPointer);

    #[test]
    fn accessors_are_little_endian() {
        let mut memory = TestMemory::new(32);
        let mut mem = memory.guest();
        mem.write_u32(4, 0x0403_0201).unwrap();
        mem.write_u64(8, 0x0807_0605_0403_0201).unwrap();
        mem.write_u16(18, 0xbbaa).unwrap();
        mem.write_u8(17, 0xcc).unwrap();
        assert_eq!(mem.read_u32(4).unwrap(), 0x0403_0201);
        assert_eq!(&memory.bytes()[4..8], &[1, 2, 3, 4]);
        assert_eq!(memory.u64_at(8), 0x0807_0605_0403_0201);
        assert_eq!(&memory.bytes()[17..20], &[0xcc, 0xaa, 0xbb]);
    }

    #[test]
    fn bounds_are_checked_to_the_last_byte() {
        let mut memory = TestMemory::new(16);
        let mut mem = memory.guest();
        assert!(mem.write_u32(12, 1).is_ok());
        assert_eq!(mem.write_u32(16, 1), Err(OOB));
        assert_eq!(mem.read_u32(u32::MAX - 3), Err(OOB));
        assert_eq!(mem.slice(16, 0).unwrap(), &[] as &[u8]);
        assert_eq!(mem.slice(17, 0), Err(OOB));
        assert_eq!(mem.slice(8, 9), Err(OOB));
        assert_eq!(mem.slice(u32::MAX, u32::MAX), Err(OOB));
        assert_eq!(mem.write_bytes(10, &[0; 7]), Err(OOB));
        mem.write_bytes(10, b"abcdef").unwrap();
        assert_eq!(mem.read_bytes(10, 6).unwrap(), b"abcdef");
    }

    #[test]
    fn wide_values_need_natural_alignment() {
        let mut memory = TestMemory::new(32);
        let mut mem = memory.guest();
        assert_eq!(mem.write_u64(4, 1), Err(MISALIGNED));
        assert_eq!(mem.write_u32(2, 1), Err(MISALIGNED));
        assert_eq!(mem.read_u32(1), Err(MISALIGNED));
        assert_eq!(mem.write_u16(1, 1), Err(MISALIGNED));
        assert!(mem.write_u8(1, 1).is_ok());
        assert!(memory.bytes()[2..16].iter().all(|&b| b == 0));
    }

    #[test]
    fn empty_memory_has_only_the_empty_range() {
        // SAFETY: a zero-length memory is never dereferenced.
        let mut mem = unsafe { GuestMemory::new(std::ptr::null_mut(), 0) };
        assert!(mem.is_empty());
        assert_eq!(mem.slice(0, 0).unwrap(), &[] as &[u8]);
        assert_eq!(mem.slice_mut(0, 1), Err(OOB));
        assert_eq!(mem.write_u8(0, 1), Err(OOB));
    }
}
