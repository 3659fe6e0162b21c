//! `wasi_snapshot_preview1` types from `typenames.witx`, their guest layouts, and the
//! validation wiggle applies to flags and enum parameters.
//!
//! A flags or enum parameter with a bit or value `typenames.witx` does not define is a trap
//! ([`HostTrap::InvalidValue`]), checked before anything else the function does: wasmtime
//! decodes parameters first and fails the call the same way. (Inside a record the guest
//! passes by pointer, such as a `subscription`, wasmtime answers `inval` instead.)

use crate::error::{HostError, HostTrap};

/// `filetype`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Filetype {
    Unknown = 0,
    BlockDevice = 1,
    CharacterDevice = 2,
    Directory = 3,
    RegularFile = 4,
    /// Never reported: the only sockets a guest can have are TCP streams.
    #[allow(dead_code)]
    SocketDgram = 5,
    SocketStream = 6,
    SymbolicLink = 7,
}

/// Checks that the parameter `value` of the witx flags type `ty` uses only the bits in `all`.
pub(crate) fn flags(value: i32, all: u16, ty: &'static str) -> Result<u16, HostError> {
    match u16::try_from(value) {
        Ok(bits) if bits & !all == 0 => Ok(bits),
        _ => Err(invalid(ty)),
    }
}

/// The trap for a parameter that is not a value of the witx type `ty`.
pub(crate) fn invalid(ty: &'static str) -> HostError {
    HostTrap::InvalidValue(ty).into()
}

/// Checks that the `rights` parameter `value` has only defined rights.
pub(crate) fn rights_value(value: i64) -> Result<u64, HostError> {
    let bits = value as u64;
    if bits & !rights::ALL == 0 {
        Ok(bits)
    } else {
        Err(invalid("rights"))
    }
}

/// `fdflags`.
pub(crate) mod fdflags {
    pub(crate) const APPEND: u16 = 1 << 0;
    pub(crate) const DSYNC: u16 = 1 << 1;
    pub(crate) const NONBLOCK: u16 = 1 << 2;
    pub(crate) const RSYNC: u16 = 1 << 3;
    pub(crate) const SYNC: u16 = 1 << 4;
    pub(crate) const ALL: u16 = (1 << 5) - 1;
}

/// `oflags`.
pub(crate) mod oflags {
    pub(crate) const CREAT: u16 = 1 << 0;
    pub(crate) const DIRECTORY: u16 = 1 << 1;
    pub(crate) const EXCL: u16 = 1 << 2;
    pub(crate) const TRUNC: u16 = 1 << 3;
    pub(crate) const ALL: u16 = (1 << 4) - 1;
}

/// `lookupflags`.
pub(crate) mod lookupflags {
    pub(crate) const SYMLINK_FOLLOW: u16 = 1 << 0;
    pub(crate) const ALL: u16 = SYMLINK_FOLLOW;
}

/// `fstflags`.
pub(crate) mod fstflags {
    pub(crate) const ATIM: u16 = 1 << 0;
    pub(crate) const ATIM_NOW: u16 = 1 << 1;
    pub(crate) const MTIM: u16 = 1 << 2;
    pub(crate) const MTIM_NOW: u16 = 1 << 3;
    pub(crate) const ALL: u16 = (1 << 4) - 1;
}

/// `riflags`, `roflags`, `siflags` and `sdflags` (the socket calls).
pub(crate) mod sockflags {
    pub(crate) const RECV_PEEK: u16 = 1 << 0;
    pub(crate) const RECV_WAITALL: u16 = 1 << 1;
    pub(crate) const RI_ALL: u16 = RECV_PEEK | RECV_WAITALL;
    /// `siflags` has no flags.
    pub(crate) const SI_ALL: u16 = 0;
    pub(crate) const SHUT_RD: u16 = 1 << 0;
    pub(crate) const SHUT_WR: u16 = 1 << 1;
    pub(crate) const SD_ALL: u16 = SHUT_RD | SHUT_WR;
}

/// `rights`: what a descriptor may be used for.
pub(crate) mod rights {
    pub(crate) const FD_DATASYNC: u64 = 1 << 0;
    pub(crate) const FD_READ: u64 = 1 << 1;
    pub(crate) const FD_SEEK: u64 = 1 << 2;
    pub(crate) const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub(crate) const FD_SYNC: u64 = 1 << 4;
    pub(crate) const FD_TELL: u64 = 1 << 5;
    pub(crate) const FD_WRITE: u64 = 1 << 6;
    pub(crate) const FD_ADVISE: u64 = 1 << 7;
    pub(crate) const FD_ALLOCATE: u64 = 1 << 8;
    pub(crate) const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub(crate) const PATH_CREATE_FILE: u64 = 1 << 10;
    pub(crate) const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub(crate) const PATH_LINK_TARGET: u64 = 1 << 12;
    pub(crate) const PATH_OPEN: u64 = 1 << 13;
    pub(crate) const FD_READDIR: u64 = 1 << 14;
    pub(crate) const PATH_READLINK: u64 = 1 << 15;
    pub(crate) const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub(crate) const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub(crate) const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub(crate) const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub(crate) const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub(crate) const FD_FILESTAT_GET: u64 = 1 << 21;
    pub(crate) const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub(crate) const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub(crate) const PATH_SYMLINK: u64 = 1 << 24;
    pub(crate) const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub(crate) const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub(crate) const POLL_FD_READWRITE: u64 = 1 << 27;
    pub(crate) const SOCK_SHUTDOWN: u64 = 1 << 28;
    pub(crate) const SOCK_ACCEPT: u64 = 1 << 29;
    /// Every right `typenames.witx` defines.
    pub(crate) const ALL: u64 = (SOCK_ACCEPT << 1) - 1;

    /// Every directory's own rights, preopened or opened with `path_open`: wasmtime's fixed
    /// set for preopens, plus `fd_sync` and `fd_datasync` (wasmtime cannot sync a directory;
    /// here a program can make a rename durable) and `path_filestat_set_size` (`path_open`
    /// with `trunc`, which wasmtime allows without advertising the right).
    pub(crate) const DIRECTORY: u64 = FD_SYNC
        | FD_DATASYNC
        | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE
        | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_SIZE
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES;

    /// Every right that means something for a file (or another non-directory): all the
    /// `fd_*` rights but `fd_readdir`, and `poll_fd_readwrite`.
    pub(crate) const FILE: u64 = FD_DATASYNC
        | FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_WRITE
        | FD_ADVISE
        | FD_ALLOCATE
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES
        | POLL_FD_READWRITE;

    /// What a directory hands down to what is opened beneath it: everything a directory or a
    /// file can have (wasmtime's fixed set for preopens, with the additions of
    /// [`DIRECTORY`]).
    pub(crate) const DIRECTORY_INHERITING: u64 = DIRECTORY | FILE;

    /// A connected socket's rights.
    pub(crate) const SOCKET_STREAM: u64 = FD_READ
        | FD_WRITE
        | FD_FDSTAT_SET_FLAGS
        | FD_FILESTAT_GET
        | POLL_FD_READWRITE
        | SOCK_SHUTDOWN;

    /// A listening socket's rights.
    pub(crate) const SOCKET_LISTENER: u64 =
        FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET | POLL_FD_READWRITE | SOCK_ACCEPT;
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

/// `filestat`: 64 bytes, 8-aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Filestat {
    pub(crate) dev: u64,
    pub(crate) ino: u64,
    pub(crate) filetype: Filetype,
    pub(crate) nlink: u64,
    pub(crate) size: u64,
    pub(crate) atim: u64,
    pub(crate) mtim: u64,
    pub(crate) ctim: u64,
}

impl Filestat {
    pub(crate) const SIZE: u32 = 64;
    pub(crate) const ALIGN: u32 = 8;

    /// The guest bytes: `dev` at 0, `ino` at 8, `u8` filetype at 16, `nlink` at 24, `size`
    /// at 32, then the three timestamps; padding zeroed.
    pub(crate) fn to_bytes(self) -> [u8; Self::SIZE as usize] {
        let mut bytes = [0; Self::SIZE as usize];
        bytes[0..8].copy_from_slice(&self.dev.to_le_bytes());
        bytes[8..16].copy_from_slice(&self.ino.to_le_bytes());
        bytes[16] = self.filetype as u8;
        for (at, value) in [
            (24, self.nlink),
            (32, self.size),
            (40, self.atim),
            (48, self.mtim),
            (56, self.ctim),
        ] {
            bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
        }
        bytes
    }
}

/// `dirent` header: `d_next` at 0, `d_ino` at 8, `u32` `d_namlen` at 16, `u8` `d_type` at 20;
/// 24 bytes. The name follows it in the `fd_readdir` buffer.
pub(crate) fn dirent_bytes(next: u64, ino: u64, namlen: u32, filetype: Filetype) -> [u8; 24] {
    let mut bytes = [0; 24];
    bytes[0..8].copy_from_slice(&next.to_le_bytes());
    bytes[8..16].copy_from_slice(&ino.to_le_bytes());
    bytes[16..20].copy_from_slice(&namlen.to_le_bytes());
    bytes[20] = filetype as u8;
    bytes
}

/// `whence`, mapped to the host's `SEEK_*`.
pub(crate) fn host_whence(whence: i32) -> Result<libc::c_int, HostError> {
    match whence {
        0 => Ok(libc::SEEK_SET),
        1 => Ok(libc::SEEK_CUR),
        2 => Ok(libc::SEEK_END),
        _ => Err(invalid("whence")),
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
    fn filestat_and_dirent_layouts() {
        let stat = Filestat {
            dev: 1,
            ino: 2,
            filetype: Filetype::Directory,
            nlink: 3,
            size: 4,
            atim: 5,
            mtim: 6,
            ctim: 7,
        };
        let bytes = stat.to_bytes();
        assert_eq!(bytes[0], 1);
        assert_eq!(bytes[8], 2);
        assert_eq!(bytes[16], 3);
        assert_eq!(&bytes[17..24], &[0; 7]);
        assert_eq!(
            [bytes[24], bytes[32], bytes[40], bytes[48], bytes[56]],
            [3, 4, 5, 6, 7]
        );
        let dirent = dirent_bytes(9, 10, 11, Filetype::SymbolicLink);
        assert_eq!(
            [dirent[0], dirent[8], dirent[16], dirent[20]],
            [9, 10, 11, 7]
        );
    }

    #[test]
    fn rights_and_flag_masks() {
        assert_eq!(rights::ALL, 0x3fff_ffff);
        assert_eq!(fdflags::ALL, 0b1_1111);
        assert_eq!(flags(0b1_0001, fdflags::ALL, "fdflags"), Ok(0b1_0001));
        let trap = Err(invalid("fdflags"));
        assert_eq!(flags(0b10_0000, fdflags::ALL, "fdflags"), trap);
        assert_eq!(flags(-1, fdflags::ALL, "fdflags"), trap);
        assert_eq!(
            flags(1, sockflags::SI_ALL, "siflags"),
            Err(invalid("siflags"))
        );
        assert_eq!(rights_value(1 << 30), Err(invalid("rights")));
        assert_eq!(host_whence(3), Err(invalid("whence")));
    }
}
