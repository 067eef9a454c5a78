//! One request through Rocket, in process, through its public dispatch API
//! (`rocket::local::asynchronous::Client`): the same routing, `_method` override, request and
//! response fairings, guards, catchers and HEAD handling as Rocket's own server. What Rocket's
//! listener would have filled in comes from our connection: the peer address, the Host
//! header, cookies and the client certificate chain that rustls verified in the handshake.
//!
//! The answer borrows the client, so the request runs in its own task (as in Rocket's server),
//! which hands hyper the head and then the body: whole when it is small, in chunks otherwise.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use hyper::body::{Body, Frame, SizeHint};
use rocket::http::uri::Host;
use rocket::http::{Cookie, Header, Method};
use rocket::local::asynchronous::Client;
use tokio::io::AsyncReadExt;
use tokio::sync::{mpsc, oneshot, watch};

use super::table::{ConnState, Phase};
use crate::web::front_refusal::HEADER as REFUSAL;
use crate::web::gate::ClientCertificate;

/// An answer up to this size goes to hyper whole (with its length); longer ones stream.
const WHOLE_UP_TO: usize = 64 * 1024;
const CHUNK: usize = 64 * 1024;

/// What Rocket needs from one request.
pub struct ToRocket {
    pub parts: hyper::http::request::Parts,
    pub body: Vec<u8>,
    pub peer: SocketAddr,
    /// The client's certificate (DER; rustls verified it in the handshake).
    pub certificate: Option<Arc<[u8]>>,
    /// Held until the answer has left (the body's share of the memory budget).
    pub hold: Option<tokio::sync::OwnedSemaphorePermit>,
    /// The front refused the body with this status: Rocket renders the refusal.
    pub refused: Option<u16>,
}

/// Runs the request in its own task; the answer's head comes back through the returned channel.
pub fn spawn(
    client: Arc<Client>,
    request: ToRocket,
    conn: Arc<ConnState>,
    mut kill: watch::Receiver<bool>,
) -> oneshot::Receiver<hyper::Response<FrontBody>> {
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        tokio::select! {
            () = run(&client, request, conn, tx) => {}
            // The server is stopping and its grace period is over.
            _ = kill.wait_for(|k| *k) => {}
        }
    });
    rx
}

async fn run(client: &Client, r: ToRocket, conn: Arc<ConnState>, tx: oneshot::Sender<hyper::Response<FrontBody>>) {
    let ToRocket { parts, body, peer, certificate, hold, refused } = r;
    let Ok(method) = parts.method.as_str().parse::<Method>() else {
        let _ = tx.send(plain(conn, 501, "Metodo non supportato.\n"));
        return;
    };
    let uri = parts.uri.path_and_query().map_or("/", |pq| pq.as_str()).to_owned();
    let mut local = client.req(method, uri).remote(peer).body(body);
    // The gate reads the card from here (see `ClientCertificate`); the first value stored wins.
    local.inner().local_cache(|| ClientCertificate(certificate));
    if let Some(host) = parts.headers.get(hyper::http::header::HOST).and_then(|h| h.to_str().ok())
        && let Ok(host) = Host::parse_owned(host.to_owned())
    {
        local.set_host(host);
    }
    for value in parts.headers.get_all(hyper::http::header::COOKIE) {
        let Ok(raw) = value.to_str() else { continue };
        for one in raw.split(';').map(str::trim) {
            if let Ok(cookie) = Cookie::parse_encoded(one.to_owned()) {
                local = local.cookie(cookie);
            }
        }
    }
    for (name, value) in &parts.headers {
        if name.as_str().eq_ignore_ascii_case(REFUSAL) {
            continue;
        }
        // Rocket takes UTF-8 header values only (its own server drops the others too).
        if let Ok(value) = std::str::from_utf8(value.as_bytes()) {
            local.add_header(Header::new(name.as_str().to_owned(), value.to_owned()));
        }
    }
    if let Some(status) = refused {
        local.add_header(Header::new(REFUSAL, status.to_string()));
    }
    let mut response = local.dispatch().await;

    let mut head = hyper::Response::builder().status(response.status().code);
    for h in response.headers().iter() {
        head = head.header(h.name().as_str(), h.value());
    }
    // The first bytes: small answers go whole, with their length.
    let mut first = BytesMut::with_capacity(8 * 1024);
    let mut ended = false;
    while first.len() < WHOLE_UP_TO {
        match response.read_buf(&mut first).await {
            Ok(0) => {
                ended = true;
                break;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "answer body not readable");
                let _ = tx.send(plain(conn, 500, "Errore interno.\n"));
                return;
            }
        }
        if first.capacity() == first.len() {
            first.reserve(first.len());
        }
    }
    if ended {
        let body = FrontBody::whole(first.freeze(), conn.clone());
        match head.body(body) {
            Ok(r) => {
                let _ = tx.send(r);
            }
            Err(e) => {
                tracing::warn!(error = %e, "answer head not valid HTTP");
                let _ = tx.send(plain(conn, 500, "Errore interno.\n"));
            }
        }
        drop(hold);
        return;
    }
    let (chunks, rx) = mpsc::channel(2);
    match head.body(FrontBody::stream(rx, conn.clone())) {
        Ok(r) => {
            if tx.send(r).is_err() {
                return;
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "answer head not valid HTTP");
            let _ = tx.send(plain(conn, 500, "Errore interno.\n"));
            return;
        }
    }
    if chunks.send(Ok(first.freeze())).await.is_err() {
        return;
    }
    loop {
        let mut buf = BytesMut::with_capacity(CHUNK);
        match response.read_buf(&mut buf).await {
            Ok(0) => break,
            Ok(_) => {
                if chunks.send(Ok(buf.freeze())).await.is_err() {
                    // The client went away.
                    break;
                }
            }
            Err(e) => {
                let _ = chunks.send(Err(e)).await;
                break;
            }
        }
    }
    drop(hold);
}

/// A short plain-text answer from the front itself (Italian), closing the connection.
pub fn plain(conn: Arc<ConnState>, status: u16, text: &'static str) -> hyper::Response<FrontBody> {
    let mut r = hyper::Response::new(FrontBody::whole(Bytes::from_static(text.as_bytes()), conn));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let h = r.headers_mut();
    h.insert(hyper::http::header::CONTENT_TYPE, hyper::http::HeaderValue::from_static("text/plain; charset=utf-8"));
    h.insert(hyper::http::header::CACHE_CONTROL, hyper::http::HeaderValue::from_static("no-store"));
    h.insert("x-content-type-options", hyper::http::HeaderValue::from_static("nosniff"));
    h.insert(hyper::http::header::CONNECTION, hyper::http::HeaderValue::from_static("close"));
    r
}

/// The answer's body for hyper. When it is finished (or dropped), the connection is idle again
/// and its keep-alive deadline starts.
pub struct FrontBody {
    kind: Kind,
    conn: Arc<ConnState>,
}

enum Kind {
    Whole(Option<Bytes>),
    Stream(mpsc::Receiver<io::Result<Bytes>>),
}

impl FrontBody {
    fn whole(bytes: Bytes, conn: Arc<ConnState>) -> Self {
        Self { kind: Kind::Whole(Some(bytes)), conn }
    }

    fn stream(rx: mpsc::Receiver<io::Result<Bytes>>, conn: Arc<ConnState>) -> Self {
        Self { kind: Kind::Stream(rx), conn }
    }
}

impl Body for FrontBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match &mut self.kind {
            Kind::Whole(b) => Poll::Ready(b.take().filter(|b| !b.is_empty()).map(|b| Ok(Frame::data(b)))),
            Kind::Stream(rx) => rx.poll_recv(cx).map(|o| o.map(|r| r.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(&self.kind, Kind::Whole(None))
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Whole(Some(b)) => SizeHint::with_exact(b.len() as u64),
            Kind::Whole(None) => SizeHint::with_exact(0),
            Kind::Stream(_) => SizeHint::default(),
        }
    }
}

impl Drop for FrontBody {
    fn drop(&mut self) {
        if self.conn.phase() == Phase::Busy {
            self.conn.set(Phase::Idle);
        }
    }
}
