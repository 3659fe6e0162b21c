//! `fd_readdir`: directory entries into a guest buffer, resumable by cookie.
//!
//! As in wasmtime, every call lists the directory afresh: `.` and `..` first, then the
//! entries in host order, and the cookie is the index of the next entry. A directory that
//! changes between calls is therefore seen as the host lists it at each call. Entries are
//! written back to back (a 24-byte `dirent` then the name) and the last one is cut off at the
//! end of the buffer; a result equal to the buffer size tells the guest to read again with a
//! larger buffer or the next cookie.

use crate::ctx::WasiCtx;
use crate::error::{Errno, HostError};
use crate::memory::GuestMemory;
use crate::p1::fd_table::Kind;
use crate::p1::filestat::filetype;
use crate::p1::types::{dirent_bytes, rights, Filetype};

/// Fills `buf_len` bytes at `buf` with the entries of directory `fd` from `cookie` on and
/// writes the number of bytes used to `bufused`.
pub fn fd_readdir(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: i32,
    buf: i32,
    buf_len: i32,
    cookie: i64,
    bufused: i32,
) -> Result<(), HostError> {
    let descriptor = ctx.fds.get(fd as u32)?;
    let Kind::Dir(dir) = &descriptor.kind else {
        return Err(Errno::Badf.into());
    };
    descriptor.require(rights::FD_READDIR)?;
    let dir_hash = dir.dir.metadata_hash()?;
    let entries = dir.dir.read_directory()?;
    let skip = usize::try_from(cookie as u64).map_err(|_| Errno::Overflow)?;

    let head = [(".", dir_hash.lower), ("..", dir_hash.lower)]
        .into_iter()
        .map(|(name, ino)| (name, ino, Filetype::Directory));
    let rest = entries
        .iter()
        .map(|entry| (entry.name.as_str(), entry.hash.lower, filetype(entry.type_)));
    let capacity = buf_len as u32;
    let mut at = buf as u32;
    let mut left = capacity;
    for (next, (name, ino, ty)) in (1u64..).zip(head.chain(rest)).skip(skip) {
        let namlen = u32::try_from(name.len()).map_err(|_| Errno::Overflow)?;
        let header = dirent_bytes(next, ino, namlen, ty);
        for part in [&header[..], name.as_bytes()] {
            let len = left.min(part.len() as u32);
            mem.write_bytes(at, &part[..len as usize])?;
            at = at.wrapping_add(len);
            left -= len;
            if left == 0 {
                return mem.write_u32(bufused as u32, capacity);
            }
        }
    }
    mem.write_u32(bufused as u32, capacity - left)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::TestMemory;

    fn entries(bytes: &[u8]) -> Vec<(u64, String)> {
        let mut out = Vec::new();
        let mut at = 0;
        while at + 24 <= bytes.len() {
            let next = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
            let len = u32::from_le_bytes(bytes[at + 16..at + 20].try_into().unwrap()) as usize;
            let name = String::from_utf8_lossy(&bytes[at + 24..(at + 24 + len).min(bytes.len())]);
            out.push((next, name.into_owned()));
            at += 24 + len;
        }
        out
    }

    #[test]
    fn listing_cookies_and_truncation() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("a"), b"").unwrap();
        let mut ctx = WasiCtx::new(Vec::new(), Vec::new());
        let fd = ctx.preopen_dir(root.path(), ".").unwrap() as i32;
        let mut memory = TestMemory::new(1024);
        fd_readdir(&mut ctx, &mut memory.guest(), fd, 100, 512, 0, 0).unwrap();
        let used = memory.u32_at(0) as usize;
        assert_eq!(used, 3 * 24 + 1 + 2 + 1);
        assert_eq!(
            entries(&memory.bytes()[100..100 + used]),
            [(1, ".".into()), (2, "..".into()), (3, "a".into())]
        );
        // From cookie 2 on: only `a`.
        fd_readdir(&mut ctx, &mut memory.guest(), fd, 100, 512, 2, 0).unwrap();
        assert_eq!(memory.u32_at(0), 25);
        // A buffer that ends inside the second header is filled completely.
        fd_readdir(&mut ctx, &mut memory.guest(), fd, 100, 30, 0, 0).unwrap();
        assert_eq!(memory.u32_at(0), 30);
        // Past the end: nothing.
        fd_readdir(&mut ctx, &mut memory.guest(), fd, 100, 512, 9, 0).unwrap();
        assert_eq!(memory.u32_at(0), 0);
        assert_eq!(
            fd_readdir(&mut ctx, &mut memory.guest(), 1, 100, 512, 0, 0),
            Err(Errno::Badf.into())
        );
    }
}
