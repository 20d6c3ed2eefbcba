//! One guest instance: its Store (WASI context, HTTP context, limits), its instantiation from the
//! pre-instantiated component, and serving one request through wasi:http/incoming-handler.
//!
//! Sandbox: no filesystem preopens, no socket address allowed, no name lookup, no environment,
//! no stdin; stderr goes to the host log; outbound HTTP answers `HTTP-request-denied`.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use tokio::sync::oneshot;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{Engine, ResourceLimiter, Store, Trap, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::{Proxy, ProxyPre};
use wasmtime_wasi_http::{WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};


/// Outbound HTTP hooks: every request is denied (the lab measures tenants in isolation).
#[derive(Default)]
struct DenyOutbound;

impl WasiHttpHooks for DenyOutbound {
    fn send_request(
        &mut self,
        _request: http::Request<WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (http::Response<WasiBody>, Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}

/// Caps an instance's linear memory (all memories together) and remembers that it hit the cap,
/// so the failure is reported as "memory limit" rather than a bare trap.
pub struct MemoryCap {
    limit: usize,
    used: usize,
    /// Bytes the guest asked for when it hit the cap.
    pub hit: Option<usize>,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let total = self.used - current.min(self.used) + desired;
        if total > self.limit || maximum.is_some_and(|m| desired > m) {
            self.hit = Some(total);
            // An error (not `Ok(false)`) traps the guest at once: a JS engine would otherwise
            // treat the refused grow as a catchable out-of-memory and limp on.
            wasmtime::bail!("instance memory limit of {} MiB exceeded (wanted {} bytes)", self.limit >> 20, total);
        }
        self.used = total;
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(maximum.is_none_or(|m| desired <= m))
    }
}

/// What a Store holds for one instance.
pub struct HostState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: DenyOutbound,
    pub cap: MemoryCap,
    /// When the current guest call must stop (epoch callback checks it).
    deadline: Instant,
}

/// Epoch ticks of guest execution between scheduler yields. Yielding lets other tenants'
/// requests run on this worker thread while a long guest call is in progress: without it a
/// looping guest would hold a tokio worker (and whatever tasks are queued on it) until its deadline.
const YIELD_TICKS: u64 = 1;

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}

/// A component ready to instantiate: imports resolved and type-checked once (`ProxyPre`).
/// Shared by every tenant of the artifact; instances are never shared.
#[derive(Clone)]
pub struct Prepared {
    pub pre: ProxyPre<HostState>,
    /// Linear memory limit per instance, bytes.
    pub memory_limit: usize,
    /// How long one guest call (instantiation, or one request) may run.
    pub deadline: Duration,
}

impl Prepared {
    /// Links `component` against WASI 0.2 (all of wasi:cli's world, as StarlingMonkey imports
    /// terminal and filesystem interfaces it never uses) plus wasi:http. The WASI context grants
    /// nothing: no preopened directory, no socket address, no name lookup.
    pub fn new(engine: &Engine, component: &wasmtime::component::Component, memory_limit: usize, cpu_deadline_ms: u64) -> Result<Prepared> {
        let mut linker = Linker::<HostState>::new(engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(anyhow::Error::from).context("linking WASI 0.2")?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(anyhow::Error::from).context("linking wasi:http")?;
        let pre = linker.instantiate_pre(component).map_err(anyhow::Error::from).context("the component's imports are not all provided by this host (WASI 0.2 and wasi:http)")?;
        let pre = ProxyPre::new(pre).map_err(anyhow::Error::from).context("the component does not export wasi:http/incoming-handler@0.2.x")?;
        Ok(Prepared { pre, memory_limit, deadline: Duration::from_millis(cpu_deadline_ms) })
    }

    /// A fresh instance in a Store of its own.
    pub async fn instantiate(&self, id: String) -> Result<Instance, GuestFailure> {
        // Explicit even where they are the defaults: this is the tenant sandbox.
        let wasi = WasiCtx::builder().inherit_stderr().allow_tcp(false).allow_udp(false).allow_ip_name_lookup(false).build();
        let state = HostState {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: DenyOutbound,
            cap: MemoryCap { limit: self.memory_limit, used: 0, hit: None },
            deadline: Instant::now() + self.deadline,
        };
        let mut store = Store::new(self.pre.engine(), state);
        store.limiter(|s| &mut s.cap);
        store.set_epoch_deadline(YIELD_TICKS);
        store.epoch_deadline_callback(|ctx| Ok(if Instant::now() >= ctx.data().deadline { UpdateDeadline::Interrupt } else { UpdateDeadline::Yield(YIELD_TICKS) }));
        match self.pre.instantiate_async(&mut store).await {
            Ok(proxy) => Ok(Instance { id, store, proxy, served: 0, deadline: self.deadline }),
            Err(e) => Err(classify(e.into(), store.data().cap.hit)),
        }
    }
}

/// A live instance.
pub struct Instance {
    pub id: String,
    store: Store<HostState>,
    proxy: Proxy,
    /// Requests this instance has served.
    pub served: u64,
    deadline: Duration,
}

/// A guest's response, buffered.
pub struct GuestResponse {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

/// Why a request failed inside the guest.
#[derive(Debug)]
pub enum GuestFailure {
    /// The guest deadline (checked at epoch ticks) interrupted the guest.
    Deadline,
    /// The guest hit its instance memory limit.
    MemoryLimit(String),
    /// Any other trap or host error while running guest code.
    Trap(String),
    /// The guest returned without calling `response-outparam.set`.
    Unset,
    /// The guest set an error instead of a response (instance still sound).
    ErrorCode(String),
}

impl GuestFailure {
    /// Whether the instance must be discarded.
    pub fn breaks_instance(&self) -> bool {
        !matches!(self, GuestFailure::ErrorCode(_))
    }
}

impl std::fmt::Display for GuestFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GuestFailure::Deadline => write!(f, "guest interrupted at its deadline"),
            GuestFailure::MemoryLimit(m) => write!(f, "guest trapped: {m}"),
            GuestFailure::Trap(m) => write!(f, "guest trapped: {m}"),
            GuestFailure::Unset => write!(f, "guest returned without setting the response"),
            GuestFailure::ErrorCode(m) => write!(f, "guest answered with wasi:http error {m}"),
        }
    }
}

/// Names a guest failure in one line (the trap, or the root cause); the full chain with the
/// wasm backtrace goes to the host log.
fn classify(e: anyhow::Error, memory_hit: Option<usize>) -> GuestFailure {
    if matches!(e.downcast_ref::<Trap>(), Some(Trap::Interrupt)) {
        return GuestFailure::Deadline;
    }
    eprintln!("guest failure: {e:?}");
    let text = match e.downcast_ref::<Trap>() {
        Some(t) => t.to_string(),
        None => e.root_cause().to_string(),
    };
    if memory_hit.is_some() {
        return GuestFailure::MemoryLimit(text);
    }
    GuestFailure::Trap(text)
}

impl Instance {
    /// Serves one request. Returns the instance back unless it broke (or has to go).
    pub async fn serve(mut self, req: http::Request<Full<Bytes>>) -> (Option<Instance>, Result<GuestResponse, GuestFailure>) {
        let (tx, mut rx) = oneshot::channel();
        let prepared = {
            let mut h = self.store.data_mut().http();
            let req = h.new_incoming_request(Scheme::Http, req.map(|b| b.map_err(|never: std::convert::Infallible| -> wasmtime_wasi_http::p2::bindings::http::types::ErrorCode { match never {} })));
            let out = h.new_response_outparam(tx);
            req.and_then(|r| out.map(|o| (r, o)))
        };
        let (req, out) = match prepared {
            Ok(x) => x,
            Err(e) => return (Some(self), Err(GuestFailure::Trap(format!("host could not pass the request: {e}")))),
        };
        self.store.data_mut().deadline = Instant::now() + self.deadline;
        self.store.set_epoch_deadline(YIELD_TICKS);
        self.served += 1;
        // The guest runs in a task of its own: it keeps writing the body after `set`, and the
        // body is read here concurrently.
        let mut task = tokio::spawn(async move {
            let r = self.proxy.wasi_http_incoming_handler().call_handle(&mut self.store, req, out).await;
            (self, r)
        });
        let early = tokio::select! {
            r = &mut rx => Some(r),
            j = &mut task => {
                // Finished before (or without) a response: the response may still be queued.
                let queued = rx.try_recv().ok();
                return settle(j, queued, None).await;
            }
        };
        match early {
            Some(Ok(Ok(resp))) => {
                let (parts, body) = resp.into_parts();
                let mut collect = std::pin::pin!(body.collect());
                // The body is read while the guest call runs. A call that ends in a trap (or its
                // epoch deadline) before finishing the body leaves the body open for as long as
                // its store lives: the failure is the answer then, not a wait for the request
                // timeout. (A drip is interrupted this way, between two slices.)
                let joined = tokio::select! {
                    b = &mut collect => Err(b),
                    j = &mut task => Ok(j),
                };
                let (body, joined) = match joined {
                    Err(b) => (b, task.await),
                    Ok(Ok((inst, Err(e)))) => {
                        let f = classify(e.into(), inst.store.data().cap.hit);
                        return (None, Err(f));
                    }
                    Ok(j) => (collect.await, j),
                };
                let body = body.map(|c| c.to_bytes());
                match body {
                    Ok(bytes) => settle(joined, None, Some(GuestResponse { status: parts.status.as_u16(), headers: parts.headers, body: bytes })).await,
                    Err(e) => {
                        let (inst, failure) = joined_failure(joined);
                        (inst, Err(failure.unwrap_or_else(|| GuestFailure::Trap(format!("response body failed: {e}")))))
                    }
                }
            }
            Some(Ok(Err(code))) => {
                let (inst, failure) = joined_failure(task.await);
                (inst, Err(failure.unwrap_or(GuestFailure::ErrorCode(format!("{code:?}")))))
            }
            Some(Err(_)) | None => {
                let (inst, failure) = joined_failure(task.await);
                (inst, Err(failure.unwrap_or(GuestFailure::Unset)))
            }
        }
    }

}

type Joined = Result<(Instance, wasmtime::Result<()>), tokio::task::JoinError>;

/// The instance back (if sound) and the failure of the guest task, if any.
fn joined_failure(joined: Joined) -> (Option<Instance>, Option<GuestFailure>) {
    match joined {
        Ok((inst, Ok(()))) => (Some(inst), None),
        Ok((inst, Err(e))) => {
            let f = classify(e.into(), inst.store.data().cap.hit);
            (None, Some(f))
        }
        Err(e) => (None, Some(GuestFailure::Trap(format!("guest task failed: {e}")))),
    }
}

async fn settle(
    joined: Joined,
    queued: Option<Result<hyper::Response<wasmtime_wasi_http::p2::body::HyperOutgoingBody>, wasmtime_wasi_http::p2::bindings::http::types::ErrorCode>>,
    done: Option<GuestResponse>,
) -> (Option<Instance>, Result<GuestResponse, GuestFailure>) {
    let (inst, failure) = joined_failure(joined);
    if let Some(f) = failure {
        return (inst, Err(f));
    }
    if let Some(r) = done {
        return (inst, Ok(r));
    }
    match queued {
        Some(Ok(resp)) => {
            let (parts, body) = resp.into_parts();
            match body.collect().await {
                Ok(c) => (inst, Ok(GuestResponse { status: parts.status.as_u16(), headers: parts.headers, body: c.to_bytes() })),
                Err(e) => (None, Err(GuestFailure::Trap(format!("response body failed: {e}")))),
            }
        }
        Some(Err(code)) => (inst, Err(GuestFailure::ErrorCode(format!("{code:?}")))),
        None => (inst, Err(GuestFailure::Unset)),
    }
}

/// Time since `t`, milliseconds.
pub fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}
