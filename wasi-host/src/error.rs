//! The two kinds of failure a host call can have, kept apart.
//!
//! - [`Errno`]: a *guest-visible* error. The host call returns it to the guest as its result,
//!   and the guest carries on (wasi-libc stores it in `errno`). Host I/O failures on a guest
//!   request are always this kind, mapped from the host's `errno` by [`Errno::from_host`].
//! - [`HostTrap`]: the guest broke the ABI (a pointer outside its memory, a misaligned pointer)
//!   or asked to stop ([`HostTrap::Exit`]). The runtime raises it in compiled code; the guest
//!   never sees it.
//!
//! The split follows the witx rules wasmtime implements: "if an out-of-bounds pointer is passed
//! to a function and the function needs to dereference it, the function shall trap", and the
//! same for a misaligned pointer.

use std::fmt;

/// `wasi_snapshot_preview1` `errno`: the error codes of `typenames.witx`, in its order.
///
/// Variant names are the witx names without the `E` prefix (`2big` is spelled `TooBig`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum Errno {
    /// No error occurred.
    Success = 0,
    /// Argument list too long.
    TooBig = 1,
    /// Permission denied.
    Acces = 2,
    /// Address in use.
    Addrinuse = 3,
    /// Address not available.
    Addrnotavail = 4,
    /// Address family not supported.
    Afnosupport = 5,
    /// Resource unavailable, or operation would block.
    Again = 6,
    /// Connection already in progress.
    Already = 7,
    /// Bad file descriptor.
    Badf = 8,
    /// Bad message.
    Badmsg = 9,
    /// Device or resource busy.
    Busy = 10,
    /// Operation canceled.
    Canceled = 11,
    /// No child processes.
    Child = 12,
    /// Connection aborted.
    Connaborted = 13,
    /// Connection refused.
    Connrefused = 14,
    /// Connection reset.
    Connreset = 15,
    /// Resource deadlock would occur.
    Deadlk = 16,
    /// Destination address required.
    Destaddrreq = 17,
    /// Mathematics argument out of domain of function.
    Dom = 18,
    /// Reserved.
    Dquot = 19,
    /// File exists.
    Exist = 20,
    /// Bad address.
    Fault = 21,
    /// File too large.
    Fbig = 22,
    /// Host is unreachable.
    Hostunreach = 23,
    /// Identifier removed.
    Idrm = 24,
    /// Illegal byte sequence.
    Ilseq = 25,
    /// Operation in progress.
    Inprogress = 26,
    /// Interrupted function.
    Intr = 27,
    /// Invalid argument.
    Inval = 28,
    /// I/O error.
    Io = 29,
    /// Socket is connected.
    Isconn = 30,
    /// Is a directory.
    Isdir = 31,
    /// Too many levels of symbolic links.
    Loop = 32,
    /// File descriptor value too large.
    Mfile = 33,
    /// Too many links.
    Mlink = 34,
    /// Message too large.
    Msgsize = 35,
    /// Reserved.
    Multihop = 36,
    /// Filename too long.
    Nametoolong = 37,
    /// Network is down.
    Netdown = 38,
    /// Connection aborted by network.
    Netreset = 39,
    /// Network unreachable.
    Netunreach = 40,
    /// Too many files open in system.
    Nfile = 41,
    /// No buffer space available.
    Nobufs = 42,
    /// No such device.
    Nodev = 43,
    /// No such file or directory.
    Noent = 44,
    /// Executable file format error.
    Noexec = 45,
    /// No locks available.
    Nolck = 46,
    /// Reserved.
    Nolink = 47,
    /// Not enough space.
    Nomem = 48,
    /// No message of the desired type.
    Nomsg = 49,
    /// Protocol not available.
    Noprotoopt = 50,
    /// No space left on device.
    Nospc = 51,
    /// Function not supported.
    Nosys = 52,
    /// The socket is not connected.
    Notconn = 53,
    /// Not a directory or a symbolic link to a directory.
    Notdir = 54,
    /// Directory not empty.
    Notempty = 55,
    /// State not recoverable.
    Notrecoverable = 56,
    /// Not a socket.
    Notsock = 57,
    /// Not supported, or operation not supported on socket.
    Notsup = 58,
    /// Inappropriate I/O control operation.
    Notty = 59,
    /// No such device or address.
    Nxio = 60,
    /// Value too large to be stored in data type.
    Overflow = 61,
    /// Previous owner died.
    Ownerdead = 62,
    /// Operation not permitted.
    Perm = 63,
    /// Broken pipe.
    Pipe = 64,
    /// Protocol error.
    Proto = 65,
    /// Protocol not supported.
    Protonosupport = 66,
    /// Protocol wrong type for socket.
    Prototype = 67,
    /// Result too large.
    Range = 68,
    /// Read-only file system.
    Rofs = 69,
    /// Invalid seek.
    Spipe = 70,
    /// No such process.
    Srch = 71,
    /// Reserved.
    Stale = 72,
    /// Connection timed out.
    Timedout = 73,
    /// Text file busy.
    Txtbsy = 74,
    /// Cross-device link.
    Xdev = 75,
    /// Extension: capabilities insufficient.
    Notcapable = 76,
}

impl Errno {
    /// The value the guest receives.
    pub fn raw(self) -> u16 {
        self as u16
    }

    /// Maps a host `errno` value to the WASI code with the same meaning.
    ///
    /// A host code WASI has no name for becomes [`Errno::Io`], as in wasmtime.
    pub fn from_host(code: i32) -> Errno {
        match code {
            libc::E2BIG => Errno::TooBig,
            libc::EACCES => Errno::Acces,
            libc::EADDRINUSE => Errno::Addrinuse,
            libc::EADDRNOTAVAIL => Errno::Addrnotavail,
            libc::EAFNOSUPPORT => Errno::Afnosupport,
            libc::EAGAIN => Errno::Again,
            libc::EALREADY => Errno::Already,
            libc::EBADF => Errno::Badf,
            libc::EBADMSG => Errno::Badmsg,
            libc::EBUSY => Errno::Busy,
            libc::ECANCELED => Errno::Canceled,
            libc::ECHILD => Errno::Child,
            libc::ECONNABORTED => Errno::Connaborted,
            libc::ECONNREFUSED => Errno::Connrefused,
            libc::ECONNRESET => Errno::Connreset,
            libc::EDEADLK => Errno::Deadlk,
            libc::EDESTADDRREQ => Errno::Destaddrreq,
            libc::EDOM => Errno::Dom,
            libc::EDQUOT => Errno::Dquot,
            libc::EEXIST => Errno::Exist,
            libc::EFAULT => Errno::Fault,
            libc::EFBIG => Errno::Fbig,
            libc::EHOSTUNREACH => Errno::Hostunreach,
            libc::EIDRM => Errno::Idrm,
            libc::EILSEQ => Errno::Ilseq,
            libc::EINPROGRESS => Errno::Inprogress,
            libc::EINTR => Errno::Intr,
            libc::EINVAL => Errno::Inval,
            libc::EIO => Errno::Io,
            libc::EISCONN => Errno::Isconn,
            libc::EISDIR => Errno::Isdir,
            libc::ELOOP => Errno::Loop,
            libc::EMFILE => Errno::Mfile,
            libc::EMLINK => Errno::Mlink,
            libc::EMSGSIZE => Errno::Msgsize,
            libc::EMULTIHOP => Errno::Multihop,
            libc::ENAMETOOLONG => Errno::Nametoolong,
            libc::ENETDOWN => Errno::Netdown,
            libc::ENETRESET => Errno::Netreset,
            libc::ENETUNREACH => Errno::Netunreach,
            libc::ENFILE => Errno::Nfile,
            libc::ENOBUFS => Errno::Nobufs,
            libc::ENODEV => Errno::Nodev,
            libc::ENOENT => Errno::Noent,
            libc::ENOEXEC => Errno::Noexec,
            libc::ENOLCK => Errno::Nolck,
            libc::ENOLINK => Errno::Nolink,
            libc::ENOMEM => Errno::Nomem,
            libc::ENOMSG => Errno::Nomsg,
            libc::ENOPROTOOPT => Errno::Noprotoopt,
            libc::ENOSPC => Errno::Nospc,
            libc::ENOSYS => Errno::Nosys,
            libc::ENOTCONN => Errno::Notconn,
            libc::ENOTDIR => Errno::Notdir,
            libc::ENOTEMPTY => Errno::Notempty,
            libc::ENOTRECOVERABLE => Errno::Notrecoverable,
            libc::ENOTSOCK => Errno::Notsock,
            libc::ENOTSUP => Errno::Notsup,
            libc::ENOTTY => Errno::Notty,
            libc::ENXIO => Errno::Nxio,
            libc::EOVERFLOW => Errno::Overflow,
            libc::EOWNERDEAD => Errno::Ownerdead,
            libc::EPERM => Errno::Perm,
            libc::EPIPE => Errno::Pipe,
            libc::EPROTO => Errno::Proto,
            libc::EPROTONOSUPPORT => Errno::Protonosupport,
            libc::EPROTOTYPE => Errno::Prototype,
            libc::ERANGE => Errno::Range,
            libc::EROFS => Errno::Rofs,
            libc::ESPIPE => Errno::Spipe,
            libc::ESRCH => Errno::Srch,
            libc::ESTALE => Errno::Stale,
            libc::ETIMEDOUT => Errno::Timedout,
            libc::ETXTBSY => Errno::Txtbsy,
            libc::EXDEV => Errno::Xdev,
            // Aliases that are distinct values on some hosts (equal on Linux, where these arms
            // are never reached).
            code if code == libc::EWOULDBLOCK => Errno::Again,
            code if code == libc::EOPNOTSUPP => Errno::Notsup,
            code if code == libc::EDEADLOCK => Errno::Deadlk,
            _ => Errno::Io,
        }
    }

    /// The host's current `errno`, mapped with [`Errno::from_host`].
    pub fn last_host_error() -> Errno {
        Errno::from_host(last_host_errno())
    }
}

impl From<crate::p2::filesystem::ErrorCode> for Errno {
    /// The P1 errno of a filesystem `error-code`, as wasmtime maps it.
    fn from(code: crate::p2::filesystem::ErrorCode) -> Errno {
        use crate::p2::filesystem::ErrorCode as E;
        match code {
            E::Access => Errno::Acces,
            E::WouldBlock => Errno::Again,
            E::Already => Errno::Already,
            E::BadDescriptor => Errno::Badf,
            E::Busy => Errno::Busy,
            E::Deadlock => Errno::Deadlk,
            E::Quota => Errno::Dquot,
            E::Exist => Errno::Exist,
            E::FileTooLarge => Errno::Fbig,
            E::IllegalByteSequence => Errno::Ilseq,
            E::InProgress => Errno::Inprogress,
            E::Interrupted => Errno::Intr,
            E::Invalid => Errno::Inval,
            E::Io => Errno::Io,
            E::IsDirectory => Errno::Isdir,
            E::Loop => Errno::Loop,
            E::TooManyLinks => Errno::Mlink,
            E::MessageSize => Errno::Msgsize,
            E::NameTooLong => Errno::Nametoolong,
            E::NoDevice => Errno::Nodev,
            E::NoEntry => Errno::Noent,
            E::NoLock => Errno::Nolck,
            E::InsufficientMemory => Errno::Nomem,
            E::InsufficientSpace => Errno::Nospc,
            E::NotDirectory => Errno::Notdir,
            E::NotEmpty => Errno::Notempty,
            E::NotRecoverable => Errno::Notrecoverable,
            E::Unsupported => Errno::Notsup,
            E::NoTty => Errno::Notty,
            E::NoSuchDevice => Errno::Nxio,
            E::Overflow => Errno::Overflow,
            E::NotPermitted => Errno::Perm,
            E::Pipe => Errno::Pipe,
            E::ReadOnly => Errno::Rofs,
            E::InvalidSeek => Errno::Spipe,
            E::TextFileBusy => Errno::Txtbsy,
            E::CrossDevice => Errno::Xdev,
        }
    }
}

impl From<crate::p2::filesystem::ErrorCode> for HostError {
    fn from(code: crate::p2::filesystem::ErrorCode) -> HostError {
        HostError::Guest(code.into())
    }
}

/// The calling thread's `errno` value.
pub(crate) fn last_host_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasi errno {} ({self:?})", self.raw())
    }
}

impl std::error::Error for Errno {}

/// Why a host call stops the guest instead of returning an errno.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostTrap {
    /// The guest called `proc_exit` with this status.
    Exit(i32),
    /// A pointer (or pointer plus length) the host had to dereference lies outside the guest's
    /// linear memory.
    MemoryOutOfBounds,
    /// A pointer to a value wider than a byte is not aligned to the value's size.
    MisalignedPointer,
    /// A flags or enum parameter has a bit or value its witx type does not define (named
    /// here); wasmtime fails the same way when it decodes the parameter.
    InvalidValue(&'static str),
    /// The guest broke a rule of the canonical ABI (the message says which): an unknown
    /// handle, a handle of another resource type, invalid UTF-8, a bad discriminant...
    Canon(std::borrow::Cow<'static, str>),
    /// Guest code the host called back (`realloc`, a destructor) trapped; the runtime holds
    /// that trap and reports it.
    Nested,
}

impl HostTrap {
    /// A canonical ABI violation with `message`.
    pub fn canon(message: impl Into<std::borrow::Cow<'static, str>>) -> HostTrap {
        HostTrap::Canon(message.into())
    }

    /// The text the runtime prints after `error: wasm trap: ` (for [`HostTrap::Exit`], a
    /// description; the runtime exits with the status instead of reporting a trap).
    pub fn message(&self) -> String {
        match self {
            HostTrap::Exit(status) => format!("exit with status {status}"),
            HostTrap::MemoryOutOfBounds => "out of bounds memory access in host call".to_string(),
            HostTrap::MisalignedPointer => "misaligned pointer passed to host call".to_string(),
            HostTrap::InvalidValue(ty) => format!("invalid `{ty}` value passed to host call"),
            HostTrap::Canon(message) => message.to_string(),
            HostTrap::Nested => "guest code called by the host trapped".to_string(),
        }
    }
}

impl fmt::Display for HostTrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for HostTrap {}

/// The failure of a host call: returned to the guest, or raised as a trap. Never both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostError {
    /// Returned to the guest as the call's `errno` result.
    Guest(Errno),
    /// Raised in compiled code; the guest does not continue.
    Trap(HostTrap),
}

impl From<Errno> for HostError {
    fn from(errno: Errno) -> HostError {
        HostError::Guest(errno)
    }
}

impl From<HostTrap> for HostError {
    fn from(trap: HostTrap) -> HostError {
        HostError::Trap(trap)
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::Guest(errno) => errno.fmt(f),
            HostError::Trap(trap) => trap.fmt(f),
        }
    }
}

impl std::error::Error for HostError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_values_follow_the_witx_order() {
        assert_eq!(Errno::Success.raw(), 0);
        assert_eq!(Errno::TooBig.raw(), 1);
        assert_eq!(Errno::Badf.raw(), 8);
        assert_eq!(Errno::Inval.raw(), 28);
        assert_eq!(Errno::Io.raw(), 29);
        assert_eq!(Errno::Nosys.raw(), 52);
        assert_eq!(Errno::Pipe.raw(), 64);
        assert_eq!(Errno::Spipe.raw(), 70);
        assert_eq!(Errno::Notcapable.raw(), 76);
    }

    #[test]
    fn host_errno_maps_by_meaning() {
        assert_eq!(Errno::from_host(libc::EBADF), Errno::Badf);
        assert_eq!(Errno::from_host(libc::ESPIPE), Errno::Spipe);
        assert_eq!(Errno::from_host(libc::EWOULDBLOCK), Errno::Again);
        assert_eq!(Errno::from_host(libc::EOPNOTSUPP), Errno::Notsup);
        assert_eq!(Errno::from_host(libc::EPIPE), Errno::Pipe);
        // A code WASI cannot name.
        assert_eq!(Errno::from_host(libc::ENOTBLK), Errno::Io);
        assert_eq!(Errno::from_host(0), Errno::Io);
    }

    #[test]
    fn trap_messages() {
        assert_eq!(HostTrap::Exit(3).message(), "exit with status 3");
        assert_eq!(
            HostTrap::MemoryOutOfBounds.message(),
            "out of bounds memory access in host call"
        );
        assert_eq!(HostError::from(Errno::Badf), HostError::Guest(Errno::Badf));
    }
}
