//! One tenant's keep-alive connections to the endpoint (http1.rs speaks on them). A request
//! takes an idle connection (last in, first out); when there is none it waits for whichever comes first, a
//! connection another request gives back or a new dial (at most `MAX_DIALS` in progress, the
//! dial then joins the idle ones). So a slow server gets as many connections as it needs
//! (hundreds a millisecond), while a hiccup does not snowball into a dial per request: dialling
//! is what saturates first on loopback (port search, handshake on both ends). Sockets close
//! with a reset (linger 0), so a run leaves no TIME_WAIT behind to slow the next one's dials.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use crate::http1::Conn;

type Sender = Conn;
type Handoff = oneshot::Sender<std::result::Result<Sender, String>>;

/// Dials in progress per tenant, at most.
const MAX_DIALS: usize = 8;

#[derive(Default)]
struct State {
    idle: Vec<Sender>,
    /// Requests waiting for a connection, first come first served.
    waiting: VecDeque<Handoff>,
    dialling: usize,
}

/// A tenant's connections.
pub struct Pool {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    /// Connections dialled so far (the report's `connections`).
    pub opened: Arc<AtomicU64>,
}

/// A connection lent to one request; back to the pool once its response is read in full.
pub struct Lease<'a> {
    pool: &'a Pool,
    sender: Option<Sender>,
}

/// Gives `s` to the first waiting request, or keeps it idle.
fn give_back(state: &Mutex<State>, mut s: Sender) {
    let mut st = state.lock().unwrap();
    while let Some(w) = st.waiting.pop_front() {
        match w.send(Ok(s)) {
            Ok(()) => return,
            // That request gave up (its timeout): try the next one.
            Err(back) => s = back.expect("what was sent comes back"),
        }
    }
    st.idle.push(s);
}

/// SO_LINGER with a zero timeout: close sends a reset at once (it never blocks) and leaves no
/// TIME_WAIT entry in the shared loopback port space.
fn reset_on_close(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: a valid socket fd and a correctly sized option value.
    unsafe {
        libc::setsockopt(stream.as_raw_fd(), libc::SOL_SOCKET, libc::SO_LINGER, (&linger as *const libc::linger).cast(), std::mem::size_of::<libc::linger>() as libc::socklen_t);
    }
}

async fn dial(addr: SocketAddr) -> Result<Sender> {
    let stream = TcpStream::connect(addr).await.with_context(|| format!("connect {addr}"))?;
    stream.set_nodelay(true)?;
    reset_on_close(&stream);
    Ok(Conn::new(stream))
}

impl Pool {
    pub fn new(addr: SocketAddr) -> Pool {
        Pool { addr, state: Arc::default(), opened: Arc::default() }
    }

    /// A ready connection: an idle one, else the first of a new dial and a returned one.
    pub async fn lease(&self) -> Result<Lease<'_>> {
        if let Some(s) = self.state.lock().unwrap().idle.pop() {
            return Ok(Lease { pool: self, sender: Some(s) });
        }
        let (tx, rx) = oneshot::channel();
        let dial_now = {
            let mut st = self.state.lock().unwrap();
            st.waiting.push_back(tx);
            // One more dial when the waiters outnumber the dials already under way.
            let more = st.dialling < MAX_DIALS && st.waiting.len() > st.dialling;
            if more {
                st.dialling += 1;
            }
            more
        };
        if dial_now {
            self.opened.fetch_add(1, Ordering::Relaxed);
            let (state, addr) = (self.state.clone(), self.addr);
            tokio::spawn(async move {
                let r = dial(addr).await;
                state.lock().unwrap().dialling -= 1;
                match r {
                    Ok(s) => give_back(&state, s),
                    Err(e) => {
                        // The dial failed: the request that waits longest learns why.
                        if let Some(w) = state.lock().unwrap().waiting.pop_front() {
                            let _ = w.send(Err(format!("{e:#}")));
                        }
                    }
                }
            });
        }
        match rx.await {
            Ok(Ok(s)) => Ok(Lease { pool: self, sender: Some(s) }),
            Ok(Err(e)) => Err(anyhow!(e)),
            Err(_) => Err(anyhow!("connection pool closed")),
        }
    }
}

impl Lease<'_> {
    /// The leased connection.
    pub fn conn(&mut self) -> &mut Conn {
        self.sender.as_mut().expect("a lease holds its connection until released")
    }

    /// The response was read in full: the connection serves the next request (dropped when it
    /// cannot, and on any failure: a lease dropped without release closes its connection).
    pub fn release(mut self, reusable: bool) {
        if let (Some(s), true) = (self.sender.take(), reusable) {
            give_back(&self.pool.state, s);
        }
    }
}
