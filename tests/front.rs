//! The front door hands requests to Rocket as Rocket's own server did: HEAD answers carry the
//! length without the body, `_method` still overrides a form post, downloads carry their
//! length; and what the front refuses itself (a body too large or too slow) still gets the
//! Italian page, or JSON under `/api/`. A visitor without a card never has a body read.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Fixture, cf, client};
use ricolloca::infra::pki::KeyKind;

#[test]
fn head_and_lengths_are_as_before() {
    let f = Fixture::new(KeyKind::EcdsaP256);
    let server = f.start();
    let anonymous = client(&f, None);
    let get = anonymous.get(server.url("/manuale")).send().unwrap();
    assert_eq!(get.status(), 200);
    let length = get.headers()["content-length"].to_str().unwrap().to_owned();
    let body = get.bytes().unwrap();
    assert_eq!(length, body.len().to_string());
    let head = anonymous.head(server.url("/manuale")).send().unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"].to_str().unwrap(), length, "HEAD keeps the length");
    assert!(head.bytes().unwrap().is_empty());
    // A large answer (the whole manual, streamed in chunks) still says how long it is.
    let all = anonymous.get(server.url("/manuale/completo")).send().unwrap();
    let length: usize = all.headers()["content-length"].to_str().unwrap().parse().unwrap();
    assert!(length > 64 * 1024, "{length}");
    assert_eq!(all.bytes().unwrap().len(), length);
}

#[test]
fn refusals_of_the_front_are_rendered_by_the_application() {
    let mut f = Fixture::new(KeyKind::EcdsaP256);
    f.extra_config = "upload_max_mb = 1\n[connections]\nbodies_mb = 2\nbody_seconds = 1\nbody_min_rate = 1000\n".into();
    f.write_config();
    let p = f.add_provider("Ente", "06363391001", "ACC-1");
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(p));
    let server = f.start();
    let card = f.card(&rossi);
    let c = client(&f, Some(&card));
    let origin = format!("https://127.0.0.1:{}", server.port);

    // Too large, declared: refused before the body is read, as JSON under /api/ ...
    let res = c
        .post(server.url("/api/v1/recipients/1/actions"))
        .header("Content-Type", "application/json")
        .body(vec![b' '; 3 * 1024 * 1024])
        .send()
        .unwrap();
    assert_eq!(res.status(), 413);
    let json: serde_json::Value = res.json().unwrap();
    assert!(json["message"].as_str().unwrap().contains("dimensione massima"), "{json}");
    // ... and as the Italian page elsewhere.
    let res = c
        .post(server.url("/regione/idol"))
        .header("Origin", &origin)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 3 * 1024 * 1024])
        .send()
        .unwrap();
    assert_eq!(res.status(), 413);
    let html = res.text().unwrap();
    assert!(html.contains("Dati troppo grandi") && html.contains("dimensione massima"), "{html}");
    // The client cannot set the front's refusal header itself.
    let res = c.get(server.url("/api/v1/me")).header(ricolloca::web::front_refusal::HEADER, "503").send().unwrap();
    assert_eq!(res.status(), 200);

    // Too slow: a body dripped under the minimum rate gets 408 and the page says why.
    let config = Arc::new(common::tls_config(&f.ca.cert_pem, Some(&card), &[&rustls::version::TLS12]));
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let mut conn = rustls::ClientConnection::new(config, name).unwrap();
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    let started = Instant::now();
    tls.write_all(
        b"POST /api/v1/recipients/1/actions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
          Content-Length: 50000\r\n\r\n{",
    )
    .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let _ = tls.write_all(b"          ");
        tls.sock.set_nonblocking(true).unwrap();
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => break,
        }
        tls.sock.set_nonblocking(false).unwrap();
        assert!(started.elapsed() < Duration::from_secs(10), "no answer to a slow body");
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("troppo lentamente"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5));

    // `_method` still overrides a same-origin form post (to a method no route takes: 404/405, never 2xx).
    let res = c
        .post(server.url("/api/v1/me"))
        .header("Origin", &origin)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("_method=put")
        .send()
        .unwrap();
    assert!(matches!(res.status().as_u16(), 404 | 405 | 415), "{}", res.status());
}

#[test]
fn without_a_card_no_body_is_read() {
    let f = Fixture::new(KeyKind::EcdsaP256);
    let server = f.start();
    let config = Arc::new(common::tls_config(&f.ca.cert_pem, None, &[&rustls::version::TLS12]));
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let mut conn = rustls::ClientConnection::new(config, name).unwrap();
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    // Announces a large body and sends none of it: answered at once (401), then closed.
    let started = Instant::now();
    tls.write_all(b"POST /api/v1/import/sap HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 900000000\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("connection: close"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(2));
}
