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
//! The guard ends when the library's server ends (after `exit`, or when
//! the client closes its output); a read of stdin still waiting then is
//! abandoned, not waited for.

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Request, Response};

/// The largest message read whole; a longer body is skipped and refused.
const MAX_BODY: usize = 64 << 20;

/// Serves one client on `input` and `output` until it exits.
pub async fn serve<I, O>(input: I, output: O)
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let (to_server, server_input) = tokio::io::duplex(1 << 16);
    let (server_output, from_server) = tokio::io::duplex(1 << 16);
    let (replies, replies_rx) = mpsc::unbounded_channel();

    let reader = tokio::spawn(read_client(input, to_server, replies));
    let writer = tokio::spawn(write_client(from_server, replies_rx, output));
    let (service, socket) = crate::service();
    tower_lsp_server::Server::new(server_input, server_output, socket)
        .serve(service)
        .await;

    reader.abort();
    let _ = writer.await;
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
    let mut length: Option<usize> = None;
    let mut line = String::new();
    loop {
        line.clear();
        match input.read_line(&mut line).await {
            Ok(0) | Err(_) => return Frame::End,
            Ok(_) => {}
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            }
        }
    }

    let Some(length) = length else {
        return Frame::Bad("no Content-Length");
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
}
