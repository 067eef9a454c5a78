//! The deadlines of an established connection, enforced on its byte stream: how long it may
//! sit idle before (the next) request, how long the request head may take from its first byte,
//! and how long a write may wait for a client that does not read. The request body's
//! minimum rate is enforced where the body is read (`body.rs`).
//!
//! hyper's own `header_read_timeout` starts when hyper starts waiting for a head, so it would
//! also cut idle keep-alive time; here the two are separate, as in nginx
//! (`keepalive_timeout`, `client_header_timeout`, `send_timeout`).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::table::{ConnState, Phase};

pub struct Deadlines {
    pub idle: Duration,
    pub head: Duration,
    pub send: Duration,
}

pub struct DeadlineIo<T> {
    inner: T,
    state: Arc<ConnState>,
    limits: Arc<Deadlines>,
    /// The deadline the read timer is armed for.
    read_armed: Option<Instant>,
    read_timer: Pin<Box<Sleep>>,
    write_deadline: Option<Instant>,
    write_timer: Pin<Box<Sleep>>,
}

impl<T> DeadlineIo<T> {
    pub fn new(inner: T, state: Arc<ConnState>, limits: Arc<Deadlines>) -> Self {
        let far = Instant::now() + Duration::from_secs(86_400);
        Self {
            inner,
            state,
            limits,
            read_armed: None,
            read_timer: Box::pin(tokio::time::sleep_until(far)),
            write_deadline: None,
            write_timer: Box::pin(tokio::time::sleep_until(far)),
        }
    }

    /// The read deadline of the current phase, counted from when the phase began (None while
    /// a request is served: its body has its own rate deadline, and reading then only
    /// detects a closed connection).
    fn read_deadline(&mut self) -> Option<Instant> {
        let (phase, since) = self.state.phase_since();
        let limit = match phase {
            Phase::Idle => self.limits.idle,
            Phase::RequestHead => self.limits.head,
            _ => return None,
        };
        let at = Instant::from_std(since) + limit;
        if self.read_armed != Some(at) {
            self.read_armed = Some(at);
            self.read_timer.as_mut().reset(at);
        }
        Some(at)
    }
}

fn timed_out(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, what.to_owned())
}

impl<T: AsyncRead + Unpin> AsyncRead for DeadlineIo<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before && this.state.phase() == Phase::Idle {
                    // The first bytes of a request: the head deadline starts now.
                    this.state.set(Phase::RequestHead);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                if this.read_deadline().is_some() && this.read_timer.as_mut().poll(cx).is_ready() {
                    let what = match this.state.phase() {
                        Phase::Idle => "idle",
                        _ => "request head",
                    };
                    return Poll::Ready(Err(timed_out(what)));
                }
                Poll::Pending
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> DeadlineIo<T> {
    /// A write that made progress clears the timer; one that waits arms it once.
    fn after_write<R>(&mut self, cx: &mut Context<'_>, result: Poll<io::Result<R>>) -> Poll<io::Result<R>> {
        match result {
            Poll::Pending => {
                if self.write_deadline.is_none() {
                    let at = Instant::now() + self.limits.send;
                    self.write_deadline = Some(at);
                    self.write_timer.as_mut().reset(at);
                }
                if self.write_timer.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(timed_out("send")));
                }
                Poll::Pending
            }
            ready => {
                self.write_deadline = None;
                ready
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for DeadlineIo<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.after_write(cx, r)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.after_write(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.inner).poll_flush(cx);
        this.after_write(cx, r)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.after_write(cx, r)
    }
}
