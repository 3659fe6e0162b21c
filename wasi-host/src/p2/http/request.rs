//! Requests of `wasi:http/types`: `outgoing-request` (what a client sends), `incoming-request`
//! (what a server receives), `request-options`, and the `method` and `scheme` variants.
//!
//! Each setter checks its value as `http`'s URI parts do (a method is a token, an authority
//! is `host[:port]`, a path starts with `/`) and leaves the request unchanged when the value
//! does not parse.

use std::str::FromStr;

use crate::error::{HostError, HostTrap};
use crate::p2::call::P2Call;
use crate::p2::http::body::{
    content_length, IncomingBody, IncomingShared, OutgoingBody, OutgoingShared,
};
use crate::p2::http::fields::Fields;
use crate::p2::values::Store;
use crate::resources::{HostKind, HostObject};
use std::sync::Arc;

/// A `method`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Method(pub http::Method);

/// The standard methods, in WIT case order.
const METHODS: [http::Method; 9] = [
    http::Method::GET,
    http::Method::HEAD,
    http::Method::POST,
    http::Method::PUT,
    http::Method::DELETE,
    http::Method::CONNECT,
    http::Method::OPTIONS,
    http::Method::TRACE,
    http::Method::PATCH,
];

impl Store for Method {
    const SIZE: u32 = 12;
    const ALIGN: u32 = 4;
    fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError> {
        match METHODS.iter().position(|m| *m == self.0) {
            Some(case) => (case as u8).store(call, ptr),
            None => {
                9u8.store(call, ptr)?;
                self.0.as_str().to_string().store(call, ptr + 4)
            }
        }
    }
}

/// A `scheme`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheme(pub http::uri::Scheme);

impl Store for Scheme {
    const SIZE: u32 = 12;
    const ALIGN: u32 = 4;
    fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError> {
        if self.0 == http::uri::Scheme::HTTP {
            0u8.store(call, ptr)
        } else if self.0 == http::uri::Scheme::HTTPS {
            1u8.store(call, ptr)
        } else {
            2u8.store(call, ptr)?;
            self.0.as_str().to_string().store(call, ptr + 4)
        }
    }
}

fn bad_discriminant() -> HostError {
    HostTrap::canon("invalid variant discriminant").into()
}

/// Lifts a flattened `method`; `None` for an `other` that is not a method.
fn lift_method(
    call: &P2Call<'_>,
    case: i32,
    ptr: i32,
    len: i32,
) -> Result<Option<http::Method>, HostError> {
    match case {
        0..=8 => Ok(Some(METHODS[case as usize].clone())),
        9 => {
            let name = call.load_string(ptr, len)?;
            Ok(http::Method::from_bytes(name.as_bytes()).ok())
        }
        _ => Err(bad_discriminant()),
    }
}

/// Lifts a flattened `scheme`; `None` for an `other` that is not a scheme.
fn lift_scheme(
    call: &P2Call<'_>,
    case: i32,
    ptr: i32,
    len: i32,
) -> Result<Option<http::uri::Scheme>, HostError> {
    match case {
        0 => Ok(Some(http::uri::Scheme::HTTP)),
        1 => Ok(Some(http::uri::Scheme::HTTPS)),
        2 => {
            let name = call.load_string(ptr, len)?;
            Ok(http::uri::Scheme::from_str(&name).ok())
        }
        _ => Err(bad_discriminant()),
    }
}

/// Lifts a flattened `option<string>`.
fn lift_option_string(
    call: &P2Call<'_>,
    is_some: i32,
    ptr: i32,
    len: i32,
) -> Result<Option<String>, HostError> {
    match is_some {
        0 => Ok(None),
        1 => Ok(Some(call.load_string(ptr, len)?)),
        _ => Err(HostTrap::canon("invalid option discriminant").into()),
    }
}

/// An `outgoing-request`.
#[derive(Debug)]
pub struct OutgoingRequest {
    /// The method (`GET` unless set).
    pub method: http::Method,
    /// The scheme, if set.
    pub scheme: Option<http::uri::Scheme>,
    /// The authority, if set.
    pub authority: Option<http::uri::Authority>,
    /// The path and query, if set.
    pub path_with_query: Option<http::uri::PathAndQuery>,
    /// The headers (immutable).
    pub headers: Fields,
    /// The body's hyper side, once the guest asked for the body.
    pub body: Option<Arc<OutgoingShared>>,
}

/// An `incoming-request`.
#[derive(Debug)]
pub struct IncomingRequest {
    /// The method.
    pub method: http::Method,
    /// The scheme.
    pub scheme: Option<http::uri::Scheme>,
    /// The authority.
    pub authority: Option<String>,
    /// The path and query.
    pub path_with_query: Option<String>,
    /// The headers (immutable).
    pub headers: Fields,
    /// The body, until the guest consumes it.
    pub body: Option<Arc<IncomingShared>>,
}

/// A `request-options`: the client's timeouts, in nanoseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestOptions {
    /// `connect-timeout`.
    pub connect: Option<u64>,
    /// `first-byte-timeout`.
    pub first_byte: Option<u64>,
    /// `between-bytes-timeout`.
    pub between_bytes: Option<u64>,
}

fn outgoing<'c>(call: &'c mut P2Call<'_>, this: i32) -> Result<&'c mut OutgoingRequest, HostError> {
    match call.object(this as u32, HostKind::OutgoingRequest)? {
        HostObject::OutgoingRequest(r) => Ok(r),
        _ => unreachable!("the handle table checked the kind"),
    }
}

fn incoming<'c>(call: &'c mut P2Call<'_>, this: i32) -> Result<&'c mut IncomingRequest, HostError> {
    match call.object(this as u32, HostKind::IncomingRequest)? {
        HostObject::IncomingRequest(r) => Ok(r),
        _ => unreachable!("the handle table checked the kind"),
    }
}

fn options<'c>(call: &'c mut P2Call<'_>, this: i32) -> Result<&'c mut RequestOptions, HostError> {
    match call.object(this as u32, HostKind::RequestOptions)? {
        HostObject::RequestOptions(o) => Ok(o),
        _ => unreachable!("the handle table checked the kind"),
    }
}

/// Takes the fields of an owned `headers` handle, made immutable.
pub(crate) fn take_headers(call: &mut P2Call<'_>, handle: i32) -> Result<Fields, HostError> {
    match call.take_own(handle as u32, HostKind::Fields)? {
        HostObject::Fields(mut fields) => {
            fields.immutable = true;
            Ok(fields)
        }
        _ => unreachable!("the handle table checked the kind"),
    }
}

/// A handle to an immutable copy of `fields`, for a message's `headers`.
pub(crate) fn headers_handle(call: &mut P2Call<'_>, fields: Fields) -> Result<i32, HostError> {
    let mut copy = fields;
    copy.immutable = true;
    Ok(call.new_own(HostObject::Fields(copy))? as i32)
}

/// `[constructor]outgoing-request`.
pub fn outgoing_request_new(call: &mut P2Call<'_>, headers: i32) -> Result<i32, HostError> {
    let headers = take_headers(call, headers)?;
    let request = OutgoingRequest {
        method: http::Method::GET,
        scheme: None,
        authority: None,
        path_with_query: None,
        headers,
        body: None,
    };
    Ok(call.new_own(HostObject::OutgoingRequest(request))? as i32)
}

/// `[method]outgoing-request.body`: the body, once.
pub fn outgoing_request_body(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    let r = outgoing(call, this)?;
    let result = if r.body.is_some() {
        Err(())
    } else {
        let (body, shared) = OutgoingBody::new(content_length(&r.headers));
        r.body = Some(shared);
        Ok(call.new_own(HostObject::OutgoingBody(body))?)
    };
    call.store_result(ret, result)
}

/// `[method]outgoing-request.method`.
pub fn outgoing_request_method(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let method = Method(outgoing(call, this)?.method.clone());
    call.store_result(ret, method)
}

/// `[method]outgoing-request.set-method`.
pub fn outgoing_request_set_method(
    call: &mut P2Call<'_>,
    this: i32,
    case: i32,
    ptr: i32,
    len: i32,
) -> Result<i32, HostError> {
    let method = lift_method(call, case, ptr, len)?;
    let r = outgoing(call, this)?;
    Ok(match method {
        Some(m) => {
            r.method = m;
            0
        }
        None => 1,
    })
}

/// `[method]outgoing-request.path-with-query`.
pub fn outgoing_request_path_with_query(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let path = outgoing(call, this)?
        .path_with_query
        .as_ref()
        .map(|p| p.as_str().to_string());
    call.store_result(ret, path)
}

/// `[method]outgoing-request.set-path-with-query`.
pub fn outgoing_request_set_path_with_query(
    call: &mut P2Call<'_>,
    this: i32,
    is_some: i32,
    ptr: i32,
    len: i32,
) -> Result<i32, HostError> {
    let path = lift_option_string(call, is_some, ptr, len)?;
    let parsed = match path {
        None => Ok(None),
        Some(p) => http::uri::PathAndQuery::from_str(&p).map(Some),
    };
    Ok(match parsed {
        Ok(p) => {
            outgoing(call, this)?.path_with_query = p;
            0
        }
        Err(_) => 1,
    })
}

/// `[method]outgoing-request.scheme`.
pub fn outgoing_request_scheme(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let scheme = outgoing(call, this)?.scheme.clone().map(Scheme);
    call.store_result(ret, scheme)
}

/// `[method]outgoing-request.set-scheme`.
pub fn outgoing_request_set_scheme(
    call: &mut P2Call<'_>,
    this: i32,
    is_some: i32,
    case: i32,
    ptr: i32,
    len: i32,
) -> Result<i32, HostError> {
    let scheme = match is_some {
        0 => Some(None),
        1 => lift_scheme(call, case, ptr, len)?.map(Some),
        _ => return Err(HostTrap::canon("invalid option discriminant").into()),
    };
    Ok(match scheme {
        Some(s) => {
            outgoing(call, this)?.scheme = s;
            0
        }
        None => 1,
    })
}

/// `[method]outgoing-request.authority`.
pub fn outgoing_request_authority(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let authority = outgoing(call, this)?
        .authority
        .as_ref()
        .map(|a| a.as_str().to_string());
    call.store_result(ret, authority)
}

/// `[method]outgoing-request.set-authority`.
pub fn outgoing_request_set_authority(
    call: &mut P2Call<'_>,
    this: i32,
    is_some: i32,
    ptr: i32,
    len: i32,
) -> Result<i32, HostError> {
    let authority = lift_option_string(call, is_some, ptr, len)?;
    let parsed = match authority {
        None => Ok(None),
        Some(a) => http::uri::Authority::from_str(&a).map(Some).map_err(|_| ()),
    };
    Ok(match parsed {
        Ok(a) => {
            outgoing(call, this)?.authority = a;
            0
        }
        Err(()) => 1,
    })
}

/// `[method]outgoing-request.headers`: the request's headers, immutable.
pub fn outgoing_request_headers(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    let headers = outgoing(call, this)?.headers.clone();
    headers_handle(call, headers)
}

/// `[method]incoming-request.method`.
pub fn incoming_request_method(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let method = Method(incoming(call, this)?.method.clone());
    call.store_result(ret, method)
}

/// `[method]incoming-request.path-with-query`.
pub fn incoming_request_path_with_query(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let path = incoming(call, this)?.path_with_query.clone();
    call.store_result(ret, path)
}

/// `[method]incoming-request.scheme`.
pub fn incoming_request_scheme(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let scheme = incoming(call, this)?.scheme.clone().map(Scheme);
    call.store_result(ret, scheme)
}

/// `[method]incoming-request.authority`.
pub fn incoming_request_authority(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let authority = incoming(call, this)?.authority.clone();
    call.store_result(ret, authority)
}

/// `[method]incoming-request.headers`.
pub fn incoming_request_headers(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    let headers = incoming(call, this)?.headers.clone();
    headers_handle(call, headers)
}

/// `[method]incoming-request.consume`: the body, once.
pub fn incoming_request_consume(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let result = match incoming(call, this)?.body.take() {
        Some(shared) => Ok(call.new_own(HostObject::IncomingBody(IncomingBody::new(&shared)))?),
        None => Err(()),
    };
    call.store_result(ret, result)
}

/// `[constructor]request-options`.
pub fn request_options_new(call: &mut P2Call<'_>) -> Result<i32, HostError> {
    Ok(call.new_own(HostObject::RequestOptions(RequestOptions::default()))? as i32)
}

fn lift_duration(is_some: i32, value: i64) -> Result<Option<u64>, HostError> {
    match is_some {
        0 => Ok(None),
        1 => Ok(Some(value as u64)),
        _ => Err(HostTrap::canon("invalid option discriminant").into()),
    }
}

/// `[method]request-options.connect-timeout`.
pub fn request_options_connect_timeout(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let value = options(call, this)?.connect;
    call.store_result(ret, value)
}

/// `[method]request-options.set-connect-timeout`.
pub fn request_options_set_connect_timeout(
    call: &mut P2Call<'_>,
    this: i32,
    is_some: i32,
    value: i64,
) -> Result<i32, HostError> {
    options(call, this)?.connect = lift_duration(is_some, value)?;
    Ok(0)
}

/// `[method]request-options.first-byte-timeout`.
pub fn request_options_first_byte_timeout(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let value = options(call, this)?.first_byte;
    call.store_result(ret, value)
}

/// `[method]request-options.set-first-byte-timeout`.
pub fn request_options_set_first_byte_timeout(
    call: &mut P2Call<'_>,
    this: i32,
    is_some: i32,
    value: i64,
) -> Result<i32, HostError> {
    options(call, this)?.first_byte = lift_duration(is_some, value)?;
    Ok(0)
}

/// `[method]request-options.between-bytes-timeout`.
pub fn request_options_between_bytes_timeout(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let value = options(call, this)?.between_bytes;
    call.store_result(ret, value)
}

/// `[method]request-options.set-between-bytes-timeout`.
pub fn request_options_set_between_bytes_timeout(
    call: &mut P2Call<'_>,
    this: i32,
    is_some: i32,
    value: i64,
) -> Result<i32, HostError> {
    options(call, this)?.between_bytes = lift_duration(is_some, value)?;
    Ok(0)
}
