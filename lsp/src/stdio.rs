//! The stdio transport, guarded: nothing a client writes stops the server.
//!
//! tower-lsp-server reads its input with a decoder that ends the stream at
//! the first message it cannot decode (a body that is not JSON, or JSON
//! that is not a JSON-RPC message): it answers with an error and then stops
//! reading, so the server exits. Editors rarely send such things, but the
//! server must survive them. So the library is given a clean input: this
//! module reads the client's messages itself, passes on every message the
//! library can decode, and answers the others here with the error JSON-RPC
//! prescribes (`-32700` parse error, `-32600` invalid request), written to
//! the client between the library's own messages.
//!
//! Headers are read as bytes, so a header that is not UTF-8 is only a
//! header the server does not know. A frame without a usable
//! `Content-Length` (missing, not a number, or too small for its body)
//! gets one parse error; the reading then resynchronises on the next
//! `Content-Length:` it meets, even one glued to the end of the bad
//! frame's leftover body, so the messages after it are served.
//!
//! The guard ends when the library's server ends (after `exit`, or when
//! the client closes its output); a read of stdin still waiting then is
//! abandoned, not waited for.

use crate::Server;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::LspService;

/// The largest message read whole; a longer body is skipped and refused.
const MAX_BODY: usize = 64 << 20;

/// Serves one client on `input` and `output` until it exits; whether it
/// asked the server to shut down first.
pub async fn serve<I, O>(input: I, output: O) -> bool
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let (to_server, server_input) = tokio::io::duplex(1 << 16);
    let (server_output, from_server) = tokio::io::duplex(1 << 16);
    let (replies, replies_rx) = mpsc::unbounded_channel();

    let reader = tokio::spawn(read_client(input, to_server, replies));
    let writer = tokio::spawn(write_client(from_server, replies_rx, output));
    let shut_down = Arc::new(AtomicBool::new(false));
    let flag = shut_down.clone();
    let (service, socket) = LspService::new(|client| Server::new(client).noting_shutdown_in(flag));
    tower_lsp_server::Server::new(server_input, server_output, socket)
        .serve(service)
        .await;

    reader.abort();
    let _ = writer.await;
    shut_down.load(Ordering::SeqCst)
}

/// Reads the client's messages: good ones go to the server, bad ones get
/// an error reply.
async fn read_client<I, W>(input: I, mut to_server: W, replies: mpsc::UnboundedSender<Value>)
where
    I: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut input = BufReader::new(input);
    loop {
        let body = match read_frame(&mut input).await {
            Frame::Body(body) => body,
            Frame::Bad(why) => {
                tracing::debug!(why, "bad_frame");
                let _ = replies.send(error_reply(Value::Null, -32700, "Parse error"));
                continue;
            }
            Frame::End => return,
        };
        match check(&body) {
            Ok(()) => {
                let header = format!("Content-Length: {}\r\n\r\n", body.len());
                let written = async {
                    to_server.write_all(header.as_bytes()).await?;
                    to_server.write_all(&body).await?;
                    to_server.flush().await
                };
                if written.await.is_err() {
                    return;
                }
            }
            Err(reply) => {
                let _ = replies.send(reply);
            }
        }
    }
}

/// Whether the library can decode `body`, or the reply that refuses it.
fn check(body: &[u8]) -> Result<(), Value> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Err(error_reply(Value::Null, -32700, "Parse error"));
    };
    let decodes = serde_json::from_value::<Request>(value.clone()).is_ok()
        || serde_json::from_value::<Response>(value.clone()).is_ok();
    if decodes {
        return Ok(());
    }
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    Err(error_reply(id, -32600, "Invalid request"))
}

fn error_reply(id: Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "error": { "code": code, "message": message }, "id": id })
}

enum Frame {
    Body(Vec<u8>),
    /// A frame that cannot be read (no usable `Content-Length`, or too
    /// long); it has been skipped.
    Bad(&'static str),
    End,
}

async fn read_frame<R: AsyncRead + Unpin>(input: &mut BufReader<R>) -> Frame {
    let mut length: Result<usize, &'static str> = Err("no Content-Length");
    let mut line = Vec::new();
    loop {
        match read_header_line(input, &mut line).await {
            Ok(0) | Err(_) => return Frame::End,
            Ok(_) => {}
        }
        let header = line.trim_ascii();
        if header.is_empty() {
            break;
        }
        // A `Content-Length:` anywhere in a line starts a frame: after a
        // frame that could not be read whole (no usable length, or one too
        // short), the rest of its body runs into the next frame's header,
        // and this is where the reading catches up again.
        if let Some(at) = find_content_length(header) {
            let value = &header[at + CONTENT_LENGTH.len()..];
            length = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .ok_or("an unusable Content-Length");
        }
    }

    let length = match length {
        Ok(length) => length,
        Err(why) => return Frame::Bad(why),
    };
    if length > MAX_BODY {
        let skipped = tokio::io::copy(&mut input.take(length as u64), &mut tokio::io::sink()).await;
        return match skipped {
            Ok(n) if n == length as u64 => Frame::Bad("a message too long"),
            _ => Frame::End,
        };
    }
    let mut body = vec![0; length];
    match input.read_exact(&mut body).await {
        Ok(_) => Frame::Body(body),
        Err(_) => Frame::End,
    }
}

const CONTENT_LENGTH: &[u8] = b"content-length:";

/// The longest header line kept: a longer one (garbage without line
/// breaks) keeps only its end, where a `Content-Length:` may follow it.
const MAX_HEADER_LINE: usize = 4096;

/// Where `Content-Length:` starts in a header line, in any case.
fn find_content_length(line: &[u8]) -> Option<usize> {
    line.windows(CONTENT_LENGTH.len())
        .position(|w| w.eq_ignore_ascii_case(CONTENT_LENGTH))
}

/// Reads one header line into `line` as bytes (headers need not be UTF-8),
/// keeping at most its last [`MAX_HEADER_LINE`] bytes; the number of bytes
/// read, 0 at the end of the input.
async fn read_header_line<R: AsyncRead + Unpin>(
    input: &mut BufReader<R>,
    line: &mut Vec<u8>,
) -> std::io::Result<usize> {
    line.clear();
    let mut read = 0;
    loop {
        let available = input.fill_buf().await?;
        if available.is_empty() {
            return Ok(read);
        }
        let (taken, done) = match available.iter().position(|&b| b == b'\n') {
            Some(at) => (at + 1, true),
            None => (available.len(), false),
        };
        line.extend_from_slice(&available[..taken]);
        input.consume(taken);
        read += taken;
        if line.len() > MAX_HEADER_LINE {
            line.drain(..line.len() - MAX_HEADER_LINE);
        }
        if done {
            return Ok(read);
        }
    }
}

/// Writes the server's messages and the guard's replies, each whole.
async fn write_client<R, O>(
    from_server: R,
    mut replies: mpsc::UnboundedReceiver<Value>,
    mut output: O,
) where
    R: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    let mut from_server = BufReader::new(from_server);
    let (mut server_open, mut replies_open) = (true, true);
    while server_open || replies_open {
        let bytes = tokio::select! {
            frame = read_frame(&mut from_server), if server_open => match frame {
                Frame::Body(body) => body,
                Frame::Bad(_) => continue,
                Frame::End => {
                    // Replies already queued are still written.
                    server_open = false;
                    replies.close();
                    continue;
                }
            },
            reply = replies.recv(), if replies_open => match reply {
                Some(reply) => reply.to_string().into_bytes(),
                None => {
                    replies_open = false;
                    continue;
                }
            },
        };
        let header = format!("Content-Length: {}\r\n\r\n", bytes.len());
        let written = async {
            output.write_all(header.as_bytes()).await?;
            output.write_all(&bytes).await?;
            output.flush().await
        };
        if written.await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_messages_the_library_decodes_pass() {
        let request = br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let not_json = check(b"{not json").unwrap_err();
        let not_rpc = check(br#"{"hello":42,"id":"a"}"#).unwrap_err();

        assert_eq!(check(request), Ok(()));
        assert_eq!(not_json["error"]["code"], -32700);
        assert_eq!(not_rpc["error"]["code"], -32600);
        assert_eq!(not_rpc["id"], "a");
    }

    fn frames(input: &[u8]) -> Vec<Result<Vec<u8>, &'static str>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut input = BufReader::new(input);
        let mut out = Vec::new();
        runtime.block_on(async {
            loop {
                match read_frame(&mut input).await {
                    Frame::Body(body) => out.push(Ok(body)),
                    Frame::Bad(why) => out.push(Err(why)),
                    Frame::End => return,
                }
            }
        });
        out
    }

    #[test]
    fn after_a_frame_without_a_usable_length_the_next_frame_is_read() {
        let good = br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let next = [b"Content-Length: 44\r\n\r\n".as_slice(), good].concat();
        let bad_frames: [&[u8]; 5] = [
            b"Content-Type: application/json\r\n\r\n{\"a\":1}",
            b"Content-Length: abc\r\n\r\n{}",
            b"Content-Length: -5\r\n\r\n{}",
            b"Content-Length: 5\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":11}",
            b"hello world\r\n\r\n",
        ];

        for bad in bad_frames {
            let read = frames(&[bad, &next, &next].concat());

            // The bad frame is one frame (a short body counts as one), then
            // both good frames are read whole.
            let shown = String::from_utf8_lossy(bad);
            assert_eq!(read.len(), 3, "{shown:?}: {read:?}");
            assert_eq!(
                read[1..],
                [Ok(good.to_vec()), Ok(good.to_vec())],
                "{shown:?}"
            );
        }
    }

    #[test]
    fn a_header_that_is_not_utf8_is_only_an_unknown_header() {
        let read = frames(b"Content-Length: 2\r\nX-Foo: \xff\r\n\r\n{}");

        assert_eq!(read, vec![Ok(b"{}".to_vec())]);
    }

    #[test]
    fn a_long_line_of_garbage_keeps_the_header_at_its_end() {
        let garbage = vec![b'x'; 3 * MAX_HEADER_LINE];
        let input = [&garbage, b"Content-Length: 2\r\n\r\n{}".as_slice()].concat();

        assert_eq!(frames(&input), vec![Ok(b"{}".to_vec())]);
    }
}
