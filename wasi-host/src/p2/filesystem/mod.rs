//! `wasi:filesystem/types`: descriptors for files and directories, and every operation that
//! takes a path.
//!
//! This is the one filesystem implementation; `p1` maps `wasi_snapshot_preview1` onto it.
//! Every path is resolved by cap-std relative to a [`Dir`], which holds a directory descriptor
//! the guest was given (a preopen, or one opened beneath a preopen). cap-std refuses any path
//! that would leave that directory (`..` past the top, an absolute path, a symlink whose target
//! leads outside, at any step of the resolution) with a `PermissionDenied` error and no OS
//! errno, which becomes [`ErrorCode::NotPermitted`]. No string inspection of paths happens
//! here: the resolution itself is capability-checked (on Linux with `openat2`
//! `RESOLVE_BENEATH` where the kernel has it, else by cap-std's own component walk).
//! [`Dir::open_ambient`] is the only place that opens a host path by name, and it runs only
//! for the preopens baked into the executable.
//!
//! The operations mirror wasmtime's `wasmtime-wasi` host so that errors match: the same
//! cap-std calls in the same order, the same flag checks before the OS sees the request, and
//! the same mapping from a host error to an [`ErrorCode`] (an errno wasmtime does not name
//! becomes [`ErrorCode::Io`]).

pub mod types;

pub use types::*;

use std::hash::Hasher;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::path::Path;

use cap_fs_ext::{
    DirExt, FollowSymlinks, MetadataExt, OpenOptionsFollowExt, OpenOptionsMaybeDirExt,
    OpenOptionsSyncExt,
};
use cap_std::fs::{FileType, Metadata, OpenOptions};

/// `error-code`: why a filesystem operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// Permission denied (`EACCES`).
    Access,
    /// The operation would block (`EAGAIN`).
    WouldBlock,
    /// Connection already in progress (`EALREADY`).
    Already,
    /// Bad descriptor (`EBADF`).
    BadDescriptor,
    /// Device or resource busy (`EBUSY`).
    Busy,
    /// Resource deadlock would occur (`EDEADLK`).
    Deadlock,
    /// Storage quota exceeded (`EDQUOT`).
    Quota,
    /// File exists (`EEXIST`).
    Exist,
    /// File too large (`EFBIG`).
    FileTooLarge,
    /// Illegal byte sequence (`EILSEQ`).
    IllegalByteSequence,
    /// Operation in progress (`EINPROGRESS`).
    InProgress,
    /// Interrupted function (`EINTR`).
    Interrupted,
    /// Invalid argument (`EINVAL`).
    Invalid,
    /// I/O error (`EIO`), and every host error without a closer code.
    Io,
    /// Is a directory (`EISDIR`).
    IsDirectory,
    /// Too many levels of symbolic links (`ELOOP`).
    Loop,
    /// Too many links (`EMLINK`).
    TooManyLinks,
    /// Message too large (`EMSGSIZE`).
    MessageSize,
    /// Filename too long (`ENAMETOOLONG`).
    NameTooLong,
    /// No such device (`ENODEV`).
    NoDevice,
    /// No such file or directory (`ENOENT`).
    NoEntry,
    /// No locks available (`ENOLCK`).
    NoLock,
    /// Not enough space (`ENOMEM`).
    InsufficientMemory,
    /// No space left on device (`ENOSPC`).
    InsufficientSpace,
    /// Not a directory (`ENOTDIR`).
    NotDirectory,
    /// Directory not empty (`ENOTEMPTY`).
    NotEmpty,
    /// State not recoverable (`ENOTRECOVERABLE`).
    NotRecoverable,
    /// Not supported (`ENOTSUP`).
    Unsupported,
    /// Inappropriate I/O control operation (`ENOTTY`).
    NoTty,
    /// No such device or address (`ENXIO`).
    NoSuchDevice,
    /// Value too large for its type (`EOVERFLOW`).
    Overflow,
    /// Operation not permitted (`EPERM`); also every sandbox escape.
    NotPermitted,
    /// Broken pipe (`EPIPE`).
    Pipe,
    /// Read-only filesystem (`EROFS`).
    ReadOnly,
    /// Invalid seek (`ESPIPE`).
    InvalidSeek,
    /// Text file busy (`ETXTBSY`).
    TextFileBusy,
    /// Cross-device link (`EXDEV`).
    CrossDevice,
}

impl ErrorCode {
    /// Every code, in the WIT's order (so `code as u8` is its discriminant).
    pub const ALL: [ErrorCode; 37] = [
        ErrorCode::Access,
        ErrorCode::WouldBlock,
        ErrorCode::Already,
        ErrorCode::BadDescriptor,
        ErrorCode::Busy,
        ErrorCode::Deadlock,
        ErrorCode::Quota,
        ErrorCode::Exist,
        ErrorCode::FileTooLarge,
        ErrorCode::IllegalByteSequence,
        ErrorCode::InProgress,
        ErrorCode::Interrupted,
        ErrorCode::Invalid,
        ErrorCode::Io,
        ErrorCode::IsDirectory,
        ErrorCode::Loop,
        ErrorCode::TooManyLinks,
        ErrorCode::MessageSize,
        ErrorCode::NameTooLong,
        ErrorCode::NoDevice,
        ErrorCode::NoEntry,
        ErrorCode::NoLock,
        ErrorCode::InsufficientMemory,
        ErrorCode::InsufficientSpace,
        ErrorCode::NotDirectory,
        ErrorCode::NotEmpty,
        ErrorCode::NotRecoverable,
        ErrorCode::Unsupported,
        ErrorCode::NoTty,
        ErrorCode::NoSuchDevice,
        ErrorCode::Overflow,
        ErrorCode::NotPermitted,
        ErrorCode::Pipe,
        ErrorCode::ReadOnly,
        ErrorCode::InvalidSeek,
        ErrorCode::TextFileBusy,
        ErrorCode::CrossDevice,
    ];

    /// The code a P1 errno corresponds to (`io` for one without a counterpart).
    pub fn from_errno(errno: crate::error::Errno) -> ErrorCode {
        ErrorCode::ALL
            .into_iter()
            .find(|code| crate::error::Errno::from(*code) == errno)
            .unwrap_or(ErrorCode::Io)
    }
}

impl From<&io::Error> for ErrorCode {
    /// The host errnos wasmtime names, then the error kind for errors without an errno (cap-std's
    /// own refusals): the same table as wasmtime so that guests see the same codes.
    fn from(err: &io::Error) -> ErrorCode {
        if let Some(code) = err.raw_os_error().and_then(from_raw_os_error) {
            return code;
        }
        match err.kind() {
            io::ErrorKind::NotFound => ErrorCode::NoEntry,
            io::ErrorKind::PermissionDenied => ErrorCode::NotPermitted,
            io::ErrorKind::AlreadyExists => ErrorCode::Exist,
            io::ErrorKind::InvalidInput => ErrorCode::Invalid,
            _ => ErrorCode::Io,
        }
    }
}

impl From<io::Error> for ErrorCode {
    fn from(err: io::Error) -> ErrorCode {
        ErrorCode::from(&err)
    }
}

fn from_raw_os_error(code: i32) -> Option<ErrorCode> {
    Some(match code {
        libc::EPIPE => ErrorCode::Pipe,
        libc::EPERM => ErrorCode::NotPermitted,
        libc::ENOENT => ErrorCode::NoEntry,
        libc::ENOMEM => ErrorCode::InsufficientMemory,
        libc::EIO => ErrorCode::Io,
        libc::EBADF => ErrorCode::BadDescriptor,
        libc::EBUSY => ErrorCode::Busy,
        libc::EACCES => ErrorCode::Access,
        libc::ENOTDIR => ErrorCode::NotDirectory,
        libc::EISDIR => ErrorCode::IsDirectory,
        libc::EINVAL => ErrorCode::Invalid,
        libc::EEXIST => ErrorCode::Exist,
        libc::EFBIG => ErrorCode::FileTooLarge,
        libc::ENOSPC => ErrorCode::InsufficientSpace,
        libc::ESPIPE => ErrorCode::InvalidSeek,
        libc::EMLINK => ErrorCode::TooManyLinks,
        libc::ENAMETOOLONG => ErrorCode::NameTooLong,
        libc::ENOTEMPTY => ErrorCode::NotEmpty,
        libc::ELOOP => ErrorCode::Loop,
        libc::EOVERFLOW => ErrorCode::Overflow,
        libc::EILSEQ => ErrorCode::IllegalByteSequence,
        libc::ENOTSUP => ErrorCode::Unsupported,
        libc::EALREADY => ErrorCode::Already,
        libc::EINPROGRESS => ErrorCode::InProgress,
        libc::EINTR => ErrorCode::Interrupted,
        code if code == libc::EOPNOTSUPP => ErrorCode::Unsupported,
        _ => return None,
    })
}

/// `descriptor-type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DescriptorType {
    /// A type the host cannot name.
    Unknown,
    /// A block device.
    BlockDevice,
    /// A character device.
    CharacterDevice,
    /// A directory.
    Directory,
    /// A named pipe.
    Fifo,
    /// A symbolic link.
    SymbolicLink,
    /// A regular file.
    RegularFile,
    /// A socket.
    Socket,
}

impl From<FileType> for DescriptorType {
    fn from(ty: FileType) -> DescriptorType {
        use cap_fs_ext::FileTypeExt;
        if ty.is_dir() {
            DescriptorType::Directory
        } else if ty.is_symlink() {
            DescriptorType::SymbolicLink
        } else if ty.is_block_device() {
            DescriptorType::BlockDevice
        } else if ty.is_char_device() {
            DescriptorType::CharacterDevice
        } else if ty.is_file() {
            DescriptorType::RegularFile
        } else if ty.is_fifo() {
            DescriptorType::Fifo
        } else if ty.is_socket() {
            DescriptorType::Socket
        } else {
            DescriptorType::Unknown
        }
    }
}

/// `path-flags`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PathFlags {
    /// Follow a symlink in the last component of the path.
    pub symlink_follow: bool,
}

/// `open-flags`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenFlags {
    /// Create the file if it does not exist.
    pub create: bool,
    /// Fail unless the path names a directory.
    pub directory: bool,
    /// With `create`, fail if the file exists.
    pub exclusive: bool,
    /// Truncate the file to size 0.
    pub truncate: bool,
}

/// `descriptor-flags`: the access mode and I/O integrity of an opened descriptor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DescriptorFlags {
    /// Open for reading.
    pub read: bool,
    /// Open for writing.
    pub write: bool,
    /// Writes complete with file integrity (`O_SYNC`).
    pub file_integrity_sync: bool,
    /// Writes complete with data integrity (`O_DSYNC`).
    pub data_integrity_sync: bool,
    /// Reads complete with the integrity writes request (`O_RSYNC`).
    pub requested_write_sync: bool,
}

/// `datetime`: seconds and nanoseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Datetime {
    /// Whole seconds.
    pub seconds: u64,
    /// Nanoseconds, below 1e9.
    pub nanoseconds: u32,
}

impl Datetime {
    /// From seconds and nanoseconds as `stat` reports them; `None` before the epoch.
    fn from_stat(seconds: i64, nanoseconds: i64) -> Option<Datetime> {
        Some(Datetime {
            seconds: u64::try_from(seconds).ok()?,
            nanoseconds: u32::try_from(nanoseconds).ok()?,
        })
    }
}

/// `new-timestamp`: how a timestamp changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewTimestamp {
    /// Leave it as it is.
    NoChange,
    /// Set it to the current time.
    Now,
    /// Set it to this time.
    Timestamp(Datetime),
}

/// `descriptor-stat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DescriptorStat {
    /// File type.
    pub type_: DescriptorType,
    /// Number of hard links.
    pub link_count: u64,
    /// Size in bytes.
    pub size: u64,
    /// Last data access.
    pub data_access_timestamp: Option<Datetime>,
    /// Last data modification.
    pub data_modification_timestamp: Option<Datetime>,
    /// Last status change (the POSIX `ctime`).
    pub status_change_timestamp: Option<Datetime>,
}

impl From<&Metadata> for DescriptorStat {
    fn from(meta: &Metadata) -> DescriptorStat {
        use cap_std::fs::MetadataExt as _;
        DescriptorStat {
            type_: meta.file_type().into(),
            link_count: cap_std::fs::MetadataExt::nlink(meta),
            size: meta.len(),
            data_access_timestamp: Datetime::from_stat(meta.atime(), meta.atime_nsec()),
            data_modification_timestamp: Datetime::from_stat(meta.mtime(), meta.mtime_nsec()),
            status_change_timestamp: Datetime::from_stat(meta.ctime(), meta.ctime_nsec()),
        }
    }
}

/// `metadata-hash-value`: 128 bits that are equal for two descriptors or paths exactly when
/// they name the same object (up to hash collisions).
///
/// Computed as wasmtime does (a SipHash of device and inode, the upper half derived from the
/// lower), so P1 guests see the same `ino` values under both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetadataHashValue {
    /// The low 64 bits (P1's `ino`).
    pub lower: u64,
    /// The high 64 bits.
    pub upper: u64,
}

impl From<&Metadata> for MetadataHashValue {
    fn from(meta: &Metadata) -> MetadataHashValue {
        // `DefaultHasher::new` uses fixed keys, so the value is stable within one build.
        #[allow(deprecated)]
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        hasher.write_u64(MetadataExt::dev(meta));
        hasher.write_u64(MetadataExt::ino(meta));
        let lower = hasher.finish();
        MetadataHashValue {
            lower,
            upper: lower ^ 4_614_256_656_552_045_848,
        }
    }
}

/// `advice` for [`File::advise`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Advice {
    /// No particular pattern.
    Normal,
    /// Sequential access.
    Sequential,
    /// Random access.
    Random,
    /// Needed soon.
    WillNeed,
    /// Not needed soon.
    DontNeed,
    /// Accessed once.
    NoReuse,
}

/// One entry of [`Dir::read_directory`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryEntry {
    /// The entry's type, not following a symlink.
    pub type_: DescriptorType,
    /// The entry's name.
    pub name: String,
    /// The metadata hash of the entry, not following a symlink.
    pub hash: MetadataHashValue,
}

/// An open regular file (or other non-directory object).
#[derive(Debug)]
pub struct File {
    file: cap_std::fs::File,
}

/// An open directory: the capability every path is resolved against.
#[derive(Debug)]
pub struct Dir {
    dir: cap_std::fs::Dir,
}

/// What [`Dir::open_at`] opened.
#[derive(Debug)]
pub enum Descriptor {
    /// Anything but a directory.
    File(File),
    /// A directory.
    Dir(Dir),
}

/// `stat` and `metadata-hash`, which every open descriptor has, file or directory.
macro_rules! descriptor_metadata {
    ($ty:ty, $metadata:expr) => {
        impl $ty {
            /// `stat`.
            pub fn stat(&self) -> Result<DescriptorStat, ErrorCode> {
                let metadata: io::Result<Metadata> = $metadata(self);
                Ok(DescriptorStat::from(&metadata?))
            }

            /// `metadata-hash`.
            pub fn metadata_hash(&self) -> Result<MetadataHashValue, ErrorCode> {
                let metadata: io::Result<Metadata> = $metadata(self);
                Ok(MetadataHashValue::from(&metadata?))
            }
        }
    };
}

descriptor_metadata!(File, |file: &File| file.file.metadata());
descriptor_metadata!(Dir, |dir: &Dir| dir.dir.dir_metadata());

impl File {
    /// `set-times`.
    pub fn set_times(&self, atim: NewTimestamp, mtim: NewTimestamp) -> Result<(), ErrorCode> {
        let times = [host_timespec(atim)?, host_timespec(mtim)?];
        // SAFETY: the descriptor is open for the call, and `times` holds the two `timespec`s
        // `futimens` reads.
        cvt(unsafe { libc::futimens(self.as_raw_fd(), times.as_ptr()) })
    }

    /// `sync`: data and metadata to storage.
    pub fn sync(&self) -> Result<(), ErrorCode> {
        self.file.sync_all()?;
        Ok(())
    }

    /// `sync-data`: data to storage.
    pub fn sync_data(&self) -> Result<(), ErrorCode> {
        self.file.sync_data()?;
        Ok(())
    }
}

/// A directory handle may be a path-only descriptor (cap-std opens preopens with `O_PATH`),
/// which cannot be synced or have its times set directly; these go through the directory
/// itself (`.`), as wasmtime does.
impl Dir {
    /// `set-times`.
    pub fn set_times(&self, atim: NewTimestamp, mtim: NewTimestamp) -> Result<(), ErrorCode> {
        let (atim, mtim) = (cap_timespec(atim)?, cap_timespec(mtim)?);
        self.dir.set_times(".", atim, mtim)?;
        Ok(())
    }

    /// `sync`: data and metadata to storage.
    pub fn sync(&self) -> Result<(), ErrorCode> {
        self.dir.open(".")?.sync_all()?;
        Ok(())
    }

    /// `sync-data`: data to storage.
    pub fn sync_data(&self) -> Result<(), ErrorCode> {
        self.dir.open(".")?.sync_data()?;
        Ok(())
    }
}

/// Turns a `0`/`-1` system call result into a `Result`.
fn cvt(status: libc::c_int) -> Result<(), ErrorCode> {
    if status == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error().into())
    }
}

/// A `timespec` for `futimens`/`utimensat` (`UTIME_OMIT`, `UTIME_NOW` or a time).
fn host_timespec(time: NewTimestamp) -> Result<libc::timespec, ErrorCode> {
    Ok(match time {
        NewTimestamp::NoChange => libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_OMIT,
        },
        NewTimestamp::Now => libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_NOW,
        },
        NewTimestamp::Timestamp(t) => libc::timespec {
            tv_sec: libc::time_t::try_from(t.seconds).map_err(|_| ErrorCode::Overflow)?,
            tv_nsec: libc::c_long::from(t.nanoseconds),
        },
    })
}

/// The same time as cap-std's path-based `set_times` wants it.
fn cap_timespec(time: NewTimestamp) -> Result<Option<cap_fs_ext::SystemTimeSpec>, ErrorCode> {
    Ok(match time {
        NewTimestamp::NoChange => None,
        NewTimestamp::Now => Some(cap_fs_ext::SystemTimeSpec::SymbolicNow),
        NewTimestamp::Timestamp(t) => {
            let std = std::time::UNIX_EPOCH
                .checked_add(std::time::Duration::new(t.seconds, t.nanoseconds))
                .ok_or(ErrorCode::Overflow)?;
            Some(cap_fs_ext::SystemTimeSpec::Absolute(
                cap_std::time::SystemTime::from_std(std),
            ))
        }
    })
}

impl File {
    /// Wraps an open host file (or any other descriptor the guest is handed).
    pub fn from_std(file: std::fs::File) -> File {
        File {
            file: cap_std::fs::File::from_std(file),
        }
    }

    /// `set-size`.
    pub fn set_size(&self, size: u64) -> Result<(), ErrorCode> {
        self.file.set_len(size)?;
        Ok(())
    }

    /// `advise`.
    pub fn advise(&self, offset: u64, len: u64, advice: Advice) -> Result<(), ErrorCode> {
        let advice = match advice {
            Advice::Normal => libc::POSIX_FADV_NORMAL,
            Advice::Sequential => libc::POSIX_FADV_SEQUENTIAL,
            Advice::Random => libc::POSIX_FADV_RANDOM,
            Advice::WillNeed => libc::POSIX_FADV_WILLNEED,
            Advice::DontNeed => libc::POSIX_FADV_DONTNEED,
            Advice::NoReuse => libc::POSIX_FADV_NOREUSE,
        };
        let offset = libc::off_t::try_from(offset).map_err(|_| ErrorCode::Invalid)?;
        let len = libc::off_t::try_from(len).map_err(|_| ErrorCode::Invalid)?;
        // SAFETY: `posix_fadvise` has no memory effects.
        let status = unsafe { libc::posix_fadvise(self.as_raw_fd(), offset, len, advice) };
        posix_result(status)
    }

    /// Allocates storage for `offset..offset + len`, growing the file if it ends before
    /// (`posix_fallocate`; WASI 0.2 has no such function, P1's `fd_allocate` does).
    pub fn allocate(&self, offset: u64, len: u64) -> Result<(), ErrorCode> {
        let offset = libc::off_t::try_from(offset).map_err(|_| ErrorCode::Invalid)?;
        let len = libc::off_t::try_from(len).map_err(|_| ErrorCode::Invalid)?;
        if offset.checked_add(len).is_none() {
            return Err(ErrorCode::FileTooLarge);
        }
        // SAFETY: `posix_fallocate` has no memory effects.
        let status = unsafe { libc::posix_fallocate(self.as_raw_fd(), offset, len) };
        posix_result(status)
    }
}

/// A `posix_*` function's result: 0 or the error number itself.
fn posix_result(status: libc::c_int) -> Result<(), ErrorCode> {
    if status == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(status).into())
    }
}

impl AsRawFd for File {
    fn as_raw_fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }
}

impl AsFd for File {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

impl AsRawFd for Dir {
    fn as_raw_fd(&self) -> RawFd {
        self.dir.as_raw_fd()
    }
}

impl Dir {
    /// Another handle to the same directory.
    pub fn try_clone(&self) -> io::Result<Dir> {
        Ok(Dir {
            dir: self.dir.try_clone()?,
        })
    }

    /// Opens the host directory `host_path` (relative to the working directory when relative)
    /// as a preopen: the only ambient-authority access in the WASI host.
    pub fn open_ambient(host_path: &Path) -> io::Result<Dir> {
        let dir = cap_std::fs::Dir::open_ambient_dir(host_path, cap_std::ambient_authority())?;
        Ok(Dir { dir })
    }

    /// `open-at`: opens `path` beneath this directory.
    ///
    /// A file is always opened for reading unless it is opened for writing only, as in
    /// wasmtime; creating or truncating needs write access from the OS, so those open for
    /// writing too (the caller's own access checks decide what the guest may do with it).
    pub fn open_at(
        &self,
        path_flags: PathFlags,
        path: &str,
        open_flags: OpenFlags,
        flags: DescriptorFlags,
    ) -> Result<Descriptor, ErrorCode> {
        if open_flags.directory
            && (open_flags.create || open_flags.exclusive || open_flags.truncate)
        {
            return Err(ErrorCode::Invalid);
        }
        let mut opts = OpenOptions::new();
        opts.maybe_dir(true);
        if open_flags.create {
            if open_flags.exclusive {
                opts.create_new(true);
            } else {
                opts.create(true);
            }
            opts.write(true);
        }
        if open_flags.truncate {
            opts.truncate(true).write(true);
        }
        if flags.read || !flags.write {
            opts.read(true);
        }
        if flags.write {
            opts.write(true);
        }
        opts.sync(flags.file_integrity_sync);
        opts.dsync(flags.data_integrity_sync);
        opts.rsync(flags.requested_write_sync);
        opts.follow(if path_flags.symlink_follow {
            FollowSymlinks::Yes
        } else {
            FollowSymlinks::No
        });
        let opened = self.dir.open_with(path, &opts)?;
        if opened.metadata()?.is_dir() {
            Ok(Descriptor::Dir(Dir {
                dir: cap_std::fs::Dir::from_std_file(opened.into_std()),
            }))
        } else if open_flags.directory {
            Err(ErrorCode::NotDirectory)
        } else {
            Ok(Descriptor::File(File { file: opened }))
        }
    }

    /// `create-directory-at`.
    pub fn create_directory_at(&self, path: &str) -> Result<(), ErrorCode> {
        self.dir.create_dir(path)?;
        Ok(())
    }

    fn metadata_at(&self, path_flags: PathFlags, path: &str) -> io::Result<Metadata> {
        if path_flags.symlink_follow {
            self.dir.metadata(path)
        } else {
            self.dir.symlink_metadata(path)
        }
    }

    /// `stat-at`.
    pub fn stat_at(&self, path_flags: PathFlags, path: &str) -> Result<DescriptorStat, ErrorCode> {
        Ok(DescriptorStat::from(&self.metadata_at(path_flags, path)?))
    }

    /// `metadata-hash-at`.
    pub fn metadata_hash_at(
        &self,
        path_flags: PathFlags,
        path: &str,
    ) -> Result<MetadataHashValue, ErrorCode> {
        Ok(MetadataHashValue::from(
            &self.metadata_at(path_flags, path)?,
        ))
    }

    /// `set-times-at`.
    pub fn set_times_at(
        &self,
        path_flags: PathFlags,
        path: &str,
        atim: NewTimestamp,
        mtim: NewTimestamp,
    ) -> Result<(), ErrorCode> {
        let (atim, mtim) = (cap_timespec(atim)?, cap_timespec(mtim)?);
        if path_flags.symlink_follow {
            self.dir.set_times(path, atim, mtim)?;
        } else {
            self.dir.set_symlink_times(path, atim, mtim)?;
        }
        Ok(())
    }

    /// `link-at`: a new hard link `new_path` beneath `new_dir` to `old_path` beneath this
    /// directory. Following a symlink at `old_path` is not supported (`invalid`), as in
    /// wasmtime.
    pub fn link_at(
        &self,
        old_path_flags: PathFlags,
        old_path: &str,
        new_dir: &Dir,
        new_path: &str,
    ) -> Result<(), ErrorCode> {
        if old_path_flags.symlink_follow {
            return Err(ErrorCode::Invalid);
        }
        self.dir.hard_link(old_path, &new_dir.dir, new_path)?;
        Ok(())
    }

    /// `readlink-at`. A target that is absolute is refused as an escape, and one that is not
    /// UTF-8 is `illegal-byte-sequence`.
    pub fn readlink_at(&self, path: &str) -> Result<String, ErrorCode> {
        let target = self.dir.read_link(path)?;
        target
            .into_os_string()
            .into_string()
            .map_err(|_| ErrorCode::IllegalByteSequence)
    }

    /// `remove-directory-at`.
    pub fn remove_directory_at(&self, path: &str) -> Result<(), ErrorCode> {
        self.dir.remove_dir(path)?;
        Ok(())
    }

    /// `rename-at`. A trailing slash on the new path requires the old one to name a directory,
    /// as in POSIX (cap-std ignores it).
    pub fn rename_at(
        &self,
        old_path: &str,
        new_dir: &Dir,
        new_path: &str,
    ) -> Result<(), ErrorCode> {
        if new_path.ends_with('/') && !self.dir.symlink_metadata(old_path)?.is_dir() {
            return Err(ErrorCode::NotDirectory);
        }
        self.dir.rename(old_path, &new_dir.dir, new_path)?;
        Ok(())
    }

    /// `symlink-at`: a symlink `new_path` whose target is `old_path`. An absolute target is
    /// refused as an escape.
    pub fn symlink_at(&self, old_path: &str, new_path: &str) -> Result<(), ErrorCode> {
        self.dir.symlink(old_path, new_path)?;
        Ok(())
    }

    /// `unlink-file-at`: removes a file or a symlink (even one to a directory).
    pub fn unlink_file_at(&self, path: &str) -> Result<(), ErrorCode> {
        self.dir.remove_file_or_symlink(path)?;
        Ok(())
    }

    /// `read-directory`: the entries in host order, without `.` and `..`, each with its type
    /// and metadata hash (from one `lstat`). A name that is not UTF-8 fails the whole read with
    /// `illegal-byte-sequence`, as in wasmtime.
    pub fn read_directory(&self) -> Result<Vec<DirectoryEntry>, ErrorCode> {
        let mut entries = Vec::new();
        for entry in self.dir.entries()? {
            let entry = entry?;
            let meta = entry.metadata()?;
            let name = entry
                .file_name()
                .into_string()
                .map_err(|_| ErrorCode::IllegalByteSequence)?;
            entries.push(DirectoryEntry {
                type_: meta.file_type().into(),
                name,
                hash: MetadataHashValue::from(&meta),
            });
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A temporary tree: `root/inside` (the capability) with `file`, and `root/outside/secret`.
    fn tree() -> (tempfile::TempDir, Dir) {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("inside")).unwrap();
        std::fs::create_dir(root.path().join("outside")).unwrap();
        std::fs::write(root.path().join("inside/file"), b"in").unwrap();
        std::fs::write(root.path().join("outside/secret"), b"out").unwrap();
        let dir = Dir::open_ambient(&root.path().join("inside")).unwrap();
        (root, dir)
    }

    fn read_only() -> DescriptorFlags {
        DescriptorFlags {
            read: true,
            ..DescriptorFlags::default()
        }
    }

    #[test]
    fn paths_leaving_the_directory_are_not_permitted() {
        let (root, dir) = tree();
        let follow = PathFlags {
            symlink_follow: true,
        };
        std::os::unix::fs::symlink("../outside/secret", root.path().join("inside/up")).unwrap();
        std::os::unix::fs::symlink(root.path().join("outside"), root.path().join("inside/abs"))
            .unwrap();
        for path in [
            "../outside/secret",
            "/etc/passwd",
            "up",
            "abs/secret",
            "./../inside/file",
        ] {
            let opened = dir.open_at(follow, path, OpenFlags::default(), read_only());
            assert_eq!(opened.err(), Some(ErrorCode::NotPermitted), "{path}");
        }
        assert_eq!(
            dir.stat_at(follow, "up").err(),
            Some(ErrorCode::NotPermitted)
        );
        // Not following the last symlink names the link itself, which is inside.
        assert_eq!(
            dir.stat_at(PathFlags::default(), "up").map(|s| s.type_),
            Ok(DescriptorType::SymbolicLink)
        );
        assert_eq!(
            dir.create_directory_at("../made").err(),
            Some(ErrorCode::NotPermitted)
        );
        assert!(!root.path().join("made").exists());
    }

    #[test]
    fn open_flags_and_types() {
        let (_root, dir) = tree();
        let nofollow = PathFlags::default();
        let directory = OpenFlags {
            directory: true,
            ..OpenFlags::default()
        };
        assert!(matches!(
            dir.open_at(nofollow, ".", directory, read_only()),
            Ok(Descriptor::Dir(_))
        ));
        assert_eq!(
            dir.open_at(nofollow, "file", directory, read_only()).err(),
            Some(ErrorCode::NotDirectory)
        );
        let create_dir = OpenFlags {
            create: true,
            directory: true,
            ..OpenFlags::default()
        };
        assert_eq!(
            dir.open_at(nofollow, "new", create_dir, read_only()).err(),
            Some(ErrorCode::Invalid)
        );
        let exclusive = OpenFlags {
            create: true,
            exclusive: true,
            ..OpenFlags::default()
        };
        assert_eq!(
            dir.open_at(nofollow, "file", exclusive, read_only()).err(),
            Some(ErrorCode::Exist)
        );
        assert_eq!(
            dir.open_at(nofollow, "missing", OpenFlags::default(), read_only())
                .err(),
            Some(ErrorCode::NoEntry)
        );
    }

    #[test]
    fn directory_listing_has_types_and_hashes() {
        let (_root, dir) = tree();
        dir.create_directory_at("sub").unwrap();
        dir.symlink_at("file", "link").unwrap();
        let mut entries = dir.read_directory().unwrap();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let names: Vec<_> = entries.iter().map(|e| (e.name.as_str(), e.type_)).collect();
        assert_eq!(
            names,
            [
                ("file", DescriptorType::RegularFile),
                ("link", DescriptorType::SymbolicLink),
                ("sub", DescriptorType::Directory)
            ]
        );
        assert_eq!(
            entries[0].hash,
            dir.metadata_hash_at(PathFlags::default(), "file").unwrap()
        );
        assert_ne!(entries[0].hash, entries[1].hash);
    }

    #[test]
    fn host_errors_map_like_wasmtime() {
        assert_eq!(
            ErrorCode::from(io::Error::from_raw_os_error(libc::ENOENT)),
            ErrorCode::NoEntry
        );
        // Errnos wasmtime does not name fall back to the kind, then to `io`.
        assert_eq!(
            ErrorCode::from(io::Error::from_raw_os_error(libc::EROFS)),
            ErrorCode::Io
        );
        assert_eq!(
            ErrorCode::from(io::Error::new(io::ErrorKind::PermissionDenied, "escape")),
            ErrorCode::NotPermitted
        );
    }
}
