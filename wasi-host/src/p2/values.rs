//! The canonical ABI's memory layout of the values WASI 0.2 host functions hand the guest.
//!
//! [`Store`] gives each value type its size and alignment and writes it at a guest address,
//! as `CanonicalABI.md`'s `store` does: integers little endian; a variant (`option`, `result`,
//! `enum`) as a discriminant of the smallest width that holds its cases, then its payload at
//! the payload types' alignment; a record's fields in order, each at its alignment; a list or
//! string as a pointer and a length, with the elements in a block the guest's `realloc`
//! allocates. Records are declared with [`store_record!`].

use crate::error::{HostError, HostTrap};
use crate::p2::call::P2Call;
use wasi_aot_abi::metadata::StringEncoding;

/// `x` rounded up to a multiple of `align` (a power of two).
pub const fn align_to(x: u32, align: u32) -> u32 {
    (x + align - 1) & !(align - 1)
}

/// The larger of `a` and `b`.
pub const fn max(a: u32, b: u32) -> u32 {
    if a > b {
        a
    } else {
        b
    }
}

/// The size of a record whose fields have the given (size, alignment).
pub const fn record_size(fields: &[(u32, u32)]) -> u32 {
    let mut size = 0;
    let mut align = 1;
    let mut i = 0;
    while i < fields.len() {
        size = align_to(size, fields[i].1) + fields[i].0;
        align = max(align, fields[i].1);
        i += 1;
    }
    align_to(size, align)
}

/// The alignment of a record whose fields have the given alignments.
pub const fn record_align(fields: &[(u32, u32)]) -> u32 {
    let mut align = 1;
    let mut i = 0;
    while i < fields.len() {
        align = max(align, fields[i].1);
        i += 1;
    }
    align
}

/// A value the host stores in guest memory.
pub trait Store {
    /// Its size in bytes.
    const SIZE: u32;
    /// Its alignment.
    const ALIGN: u32;
    /// Writes it at `ptr`, which is aligned to [`Store::ALIGN`] and has room for it.
    fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError>;
}

macro_rules! store_int {
    ($($ty:ty => $size:literal),*) => {$(
        impl Store for $ty {
            const SIZE: u32 = $size;
            const ALIGN: u32 = $size;
            fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError> {
                call.mem.write_bytes(ptr, &self.to_le_bytes())
            }
        }
    )*};
}
store_int!(u8 => 1, u16 => 2, u32 => 4, i32 => 4, u64 => 8, i64 => 8);

impl Store for bool {
    const SIZE: u32 = 1;
    const ALIGN: u32 = 1;
    fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError> {
        (self as u8).store(call, ptr)
    }
}

impl Store for () {
    const SIZE: u32 = 0;
    const ALIGN: u32 = 1;
    fn store(self, _call: &mut P2Call<'_>, _ptr: u32) -> Result<(), HostError> {
        Ok(())
    }
}

/// Writes a two-case variant: discriminant `case` (a `u8`), then `payload` if any.
pub(crate) fn store_two_cases<A: Store, B: Store>(
    call: &mut P2Call<'_>,
    ptr: u32,
    case: u8,
    a: Option<A>,
    b: Option<B>,
) -> Result<(), HostError> {
    case.store(call, ptr)?;
    let payload = ptr + align_to(1, max(A::ALIGN, B::ALIGN));
    match (a, b) {
        (Some(a), _) => a.store(call, payload),
        (_, Some(b)) => b.store(call, payload),
        _ => Ok(()),
    }
}

impl<T: Store> Store for Option<T> {
    const ALIGN: u32 = max(1, T::ALIGN);
    const SIZE: u32 = align_to(align_to(1, T::ALIGN) + T::SIZE, Self::ALIGN);
    fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError> {
        match self {
            None => store_two_cases::<(), T>(call, ptr, 0, None, None),
            Some(v) => store_two_cases::<(), T>(call, ptr, 1, None, Some(v)),
        }
    }
}

impl<T: Store, E: Store> Store for Result<T, E> {
    const ALIGN: u32 = max(1, max(T::ALIGN, E::ALIGN));
    const SIZE: u32 = align_to(
        align_to(1, max(T::ALIGN, E::ALIGN)) + max(T::SIZE, E::SIZE),
        Self::ALIGN,
    );
    fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError> {
        match self {
            Ok(v) => store_two_cases::<T, E>(call, ptr, 0, Some(v), None),
            Err(e) => store_two_cases::<T, E>(call, ptr, 1, None, Some(e)),
        }
    }
}

impl<A: Store, B: Store> Store for (A, B) {
    const ALIGN: u32 = max(A::ALIGN, B::ALIGN);
    const SIZE: u32 = record_size(&[(A::SIZE, A::ALIGN), (B::SIZE, B::ALIGN)]);
    fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError> {
        self.0.store(call, ptr)?;
        self.1.store(call, ptr + align_to(A::SIZE, B::ALIGN))
    }
}

impl<A: Store, B: Store, C: Store> Store for (A, B, C) {
    const ALIGN: u32 = max(A::ALIGN, max(B::ALIGN, C::ALIGN));
    const SIZE: u32 = record_size(&[
        (A::SIZE, A::ALIGN),
        (B::SIZE, B::ALIGN),
        (C::SIZE, C::ALIGN),
    ]);
    fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError> {
        let b = align_to(A::SIZE, B::ALIGN);
        let c = align_to(b + B::SIZE, C::ALIGN);
        self.0.store(call, ptr)?;
        self.1.store(call, ptr + b)?;
        self.2.store(call, ptr + c)
    }
}

/// A `list<T>` of values the host makes.
impl<T: Store> Store for Vec<T> {
    const SIZE: u32 = 8;
    const ALIGN: u32 = 4;
    fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError> {
        let len = u32::try_from(self.len()).map_err(|_| too_large())?;
        let bytes = len.checked_mul(T::SIZE).ok_or_else(too_large)?;
        let block = call.alloc(bytes, T::ALIGN)?;
        for (i, item) in (0..).zip(self) {
            item.store(call, block + i * T::SIZE)?;
        }
        block.store(call, ptr)?;
        len.store(call, ptr + 4)
    }
}

/// A `list<u8>`, copied in one piece.
pub struct Bytes(pub Vec<u8>);

impl Store for Bytes {
    const SIZE: u32 = 8;
    const ALIGN: u32 = 4;
    fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError> {
        let len = u32::try_from(self.0.len()).map_err(|_| too_large())?;
        let block = call.alloc(len, 1)?;
        call.mem.write_bytes(block, &self.0)?;
        block.store(call, ptr)?;
        len.store(call, ptr + 4)
    }
}

fn too_large() -> HostError {
    HostTrap::canon("a list or string too large for a 32-bit memory").into()
}

/// The bit that marks a UTF-16 string in the `latin1+utf16` encoding.
const UTF16_TAG: u32 = 1 << 31;

impl Store for String {
    const SIZE: u32 = 8;
    const ALIGN: u32 = 4;
    fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError> {
        let (block, len) = match call.encoding {
            StringEncoding::Utf8 => {
                let len = u32::try_from(self.len()).map_err(|_| too_large())?;
                let block = call.alloc(len, 1)?;
                call.mem.write_bytes(block, self.as_bytes())?;
                (block, len)
            }
            StringEncoding::Utf16 => store_utf16(call, &self)?,
            StringEncoding::CompactUtf16 => {
                if self.chars().all(|c| (c as u32) < 0x100) {
                    let latin1: Vec<u8> = self.chars().map(|c| c as u8).collect();
                    let len = u32::try_from(latin1.len()).map_err(|_| too_large())?;
                    let block = call.alloc(len, 2)?;
                    call.mem.write_bytes(block, &latin1)?;
                    (block, len)
                } else {
                    let (block, len) = store_utf16(call, &self)?;
                    (block, len | UTF16_TAG)
                }
            }
        };
        block.store(call, ptr)?;
        len.store(call, ptr + 4)
    }
}

fn store_utf16(call: &mut P2Call<'_>, s: &str) -> Result<(u32, u32), HostError> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let len = u32::try_from(units.len()).map_err(|_| too_large())?;
    if len >= UTF16_TAG {
        return Err(too_large());
    }
    let block = call.alloc(len * 2, 2)?;
    let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
    call.mem.write_bytes(block, &bytes)?;
    Ok((block, len))
}

/// Implements [`Store`] for a record struct, its fields in declaration order.
#[macro_export]
macro_rules! store_record {
    ($ty:ty { $($field:ident: $fty:ty),* $(,)? }) => {
        impl $crate::p2::values::Store for $ty {
            const SIZE: u32 = $crate::p2::values::record_size(&[
                $((<$fty as $crate::p2::values::Store>::SIZE, <$fty as $crate::p2::values::Store>::ALIGN)),*
            ]);
            const ALIGN: u32 = $crate::p2::values::record_align(&[
                $((<$fty as $crate::p2::values::Store>::SIZE, <$fty as $crate::p2::values::Store>::ALIGN)),*
            ]);
            fn store(
                self,
                call: &mut $crate::p2::call::P2Call<'_>,
                ptr: u32,
            ) -> Result<(), $crate::error::HostError> {
                let mut offset = 0u32;
                $(
                    offset = $crate::p2::values::align_to(
                        offset,
                        <$fty as $crate::p2::values::Store>::ALIGN,
                    );
                    <$fty as $crate::p2::values::Store>::store(self.$field, call, ptr + offset)?;
                    offset += <$fty as $crate::p2::values::Store>::SIZE;
                )*
                let _ = offset;
                Ok(())
            }
        }
    };
}

/// Implements [`Store`] for an enum of at most 256 cases, as its `u8` discriminant.
#[macro_export]
macro_rules! store_enum {
    ($ty:ty, $discriminant:expr) => {
        impl $crate::p2::values::Store for $ty {
            const SIZE: u32 = 1;
            const ALIGN: u32 = 1;
            fn store(
                self,
                call: &mut $crate::p2::call::P2Call<'_>,
                ptr: u32,
            ) -> Result<(), $crate::error::HostError> {
                let discriminant: fn($ty) -> u8 = $discriminant;
                discriminant(self).store(call, ptr)
            }
        }
    };
}

impl P2Call<'_> {
    /// Stores a function's result at the return pointer `ret`, checking its alignment.
    pub fn store_result<T: Store>(&mut self, ret: i32, value: T) -> Result<(), HostError> {
        let ret = ret as u32;
        crate::memory::GuestMemory::check_aligned(ret, T::ALIGN)?;
        if (ret as u64) + (T::SIZE as u64) > self.mem.len() as u64 {
            return Err(HostTrap::MemoryOutOfBounds.into());
        }
        value.store(self, ret)
    }

    /// Loads a string parameter (`ptr`, `len` as the lowering's encoding passes them).
    /// Invalid UTF-8 or UTF-16 traps.
    pub fn load_string(&self, ptr: i32, len: i32) -> Result<String, HostError> {
        let (ptr, len) = (ptr as u32, len as u32);
        let invalid = || HostError::Trap(HostTrap::canon("a string that is not valid Unicode"));
        match self.encoding {
            StringEncoding::Utf8 => {
                String::from_utf8(self.mem.slice(ptr, len)?.to_vec()).map_err(|_| invalid())
            }
            StringEncoding::Utf16 => self.load_utf16(ptr, len),
            StringEncoding::CompactUtf16 if len & UTF16_TAG != 0 => {
                self.load_utf16(ptr, len & !UTF16_TAG)
            }
            StringEncoding::CompactUtf16 => {
                crate::memory::GuestMemory::check_aligned(ptr, 2)?;
                Ok(self
                    .mem
                    .slice(ptr, len)?
                    .iter()
                    .map(|b| *b as char)
                    .collect())
            }
        }
    }

    fn load_utf16(&self, ptr: u32, units: u32) -> Result<String, HostError> {
        crate::memory::GuestMemory::check_aligned(ptr, 2)?;
        let bytes = units.checked_mul(2).ok_or_else(too_large)?;
        let raw = self.mem.slice(ptr, bytes)?;
        let units: Vec<u16> = raw
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16(&units)
            .map_err(|_| HostTrap::canon("a string that is not valid Unicode").into())
    }

    /// Loads a `list<u32>` (or of handles) parameter.
    pub fn load_u32_list(&self, ptr: i32, len: i32) -> Result<Vec<u32>, HostError> {
        let (ptr, len) = (ptr as u32, len as u32);
        crate::memory::GuestMemory::check_aligned(ptr, 4)?;
        let bytes = len.checked_mul(4).ok_or_else(too_large)?;
        Ok(self
            .mem
            .slice(ptr, bytes)?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_follow_the_canonical_abi() {
        // result<_, stream-error>, stream-error = variant { last-operation-failed(own), closed }
        type StreamError = Result<u32, ()>;
        assert_eq!(<StreamError as Store>::SIZE, 8);
        assert_eq!(<Result<(), StreamError> as Store>::SIZE, 12);
        assert_eq!(<Result<u64, StreamError> as Store>::SIZE, 16);
        assert_eq!(<Result<u64, StreamError> as Store>::ALIGN, 8);
        assert_eq!(<Option<(u64, u32)> as Store>::SIZE, 24);
        assert_eq!(<(Bytes, bool) as Store>::SIZE, 12);
        assert_eq!(<Result<u8, u8> as Store>::SIZE, 2);
        assert_eq!(record_size(&[(1, 1), (8, 8), (4, 4)]), 24);
    }
}
