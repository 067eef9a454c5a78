//! The front door: our own accept loop in front of Rocket, because no front proxy is assumed
//! and Rocket 0.5's listener has no handshake, header, body or idle deadline and no connection
//! cap (and no public way to hand it another listener).
//!
//! Per connection: a place in the [`table::ConnectionTable`] (global and per-address caps; when
//! full, the least useful connection gives way), the ClientHello and the rest of the TLS
//! handshake each within a deadline (tokio-rustls with our rustls configuration, see
//! `infra::tls`), then HTTP/1.1 by hyper with the idle, request-head and send deadlines
//! ([`deadline_io`]), the body read at a minimum rate within a memory budget ([`body`]), and
//! each request handed to Rocket in process ([`dispatch`]). HTTP/2 is not offered: an office
//! application gains nothing from it, and it brings its own floods (rapid reset, ping, settings).
//!
//! Liftoff fairings run when the client is built (the jobs start, the port is announced);
//! SIGTERM or SIGINT stop accepting, let open requests finish for a grace period, then run
//! Rocket's shutdown fairings (the audit checkpoint).

pub mod body;
pub mod deadline_io;
pub mod dispatch;
pub mod settings;
pub mod table;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::local::asynchronous::Client;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use self::body::{BodyError, BodyLimits};
use self::deadline_io::{DeadlineIo, Deadlines};
use self::dispatch::{FrontBody, ToRocket};
use self::settings::ConnectionsConfig;
use self::table::{ConnState, ConnectionTable, Phase, Refusal, Ticket};

/// After SIGTERM: open requests get this long to finish, then are cut (Rocket's grace + mercy).
const GRACE: Duration = Duration::from_secs(5);
/// How often refusals, evictions and deadline closures are summed up in the log.
const REPORT_EVERY: Duration = Duration::from_secs(10);
/// How long the accept loop waits for evicted connections to close before refusing.
const EVICTION_WAIT: Duration = Duration::from_millis(200);
/// Largest request head (request line and headers).
const MAX_HEAD: usize = 64 * 1024;

/// Everything the connections share.
struct Front {
    client: Arc<Client>,
    tls: Arc<rustls::ServerConfig>,
    table: Arc<ConnectionTable>,
    settings: ConnectionsConfig,
    deadlines: Arc<Deadlines>,
    bodies: BodyLimits,
    pressure: Pressure,
    shutdown: watch::Receiver<bool>,
    kill: watch::Receiver<bool>,
}

/// Serves until SIGTERM or SIGINT, then shuts down gracefully and runs the shutdown fairings.
pub async fn run(
    listener: TcpListener,
    client: Client,
    tls: Arc<rustls::ServerConfig>,
    settings: ConnectionsConfig,
    max: usize,
    body_limit: u64,
) -> std::io::Result<()> {
    let (shutdown_tx, shutdown) = watch::channel(false);
    let (kill_tx, kill) = watch::channel(false);
    let budget_kib = usize::try_from(settings.bodies_bytes() / 1024).unwrap_or(Semaphore::MAX_PERMITS);
    let front = Arc::new(Front {
        client: Arc::new(client),
        tls,
        table: ConnectionTable::new(max, settings.per_address as usize),
        deadlines: Arc::new(Deadlines { idle: settings.idle(), head: settings.request_head(), send: settings.send() }),
        bodies: BodyLimits {
            max_bytes: body_limit,
            grace: settings.body_grace(),
            min_rate: u64::from(settings.body_min_rate),
            budget: Arc::new(Semaphore::new(budget_kib.min(Semaphore::MAX_PERMITS))),
        },
        settings,
        pressure: Pressure::default(),
        shutdown,
        kill,
    });
    tracing::info!(
        max,
        per_address = settings.per_address,
        hello_s = settings.hello_seconds,
        handshake_s = settings.handshake_seconds,
        head_s = settings.request_head_seconds,
        idle_s = settings.idle_seconds,
        body_s = settings.body_seconds,
        body_min_rate = settings.body_min_rate,
        send_s = settings.send_seconds,
        "connection limits"
    );
    let mut connections = JoinSet::new();
    let mut evictions = 0u64;
    let mut report = tokio::time::interval(REPORT_EVERY);
    let stop = stop_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => match admit(&front.table, peer).await {
                    Ok((ticket, evicted)) => {
                        connections.spawn(connection(front.clone(), tcp, peer, ticket));
                        if evicted {
                            front.pressure.evicted.fetch_add(1, Ordering::Relaxed);
                            // Now and then, let the evicted connections close.
                            evictions += 1;
                            if evictions.is_multiple_of(16) {
                                tokio::task::yield_now().await;
                            }
                        }
                    }
                    Err(why) => {
                        // Refused fast: closed at once, counted, logged once per interval.
                        drop(tcp);
                        let counter = match why {
                            Refusal::PerAddress => &front.pressure.refused_per_address,
                            Refusal::Full => &front.pressure.refused_full,
                        };
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                },
                Err(e) => {
                    // Out of descriptors or memory: do not spin on it.
                    front.pressure.accept_errors.fetch_add(1, Ordering::Relaxed);
                    front.pressure.last_accept_error(&e);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = report.tick() => front.pressure.report(&front.table),
        }
    }
    drop(listener);
    tracing::info!(open = front.table.open(), "stopping: no new connections, open requests finish");
    let _ = shutdown_tx.send(true);
    let drained = tokio::time::timeout(GRACE, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(open = connections.len(), "stopping: connections still open after the grace period, closed");
    }
    let _ = kill_tx.send(true);
    connections.abort_all();
    while connections.join_next().await.is_some() {}
    front.pressure.report(&front.table);
    // Cut requests drop their share of the client as soon as they are polled again.
    let client = front.client.clone();
    drop(front);
    for _ in 0..200 {
        if Arc::strong_count(&client) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    match Arc::try_unwrap(client) {
        // Rocket's shutdown fairings: the audit checkpoint at shutdown.
        Ok(client) => drop(client.terminate().await),
        Err(_) => tracing::error!("stopping: requests still running, shutdown fairings not run"),
    }
    Ok(())
}

/// A place in the table. While too many evicted connections are still closing, the accept
/// loop waits for them (briefly: newcomers wait in the kernel's queue, they are not refused).
async fn admit(table: &Arc<ConnectionTable>, peer: SocketAddr) -> Result<(Ticket, bool), Refusal> {
    let until = tokio::time::Instant::now() + EVICTION_WAIT;
    loop {
        match table.admit(peer.ip()) {
            Err(Refusal::Full) if table.evicting() > 0 && tokio::time::Instant::now() < until => {
                let _ = tokio::time::timeout_at(until, table.eviction_closed()).await;
            }
            other => return other,
        }
    }
}

async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM"),
                _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT"),
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "SIGTERM cannot be caught; only SIGINT stops the server cleanly");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// One connection, from the TCP accept to its close.
async fn connection(front: Arc<Front>, tcp: TcpStream, peer: SocketAddr, ticket: Ticket) {
    let state = ticket.state.clone();
    tokio::select! {
        () = serve(&front, tcp, peer, &state) => {}
        () = state.evicted() => {}
    }
    drop(ticket);
}

async fn serve(front: &Arc<Front>, tcp: TcpStream, peer: SocketAddr, state: &Arc<ConnState>) {
    let _ = tcp.set_nodelay(true);
    let hello = tokio_rustls::LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp);
    let start = match tokio::time::timeout(front.settings.hello(), hello).await {
        Ok(Ok(start)) => start,
        Ok(Err(_)) => return,
        Err(_) => {
            front.pressure.deadline_hello.fetch_add(1, Ordering::Relaxed);
            return;
        }
    };
    state.set(Phase::Handshake);
    let tls = match tokio::time::timeout(front.settings.handshake(), start.into_stream(front.tls.clone())).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(_)) => return,
        Err(_) => {
            front.pressure.deadline_handshake.fetch_add(1, Ordering::Relaxed);
            return;
        }
    };
    // The leaf: the chain up to our CA was verified in the handshake.
    let certificate: Option<Arc<[u8]>> =
        tls.get_ref().1.peer_certificates().and_then(|chain| chain.first()).map(|leaf| Arc::from(leaf.as_ref()));
    state.set(Phase::Idle);
    let io = TokioIo::new(DeadlineIo::new(tls, state.clone(), front.deadlines.clone()));
    let (f, s) = (front.clone(), state.clone());
    let service = service_fn(move |req| {
        let (f, s, certificate) = (f.clone(), s.clone(), certificate.clone());
        async move { Ok::<_, std::convert::Infallible>(request(&f, &s, peer, certificate, req).await) }
    });
    let mut http = http1::Builder::new();
    // No timer: `DeadlineIo` keeps the head and idle deadlines (hyper's would arm a new timer
    // for every request, and would count idle time against the head).
    http.keep_alive(true).max_buf_size(MAX_HEAD).header_read_timeout(None);
    let conn = http.serve_connection(io, service);
    tokio::pin!(conn);
    let mut shutdown = front.shutdown.clone();
    let mut draining = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    front.pressure.closed_with(&e);
                }
                break;
            }
            _ = shutdown.wait_for(|s| *s), if !draining => {
                // Finish the request in flight, close when idle.
                conn.as_mut().graceful_shutdown();
                draining = true;
            }
        }
    }
}

/// One request: its body read whole (only with a certificate: nothing but GET and HEAD is
/// open to a visitor without a card, so their bodies are never read), then Rocket.
async fn request(
    front: &Arc<Front>,
    state: &Arc<ConnState>,
    peer: SocketAddr,
    certificate: Option<Arc<[u8]>>,
    req: hyper::Request<Incoming>,
) -> hyper::Response<FrontBody> {
    state.set(Phase::Busy);
    let (parts, mut incoming) = req.into_parts();
    let declared = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let has_body = !hyper::body::Body::is_end_stream(&incoming);
    let mut close = false;
    let mut refused = None;
    let (body, hold) = if !has_body {
        (Vec::new(), None)
    } else if certificate.is_none() {
        close = true;
        (Vec::new(), None)
    } else {
        match body::read_whole(&mut incoming, declared, &front.bodies).await {
            Ok(whole) => (whole.bytes, whole._permit),
            Err(e) => {
                // Rocket answers the refusal (the Italian page, or JSON for the API) and the
                // connection closes after the answer.
                close = true;
                refused = Some(match e {
                    BodyError::TooLarge => {
                        // The client is still sending: read the rest away for a moment, so the
                        // close does not reset the answer before the client has read it.
                        tokio::spawn(body::discard(incoming, front.bodies.max_bytes.saturating_mul(4), body::LINGER));
                        413
                    }
                    BodyError::TooSlow => {
                        front.pressure.deadline_body.fetch_add(1, Ordering::Relaxed);
                        408
                    }
                    BodyError::Busy => 503,
                    BodyError::Broken => 400,
                });
                (Vec::new(), None)
            }
        }
    };
    let to_rocket = ToRocket { parts, body, peer, certificate, hold, refused };
    let answer = dispatch::spawn(front.client.clone(), to_rocket, state.clone(), front.kill.clone());
    match answer.await {
        Ok(mut response) => {
            if close {
                response
                    .headers_mut()
                    .insert(hyper::header::CONNECTION, hyper::http::HeaderValue::from_static("close"));
            }
            response
        }
        Err(_) => dispatch::plain(state.clone(), 503, "Servizio in chiusura.\n"),
    }
}

/// Counts of what the limits did, summed up in the log once per interval (never per connection).
#[derive(Default)]
struct Pressure {
    refused_full: AtomicU64,
    refused_per_address: AtomicU64,
    evicted: AtomicU64,
    deadline_hello: AtomicU64,
    deadline_handshake: AtomicU64,
    deadline_head: AtomicU64,
    deadline_body: AtomicU64,
    deadline_send: AtomicU64,
    accept_errors: AtomicU64,
    accept_error: std::sync::Mutex<Option<String>>,
}

impl Pressure {
    fn last_accept_error(&self, e: &std::io::Error) {
        if let Ok(mut last) = self.accept_error.lock() {
            *last = Some(e.to_string());
        }
    }

    /// Sorts a connection's closing error: a deadline of ours, or anything else (not counted).
    fn closed_with(&self, e: &hyper::Error) {
        use std::error::Error as _;
        let mut source = e.source();
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::TimedOut
            {
                match io.to_string().as_str() {
                    "request head" => self.deadline_head.fetch_add(1, Ordering::Relaxed),
                    "send" => self.deadline_send.fetch_add(1, Ordering::Relaxed),
                    _ => 0,
                };
                return;
            }
            source = s.source();
        }
        if e.is_timeout() {
            self.deadline_head.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn report(&self, table: &ConnectionTable) {
        let take = |a: &AtomicU64| a.swap(0, Ordering::Relaxed);
        let counts = [
            take(&self.refused_full),
            take(&self.refused_per_address),
            take(&self.evicted),
            take(&self.deadline_hello),
            take(&self.deadline_handshake),
            take(&self.deadline_head),
            take(&self.deadline_body),
            take(&self.deadline_send),
            take(&self.accept_errors),
        ];
        if counts.iter().all(|n| *n == 0) {
            return;
        }
        let [full, per_address, evicted, hello, handshake, head, body, send, accept_errors] = counts;
        let accept_error = self.accept_error.lock().ok().and_then(|mut e| e.take()).unwrap_or_default();
        tracing::warn!(
            open = table.open(),
            max = table.max(),
            refused_full = full,
            refused_per_address = per_address,
            evicted,
            deadline_hello = hello,
            deadline_handshake = handshake,
            deadline_head = head,
            deadline_body = body,
            deadline_send = send,
            accept_errors,
            accept_error = %accept_error,
            "connessioni respinte o chiuse dai limiti negli ultimi {} s",
            REPORT_EVERY.as_secs()
        );
    }
}

/// Sets `Content-Length` from the answer's body, as Rocket's own server does before writing
/// it (the local dispatch API does not): downloads show their size, HEAD keeps the length.
pub struct ContentLength;

#[rocket::async_trait]
impl Fairing for ContentLength {
    fn info(&self) -> Info {
        Info { name: "Content-Length from the body", kind: Kind::Response }
    }

    async fn on_response<'r>(&self, _req: &'r rocket::Request<'_>, res: &mut rocket::Response<'r>) {
        if res.headers().contains("Transfer-Encoding") {
            res.remove_header("Content-Length");
        } else if let Some(size) = res.body_mut().size().await {
            res.set_raw_header("Content-Length", size.to_string());
        }
    }
}

/// Pending TCP connections the kernel queues for `accept` (Linux caps it at somaxconn): a burst
/// waits there for its turn instead of having its final ACK dropped.
const BACKLOG: u32 = 4096;

/// The listening socket (SO_REUSEADDR, as Rocket's, so a restart does not wait for TIME_WAIT).
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}
