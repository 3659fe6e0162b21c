//! `wasi_snapshot_preview1` types from `typenames.witx` and their guest layouts.
//!
//! Only the types the implemented functions use are here; the values are the witx ones.

/// `filetype`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Filetype {
    Unknown = 0,
    BlockDevice = 1,
    CharacterDevice = 2,
    Directory = 3,
    RegularFile = 4,
    SocketDgram = 5,
    SocketStream = 6,
    SymbolicLink = 7,
}

/// `fdflags` bits the host reports (`nonblock` and `rsync` are never reported: reads and
/// writes always block, and Linux cannot tell `O_RSYNC` from `O_SYNC`).
pub(crate) mod fdflags {
    pub(crate) const APPEND: u16 = 1 << 0;
    pub(crate) const DSYNC: u16 = 1 << 1;
    pub(crate) const SYNC: u16 = 1 << 4;
}

/// `rights` bits (the ones the host tests or clears; [`rights::ALL`] covers the rest).
pub(crate) mod rights {
    pub(crate) const FD_READ: u64 = 1 << 1;
    pub(crate) const FD_SEEK: u64 = 1 << 2;
    pub(crate) const FD_TELL: u64 = 1 << 5;
    pub(crate) const FD_WRITE: u64 = 1 << 6;
    pub(crate) const FD_READDIR: u64 = 1 << 14;
    pub(crate) const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub(crate) const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub(crate) const SOCK_SHUTDOWN: u64 = 1 << 28;
    /// Every right `typenames.witx` defines (`fd_datasync` through `sock_shutdown`).
    pub(crate) const ALL: u64 = (SOCK_SHUTDOWN << 1) - 1;
}

/// `fdstat`: 24 bytes, 8-aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fdstat {
    pub(crate) filetype: Filetype,
    pub(crate) flags: u16,
    pub(crate) rights_base: u64,
    pub(crate) rights_inheriting: u64,
}

impl Fdstat {
    pub(crate) const SIZE: u32 = 24;
    pub(crate) const ALIGN: u32 = 8;

    /// The guest bytes: `u8` filetype at 0, `u16` flags at 2, `u64` rights at 8 and 16,
    /// padding zeroed.
    pub(crate) fn to_bytes(self) -> [u8; Self::SIZE as usize] {
        let mut bytes = [0; Self::SIZE as usize];
        bytes[0] = self.filetype as u8;
        bytes[2..4].copy_from_slice(&self.flags.to_le_bytes());
        bytes[8..16].copy_from_slice(&self.rights_base.to_le_bytes());
        bytes[16..24].copy_from_slice(&self.rights_inheriting.to_le_bytes());
        bytes
    }
}

/// `whence`, mapped to the host's `SEEK_*`; `None` for a value witx does not define.
pub(crate) fn host_whence(whence: i32) -> Option<libc::c_int> {
    match whence {
        0 => Some(libc::SEEK_SET),
        1 => Some(libc::SEEK_CUR),
        2 => Some(libc::SEEK_END),
        _ => None,
    }
}

/// `iovec` / `ciovec`: `u32` buffer pointer, `u32` length; 8 bytes, 4-aligned.
pub(crate) const IOVEC_SIZE: u32 = 8;
pub(crate) const IOVEC_ALIGN: u32 = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fdstat_layout() {
        let stat = Fdstat {
            filetype: Filetype::RegularFile,
            flags: fdflags::APPEND | fdflags::SYNC,
            rights_base: 0x0102_0304_0506_0708,
            rights_inheriting: rights::FD_WRITE,
        };
        let bytes = stat.to_bytes();
        assert_eq!(bytes[0], 4);
        assert_eq!(bytes[1], 0);
        assert_eq!(&bytes[2..4], &[0x11, 0]);
        assert_eq!(&bytes[4..8], &[0; 4]);
        assert_eq!(&bytes[8..16], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(&bytes[16..24], &[0x40, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn all_rights_are_29_bits() {
        assert_eq!(rights::ALL, 0x1fff_ffff);
        assert_eq!(fdflags::APPEND | fdflags::DSYNC | fdflags::SYNC, 0b1_0011);
    }
}
