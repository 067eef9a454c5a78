//! Hostile traffic against the real binary: thousands of connections that never send a
//! ClientHello, handshakes without a request, request heads and bodies dripped byte by byte,
//! from many addresses (127.0.0.0/8 is all loopback on Linux), well past the connection cap.
//! Meanwhile a valid card still gets its answer within a second; every hostile connection is
//! closed by its deadline; refusals are logged once per interval; memory comes back. Also: the
//! per-address cap, and SIGTERM finishing the open request and writing the shutdown checkpoint.
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Fixture, Server, cf, client};
use ricolloca::infra::pki::{Issued, KeyKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// Short deadlines, so that the test sees them all; the defaults are in the manual.
/// How long the hostile clients keep reconnecting.
const FLOOD: Duration = Duration::from_secs(9);
/// The clients start over this time (an attack tool's connection rate, here ~1,600/s).
const RAMP: Duration = Duration::from_millis(1500);
/// Each hostile client's pause before it connects again (1,500 to 2,000 connections a second in all).
const RECONNECT: Duration = Duration::from_millis(1000);

const LIMITS: &str = "[connections]\nmax = 600\nper_address = 200\nhello_seconds = 2\nhandshake_seconds = 3\n\
                      request_head_seconds = 2\nidle_seconds = 3\nbody_seconds = 2\nbody_min_rate = 1000\n\
                      send_seconds = 3\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// TCP only, no ClientHello.
    Silent,
    /// A complete handshake, then nothing.
    NoRequest,
    /// A request head, one byte every 400 ms.
    DripHead,
    /// A valid card, a request head announcing 100 kB, the body at 25 bytes a second.
    DripBody,
}

struct Outcome {
    kind: Kind,
    connections: usize,
    /// How long after it opened the server closed each connection.
    closed_after: Vec<Duration>,
    /// Connections the server never closed (within 30 s).
    left_open: usize,
}

async fn connect_from(source: Ipv4Addr, port: u16) -> Option<TcpStream> {
    let socket = TcpSocket::new_v4().ok()?;
    socket.bind(SocketAddr::from((source, 0))).ok()?;
    tokio::time::timeout(Duration::from_secs(3), socket.connect(SocketAddr::from(([127, 0, 0, 1], port))))
        .await
        .ok()?
        .ok()
}

/// Waits until the server closes the stream (EOF, reset or a failed write), up to `limit`.
async fn until_closed<S: AsyncReadExt + AsyncWriteExt + Unpin>(
    mut s: S,
    drip: Option<(&'static [u8], Duration)>,
    limit: Duration,
) -> Option<Instant> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut buf = [0u8; 4096];
    loop {
        let wait = match drip {
            Some((_, every)) => every,
            None => limit,
        };
        tokio::select! {
            r = s.read(&mut buf) => match r {
                Ok(0) | Err(_) => return Some(Instant::now()),
                // An answer (408 for the body) before the close: keep reading.
                Ok(_) => {}
            },
            () = tokio::time::sleep(wait) => {
                if let Some((bytes, _)) = drip
                    && (s.write_all(bytes).await.is_err() || s.flush().await.is_err())
                {
                    return Some(Instant::now());
                }
            }
        }
        if tokio::time::Instant::now() > deadline {
            return None;
        }
    }
}

/// One hostile client: connects again each time the server closes it, until `until`.
async fn hostile(
    kind: Kind,
    source: Ipv4Addr,
    port: u16,
    anonymous: Arc<rustls::ClientConfig>,
    with_card: Arc<rustls::ClientConfig>,
    until: tokio::time::Instant,
) -> Outcome {
    let mut out = Outcome { kind, connections: 0, closed_after: Vec::new(), left_open: 0 };
    while tokio::time::Instant::now() < until {
        let Some(tcp) = connect_from(source, port).await else { continue };
        out.connections += 1;
        let start = Instant::now();
        match once(kind, tcp, anonymous.clone(), with_card.clone()).await {
            Some(at) => out.closed_after.push(at - start),
            None => out.left_open += 1,
        }
        // As attack tools do: a connection rate, not a busy loop on the same machine.
        tokio::time::sleep(RECONNECT).await;
    }
    out
}

/// One connection of the kind; when the server closed it (None: still open after 30 s).
async fn once(
    kind: Kind,
    tcp: TcpStream,
    anonymous: Arc<rustls::ClientConfig>,
    with_card: Arc<rustls::ClientConfig>,
) -> Option<Instant> {
    let limit = Duration::from_secs(30);
    if kind == Kind::Silent {
        return until_closed(tcp, None, limit).await;
    }
    let config = if kind == Kind::DripBody { with_card } else { anonymous };
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let connect = tokio_rustls::TlsConnector::from(config).connect(name, tcp);
    let Ok(Ok(mut tls)) = tokio::time::timeout(limit, connect).await else {
        // Evicted, or closed by the handshake deadline.
        return Some(Instant::now());
    };
    match kind {
        Kind::DripHead => {
            let _ = tls.write_all(b"GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Lento: ").await;
            until_closed(tls, Some((b"a", Duration::from_millis(400))), limit).await
        }
        Kind::DripBody => {
            let head = "POST /api/v1/recipients/1/actions HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                        Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"nota\":\"";
            let _ = tls.write_all(head.as_bytes()).await;
            until_closed(tls, Some((b"aaaaaaaaaa", Duration::from_millis(400))), limit).await
        }
        _ => until_closed(tls, None, limit).await,
    }
}

fn tls_client(f: &Fixture, card: Option<&Issued>) -> Arc<rustls::ClientConfig> {
    Arc::new(common::tls_config(&f.ca.cert_pem, card, &[&rustls::version::TLS12]))
}

fn descriptor_limit() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(1024)
}

#[test]
fn a_valid_card_gets_in_during_a_flood_and_every_hostile_connection_is_closed() {
    let mut f = Fixture::new(KeyKind::EcdsaP256);
    f.extra_config = LIMITS.into();
    f.write_config();
    let p = f.add_provider("Ente", "06363391001", "ACC-1");
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(p));
    // As the systemd unit runs it (packaging/ricolloca.service).
    let mut server = Server::start_env(&f.config, &[("RUST_LOG", "warn"), ("MALLOC_ARENA_MAX", "2")]);
    let card = f.card(&rossi);
    let me = |c: &reqwest::blocking::Client| {
        let t = Instant::now();
        let res = c.get(server.url("/api/v1/me")).send().unwrap();
        (res.status().as_u16(), t.elapsed())
    };
    // Warm up (first connections, first pages of the read pool) and take the memory baseline.
    for _ in 0..20 {
        assert_eq!(me(&client(&f, Some(&card))).0, 200);
    }
    std::thread::sleep(Duration::from_millis(500));
    let (rss_before, _) = server.rss_kib();
    let fds_before = server.open_files();

    // Half of the descriptors this process may open, at most 2,400 clients: four times the cap.
    let total = (descriptor_limit() / 2).saturating_sub(100).min(2400);
    assert!(total >= 1000, "this test needs about 2,500 open files (ulimit -n)");
    let mix = [
        (Kind::Silent, total * 5 / 8),
        (Kind::NoRequest, total / 8),
        (Kind::DripHead, total / 8),
        (Kind::DripBody, total / 8),
    ];
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (anonymous, with_card) = (tls_client(&f, None), tls_client(&f, Some(&card)));
    let flood_started = Instant::now();
    let port = server.port;
    let until = tokio::time::Instant::now() + FLOOD;
    let mut tasks = Vec::new();
    let mut n = 0usize;
    for (kind, count) in mix {
        for _ in 0..count {
            // 150 connections per source address: under the per-address cap of 200.
            let source = Ipv4Addr::new(127, 0, 1 + (n / 150 / 250) as u8, 2 + (n / 150 % 250) as u8);
            n += 1;
            let (a, c) = (anonymous.clone(), with_card.clone());
            let start = RAMP * (n as u32 * 7919 % total as u32) / total as u32;
            tasks.push(runtime.spawn(async move {
                tokio::time::sleep(start).await;
                hostile(kind, source, port, a, c, until).await
            }));
        }
    }
    // Once the flood holds its connections: a card holder on a new connection, every 400 ms,
    // answered within a second.
    std::thread::sleep(RAMP + Duration::from_millis(1500));
    let mut waits = Vec::new();
    let (mut rss_flood, mut open_flood) = (0, 0);
    for _ in 0..10 {
        let (status, took) = me(&client(&f, Some(&card)));
        assert_eq!(status, 200);
        waits.push(took);
        rss_flood = rss_flood.max(server.rss_kib().0);
        open_flood = open_flood.max(server.open_files());
        std::thread::sleep(Duration::from_millis(400));
    }
    let worst = waits.iter().max().copied().unwrap_or_default();
    let (_, peak) = server.rss_kib();
    let outcomes: Vec<Outcome> = runtime.block_on(async {
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    let flood_secs = flood_started.elapsed().as_secs_f64();

    let mut summary = Vec::new();
    for kind in [Kind::Silent, Kind::NoRequest, Kind::DripHead, Kind::DripBody] {
        let of: Vec<&Outcome> = outcomes.iter().filter(|o| o.kind == kind).collect();
        let connections: usize = of.iter().map(|o| o.connections).sum();
        let left_open: usize = of.iter().map(|o| o.left_open).sum();
        let latest = of.iter().flat_map(|o| o.closed_after.iter()).max().copied().unwrap_or_default();
        summary.push(format!("{kind:?}: {connections} connections, the longest held {latest:.1?}"));
        // A silent client cannot tell a closed connection from one the kernel completed but
        // never queued (accept queue full): the server's descriptors are checked below instead.
        if kind != Kind::Silent {
            assert_eq!(left_open, 0, "{kind:?}: {left_open} connections still open after 30 s");
        }
        // The deadline of each kind (hello 2 s; handshake, then idle 3 s; head 2 s; body 2 s),
        // plus scheduling slack.
        let bound = match kind {
            Kind::NoRequest => 3.0,
            _ => 2.0,
        } + 4.0;
        assert!(latest.as_secs_f64() < bound, "{kind:?} closed only after {latest:?}");
    }
    // Memory: back near where it was once the flood is gone.
    std::thread::sleep(Duration::from_secs(2));
    let (rss_after, _) = server.rss_kib();
    let fds_after = server.open_files();
    // Still answering afterwards, on a fresh connection.
    assert_eq!(me(&client(&f, Some(&card))).0, 200);
    eprintln!(
        "flood: {total} hostile clients from {} addresses reconnecting for {flood_secs:.1} s; {}; \
         card holder's answers during the flood {waits:.0?}; RSS before {} MiB, during {} MiB (peak {} MiB), \
         after {} MiB; descriptors {fds_before} before, {open_flood} during, {fds_after} after",
        n.div_ceil(150),
        summary.join("; "),
        rss_before / 1024,
        rss_flood / 1024,
        peak / 1024,
        rss_after / 1024
    );
    // Generous: the point is an answer during the flood (before the fix: none until it ended),
    // not a latency figure on a machine CI may share.
    assert!(worst < Duration::from_secs(5), "the card holder waited {worst:?}");
    assert!(fds_after <= fds_before + 5, "the server holds {fds_after} descriptors, {fds_before} before the flood");
    // The memory budget of issue #15 (64 MiB), and no more than a little above the start.
    assert!(
        rss_after < 64 * 1024 && rss_after < rss_before + 24 * 1024,
        "RSS {rss_before} KiB before, {rss_after} KiB after the flood"
    );

    // Refusals and deadline closures were logged as a summary per interval, never per
    // connection (the last one at shutdown).
    assert!(server.terminate(Duration::from_secs(10)).is_some_and(|s| s.success()));
    let log = std::fs::read_dir(f.path().join("log"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .collect::<String>();
    let summaries = log.lines().filter(|l| l.contains("chiuse dai limiti")).count();
    assert!(summaries >= 1, "{log}");
    assert!(summaries as f64 <= flood_secs / 10.0 + 3.0, "{summaries} summaries in {flood_secs:.0} s");
    assert!(log.contains("evicted="), "{log}");
}

#[test]
fn one_address_cannot_take_more_than_its_share() {
    let mut f = Fixture::new(KeyKind::EcdsaP256);
    f.extra_config = "[connections]\nper_address = 5\n".into();
    f.write_config();
    let server = f.start();
    let port = server.port;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let source = Ipv4Addr::new(127, 0, 0, 9);
        let mut held = Vec::new();
        for _ in 0..5 {
            held.push(connect_from(source, port).await.unwrap());
        }
        // The sixth is closed at once: EOF within a moment, not after the 10 s hello deadline.
        let t = Instant::now();
        let mut sixth = connect_from(source, port).await.unwrap();
        let mut buf = [0u8; 16];
        let read = tokio::time::timeout(Duration::from_secs(2), sixth.read(&mut buf)).await;
        assert!(matches!(read, Ok(Ok(0) | Err(_))), "the sixth connection from one address stays open: {read:?}");
        assert!(t.elapsed() < Duration::from_secs(1));
        // The five are still open; another address is not affected.
        for s in &mut held {
            assert!(tokio::time::timeout(Duration::from_millis(100), s.read(&mut buf)).await.is_err());
        }
        let mut other = connect_from(Ipv4Addr::new(127, 0, 0, 10), port).await.unwrap();
        assert!(tokio::time::timeout(Duration::from_millis(300), other.read(&mut buf)).await.is_err());
    });
}

#[test]
fn sigterm_finishes_the_open_request_and_writes_the_shutdown_checkpoint() {
    let f = Fixture::new(KeyKind::EcdsaP256);
    let p = f.add_provider("Ente", "06363391001", "ACC-1");
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(p));
    let mut server = f.start();
    let c = client(&f, Some(&f.card(&rossi)));
    assert_eq!(c.get(server.url("/api/v1/me")).send().unwrap().status(), 200);
    let checkpoints =
        |f: &Fixture| -> i64 { f.db().query_row("SELECT count(*) FROM audit_checkpoint", [], |r| r.get(0)).unwrap() };
    let before = checkpoints(&f);
    // An idle kept-alive connection does not hold the shutdown back.
    let status = server.terminate(Duration::from_secs(8)).expect("the server did not stop within 8 s");
    assert!(status.success(), "{status:?}");
    assert_eq!(checkpoints(&f), before + 1, "the shutdown checkpoint");
    let file = std::fs::read_to_string(f.path().join("audit-checkpoints.txt")).unwrap();
    assert!(!file.is_empty());
}
