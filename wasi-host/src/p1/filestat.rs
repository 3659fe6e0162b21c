//! From the filesystem's stats and types to P1's `filestat` and `filetype`, and P1
//! timestamps to the filesystem's.

use crate::error::Errno;
use crate::p1::types::{fstflags, Filestat, Filetype};
use crate::p2::filesystem::{
    Datetime, DescriptorStat, DescriptorType, MetadataHashValue, NewTimestamp,
};

/// The P1 `filetype` of a descriptor type. P1 has no FIFO type (wasmtime reports `unknown`)
/// and cannot tell stream from datagram sockets by type alone; every socket the guest can
/// have is a TCP stream.
pub(crate) fn filetype(ty: DescriptorType) -> Filetype {
    match ty {
        DescriptorType::Unknown | DescriptorType::Fifo => Filetype::Unknown,
        DescriptorType::BlockDevice => Filetype::BlockDevice,
        DescriptorType::CharacterDevice => Filetype::CharacterDevice,
        DescriptorType::Directory => Filetype::Directory,
        DescriptorType::SymbolicLink => Filetype::SymbolicLink,
        DescriptorType::RegularFile => Filetype::RegularFile,
        DescriptorType::Socket => Filetype::SocketStream,
    }
}

/// A timestamp in nanoseconds, 0 when the host has none, `overflow` past 2554.
fn timestamp(time: Option<Datetime>) -> Result<u64, Errno> {
    let Some(time) = time else { return Ok(0) };
    time.seconds
        .checked_mul(1_000_000_000)
        .and_then(|ns| ns.checked_add(u64::from(time.nanoseconds)))
        .ok_or(Errno::Overflow)
}

/// The P1 `filestat` for a stat and metadata hash: `dev` is always 1 and `ino` the hash, as in
/// wasmtime (the pair still tells objects apart).
pub(crate) fn filestat(stat: DescriptorStat, hash: MetadataHashValue) -> Result<Filestat, Errno> {
    Ok(Filestat {
        dev: 1,
        ino: hash.lower,
        filetype: filetype(stat.type_),
        nlink: stat.link_count,
        size: stat.size,
        atim: timestamp(stat.data_access_timestamp)?,
        mtim: timestamp(stat.data_modification_timestamp)?,
        ctim: timestamp(stat.status_change_timestamp)?,
    })
}

/// The new access and modification times `fst_flags` asks for; asking for both an explicit
/// time and "now" for the same timestamp is `inval`.
pub(crate) fn new_timestamps(
    atim: i64,
    mtim: i64,
    fst_flags: u16,
) -> Result<(NewTimestamp, NewTimestamp), Errno> {
    let atim = new_timestamp(
        fst_flags & fstflags::ATIM != 0,
        atim as u64,
        fst_flags & fstflags::ATIM_NOW != 0,
    )?;
    let mtim = new_timestamp(
        fst_flags & fstflags::MTIM != 0,
        mtim as u64,
        fst_flags & fstflags::MTIM_NOW != 0,
    )?;
    Ok((atim, mtim))
}

fn new_timestamp(set: bool, nanoseconds: u64, now: bool) -> Result<NewTimestamp, Errno> {
    Ok(match (set, now) {
        (true, true) => return Err(Errno::Inval),
        (true, false) => NewTimestamp::Timestamp(Datetime {
            seconds: nanoseconds / 1_000_000_000,
            nanoseconds: (nanoseconds % 1_000_000_000) as u32,
        }),
        (false, true) => NewTimestamp::Now,
        (false, false) => NewTimestamp::NoChange,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_from_flags() {
        assert_eq!(
            new_timestamps(1_500_000_000, 0, fstflags::ATIM | fstflags::MTIM_NOW),
            Ok((
                NewTimestamp::Timestamp(Datetime {
                    seconds: 1,
                    nanoseconds: 500_000_000
                }),
                NewTimestamp::Now
            ))
        );
        assert_eq!(
            new_timestamps(0, 0, 0),
            Ok((NewTimestamp::NoChange, NewTimestamp::NoChange))
        );
        assert_eq!(
            new_timestamps(0, 0, fstflags::MTIM | fstflags::MTIM_NOW),
            Err(Errno::Inval)
        );
    }

    #[test]
    fn missing_times_are_zero() {
        assert_eq!(timestamp(None), Ok(0));
        assert_eq!(
            timestamp(Some(Datetime {
                seconds: u64::MAX,
                nanoseconds: 0
            })),
            Err(Errno::Overflow)
        );
    }
}
