//! The HTTP/1.1 exchange the engine makes, written out instead of going through a general
//! client: the request bytes are built once per tenant and fixture, written in one call, and the
//! response is read by the task that sent it (no connection task, no channels between them),
//! its head parsed with `httparse`, its body framed by content-length or chunked encoding and
//! kept only when an error message needs it. At tens of thousands of requests a second on one
//! core, a general client's per-request machinery was most of the engine's user time.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A keep-alive connection and the bytes read past the last response.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Responses served on it so far: a failure before the first byte of a reused connection's
    /// answer is the server having closed it meanwhile, which a retry on a fresh one resolves.
    pub served: u64,
}

/// What the engine reads of a response.
pub struct Response {
    pub status: u16,
    /// `x-lab-error`, `x-lab-activation`, `x-lab-activation-id`, `x-lab-queue-ms` (the PoP's).
    pub error: Option<String>,
    pub activation: Activation,
    pub activation_id: Option<String>,
    pub queue_ms: Option<f64>,
    /// The body, when the caller asked to keep it.
    pub body: Vec<u8>,
    /// False when the server said `connection: close` or framed the body by closing.
    pub reusable: bool,
}

/// `x-lab-activation`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Cold,
    Warm,
    Spare,
}

/// Why an exchange failed.
pub enum Failure {
    /// Nothing of an answer arrived on a connection that had served before: retry on another.
    Stale,
    Io(io::Error),
    Protocol(String),
}

const MAX_HEAD: usize = 64 * 1024;

impl Conn {
    pub fn new(stream: TcpStream) -> Conn {
        Conn { stream, buf: Vec::with_capacity(4096), served: 0 }
    }

    /// Reads more bytes into the buffer; 0 means the peer closed.
    async fn fill(&mut self) -> io::Result<usize> {
        if self.buf.capacity() - self.buf.len() < 2048 {
            self.buf.reserve(8192);
        }
        self.stream.read_buf(&mut self.buf).await
    }

    /// Sends `request` and reads its response; `keep_body(status, error)` says whether to keep
    /// the body bytes.
    pub async fn exchange(&mut self, request: &[u8], keep_body: impl Fn(u16, bool) -> bool) -> Result<Response, Failure> {
        let reused = self.served > 0;
        let stale = |e: io::Error| if reused { Failure::Stale } else { Failure::Io(e) };
        if let Err(e) = self.stream.write_all(request).await {
            return Err(stale(e));
        }
        // The head.
        let (head_len, mut response, framing) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut parsed = httparse::Response::new(&mut headers);
            match parsed.parse(&self.buf) {
                Ok(httparse::Status::Complete(n)) => {
                    let (response, framing) = read_head(&parsed)?;
                    break (n, response, framing);
                }
                Ok(httparse::Status::Partial) => {
                    if self.buf.len() > MAX_HEAD {
                        return Err(Failure::Protocol(format!("response head longer than {MAX_HEAD} bytes")));
                    }
                    match self.fill().await {
                        Ok(0) if self.buf.is_empty() => return Err(stale(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed before a response"))),
                        Ok(0) => return Err(Failure::Protocol("connection closed inside a response head".into())),
                        Ok(_) => {}
                        Err(e) if self.buf.is_empty() => return Err(stale(e)),
                        Err(e) => return Err(Failure::Io(e)),
                    }
                }
                Err(e) => return Err(Failure::Protocol(format!("malformed response head: {e}"))),
            }
        };
        self.buf.drain(..head_len);
        let keep = keep_body(response.status, response.error.is_some());
        match framing {
            Framing::Length(n) => self.body_of_length(n, keep, &mut response.body).await?,
            Framing::Chunked => self.chunked_body(keep, &mut response.body).await?,
            Framing::Close => {
                response.reusable = false;
                loop {
                    take(&mut self.buf, usize::MAX, keep, &mut response.body);
                    if self.fill().await.map_err(Failure::Io)? == 0 {
                        break;
                    }
                }
            }
        }
        self.served += 1;
        Ok(response)
    }

    async fn body_of_length(&mut self, mut left: usize, keep: bool, out: &mut Vec<u8>) -> Result<(), Failure> {
        loop {
            left -= take(&mut self.buf, left, keep, out);
            if left == 0 {
                return Ok(());
            }
            if self.fill().await.map_err(Failure::Io)? == 0 {
                return Err(Failure::Protocol(format!("connection closed with {left} body bytes still to come")));
            }
        }
    }

    async fn chunked_body(&mut self, keep: bool, out: &mut Vec<u8>) -> Result<(), Failure> {
        loop {
            // A chunk-size line: hex digits, optional extensions, CRLF.
            let line_end = loop {
                if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                    break i;
                }
                if self.buf.len() > MAX_HEAD || self.fill().await.map_err(Failure::Io)? == 0 {
                    return Err(Failure::Protocol("connection closed inside a chunk size".into()));
                }
            };
            let line = std::str::from_utf8(&self.buf[..line_end]).map_err(|_| Failure::Protocol("chunk size is not text".into()))?;
            let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16).map_err(|_| Failure::Protocol(format!("bad chunk size {line:?}")))?;
            self.buf.drain(..line_end + 2);
            if size == 0 {
                // Trailers (none expected) end with an empty line.
                loop {
                    if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                        let empty = i == 0;
                        self.buf.drain(..i + 2);
                        if empty {
                            return Ok(());
                        }
                    } else if self.fill().await.map_err(Failure::Io)? == 0 {
                        return Err(Failure::Protocol("connection closed inside the trailers".into()));
                    }
                }
            }
            self.body_of_length(size + 2, keep, out).await?;
            // The chunk's own CRLF is not body.
            if keep {
                out.truncate(out.len() - 2);
            }
        }
    }
}

/// How the body of a response is framed.
enum Framing {
    Length(usize),
    Chunked,
    /// Read until the server closes.
    Close,
}

fn read_head(parsed: &httparse::Response<'_, '_>) -> Result<(Response, Framing), Failure> {
    let status = parsed.code.ok_or_else(|| Failure::Protocol("response without a status".into()))?;
    let mut r = Response { status, error: None, activation: Activation::Warm, activation_id: None, queue_ms: None, body: Vec::new(), reusable: parsed.version == Some(1) };
    let mut length = None;
    let mut chunked = false;
    let text = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
    for h in parsed.headers.iter() {
        let name = h.name;
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(std::str::from_utf8(h.value).ok().and_then(|v| v.trim().parse::<usize>().ok()).ok_or_else(|| Failure::Protocol("bad content-length".into()))?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = h.value.eq_ignore_ascii_case(b"chunked") || text(h.value).to_ascii_lowercase().contains("chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            if h.value.eq_ignore_ascii_case(b"close") {
                r.reusable = false;
            }
        } else if name.eq_ignore_ascii_case("x-lab-error") {
            r.error = Some(text(h.value));
        } else if name.eq_ignore_ascii_case("x-lab-activation") {
            r.activation = if h.value == b"cold" {
                Activation::Cold
            } else if h.value == b"spare" {
                Activation::Spare
            } else {
                Activation::Warm
            };
        } else if name.eq_ignore_ascii_case("x-lab-activation-id") {
            r.activation_id = Some(text(h.value));
        } else if name.eq_ignore_ascii_case("x-lab-queue-ms") {
            r.queue_ms = std::str::from_utf8(h.value).ok().and_then(|v| v.trim().parse::<f64>().ok()).filter(|q| *q > 0.0);
        }
    }
    // No body at all: 1xx, 204, 304.
    let framing = if status == 204 || status == 304 || (100..200).contains(&status) {
        Framing::Length(0)
    } else if chunked {
        Framing::Chunked
    } else if let Some(n) = length {
        Framing::Length(n)
    } else {
        Framing::Close
    };
    Ok((r, framing))
}

/// Moves up to `max` bytes off the front of `buf`, into `out` when `keep`; returns how many.
fn take(buf: &mut Vec<u8>, max: usize, keep: bool, out: &mut Vec<u8>) -> usize {
    let n = buf.len().min(max);
    if keep {
        out.extend_from_slice(&buf[..n]);
    }
    buf.drain(..n);
    n
}
