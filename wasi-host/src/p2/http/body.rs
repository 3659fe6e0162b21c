//! Bodies of `wasi:http`: `incoming-body` and its `input-stream`, `future-trailers`, and
//! `outgoing-body` and its `output-stream`.
//!
//! An incoming body is fed by a task on the tokio runtime that reads the frames hyper
//! receives into a buffer of at most [`BUFFER_LIMIT`] bytes (waiting while it is full, so a
//! slow guest slows the peer) and raises the body's [`Signal`] while there is something to
//! read or the body has ended. Once the guest lets go of every part of the body, the task
//! throws the rest away.
//!
//! An outgoing body is a buffer the guest's stream writes into and hyper takes frames from
//! ([`GuestBody`] is its `http_body::Body`); the signal is raised while the buffer has room.
//! `finish` ends it, with trailers if the guest gives them, and checks a declared
//! `content-length`; a body dropped unfinished is an error for the peer, as the WIT says.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use http_body::Frame;

use crate::error::{HostError, HostTrap};
use crate::p2::call::P2Call;
use crate::p2::http::error::ErrorCode;
use crate::p2::http::fields::Fields;
use crate::p2::http::Signal;
use crate::p2::poll::Pollable;
use crate::p2::streams::{InputStream, IoError, OutputStream, StreamError};
use crate::resources::{HostKind, HostObject};

/// How many body bytes wait in memory, in either direction.
pub const BUFFER_LIMIT: usize = 1 << 20;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// How an incoming body ended: its trailers, or an error.
type End = Result<Option<http::HeaderMap>, ErrorCode>;

#[derive(Debug, Default)]
struct IncomingState {
    chunks: VecDeque<Bytes>,
    buffered: usize,
    end: Option<End>,
    /// Nobody will read the rest: it is thrown away as it comes.
    discarding: bool,
}

/// What an incoming body's guest side and its feeding task share.
#[derive(Debug)]
pub struct IncomingShared {
    state: Mutex<IncomingState>,
    /// Raised while data or the end is there to take.
    signal: Signal,
    /// Wakes the task when the buffer has room again or the body is discarded.
    room: tokio::sync::Notify,
    /// How many guest-side objects hold the body.
    holders: AtomicUsize,
    /// Whether the body's stream is still alive (`finish` traps while it is).
    stream_alive: std::sync::atomic::AtomicBool,
}

impl IncomingShared {
    /// A body with nothing received yet.
    pub fn new() -> Arc<IncomingShared> {
        Arc::new(IncomingShared {
            state: Mutex::default(),
            signal: Signal::new(),
            room: tokio::sync::Notify::new(),
            holders: AtomicUsize::new(0),
            stream_alive: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Reads hyper's frames of `body` into the buffer until the body ends, fails, stalls for
    /// longer than `between_bytes`, or is discarded.
    pub async fn feed<B>(self: Arc<Self>, mut body: B, between_bytes: Option<Duration>)
    where
        B: http_body::Body<Data = Bytes> + Unpin,
        B::Error: Into<ErrorCode>,
    {
        use http_body_util::BodyExt;
        loop {
            loop {
                let full = {
                    let state = lock(&self.state);
                    !state.discarding && state.buffered >= BUFFER_LIMIT
                };
                if !full {
                    break;
                }
                self.room.notified().await;
            }
            let frame: Option<Result<Frame<Bytes>, ErrorCode>> = match between_bytes {
                Some(limit) => match tokio::time::timeout(limit, body.frame()).await {
                    Ok(frame) => frame.map(|f| f.map_err(Into::into)),
                    Err(_) => Some(Err(ErrorCode::ConnectionReadTimeout)),
                },
                None => body.frame().await.map(|f| f.map_err(Into::into)),
            };
            let ended = self.take_frame(frame);
            if ended {
                return;
            }
        }
    }

    /// Takes one frame (or the end) into the buffer; returns whether the body ended.
    fn take_frame(&self, frame: Option<Result<Frame<Bytes>, ErrorCode>>) -> bool {
        {
            let mut state = lock(&self.state);
            match frame {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => {
                        if !state.discarding && !data.is_empty() {
                            state.buffered += data.len();
                            state.chunks.push_back(data);
                            self.signal.raise();
                        }
                    }
                    Err(frame) => {
                        if let Ok(trailers) = frame.into_trailers() {
                            state.end = Some(Ok(Some(trailers)));
                        }
                    }
                },
                None => {
                    if state.end.is_none() {
                        state.end = Some(Ok(None));
                    }
                }
                Some(Err(e)) => state.end = Some(Err(e)),
            }
            if state.end.is_some() {
                self.signal.raise();
                return true;
            }
        }
        false
    }

    /// Ends the body now (a response that has none, or one the host could not read).
    pub fn end(&self, end: End) {
        lock(&self.state).end = Some(end);
        self.signal.raise();
    }

    fn discard(&self) {
        let mut state = lock(&self.state);
        state.discarding = true;
        state.chunks.clear();
        state.buffered = 0;
        if state.end.is_none() {
            self.signal.lower();
        }
        drop(state);
        self.room.notify_one();
    }
}

/// A guest-side hold on an incoming body: when the last one goes, the rest of the body is
/// thrown away.
#[derive(Debug)]
pub struct BodyHold(Arc<IncomingShared>);

impl BodyHold {
    /// A hold on `shared`.
    pub fn new(shared: &Arc<IncomingShared>) -> BodyHold {
        shared.holders.fetch_add(1, Ordering::Relaxed);
        BodyHold(shared.clone())
    }
}

impl Clone for BodyHold {
    fn clone(&self) -> BodyHold {
        BodyHold::new(&self.0)
    }
}

impl Drop for BodyHold {
    fn drop(&mut self) {
        if self.0.holders.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.0.discard();
        }
    }
}

/// The `input-stream` of an incoming body.
#[derive(Debug)]
pub struct IncomingReader {
    hold: BodyHold,
}

impl Drop for IncomingReader {
    fn drop(&mut self) {
        self.hold.0.stream_alive.store(false, Ordering::Relaxed);
    }
}

impl IncomingReader {
    /// At most `len` bytes of what has come (`blocking`: at least one, or the end).
    pub(crate) fn read(&self, len: u64, blocking: bool) -> Result<Vec<u8>, StreamError> {
        let shared = &self.hold.0;
        loop {
            let mut state = lock(&shared.state);
            if let Some(chunk) = state.chunks.front_mut() {
                let n = chunk.len().min(len.min(1 << 20) as usize);
                let data = chunk.split_to(n).to_vec();
                if chunk.is_empty() {
                    state.chunks.pop_front();
                }
                state.buffered -= n;
                if state.chunks.is_empty() && state.end.is_none() {
                    shared.signal.lower();
                }
                drop(state);
                shared.room.notify_one();
                return Ok(data);
            }
            match &state.end {
                Some(Ok(_)) => return Err(StreamError::Closed),
                Some(Err(e)) => {
                    return Err(StreamError::LastOperationFailed(IoError::http(e.clone())))
                }
                None if !blocking || len == 0 => return Ok(Vec::new()),
                None => {}
            }
            drop(state);
            let _ = crate::p2::poll::poll(&[shared.signal.pollable()]);
        }
    }

    /// Ready when a read would return something or the end.
    pub(crate) fn pollable(&self) -> Pollable {
        self.hold.0.signal.pollable()
    }
}

/// An `incoming-body`.
#[derive(Debug)]
pub struct IncomingBody {
    hold: BodyHold,
    stream_taken: bool,
}

impl IncomingBody {
    /// The body of a message, held by the guest.
    pub fn new(shared: &Arc<IncomingShared>) -> IncomingBody {
        IncomingBody {
            hold: BodyHold::new(shared),
            stream_taken: false,
        }
    }
}

/// A `future-trailers`.
#[derive(Debug)]
pub struct FutureTrailers {
    hold: BodyHold,
    taken: bool,
}

fn body<'c>(call: &'c mut P2Call<'_>, this: i32) -> Result<&'c mut IncomingBody, HostError> {
    match call.object(this as u32, HostKind::IncomingBody)? {
        HostObject::IncomingBody(body) => Ok(body),
        _ => unreachable!("the handle table checked the kind"),
    }
}

/// `[method]incoming-body.stream`: the body's bytes, once.
pub fn incoming_body_stream(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    let b = body(call, this)?;
    let result = if b.stream_taken {
        Err(())
    } else {
        b.stream_taken = true;
        b.hold.0.stream_alive.store(true, Ordering::Relaxed);
        let reader = IncomingReader {
            hold: b.hold.clone(),
        };
        Ok(call.new_own(HostObject::InputStream(InputStream::HttpBody(reader)))?)
    };
    call.store_result(ret, result)
}

/// `[static]incoming-body.finish`: the trailers to come. The rest of the body is thrown
/// away; with the body's stream still alive this traps, as the WIT says.
pub fn incoming_body_finish(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    let HostObject::IncomingBody(b) = call.take_own(this as u32, HostKind::IncomingBody)? else {
        unreachable!("the handle table checked the kind")
    };
    if b.hold.0.stream_alive.load(Ordering::Relaxed) {
        return Err(HostTrap::canon(
            "incoming-body.finish while the body's input-stream is still alive",
        )
        .into());
    }
    b.hold.0.discard();
    let trailers = FutureTrailers {
        hold: b.hold.clone(),
        taken: false,
    };
    Ok(call.new_own(HostObject::FutureTrailers(trailers))? as i32)
}

fn trailers<'c>(call: &'c mut P2Call<'_>, this: i32) -> Result<&'c mut FutureTrailers, HostError> {
    match call.object(this as u32, HostKind::FutureTrailers)? {
        HostObject::FutureTrailers(t) => Ok(t),
        _ => unreachable!("the handle table checked the kind"),
    }
}

/// `[method]future-trailers.subscribe`: ready when the body has ended.
pub fn future_trailers_subscribe(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    let pollable = trailers(call, this)?.hold.0.signal.pollable();
    Ok(call.new_own(HostObject::Pollable(pollable))? as i32)
}

/// `[method]future-trailers.get`: `none` until the body ends, then its trailers (or the
/// error it ended with) once, then `some(err)`.
pub fn future_trailers_get(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    let t = trailers(call, this)?;
    let end = lock(&t.hold.0.state).end.clone();
    let result = match end {
        None => None,
        Some(_) if t.taken => Some(Err(())),
        Some(end) => {
            t.taken = true;
            Some(Ok(match end {
                Ok(Some(map)) => Ok(Some(
                    call.new_own(HostObject::Fields(Fields::received(&map)))?,
                )),
                Ok(None) => Ok(None),
                Err(code) => Err(code),
            }))
        }
    };
    call.store_result(ret, result)
}

#[derive(Debug, Default)]
struct OutgoingState {
    chunks: VecDeque<Bytes>,
    buffered: usize,
    /// Bytes the guest wrote in all.
    written: u64,
    /// The guest finished the body, with these trailers (taken once sent).
    finished: Option<Option<http::HeaderMap>>,
    /// The guest dropped the body unfinished, or it broke its content-length.
    failed: Option<ErrorCode>,
    /// hyper is taking the body (a request was sent, or a response).
    attached: bool,
    /// hyper stopped taking it.
    gone: bool,
    waker: Option<Waker>,
}

/// What an outgoing body's guest side and hyper share.
#[derive(Debug)]
pub struct OutgoingShared {
    state: Mutex<OutgoingState>,
    /// Raised while the buffer has room.
    signal: Signal,
    /// Notified whenever hyper takes a chunk or goes.
    drained: Condvar,
}

impl OutgoingShared {
    fn new() -> Arc<OutgoingShared> {
        let shared = Arc::new(OutgoingShared {
            state: Mutex::default(),
            signal: Signal::new(),
            drained: Condvar::new(),
        });
        shared.signal.raise();
        shared
    }

    fn wake(state: &mut OutgoingState) {
        if let Some(waker) = state.waker.take() {
            waker.wake();
        }
    }
}

/// An outgoing body as hyper takes it.
#[derive(Debug)]
pub struct GuestBody {
    shared: Option<Arc<OutgoingShared>>,
}

impl GuestBody {
    /// The body of a message whose guest never asked for one: empty.
    pub fn empty() -> GuestBody {
        GuestBody { shared: None }
    }

    /// hyper's side of `shared`.
    pub fn attach(shared: &Arc<OutgoingShared>) -> GuestBody {
        lock(&shared.state).attached = true;
        GuestBody {
            shared: Some(shared.clone()),
        }
    }
}

impl http_body::Body for GuestBody {
    type Data = Bytes;
    type Error = ErrorCode;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, ErrorCode>>> {
        let Some(shared) = &self.shared else {
            return Poll::Ready(None);
        };
        let mut state = lock(&shared.state);
        if let Some(chunk) = state.chunks.pop_front() {
            state.buffered -= chunk.len();
            if state.buffered < BUFFER_LIMIT {
                shared.signal.raise();
            }
            shared.drained.notify_all();
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        if let Some(code) = state.failed.clone() {
            return Poll::Ready(Some(Err(code)));
        }
        match state.finished.as_mut() {
            Some(trailers) => Poll::Ready(trailers.take().map(|t| Ok(Frame::trailers(t)))),
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Drop for GuestBody {
    fn drop(&mut self) {
        if let Some(shared) = &self.shared {
            lock(&shared.state).gone = true;
            shared.signal.raise();
            shared.drained.notify_all();
        }
    }
}

/// The `output-stream` of an outgoing body.
#[derive(Debug)]
pub struct OutgoingWriter {
    shared: Arc<OutgoingShared>,
    /// What the last `check-write` permitted and `write` has not used.
    permitted: u64,
}

impl OutgoingWriter {
    fn closed(state: &OutgoingState) -> bool {
        state.gone || state.finished.is_some() || state.failed.is_some()
    }

    /// How much `write` may take now.
    pub(crate) fn check_write(&mut self) -> Result<u64, StreamError> {
        let state = lock(&self.shared.state);
        if Self::closed(&state) {
            return Err(StreamError::Closed);
        }
        self.permitted = BUFFER_LIMIT.saturating_sub(state.buffered) as u64;
        Ok(self.permitted)
    }

    /// Uses `len` bytes of what `check-write` permitted: writing more traps.
    pub(crate) fn take_permit(&mut self, len: u64) -> Result<(), HostTrap> {
        if len > self.permitted {
            return Err(HostTrap::canon(format!(
                "output-stream.write of {len} bytes, more than check-write permitted"
            )));
        }
        self.permitted -= len;
        Ok(())
    }

    /// Queues `bytes` for hyper.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<(), StreamError> {
        let mut state = lock(&self.shared.state);
        if Self::closed(&state) {
            return Err(StreamError::Closed);
        }
        if bytes.is_empty() {
            return Ok(());
        }
        state.buffered += bytes.len();
        state.written += bytes.len() as u64;
        state.chunks.push_back(Bytes::copy_from_slice(bytes));
        if state.buffered >= BUFFER_LIMIT {
            self.shared.signal.lower();
        }
        OutgoingShared::wake(&mut state);
        Ok(())
    }

    /// `blocking`: waits until hyper has taken everything (when hyper takes the body at
    /// all yet; before the message is sent, the bytes wait for it).
    pub(crate) fn flush(&mut self, blocking: bool) -> Result<(), StreamError> {
        let mut state = lock(&self.shared.state);
        while blocking && state.attached && !state.gone && state.buffered > 0 {
            state = self
                .shared
                .drained
                .wait(state)
                .unwrap_or_else(|e| e.into_inner());
        }
        if state.gone && state.buffered > 0 {
            return Err(StreamError::Closed);
        }
        Ok(())
    }

    /// Ready when the buffer has room.
    pub(crate) fn pollable(&self) -> Pollable {
        self.shared.signal.pollable()
    }
}

/// An `outgoing-body`.
#[derive(Debug)]
pub struct OutgoingBody {
    shared: Arc<OutgoingShared>,
    /// The message's `content-length`, which the body must match.
    content_length: Option<u64>,
    stream_taken: bool,
    finished: bool,
}

impl OutgoingBody {
    /// The body of a message whose headers declare `content_length`, if they do; and the
    /// side hyper takes it from.
    pub fn new(content_length: Option<u64>) -> (OutgoingBody, Arc<OutgoingShared>) {
        let shared = OutgoingShared::new();
        let body = OutgoingBody {
            shared: shared.clone(),
            content_length,
            stream_taken: false,
            finished: false,
        };
        (body, shared)
    }
}

impl Drop for OutgoingBody {
    fn drop(&mut self) {
        if !self.finished {
            let mut state = lock(&self.shared.state);
            state.failed = Some(ErrorCode::internal("the guest dropped the body unfinished"));
            OutgoingShared::wake(&mut state);
        }
    }
}

/// The `content-length` a message's fields declare, if they do.
pub fn content_length(fields: &Fields) -> Option<u64> {
    fields
        .get("content-length")
        .first()
        .and_then(|v| std::str::from_utf8(v).ok()?.trim().parse().ok())
}

fn outgoing<'c>(call: &'c mut P2Call<'_>, this: i32) -> Result<&'c mut OutgoingBody, HostError> {
    match call.object(this as u32, HostKind::OutgoingBody)? {
        HostObject::OutgoingBody(body) => Ok(body),
        _ => unreachable!("the handle table checked the kind"),
    }
}

/// `[method]outgoing-body.write`: the body's stream, once.
pub fn outgoing_body_write(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    let b = outgoing(call, this)?;
    let result = if b.stream_taken {
        Err(())
    } else {
        b.stream_taken = true;
        let writer = OutgoingWriter {
            shared: b.shared.clone(),
            permitted: 0,
        };
        Ok(call.new_own(HostObject::OutputStream(OutputStream::HttpBody(writer)))?)
    };
    call.store_result(ret, result)
}

/// `[static]outgoing-body.finish`: ends the body, with `trailers` if given; a body that
/// does not match its `content-length` fails instead.
pub fn outgoing_body_finish(
    call: &mut P2Call<'_>,
    this: i32,
    has_trailers: i32,
    trailers: i32,
    ret: i32,
) -> Result<(), HostError> {
    let trailers = match has_trailers {
        0 => None,
        1 => match call.take_own(trailers as u32, HostKind::Fields)? {
            HostObject::Fields(fields) => Some(fields.to_header_map()),
            _ => unreachable!("the handle table checked the kind"),
        },
        _ => return Err(HostTrap::canon("invalid option discriminant").into()),
    };
    let HostObject::OutgoingBody(mut b) = call.take_own(this as u32, HostKind::OutgoingBody)?
    else {
        unreachable!("the handle table checked the kind")
    };
    b.finished = true;
    let mut state = lock(&b.shared.state);
    let result = match b.content_length {
        Some(declared) if declared != state.written => {
            let code = ErrorCode::HttpRequestBodySize(Some(state.written));
            state.failed = Some(code.clone());
            Err(code)
        }
        _ => {
            state.finished = Some(trailers);
            Ok(())
        }
    };
    OutgoingShared::wake(&mut state);
    drop(state);
    call.store_result(ret, result)
}
