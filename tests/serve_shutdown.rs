//! `journey serve` stopped by SIGTERM while clients are sending events:
//! every event the server answered with 200 is in the store, none is
//! there twice, no request got a 5xx, and the server exits with 0.
//! Requests that were refused (the server no longer accepted connections)
//! are the clients' to send again; that is all a stop may cost them.
//!
//! Clients that stall (half a header, a body shorter than its
//! `Content-Length`) are cut off: their connections are closed after the
//! header time limit, and they keep no SIGTERM from ending the server.

mod serve_support;

use serde_json::json;
use serve_support::{clinic, Server};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const CLIENTS: usize = 4;

/// Sends one event; `None` when the server could not be reached or cut
/// the connection (it was stopping), else the status.
fn send(address: std::net::SocketAddr, token: &str, n: usize) -> Option<u16> {
    let body = json!({
        "external_id": "S-1", "type": "event", "name": "intake_submitted",
        "fields": {"form": format!("form-{n}")},
    })
    .to_string();
    let mut stream = TcpStream::connect(address).ok()?;
    let request = format!(
        "POST /v1/events HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.split(' ').nth(1)?.parse().ok()
}

#[test]
fn a_stop_under_load_loses_no_answered_event() {
    let project = clinic(None);
    let token = project.token("write", "loader");
    let server = Server::start(&project, "info");
    let contact = json!({
        "external_id": "S-1",
        "fields": {"email": "s1@example.org", "first_name": "S", "last_name": "One"},
    });
    let created = server.call("POST", "/v1/contacts", Some(&token), Some(&contact));
    assert_eq!(created.status, 201, "{}", created.text);

    let stop = Arc::new(AtomicBool::new(false));
    let address = server.address;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (stop, token) = (Arc::clone(&stop), token.clone());
            std::thread::spawn(move || {
                let mut statuses = Vec::new();
                let mut n = client;
                // Bounded: at most 2,000 requests per client.
                while statuses.len() < 2_000 {
                    match send(address, &token, n) {
                        Some(status) => statuses.push((n, status)),
                        None if stop.load(Ordering::SeqCst) => break,
                        None => {}
                    }
                    n += CLIENTS;
                }
                statuses
            })
        })
        .collect();

    std::thread::sleep(std::time::Duration::from_millis(400));
    stop.store(true, Ordering::SeqCst);
    let status = server.stop();
    let statuses: Vec<(usize, u16)> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    assert!(status.success(), "journey serve exited with {status}");
    assert!(statuses.iter().all(|(_, s)| *s < 500), "{statuses:?}");
    let answered: Vec<usize> = statuses
        .iter()
        .filter(|(_, s)| *s == 200)
        .map(|(n, _)| *n)
        .collect();
    assert!(
        answered.len() > 20,
        "only {} events answered",
        answered.len()
    );

    let store = journey_runtime::store::sqlite::SqliteStore::open(&project.db()).unwrap();
    let mut stored: Vec<usize> = store
        .connection()
        .prepare("SELECT json_extract(data, '$.form') FROM happenings WHERE kind = 'event'")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|form| form.unwrap()["form-".len()..].parse().unwrap())
        .collect();
    stored.sort();
    let mut answered = answered;
    answered.sort();
    let mut unique = stored.clone();
    unique.dedup();
    assert_eq!(unique.len(), stored.len(), "an event was stored twice");
    let missing: Vec<&usize> = answered
        .iter()
        .filter(|n| stored.binary_search(n).is_err())
        .collect();
    assert!(missing.is_empty(), "answered but not stored: {missing:?}");
}

/// Reads until the server closes the connection; `false` when it is still
/// open after `serve_support::PATIENCE`.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    stream
        .set_read_timeout(Some(serve_support::PATIENCE))
        .unwrap();
    let mut sink = Vec::new();
    match stream.read_to_end(&mut sink) {
        Ok(_) => true,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

#[test]
fn stalled_clients_are_cut_off_and_do_not_hold_up_a_stop() {
    let project = clinic(None);
    let token = project.token("write", "loader");
    let server = Server::start(&project, "info");
    let address = server.address;

    // Half a header, then nothing.
    let mut half_header = TcpStream::connect(address).unwrap();
    let head = format!("POST /v1/contacts HTTP/1.1\r\nHost: {address}\r\nAuthori");
    half_header.write_all(head.as_bytes()).unwrap();
    // A whole header that promises 100 bytes of body, and one byte.
    let mut short_body = TcpStream::connect(address).unwrap();
    let request = format!(
        "POST /v1/contacts HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{"
    );
    short_body.write_all(request.as_bytes()).unwrap();

    assert!(
        closed_by_server(&mut half_header),
        "a connection with half a header is still open"
    );
    // The server still answers others.
    let answer = server.call("GET", "/v1/contacts/1", Some(&token), None);
    assert_eq!(answer.status, 404, "{}", answer.text);

    let status = server.stop();
    assert!(status.success(), "journey serve exited with {status}");
}
