//! `wasi:filesystem/types` as components call it: every method of `descriptor` and
//! `directory-entry-stream`, and `filesystem-error-code`, over the filesystem of this module's
//! parent (the one P1 uses too).
//!
//! A descriptor carries its `descriptor-flags`, and the checks follow wasmtime's: a file's
//! reads and writes are left to the host, which refuses what the file was not opened for
//! (`bad-descriptor`; a file created for reading only is open for writing too, as under
//! wasmtime); every path operation that changes a directory (creating, removing,
//! renaming, linking, `set-times-at`, and opening with `create` or `mutate-directory`) needs
//! `mutate-directory` on it (else `not-permitted`). Preopens have `read` and
//! `mutate-directory`; a file `open-at` opens has the access asked for (and `write` when it
//! truncates), and a directory inherits its parent's `mutate-directory`, whatever was asked
//! (as wasmtime's permissions are inherited), while `get-flags` reports what was asked.

use super::{
    Advice, Datetime, Descriptor, DescriptorStat, DescriptorType, Dir, DirectoryEntry, ErrorCode,
    MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};
use crate::error::{HostError, HostTrap};
use crate::p2::call::P2Call;
use crate::p2::streams::{InputStream, IoError, OutputStream};
use crate::p2::values::Bytes;
use crate::resources::{HostKind, HostObject};
use std::collections::VecDeque;
use std::os::fd::{AsFd, OwnedFd};

/// `descriptor-flags` bits.
mod flag {
    pub const READ: u32 = 1 << 0;
    pub const WRITE: u32 = 1 << 1;
    pub const FILE_INTEGRITY_SYNC: u32 = 1 << 2;
    pub const DATA_INTEGRITY_SYNC: u32 = 1 << 3;
    pub const REQUESTED_WRITE_SYNC: u32 = 1 << 4;
    pub const MUTATE_DIRECTORY: u32 = 1 << 5;
}

/// A `descriptor`: an open file or directory and the flags it was opened with.
#[derive(Debug)]
pub struct DescriptorObject {
    /// The file or directory.
    pub descriptor: Descriptor,
    /// What it may do, as `descriptor-flags` bits.
    pub flags: u32,
    /// What `get-flags` reports: for a directory, what was asked for (wasmtime reports a
    /// directory's open mode, while what it may do is inherited from its parent).
    pub reported: u32,
}

impl DescriptorObject {
    /// A preopened directory: readable and mutable.
    pub fn preopen(dir: Dir) -> DescriptorObject {
        DescriptorObject {
            descriptor: Descriptor::Dir(dir),
            flags: flag::READ | flag::MUTATE_DIRECTORY,
            reported: flag::READ | flag::MUTATE_DIRECTORY,
        }
    }
}

crate::store_enum!(ErrorCode, |code| code as u8);
crate::store_enum!(DescriptorType, |ty| ty as u8);
crate::store_record!(Datetime {
    seconds: u64,
    nanoseconds: u32
});
crate::store_record!(DescriptorStat {
    type_: DescriptorType,
    link_count: u64,
    size: u64,
    data_access_timestamp: Option<Datetime>,
    data_modification_timestamp: Option<Datetime>,
    status_change_timestamp: Option<Datetime>,
});
crate::store_record!(MetadataHashValue {
    lower: u64,
    upper: u64
});

/// A `directory-entry`.
struct Entry {
    type_: DescriptorType,
    name: String,
}
crate::store_record!(Entry {
    type_: DescriptorType,
    name: String
});

fn descriptor<'c>(
    call: &'c mut P2Call<'_>,
    this: i32,
) -> Result<&'c mut DescriptorObject, HostError> {
    match call.object(this as u32, HostKind::Descriptor)? {
        HostObject::Descriptor(d) => Ok(d),
        _ => unreachable!("the handle table checked the kind"),
    }
}

/// The directory `this`, which must have every flag of `needs`.
fn dir(call: &mut P2Call<'_>, this: i32, needs: u32) -> Result<Result<Dir, ErrorCode>, HostError> {
    let d = descriptor(call, this)?;
    let Descriptor::Dir(dir) = &d.descriptor else {
        return Ok(Err(ErrorCode::NotDirectory));
    };
    if d.flags & needs != needs {
        return Ok(Err(ErrorCode::NotPermitted));
    }
    Ok(dir.try_clone().map_err(ErrorCode::from))
}

/// A duplicate of the file `this`'s descriptor; `missing` unless it has every flag of `needs`.
fn file_fd(
    call: &mut P2Call<'_>,
    this: i32,
    needs: u32,
    missing: ErrorCode,
) -> Result<Result<OwnedFd, ErrorCode>, HostError> {
    let d = descriptor(call, this)?;
    let Descriptor::File(file) = &d.descriptor else {
        return Ok(Err(ErrorCode::BadDescriptor));
    };
    if d.flags & needs != needs {
        return Ok(Err(missing));
    }
    Ok(file.as_fd().try_clone_to_owned().map_err(ErrorCode::from))
}

/// Runs `f` on the file `this` (with `needs` flags, else `missing`).
fn with_file<T>(
    call: &mut P2Call<'_>,
    this: i32,
    needs: u32,
    missing: ErrorCode,
    f: impl FnOnce(&super::File) -> Result<T, ErrorCode>,
) -> Result<Result<T, ErrorCode>, HostError> {
    let d = descriptor(call, this)?;
    let Descriptor::File(file) = &d.descriptor else {
        return Ok(Err(ErrorCode::BadDescriptor));
    };
    if d.flags & needs != needs {
        return Ok(Err(missing));
    }
    Ok(f(file))
}

fn path_flags(bits: i32) -> PathFlags {
    PathFlags {
        symlink_follow: bits & 1 != 0,
    }
}

/// Lifts a flattened `new-timestamp`: discriminant, seconds, nanoseconds.
fn new_timestamp(case: i32, seconds: i64, nanoseconds: i32) -> Result<NewTimestamp, HostError> {
    match case {
        0 => Ok(NewTimestamp::NoChange),
        1 => Ok(NewTimestamp::Now),
        2 => Ok(NewTimestamp::Timestamp(Datetime {
            seconds: seconds as u64,
            nanoseconds: nanoseconds as u32,
        })),
        _ => Err(HostTrap::canon("invalid `new-timestamp` discriminant").into()),
    }
}

/// `[method]descriptor.read-via-stream`.
pub fn descriptor_read_via_stream(
    call: &mut P2Call<'_>,
    this: i32,
    offset: i64,
    ret: i32,
) -> Result<(), HostError> {
    if matches!(descriptor(call, this)?.descriptor, Descriptor::Dir(_)) {
        return call.store_result(ret, Err::<u32, _>(ErrorCode::IsDirectory));
    }
    let result = match file_fd(call, this, 0, ErrorCode::BadDescriptor)? {
        Ok(fd) => Ok(call.new_own(HostObject::InputStream(InputStream::File {
            fd,
            offset: offset as u64,
        }))?),
        Err(e) => Err(e),
    };
    call.store_result(ret, result)
}

/// `[method]descriptor.write-via-stream`.
pub fn descriptor_write_via_stream(
    call: &mut P2Call<'_>,
    this: i32,
    offset: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = match file_fd(call, this, 0, ErrorCode::BadDescriptor)? {
        Ok(fd) => Ok(call.new_own(HostObject::OutputStream(OutputStream::File {
            fd,
            offset: offset as u64,
        }))?),
        Err(e) => Err(e),
    };
    call.store_result(ret, result)
}

/// `[method]descriptor.append-via-stream`.
pub fn descriptor_append_via_stream(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let result = match file_fd(call, this, 0, ErrorCode::BadDescriptor)? {
        Ok(fd) => Ok(call.new_own(HostObject::OutputStream(OutputStream::Append(fd)))?),
        Err(e) => Err(e),
    };
    call.store_result(ret, result)
}

/// `[method]descriptor.advise`.
pub fn descriptor_advise(
    call: &mut P2Call<'_>,
    this: i32,
    offset: i64,
    len: i64,
    advice: i32,
    ret: i32,
) -> Result<(), HostError> {
    let advice = match advice {
        0 => Advice::Normal,
        1 => Advice::Sequential,
        2 => Advice::Random,
        3 => Advice::WillNeed,
        4 => Advice::DontNeed,
        5 => Advice::NoReuse,
        _ => return Err(HostTrap::canon("invalid `advice` discriminant").into()),
    };
    let result = with_file(call, this, 0, ErrorCode::BadDescriptor, |f| {
        f.advise(offset as u64, len as u64, advice)
    })?;
    call.store_result(ret, result)
}

fn sync(call: &mut P2Call<'_>, this: i32, data: bool) -> Result<Result<(), ErrorCode>, HostError> {
    let d = descriptor(call, this)?;
    Ok(match (&d.descriptor, data) {
        (Descriptor::File(f), true) => f.sync_data(),
        (Descriptor::File(f), false) => f.sync(),
        (Descriptor::Dir(d), true) => d.sync_data(),
        (Descriptor::Dir(d), false) => d.sync(),
    })
}

/// `[method]descriptor.sync-data`.
pub fn descriptor_sync_data(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    let result = sync(call, this, true)?;
    call.store_result(ret, result)
}

/// `[method]descriptor.sync`.
pub fn descriptor_sync(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    let result = sync(call, this, false)?;
    call.store_result(ret, result)
}

/// `[method]descriptor.get-flags`.
pub fn descriptor_get_flags(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    let flags = descriptor(call, this)?.reported as u8;
    call.store_result(ret, Ok::<u8, ErrorCode>(flags))
}

fn stat_of(d: &DescriptorObject) -> Result<DescriptorStat, ErrorCode> {
    match &d.descriptor {
        Descriptor::File(f) => f.stat(),
        Descriptor::Dir(d) => d.stat(),
    }
}

/// `[method]descriptor.get-type`.
pub fn descriptor_get_type(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    let result = stat_of(descriptor(call, this)?).map(|s| s.type_);
    call.store_result(ret, result)
}

/// `[method]descriptor.set-size`.
pub fn descriptor_set_size(
    call: &mut P2Call<'_>,
    this: i32,
    size: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = with_file(call, this, 0, ErrorCode::NotPermitted, |f| {
        f.set_size(size as u64)
    })?;
    call.store_result(ret, result)
}

/// `[method]descriptor.set-times`.
#[allow(clippy::too_many_arguments)]
pub fn descriptor_set_times(
    call: &mut P2Call<'_>,
    this: i32,
    atim: i32,
    atim_seconds: i64,
    atim_nanoseconds: i32,
    mtim: i32,
    mtim_seconds: i64,
    mtim_nanoseconds: i32,
    ret: i32,
) -> Result<(), HostError> {
    let atim = new_timestamp(atim, atim_seconds, atim_nanoseconds)?;
    let mtim = new_timestamp(mtim, mtim_seconds, mtim_nanoseconds)?;
    let d = descriptor(call, this)?;
    let result = match &d.descriptor {
        Descriptor::File(f) => f.set_times(atim, mtim),
        Descriptor::Dir(_) if d.flags & flag::MUTATE_DIRECTORY == 0 => Err(ErrorCode::NotPermitted),
        Descriptor::Dir(dir) => dir.set_times(atim, mtim),
    };
    call.store_result(ret, result)
}

/// `[method]descriptor.read`: at most `len` bytes at `offset`, and whether the end was
/// reached.
pub fn descriptor_read(
    call: &mut P2Call<'_>,
    this: i32,
    len: i64,
    offset: i64,
    ret: i32,
) -> Result<(), HostError> {
    let result = match file_fd(call, this, 0, ErrorCode::BadDescriptor)? {
        Ok(fd) => {
            let len = (len as u64).min(1 << 20) as usize;
            let mut buf = vec![0u8; len];
            let iov = [libc::iovec {
                iov_base: buf.as_mut_ptr().cast(),
                iov_len: buf.len(),
            }];
            // SAFETY: the iovec describes `buf`, which nothing else references.
            let read = unsafe {
                crate::host_fd::pread_vectored(
                    std::os::fd::AsRawFd::as_raw_fd(&fd),
                    &iov,
                    offset as u64,
                )
            };
            match read {
                Ok(n) => {
                    buf.truncate(n);
                    // The end is an empty read, as in wasmtime (a short read is not).
                    let end = n == 0;
                    Ok((Bytes(buf), end))
                }
                Err(errno) => Err(ErrorCode::from_errno(errno)),
            }
        }
        Err(e) => Err(e),
    };
    call.store_result(ret, result)
}

/// `[method]descriptor.write`: `buffer` at `offset`; returns how much was written.
pub fn descriptor_write(
    call: &mut P2Call<'_>,
    this: i32,
    buffer: i32,
    buffer_len: i32,
    offset: i64,
    ret: i32,
) -> Result<(), HostError> {
    let mem = call.mem;
    let bytes = mem.slice(buffer as u32, buffer_len as u32)?;
    let result = match file_fd(call, this, 0, ErrorCode::BadDescriptor)? {
        Ok(fd) => {
            let mut bufs = [std::io::IoSlice::new(bytes)];
            crate::host_fd::pwrite_all_vectored(
                std::os::fd::AsRawFd::as_raw_fd(&fd),
                &mut bufs,
                offset as u64,
            )
            .map(|n| n as u64)
            .map_err(ErrorCode::from_errno)
        }
        Err(e) => Err(e),
    };
    call.store_result(ret, result)
}

/// `[method]descriptor.read-directory`: a stream of the entries (without `.` and `..`).
pub fn descriptor_read_directory(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let entries = dir(call, this, flag::READ)?.and_then(|d| d.read_directory());
    let result = match entries {
        Ok(entries) => Ok(call.new_own(HostObject::DirectoryEntryStream(VecDeque::from(entries)))?),
        Err(e) => Err(e),
    };
    call.store_result(ret, result)
}

/// `[method]descriptor.create-directory-at`.
pub fn descriptor_create_directory_at(
    call: &mut P2Call<'_>,
    this: i32,
    path: i32,
    path_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    let path = call.load_string(path, path_len)?;
    let result =
        dir(call, this, flag::MUTATE_DIRECTORY)?.and_then(|d| d.create_directory_at(&path));
    call.store_result(ret, result)
}

/// `[method]descriptor.stat`.
pub fn descriptor_stat(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    let result = stat_of(descriptor(call, this)?);
    call.store_result(ret, result)
}

/// `[method]descriptor.stat-at`.
pub fn descriptor_stat_at(
    call: &mut P2Call<'_>,
    this: i32,
    flags: i32,
    path: i32,
    path_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    let path = call.load_string(path, path_len)?;
    let result = dir(call, this, flag::READ)?.and_then(|d| d.stat_at(path_flags(flags), &path));
    call.store_result(ret, result)
}

/// `[method]descriptor.set-times-at`.
#[allow(clippy::too_many_arguments)]
pub fn descriptor_set_times_at(
    call: &mut P2Call<'_>,
    this: i32,
    flags: i32,
    path: i32,
    path_len: i32,
    atim: i32,
    atim_seconds: i64,
    atim_nanoseconds: i32,
    mtim: i32,
    mtim_seconds: i64,
    mtim_nanoseconds: i32,
    ret: i32,
) -> Result<(), HostError> {
    let path = call.load_string(path, path_len)?;
    let atim = new_timestamp(atim, atim_seconds, atim_nanoseconds)?;
    let mtim = new_timestamp(mtim, mtim_seconds, mtim_nanoseconds)?;
    let result = dir(call, this, flag::MUTATE_DIRECTORY)?
        .and_then(|d| d.set_times_at(path_flags(flags), &path, atim, mtim));
    call.store_result(ret, result)
}

/// `[method]descriptor.link-at`.
#[allow(clippy::too_many_arguments)]
pub fn descriptor_link_at(
    call: &mut P2Call<'_>,
    this: i32,
    old_flags: i32,
    old_path: i32,
    old_path_len: i32,
    new_descriptor: i32,
    new_path: i32,
    new_path_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    let old_path = call.load_string(old_path, old_path_len)?;
    let new_path = call.load_string(new_path, new_path_len)?;
    let old = dir(call, this, flag::MUTATE_DIRECTORY)?;
    let new = dir(call, new_descriptor, flag::MUTATE_DIRECTORY)?;
    let result = old.and_then(|old| {
        let new = new?;
        old.link_at(path_flags(old_flags), &old_path, &new, &new_path)
    });
    call.store_result(ret, result)
}

/// `[method]descriptor.open-at`.
#[allow(clippy::too_many_arguments)]
pub fn descriptor_open_at(
    call: &mut P2Call<'_>,
    this: i32,
    flags: i32,
    path: i32,
    path_len: i32,
    open_flags: i32,
    descriptor_flags: i32,
    ret: i32,
) -> Result<(), HostError> {
    let path = call.load_string(path, path_len)?;
    let open = OpenFlags {
        create: open_flags & 1 != 0,
        directory: open_flags & 2 != 0,
        exclusive: open_flags & 4 != 0,
        truncate: open_flags & 8 != 0,
    };
    let mut wanted = descriptor_flags as u32 & 0x3f;
    if open.truncate {
        // Truncating writes: the file is open for writing too, as in wasmtime.
        wanted |= flag::WRITE;
    }
    let parent = descriptor(call, this)?;
    let parent_flags = parent.flags;
    let result = match &parent.descriptor {
        Descriptor::File(_) => Err(ErrorCode::NotDirectory),
        Descriptor::Dir(_) if parent_flags & flag::READ == 0 => Err(ErrorCode::NotPermitted),
        Descriptor::Dir(_)
            if (open.create || wanted & flag::MUTATE_DIRECTORY != 0)
                && parent_flags & flag::MUTATE_DIRECTORY == 0 =>
        {
            Err(ErrorCode::NotPermitted)
        }
        Descriptor::Dir(d) => d
            .open_at(
                path_flags(flags),
                &path,
                open,
                super::DescriptorFlags {
                    read: wanted & flag::READ != 0,
                    write: wanted & flag::WRITE != 0,
                    file_integrity_sync: wanted & flag::FILE_INTEGRITY_SYNC != 0,
                    data_integrity_sync: wanted & flag::DATA_INTEGRITY_SYNC != 0,
                    requested_write_sync: wanted & flag::REQUESTED_WRITE_SYNC != 0,
                },
            )
            .map(|opened| {
                let (flags, reported) = match &opened {
                    // A directory can always be read, and changed if its parent can be:
                    // permissions are inherited, as in wasmtime, whatever the flags ask;
                    // `get-flags` shows what was asked (`mutate-directory` only with
                    // `write`, which a directory refuses: so at most `read`).
                    Descriptor::Dir(_) => (
                        flag::READ | (parent_flags & flag::MUTATE_DIRECTORY),
                        wanted & flag::READ,
                    ),
                    Descriptor::File(_) => {
                        let flags = wanted & !flag::MUTATE_DIRECTORY;
                        (flags, flags)
                    }
                };
                DescriptorObject {
                    descriptor: opened,
                    flags,
                    reported,
                }
            }),
    };
    let result = match result {
        Ok(object) => Ok(call.new_own(HostObject::Descriptor(object))?),
        Err(e) => Err(e),
    };
    call.store_result(ret, result)
}

/// `[method]descriptor.readlink-at`.
pub fn descriptor_readlink_at(
    call: &mut P2Call<'_>,
    this: i32,
    path: i32,
    path_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    let path = call.load_string(path, path_len)?;
    let result = dir(call, this, flag::READ)?.and_then(|d| d.readlink_at(&path));
    call.store_result(ret, result)
}

/// `[method]descriptor.remove-directory-at`.
pub fn descriptor_remove_directory_at(
    call: &mut P2Call<'_>,
    this: i32,
    path: i32,
    path_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    let path = call.load_string(path, path_len)?;
    let result =
        dir(call, this, flag::MUTATE_DIRECTORY)?.and_then(|d| d.remove_directory_at(&path));
    call.store_result(ret, result)
}

/// `[method]descriptor.rename-at`.
#[allow(clippy::too_many_arguments)]
pub fn descriptor_rename_at(
    call: &mut P2Call<'_>,
    this: i32,
    old_path: i32,
    old_path_len: i32,
    new_descriptor: i32,
    new_path: i32,
    new_path_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    let old_path = call.load_string(old_path, old_path_len)?;
    let new_path = call.load_string(new_path, new_path_len)?;
    let old = dir(call, this, flag::MUTATE_DIRECTORY)?;
    let new = dir(call, new_descriptor, flag::MUTATE_DIRECTORY)?;
    let result = old.and_then(|old| {
        let new = new?;
        old.rename_at(&old_path, &new, &new_path)
    });
    call.store_result(ret, result)
}

/// `[method]descriptor.symlink-at`.
pub fn descriptor_symlink_at(
    call: &mut P2Call<'_>,
    this: i32,
    old_path: i32,
    old_path_len: i32,
    new_path: i32,
    new_path_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    let old_path = call.load_string(old_path, old_path_len)?;
    let new_path = call.load_string(new_path, new_path_len)?;
    let result =
        dir(call, this, flag::MUTATE_DIRECTORY)?.and_then(|d| d.symlink_at(&old_path, &new_path));
    call.store_result(ret, result)
}

/// `[method]descriptor.unlink-file-at`.
pub fn descriptor_unlink_file_at(
    call: &mut P2Call<'_>,
    this: i32,
    path: i32,
    path_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    let path = call.load_string(path, path_len)?;
    let result = dir(call, this, flag::MUTATE_DIRECTORY)?.and_then(|d| d.unlink_file_at(&path));
    call.store_result(ret, result)
}

fn hash_of(d: &DescriptorObject) -> Result<MetadataHashValue, ErrorCode> {
    match &d.descriptor {
        Descriptor::File(f) => f.metadata_hash(),
        Descriptor::Dir(d) => d.metadata_hash(),
    }
}

/// `[method]descriptor.is-same-object`.
pub fn descriptor_is_same_object(
    call: &mut P2Call<'_>,
    this: i32,
    other: i32,
) -> Result<i32, HostError> {
    let a = hash_of(descriptor(call, this)?);
    let b = hash_of(descriptor(call, other)?);
    Ok(matches!((a, b), (Ok(a), Ok(b)) if a == b) as i32)
}

/// `[method]descriptor.metadata-hash`.
pub fn descriptor_metadata_hash(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let result = hash_of(descriptor(call, this)?);
    call.store_result(ret, result)
}

/// `[method]descriptor.metadata-hash-at`.
pub fn descriptor_metadata_hash_at(
    call: &mut P2Call<'_>,
    this: i32,
    flags: i32,
    path: i32,
    path_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    let path = call.load_string(path, path_len)?;
    let result =
        dir(call, this, flag::READ)?.and_then(|d| d.metadata_hash_at(path_flags(flags), &path));
    call.store_result(ret, result)
}

/// `[method]directory-entry-stream.read-directory-entry`: the next entry, or none at the end.
pub fn directory_entry_stream_read_directory_entry(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let next: Option<DirectoryEntry> =
        match call.object(this as u32, HostKind::DirectoryEntryStream)? {
            HostObject::DirectoryEntryStream(entries) => entries.pop_front(),
            _ => unreachable!("the handle table checked the kind"),
        };
    let entry = next.map(|e| Entry {
        type_: e.type_,
        name: e.name,
    });
    call.store_result(ret, Ok::<_, ErrorCode>(entry))
}

/// `filesystem-error-code`: the filesystem's code for a stream's `error`, if it has one.
pub fn filesystem_error_code(call: &mut P2Call<'_>, err: i32, ret: i32) -> Result<(), HostError> {
    let code = match call.object(err as u32, HostKind::IoError)? {
        HostObject::IoError(IoError { code, .. }) => Some(*code),
        _ => unreachable!("the handle table checked the kind"),
    };
    call.store_result(ret, code)
}

/// `wasi:filesystem/preopens` `get-directories`: every preopen, each a new descriptor, with
/// its guest path.
pub fn get_directories(call: &mut P2Call<'_>, ret: i32) -> Result<(), HostError> {
    let mut list = Vec::new();
    let preopens: Vec<(Dir, String)> = call
        .ctx
        .preopens
        .iter()
        .map(|(dir, name)| Ok((dir.try_clone()?, name.clone())))
        .collect::<std::io::Result<_>>()
        .map_err(|_| HostError::Trap(HostTrap::canon("a preopen could not be duplicated")))?;
    for (dir, name) in preopens {
        let handle = call.new_own(HostObject::Descriptor(DescriptorObject::preopen(dir)))?;
        list.push((handle, name));
    }
    call.store_result(ret, list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_follow_the_wit_order() {
        assert_eq!(ErrorCode::Access as u8, 0);
        assert_eq!(ErrorCode::Io as u8, 13);
        assert_eq!(ErrorCode::NotPermitted as u8, 31);
        assert_eq!(ErrorCode::CrossDevice as u8, 36);
        for (i, code) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(*code as usize, i);
        }
        assert_eq!(DescriptorType::RegularFile as u8, 6);
        assert_eq!(<DescriptorStat as crate::p2::values::Store>::SIZE, 96);
    }
}
