//! `error-code` and `header-error` of `wasi:http/types`, their canonical ABI layout, and how
//! the client's failures map onto them.
//!
//! `error-code` is a variant of 39 cases whose widest payload is 24 bytes aligned to 8, so
//! a value is a `u8` discriminant, the payload at offset 8, 32 bytes in all.

use crate::error::{HostError, HostTrap};
use crate::p2::call::P2Call;
use crate::p2::streams::IoError;
use crate::p2::values::Store;
use crate::resources::{HostKind, HostObject};

/// `DNS-error-payload`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsErrorPayload {
    /// `rcode`.
    pub rcode: Option<String>,
    /// `info-code`.
    pub info_code: Option<u16>,
}
crate::store_record!(DnsErrorPayload {
    rcode: Option<String>,
    info_code: Option<u16>
});

/// `TLS-alert-received-payload`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsAlertPayload {
    /// `alert-id`.
    pub alert_id: Option<u8>,
    /// `alert-message`.
    pub alert_message: Option<String>,
}
crate::store_record!(TlsAlertPayload {
    alert_id: Option<u8>,
    alert_message: Option<String>
});

/// `field-size-payload`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldSizePayload {
    /// `field-name`.
    pub field_name: Option<String>,
    /// `field-size`.
    pub field_size: Option<u32>,
}
crate::store_record!(FieldSizePayload {
    field_name: Option<String>,
    field_size: Option<u32>
});

/// `error-code`, in WIT order.
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    DnsTimeout,
    DnsError(DnsErrorPayload),
    DestinationNotFound,
    DestinationUnavailable,
    DestinationIpProhibited,
    DestinationIpUnroutable,
    ConnectionRefused,
    ConnectionTerminated,
    ConnectionTimeout,
    ConnectionReadTimeout,
    ConnectionWriteTimeout,
    ConnectionLimitReached,
    TlsProtocolError,
    TlsCertificateError,
    TlsAlertReceived(TlsAlertPayload),
    HttpRequestDenied,
    HttpRequestLengthRequired,
    HttpRequestBodySize(Option<u64>),
    HttpRequestMethodInvalid,
    HttpRequestUriInvalid,
    HttpRequestUriTooLong,
    HttpRequestHeaderSectionSize(Option<u32>),
    HttpRequestHeaderSize(Option<FieldSizePayload>),
    HttpRequestTrailerSectionSize(Option<u32>),
    HttpRequestTrailerSize(FieldSizePayload),
    HttpResponseIncomplete,
    HttpResponseHeaderSectionSize(Option<u32>),
    HttpResponseHeaderSize(FieldSizePayload),
    HttpResponseBodySize(Option<u64>),
    HttpResponseTrailerSectionSize(Option<u32>),
    HttpResponseTrailerSize(FieldSizePayload),
    HttpResponseTransferCoding(Option<String>),
    HttpResponseContentCoding(Option<String>),
    HttpResponseTimeout,
    HttpUpgradeFailed,
    HttpProtocolError,
    LoopDetected,
    ConfigurationError,
    InternalError(Option<String>),
}

/// Where an `error-code`'s payload starts.
const PAYLOAD: u32 = 8;

impl Store for ErrorCode {
    const SIZE: u32 = 32;
    const ALIGN: u32 = 8;
    fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError> {
        use ErrorCode as E;
        let at = ptr + PAYLOAD;
        let case: u8 = match self {
            E::DnsTimeout => 0,
            E::DnsError(p) => {
                p.store(call, at)?;
                1
            }
            E::DestinationNotFound => 2,
            E::DestinationUnavailable => 3,
            E::DestinationIpProhibited => 4,
            E::DestinationIpUnroutable => 5,
            E::ConnectionRefused => 6,
            E::ConnectionTerminated => 7,
            E::ConnectionTimeout => 8,
            E::ConnectionReadTimeout => 9,
            E::ConnectionWriteTimeout => 10,
            E::ConnectionLimitReached => 11,
            E::TlsProtocolError => 12,
            E::TlsCertificateError => 13,
            E::TlsAlertReceived(p) => {
                p.store(call, at)?;
                14
            }
            E::HttpRequestDenied => 15,
            E::HttpRequestLengthRequired => 16,
            E::HttpRequestBodySize(p) => {
                p.store(call, at)?;
                17
            }
            E::HttpRequestMethodInvalid => 18,
            E::HttpRequestUriInvalid => 19,
            E::HttpRequestUriTooLong => 20,
            E::HttpRequestHeaderSectionSize(p) => {
                p.store(call, at)?;
                21
            }
            E::HttpRequestHeaderSize(p) => {
                p.store(call, at)?;
                22
            }
            E::HttpRequestTrailerSectionSize(p) => {
                p.store(call, at)?;
                23
            }
            E::HttpRequestTrailerSize(p) => {
                p.store(call, at)?;
                24
            }
            E::HttpResponseIncomplete => 25,
            E::HttpResponseHeaderSectionSize(p) => {
                p.store(call, at)?;
                26
            }
            E::HttpResponseHeaderSize(p) => {
                p.store(call, at)?;
                27
            }
            E::HttpResponseBodySize(p) => {
                p.store(call, at)?;
                28
            }
            E::HttpResponseTrailerSectionSize(p) => {
                p.store(call, at)?;
                29
            }
            E::HttpResponseTrailerSize(p) => {
                p.store(call, at)?;
                30
            }
            E::HttpResponseTransferCoding(p) => {
                p.store(call, at)?;
                31
            }
            E::HttpResponseContentCoding(p) => {
                p.store(call, at)?;
                32
            }
            E::HttpResponseTimeout => 33,
            E::HttpUpgradeFailed => 34,
            E::HttpProtocolError => 35,
            E::LoopDetected => 36,
            E::ConfigurationError => 37,
            E::InternalError(p) => {
                p.store(call, at)?;
                38
            }
        };
        case.store(call, ptr)
    }
}

/// How many cases `error-code` has.
pub const ERROR_CODE_CASES: i32 = 39;

impl ErrorCode {
    /// An `internal-error` with a message.
    pub fn internal(message: impl Into<String>) -> ErrorCode {
        ErrorCode::InternalError(Some(message.into()))
    }

    /// The code for a failure to reach a server.
    pub fn from_io(e: &std::io::Error) -> ErrorCode {
        match e.kind() {
            std::io::ErrorKind::ConnectionRefused => ErrorCode::ConnectionRefused,
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                ErrorCode::ConnectionTerminated
            }
            std::io::ErrorKind::TimedOut => ErrorCode::ConnectionTimeout,
            std::io::ErrorKind::AddrNotAvailable => ErrorCode::DestinationUnavailable,
            _ => match e.raw_os_error() {
                Some(libc::ENETUNREACH | libc::EHOSTUNREACH) => ErrorCode::DestinationIpUnroutable,
                _ => ErrorCode::ConnectionTerminated,
            },
        }
    }

    /// The code for a failure hyper reports.
    pub fn from_hyper(e: &hyper::Error) -> ErrorCode {
        if e.is_timeout() {
            ErrorCode::HttpResponseTimeout
        } else if e.is_incomplete_message() {
            ErrorCode::HttpResponseIncomplete
        } else if e.is_parse() || e.is_parse_status() {
            ErrorCode::HttpProtocolError
        } else if e.is_canceled() || e.is_closed() {
            ErrorCode::ConnectionTerminated
        } else if let Some(io) =
            std::error::Error::source(e).and_then(|s| s.downcast_ref::<std::io::Error>())
        {
            ErrorCode::from_io(io)
        } else {
            ErrorCode::HttpProtocolError
        }
    }
}

/// `header-error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// `invalid-syntax`.
    InvalidSyntax,
    /// `forbidden`.
    Forbidden,
    /// `immutable`.
    Immutable,
}
crate::store_enum!(HeaderError, |e| e as u8);

/// `http-error-code`: the HTTP error behind a stream's `error`, if it was one.
pub fn http_error_code(call: &mut P2Call<'_>, err: i32, ret: i32) -> Result<(), HostError> {
    let code = match call.object(err as u32, HostKind::IoError)? {
        HostObject::IoError(IoError { http, .. }) => http.clone(),
        _ => unreachable!("the handle table checked the kind"),
    };
    call.store_result(ret, code)
}

/// Lifts a flattened `error-code` the guest passes: only its case is kept, the payload is
/// checked for valid discriminants.
pub fn lift_error_code(case: i32) -> Result<ErrorCode, HostError> {
    if !(0..ERROR_CODE_CASES).contains(&case) {
        return Err(HostTrap::canon("invalid variant discriminant").into());
    }
    Ok(ErrorCode::internal(format!(
        "the guest failed the request (error-code case {case})"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_the_canonical_abis() {
        assert_eq!(<DnsErrorPayload as Store>::SIZE, 16);
        assert_eq!(<FieldSizePayload as Store>::SIZE, 20);
        assert_eq!(<Option<FieldSizePayload> as Store>::SIZE, 24);
        assert_eq!(<Option<u64> as Store>::SIZE, 16);
        // future-incoming-response.get's option<result<result<incoming-response, error-code>>>
        type Got = Option<Result<Result<u32, ErrorCode>, ()>>;
        assert_eq!(<Got as Store>::SIZE, 56);
    }
}
