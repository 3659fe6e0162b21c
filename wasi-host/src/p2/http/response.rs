//! Responses of `wasi:http/types`: `incoming-response` (what a client receives) and the
//! `future-incoming-response` it arrives through, `outgoing-response` (what a server sends)
//! and the `response-outparam` it is sent through.

use std::sync::{Arc, Mutex};

use crate::error::{HostError, HostTrap};
use crate::p2::call::P2Call;
use crate::p2::http::body::{
    content_length, IncomingBody, IncomingShared, OutgoingBody, OutgoingShared,
};
use crate::p2::http::error::{lift_error_code, ErrorCode};
use crate::p2::http::fields::Fields;
use crate::p2::http::request::{headers_handle, take_headers};
use crate::p2::http::Signal;
use crate::resources::{HostKind, HostObject};

/// An `incoming-response`.
#[derive(Debug)]
pub struct IncomingResponse {
    /// The status code.
    pub status: u16,
    /// The headers (immutable).
    pub headers: Fields,
    /// The body, until the guest consumes it.
    pub body: Option<Arc<IncomingShared>>,
}

/// What a `future-incoming-response` and the task sending its request share.
#[derive(Debug)]
pub struct ResponseSlot {
    response: Mutex<Option<Result<IncomingResponse, ErrorCode>>>,
    /// Raised once the response (or the error) is in.
    signal: Signal,
}

impl ResponseSlot {
    /// An empty slot.
    pub fn new() -> Arc<ResponseSlot> {
        Arc::new(ResponseSlot {
            response: Mutex::new(None),
            signal: Signal::new(),
        })
    }

    /// Puts the response in and wakes the guest.
    pub fn fill(&self, response: Result<IncomingResponse, ErrorCode>) {
        *self.response.lock().unwrap_or_else(|e| e.into_inner()) = Some(response);
        self.signal.raise();
    }
}

/// A `future-incoming-response`.
#[derive(Debug)]
pub struct FutureIncomingResponse {
    slot: Arc<ResponseSlot>,
    taken: bool,
}

impl FutureIncomingResponse {
    /// The future of `slot`.
    pub fn new(slot: Arc<ResponseSlot>) -> FutureIncomingResponse {
        FutureIncomingResponse { slot, taken: false }
    }
}

/// An `outgoing-response`.
#[derive(Debug)]
pub struct OutgoingResponse {
    /// The status code (200 unless set).
    pub status: u16,
    /// The headers (immutable).
    pub headers: Fields,
    /// The body's hyper side, once the guest asked for the body.
    pub body: Option<Arc<OutgoingShared>>,
}

/// A `response-outparam`: where the server waits for the guest's response.
#[derive(Debug)]
pub struct ResponseOutparam {
    /// Takes the response, or the error the guest answers instead.
    pub reply: tokio::sync::oneshot::Sender<Result<OutgoingResponse, ErrorCode>>,
}

fn incoming<'c>(
    call: &'c mut P2Call<'_>,
    this: i32,
) -> Result<&'c mut IncomingResponse, HostError> {
    match call.object(this as u32, HostKind::IncomingResponse)? {
        HostObject::IncomingResponse(r) => Ok(r),
        _ => unreachable!("the handle table checked the kind"),
    }
}

fn outgoing<'c>(
    call: &'c mut P2Call<'_>,
    this: i32,
) -> Result<&'c mut OutgoingResponse, HostError> {
    match call.object(this as u32, HostKind::OutgoingResponse)? {
        HostObject::OutgoingResponse(r) => Ok(r),
        _ => unreachable!("the handle table checked the kind"),
    }
}

fn future<'c>(
    call: &'c mut P2Call<'_>,
    this: i32,
) -> Result<&'c mut FutureIncomingResponse, HostError> {
    match call.object(this as u32, HostKind::FutureIncomingResponse)? {
        HostObject::FutureIncomingResponse(f) => Ok(f),
        _ => unreachable!("the handle table checked the kind"),
    }
}

/// `[method]incoming-response.status`.
pub fn incoming_response_status(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    Ok(incoming(call, this)?.status as i32)
}

/// `[method]incoming-response.headers`.
pub fn incoming_response_headers(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    let headers = incoming(call, this)?.headers.clone();
    headers_handle(call, headers)
}

/// `[method]incoming-response.consume`: the body, once.
pub fn incoming_response_consume(
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

/// `[method]future-incoming-response.subscribe`: ready once the response is in.
pub fn future_incoming_response_subscribe(
    call: &mut P2Call<'_>,
    this: i32,
) -> Result<i32, HostError> {
    let pollable = future(call, this)?.slot.signal.pollable();
    Ok(call.new_own(HostObject::Pollable(pollable))? as i32)
}

/// `[method]future-incoming-response.get`: `none` until the response is in, then the
/// response (or its error) once, then `some(err)`.
pub fn future_incoming_response_get(
    call: &mut P2Call<'_>,
    this: i32,
    ret: i32,
) -> Result<(), HostError> {
    let f = future(call, this)?;
    let response = f
        .slot
        .response
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let result = match response {
        None if f.taken => Some(Err(())),
        None => None,
        Some(response) => {
            f.taken = true;
            Some(Ok(match response {
                Ok(r) => Ok(call.new_own(HostObject::IncomingResponse(r))?),
                Err(code) => Err(code),
            }))
        }
    };
    call.store_result(ret, result)
}

/// `[constructor]outgoing-response`.
pub fn outgoing_response_new(call: &mut P2Call<'_>, headers: i32) -> Result<i32, HostError> {
    let headers = take_headers(call, headers)?;
    let response = OutgoingResponse {
        status: 200,
        headers,
        body: None,
    };
    Ok(call.new_own(HostObject::OutgoingResponse(response))? as i32)
}

/// `[method]outgoing-response.status-code`.
pub fn outgoing_response_status_code(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    Ok(outgoing(call, this)?.status as i32)
}

/// `[method]outgoing-response.set-status-code`: a status outside 100 to 999 is an error.
pub fn outgoing_response_set_status_code(
    call: &mut P2Call<'_>,
    this: i32,
    status: i32,
) -> Result<i32, HostError> {
    let status = status as u16;
    if http::StatusCode::from_u16(status).is_err() {
        return Ok(1);
    }
    outgoing(call, this)?.status = status;
    Ok(0)
}

/// `[method]outgoing-response.headers`.
pub fn outgoing_response_headers(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    let headers = outgoing(call, this)?.headers.clone();
    headers_handle(call, headers)
}

/// `[method]outgoing-response.body`: the body, once.
pub fn outgoing_response_body(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
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

/// `[static]response-outparam.set`: hands the server the response, or the error to answer
/// with. The error's payload stays in the guest; the server answers 500 for any error.
#[allow(clippy::too_many_arguments)]
pub fn response_outparam_set(
    call: &mut P2Call<'_>,
    param: i32,
    is_err: i32,
    response_or_case: i32,
    _p3: i32,
    _p4: i64,
    _p5: i32,
    _p6: i32,
    _p7: i32,
    _p8: i32,
) -> Result<(), HostError> {
    let HostObject::ResponseOutparam(out) =
        call.take_own(param as u32, HostKind::ResponseOutparam)?
    else {
        unreachable!("the handle table checked the kind")
    };
    let response = match is_err {
        0 => match call.take_own(response_or_case as u32, HostKind::OutgoingResponse)? {
            HostObject::OutgoingResponse(r) => Ok(r),
            _ => unreachable!("the handle table checked the kind"),
        },
        1 => Err(lift_error_code(response_or_case)?),
        _ => return Err(HostTrap::canon("invalid result discriminant").into()),
    };
    // The server may have given up on the request already; then nobody waits.
    let _ = out.reply.send(response);
    Ok(())
}
