//! Trap codes shared by compiled code (Cranelift user trap codes), the signal handler and the
//! spec harness, each with the message the spec testsuite expects.

/// Every way a wasm program can trap.
///
/// The discriminant is the Cranelift user trap code that compiled code carries in its trap
/// table; `0` is reserved (Cranelift user codes are non-zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Trap {
    /// `unreachable` executed.
    Unreachable = 1,
    /// Integer division or remainder by zero.
    IntegerDivideByZero = 2,
    /// Signed division overflow or float-to-int conversion out of range.
    IntegerOverflow = 3,
    /// Float-to-int conversion of a NaN.
    InvalidConversion = 4,
    /// Linear-memory access out of bounds.
    MemoryOutOfBounds = 5,
    /// Table access out of bounds (table.get/set/fill/copy/init).
    TableOutOfBounds = 6,
    /// `call_indirect` index beyond the table's size.
    UndefinedElement = 7,
    /// `call_indirect` through a null entry.
    UninitializedElement = 8,
    /// `call_indirect` signature mismatch.
    IndirectCallTypeMismatch = 9,
    /// Guest stack exhausted.
    StackExhausted = 10,
    /// A host function trapped or exited; the reason is held by the runtime.
    Host = 11,
    /// `ref.as_non_null` of a null reference.
    NullReference = 12,
    /// `call_ref` of a null function reference.
    NullFunctionReference = 13,
    /// An atomic access at an address that is not a multiple of its size.
    UnalignedAtomic = 14,
    /// `memory.atomic.wait` on a memory that is not shared.
    ExpectedSharedMemory = 15,
    /// `throw_ref` of a null exception reference.
    NullExceptionReference = 16,
}

impl Trap {
    /// All traps, for round-trip checks.
    pub const ALL: [Trap; 16] = [
        Trap::Unreachable,
        Trap::IntegerDivideByZero,
        Trap::IntegerOverflow,
        Trap::InvalidConversion,
        Trap::MemoryOutOfBounds,
        Trap::TableOutOfBounds,
        Trap::UndefinedElement,
        Trap::UninitializedElement,
        Trap::IndirectCallTypeMismatch,
        Trap::StackExhausted,
        Trap::Host,
        Trap::NullReference,
        Trap::NullFunctionReference,
        Trap::UnalignedAtomic,
        Trap::ExpectedSharedMemory,
        Trap::NullExceptionReference,
    ];

    /// The code carried in trap tables.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Decodes a trap-table code.
    pub fn from_code(code: u8) -> Option<Trap> {
        Trap::ALL.iter().copied().find(|t| t.code() == code)
    }

    /// The message printed after `error: wasm trap: `; it is the text the spec testsuite's
    /// `assert_trap` expects (the harness matches it as a prefix).
    pub fn message(self) -> &'static str {
        match self {
            Trap::Unreachable => "unreachable",
            Trap::IntegerDivideByZero => "integer divide by zero",
            Trap::IntegerOverflow => "integer overflow",
            Trap::InvalidConversion => "invalid conversion to integer",
            Trap::MemoryOutOfBounds => "out of bounds memory access",
            Trap::TableOutOfBounds => "out of bounds table access",
            Trap::UndefinedElement => "undefined element",
            Trap::UninitializedElement => "uninitialized element",
            Trap::IndirectCallTypeMismatch => "indirect call type mismatch",
            Trap::StackExhausted => "call stack exhausted",
            Trap::Host => "host function trapped",
            Trap::NullReference => "null reference",
            Trap::NullFunctionReference => "null function reference",
            Trap::UnalignedAtomic => "unaligned atomic",
            Trap::ExpectedSharedMemory => "expected shared memory",
            Trap::NullExceptionReference => "null exception reference",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_nonzero() {
        for trap in Trap::ALL {
            assert_ne!(trap.code(), 0);
            assert_eq!(Trap::from_code(trap.code()), Some(trap));
        }
        assert_eq!(Trap::from_code(0), None);
    }
}
