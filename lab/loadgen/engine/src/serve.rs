//! `--serve <addr>`: the trivial native endpoint the engine's own ceiling is measured against
//! (`lab bench instrument`). It must cost far less than the client, or the ceiling found would
//! be its own: so it is no HTTP library, only a loop that answers every request head it reads
//! (`\r\n\r\n`; bodiless GETs, which is what the bench sends) with a canned `200 ok` on the same
//! keep-alive connection. One thread. Says `{"type":"ready","url":...}` on stdout once it
//! listens and exits when its stdin closes, like the lab's hosts.

use anyhow::{Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-type: text/plain\r\n\r\nok\n";

/// Answers each request head on `stream` until the peer closes.
async fn connection(mut stream: TcpStream) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut out = Vec::with_capacity(RESPONSE.len() * 4);
    // Bytes of a head's terminator already seen at the end of the previous read.
    let mut matched = 0usize;
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        out.clear();
        for &b in &buf[..n] {
            matched = match (matched, b) {
                (0, b'\r') | (2, b'\r') => matched + 1,
                (1, b'\n') => 2,
                (3, b'\n') => {
                    out.extend_from_slice(RESPONSE);
                    0
                }
                (_, b'\r') => 1,
                _ => 0,
            };
        }
        if !out.is_empty() && stream.write_all(&out).await.is_err() {
            return;
        }
    }
}

/// Serves until stdin closes.
pub async fn serve(addr: &str) -> Result<()> {
    let listener = TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    crate::say(&serde_json::json!({ "type": "ready", "url": format!("http://{local}") }));
    tokio::spawn(async {
        let mut sink = [0u8; 64];
        let mut stdin = tokio::io::stdin();
        while matches!(stdin.read(&mut sink).await, Ok(n) if n > 0) {}
        std::process::exit(0);
    });
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream));
    }
}
