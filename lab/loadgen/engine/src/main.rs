//! The lab's open-loop load engine: `edge-pop-load-engine <job file> [--cpus 0,1] [--in-cluster]`.
//!
//! It sends every request of the lab's plan at its intended time (a timerfd wakes the event
//! loop at the instant itself), whatever happened to the earlier ones, and measures latency from
//! that intended time to the last byte of the response (wrk2's method), so a stalled server
//! cannot hide behind a generator that waits for it (coordinated omission). Each tenant has its
//! own keep-alive connection pool; concurrency is unbounded up to the job's `maxInFlight`, past
//! which a request is counted as a client-overload error, never silently skipped. One thread:
//! with `--cpus` the whole engine is pinned, so it can be kept off the cores the system under
//! test runs on.
//!
//! Protocol with the lab (lab/loadgen/client.ts): JSON lines on stdout, `{"type":"progress",...}`
//! once a second and a final `{"type":"report",...}` (lab/loadgen/protocol.ts `LoadReport`) or
//! `{"type":"failed","message":...}`. A `stop` line on stdin ends the sending early (the measured
//! part is still reported); EOF on stdin means the lab is gone, and the engine exits at once.
//!
//! `--serve <addr>` runs the trivial endpoint the engine's own ceiling is measured against.
//!
//! `--in-cluster` is for the load-generator Job of `lab export kubernetes` only: inside a
//! Kubernetes pod (the kubelet sets KUBERNETES_SERVICE_HOST; refused anywhere else) the tenants'
//! Services are not on loopback, so their host names are resolved (once, before the first send)
//! and any address is allowed; and no lab holds its stdin, so it is not read (the Job's deadline
//! bounds the run instead).

mod http1;
mod job;
mod pool;
mod recorder;
mod serve;
mod timer;

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use serde_json::json;
use tokio::io::AsyncBufReadExt;
use tokio::sync::Notify;

use job::{FORCE_COLD, Fixture, Job, WARMUP};
use pool::Pool;
use recorder::{Activation, Outcome, Recorder};
use timer::PreciseTimer;

const FORCE_COLD_HEADER: &str = "x-lab-force-cold";
/// Intended time zero is this far ahead of the start, so the first sends are not late by construction.
const LEAD: Duration = Duration::from_millis(20);

pub(crate) fn say(line: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn epoch_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

/// Pins this process (every thread made after) to the given CPUs.
fn pin(cpus: &[usize]) -> Result<()> {
    // SAFETY: a zeroed cpu_set_t is the empty set; CPU_SET and sched_setaffinity get valid pointers.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for &c in cpus {
            libc::CPU_SET(c, &mut set);
        }
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            bail!("cannot pin the engine to CPUs {cpus:?}: {}", std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Raises the open-file limit to its hard maximum: an open loop against a slow server holds one
/// connection per request in flight, and running out of descriptors would turn the server's
/// slowness into the client's errors.
fn raise_fd_limit() {
    // SAFETY: getrlimit/setrlimit with a valid struct.
    unsafe {
        let mut l = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) == 0 && l.rlim_cur < l.rlim_max {
            l.rlim_cur = l.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        }
    }
}

/// Where a tenant's requests go: a loopback http:// base URL.
struct Endpoint {
    addr: std::net::SocketAddr,
    /// `host:port`, its Host header.
    authority: String,
    /// The URL's own path, put before every request path.
    prefix: String,
    /// For error messages.
    base: String,
}

impl Endpoint {
    fn parse(url: &str, in_cluster: bool) -> Result<Endpoint> {
        let uri: http::Uri = url.parse().with_context(|| format!("endpoint URL {url}"))?;
        let host = uri.host().unwrap_or("").trim_start_matches('[').trim_end_matches(']');
        let port = uri.port_u16().unwrap_or(80);
        let addr = match host {
            "localhost" => std::net::SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), port),
            h if in_cluster => {
                use std::net::ToSocketAddrs;
                (h, port).to_socket_addrs().with_context(|| format!("cannot resolve {h}"))?.next().with_context(|| format!("{h} has no address"))?
            }
            h => std::net::SocketAddr::new(h.parse().ok().filter(|ip: &std::net::IpAddr| ip.is_loopback()).with_context(|| format!("refusing to send benchmark traffic to {host}: only loopback addresses are allowed"))?, port),
        };
        if uri.scheme_str() != Some("http") {
            bail!("endpoint URL {url} must be http://");
        }
        Ok(Endpoint {
            addr,
            authority: uri.authority().context("endpoint URL has no host:port")?.to_string(),
            prefix: uri.path().trim_end_matches('/').to_string(),
            base: url.trim_end_matches('/').to_string(),
        })
    }
}

/// Everything a send needs, shared by the pacing loop and the request tasks.
struct Run {
    job: Job,
    /// Each tenant's endpoint base URL, shown in error messages.
    bases: Vec<String>,
    /// Each tenant's requests, one per fixture of its workload, built once.
    prepared: Vec<Vec<Prepared>>,
    /// Fixtures per tenant index (its workload's), so the hot path does no map lookup.
    tenant_fixtures: Vec<Option<usize>>,
    workloads: Vec<String>,
    pools: Vec<Pool>,
    timeout: Duration,
    t0: Instant,
    recorder: Mutex<Recorder>,
    in_flight: AtomicUsize,
    settled: Notify,
}

impl Run {
    fn fixture(&self, i: usize) -> Option<(&Fixture, &Prepared)> {
        let t = self.job.tenant[i] as usize;
        let w = self.tenant_fixtures[t]?;
        let list = self.job.header.fixtures.get(&self.workloads[w])?;
        if list.is_empty() {
            return None;
        }
        let k = self.job.fixture[i] as usize % list.len();
        Some((&list[k], &self.prepared[t][k]))
    }
}

/// Sends request `i` and records where it ended up.
async fn send(run: Arc<Run>, i: usize) {
    let t = run.job.tenant[i] as usize;
    let tenant = &run.job.header.tenants[t];
    let at_ms = run.job.at_ms[i];
    let warmup = run.job.flags[i] & WARMUP != 0;
    let forced = run.job.flags[i] & FORCE_COLD != 0;
    let intended = run.t0 + Duration::from_secs_f64(at_ms / 1000.0);
    let outcome = match run.fixture(i) {
        None => Outcome::Failed { kind: "no-fixture".into(), status: None, message: format!("workload {} has no traffic fixture", tenant.workload) },
        Some(_) if run.in_flight.load(Ordering::Relaxed) > run.job.header.max_in_flight => {
            Outcome::Failed { kind: "client-overload".into(), status: None, message: format!("more than {} requests in flight", run.job.header.max_in_flight) }
        }
        Some((fx, prepared)) => {
            match tokio::time::timeout(run.timeout, request(&run.pools[t], &run.bases[t], prepared, fx, forced, intended, &tenant.id)).await {
                Ok(o) => o,
                Err(_) => Outcome::Failed { kind: "timeout".into(), status: None, message: format!("tenant {}: no response within {} ms", tenant.id, run.job.header.timeout_ms) },
            }
        }
    };
    {
        let mut rec = run.recorder.lock().unwrap();
        if let Outcome::Ok { latency_ms, activation_id: Some(id), .. } = &outcome {
            rec.cold_answered(id, *latency_ms);
        }
        if !warmup {
            rec.finished(at_ms, &tenant.workload, &tenant.id, outcome);
        }
    }
    if run.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
        run.settled.notify_waiters();
    }
}

/// One request of a tenant as sent, serialized once (request line, Host, the fixture's headers,
/// content-length, body), plain and with the forced-cold header.
struct Prepared {
    plain: Vec<u8>,
    forced: Vec<u8>,
    /// The path, for error messages.
    path: String,
}

impl Prepared {
    fn new(fx: &Fixture, path: String, authority: &str) -> Result<Prepared> {
        let token = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
        if !token(&fx.method) {
            bail!("fixture method {:?} is not an HTTP token", fx.method);
        }
        if path.bytes().any(|b| b <= b' ' || b == 0x7f) {
            bail!("fixture path {path:?} has whitespace or control bytes");
        }
        let mut head = format!("{} {path} HTTP/1.1\r\nhost: {authority}\r\n", fx.method);
        for (k, v) in &fx.headers {
            if !token(k) || v.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                bail!("fixture header {k:?} cannot be sent as is");
            }
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!("content-length: {}\r\n", fx.body_base64.len()));
        let with = |extra: &str| [head.as_bytes(), extra.as_bytes(), b"\r\n", &fx.body_base64].concat();
        Ok(Prepared { plain: with(""), forced: with(&format!("{FORCE_COLD_HEADER}: 1\r\n")), path })
    }
}

async fn request(pool: &Pool, base: &str, p: &Prepared, fx: &Fixture, forced: bool, intended: Instant, tenant: &str) -> Outcome {
    let failed = |kind: &str, e: String| Outcome::Failed { kind: kind.into(), status: None, message: format!("tenant {tenant}: {base}{}: {e}", p.path) };
    let bytes = if forced { &p.forced } else { &p.plain };
    let expect = fx.expect_status;
    // A reused connection the server closed while it was idle (its keep-alive timeout) is
    // dropped and the next one taken; the idle ones run out, and a fresh dial's failure is real.
    let res = loop {
        let mut lease = match pool.lease().await {
            Ok(l) => l,
            Err(e) => return failed("connection", format!("{e:#}")),
        };
        // The body is read to its last byte (latency ends there), but kept only for an error message.
        match lease.conn().exchange(bytes, |status, error| error || status != expect).await {
            Ok(r) => {
                let reusable = r.reusable;
                lease.release(reusable);
                break r;
            }
            Err(http1::Failure::Stale) => continue,
            Err(http1::Failure::Io(e)) => return failed("connection", e.to_string()),
            Err(http1::Failure::Protocol(m)) => return failed("protocol", m),
        }
    };
    let latency_ms = intended.elapsed().as_secs_f64() * 1000.0;
    let status = res.status;
    let text = || String::from_utf8_lossy(&res.body).into_owned();
    if let Some(kind) = &res.error {
        return Outcome::Failed { kind: format!("host-{kind}"), status: Some(status), message: text() };
    }
    if status != expect {
        let t = text();
        return Outcome::Failed { kind: "status-mismatch".into(), status: Some(status), message: format!("tenant {tenant}: expected {expect}, got {status}: {}", t.chars().take(200).collect::<String>()) };
    }
    let activation = match res.activation {
        http1::Activation::Cold => Activation::Cold,
        http1::Activation::Spare => Activation::Spare,
        http1::Activation::Warm => Activation::Warm,
    };
    Outcome::Ok { latency_ms, activation, activation_id: if activation == Activation::Cold { res.activation_id } else { None }, queue_ms: res.queue_ms }
}

async fn run(job: Job, in_cluster: bool) -> Result<serde_json::Value> {
    let mut workloads: Vec<String> = job.header.fixtures.keys().cloned().collect();
    workloads.sort();
    let tenant_fixtures: Vec<Option<usize>> = job.header.tenants.iter().map(|t| workloads.iter().position(|w| *w == t.workload)).collect();
    let mut prepared = Vec::with_capacity(job.header.tenants.len());
    let mut bases = Vec::with_capacity(job.header.tenants.len());
    let mut pools = Vec::with_capacity(job.header.tenants.len());
    for t in &job.header.tenants {
        let ep = Endpoint::parse(t.base_url.as_deref().unwrap_or(&job.header.pop_url), in_cluster)?;
        let list = job.header.fixtures.get(&t.workload).map(Vec::as_slice).unwrap_or(&[]);
        let route = |f: &Fixture| if job.header.route == "pop" { format!("{}/t/{}{}", ep.prefix, t.id, f.path) } else { format!("{}{}", ep.prefix, f.path) };
        prepared.push(list.iter().map(|f| Prepared::new(f, route(f), &ep.authority)).collect::<Result<Vec<_>>>()?);
        // One pool per tenant: its connections are its own, as each tenant's clients would be.
        pools.push(Pool::new(ep.addr));
        bases.push(ep.base);
    }
    let n = job.header.count;
    let t0 = Instant::now() + LEAD;
    let start_epoch = epoch_ms() + LEAD.as_secs_f64() * 1000.0;
    let run = Arc::new(Run {
        timeout: Duration::from_secs_f64(job.header.timeout_ms / 1000.0),
        recorder: Mutex::new(Recorder::new(n, job.header.late_threshold_ms)),
        job,
        bases,
        prepared,
        tenant_fixtures,
        workloads,
        pools,
        t0,
        in_flight: AtomicUsize::new(0),
        settled: Notify::new(),
    });

    let stop = Arc::new(AtomicBool::new(false));
    let stopped = Arc::new(Notify::new());
    if !in_cluster {
        let (stop, stopped) = (stop.clone(), stopped.clone());
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
            loop {
                match lines.next_line().await {
                    Ok(Some(l)) if l.trim() == "stop" => {
                        stop.store(true, Ordering::Release);
                        stopped.notify_waiters();
                    }
                    Ok(Some(_)) => {}
                    // The lab is gone: nothing will read a report.
                    _ => std::process::exit(0),
                }
            }
        });
    }
    {
        let run = run.clone();
        let span_ms = run.job.header.span_ms;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval_at((run.t0 + Duration::from_secs(1)).into(), Duration::from_secs(1));
            loop {
                tick.tick().await;
                let p = run.recorder.lock().unwrap().progress();
                say(&json!({ "type": "progress", "elapsedMs": run.t0.elapsed().as_secs_f64() * 1000.0, "spanMs": span_ms, "sent": p.sent, "completed": p.completed, "errors": p.errors, "cold": p.cold }));
            }
        });
    }

    let timer = PreciseTimer::new().context("timerfd")?;
    let mut i = 0;
    while i < n && !stop.load(Ordering::Acquire) {
        let due = run.t0 + Duration::from_secs_f64(run.job.at_ms[i] / 1000.0);
        tokio::select! {
            r = timer.sleep_until(due) => r.context("timerfd")?,
            _ = stopped.notified() => break,
        }
        let lag_ms = Instant::now().saturating_duration_since(due).as_secs_f64() * 1000.0;
        run.recorder.lock().unwrap().sent(run.job.at_ms[i], lag_ms, run.job.flags[i] & WARMUP != 0, run.job.flags[i] & FORCE_COLD != 0);
        run.in_flight.fetch_add(1, Ordering::AcqRel);
        tokio::spawn(send(run.clone(), i));
        i += 1;
    }
    let interrupted = stop.load(Ordering::Acquire) && i < n;
    // In-flight requests end on their own timeouts; a stopped run waits at most 2 s for them.
    let grace = if stop.load(Ordering::Acquire) { run.timeout.min(Duration::from_secs(2)) } else { run.timeout + Duration::from_secs(1) };
    let deadline = tokio::time::Instant::now() + grace;
    while run.in_flight.load(Ordering::Acquire) > 0 {
        let settled = run.settled.notified();
        if run.in_flight.load(Ordering::Acquire) == 0 {
            break;
        }
        if tokio::time::timeout_at(deadline, settled).await.is_err() {
            break;
        }
    }
    let unfinished = run.in_flight.load(Ordering::Acquire) as u64;
    let end = epoch_ms();
    let h = &run.job.header;
    let mut report = run.recorder.lock().unwrap().report((start_epoch, start_epoch + h.warmup_ms, end), h.warmup_ms, h.span_ms, interrupted, unfinished);
    report["connections"] = json!(run.pools.iter().map(|p| p.opened.load(Ordering::Relaxed)).sum::<u64>());
    Ok(report)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = (|| -> Result<serde_json::Value> {
        let first = args.first().context("usage: edge-pop-load-engine <job file> [--cpus 0,1] [--in-cluster] | --serve <addr> [--cpus 0]")?;
        if let Some(k) = args.iter().position(|a| a == "--cpus") {
            let cpus: Vec<usize> = args.get(k + 1).context("--cpus needs a list")?.split(',').map(|c| c.trim().parse()).collect::<std::result::Result<_, _>>().context("--cpus takes CPU numbers")?;
            pin(&cpus)?;
        }
        raise_fd_limit();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        if first == "--serve" {
            let addr = args.get(1).context("--serve needs an address (127.0.0.1:0)")?;
            rt.block_on(serve::serve(addr))?;
            unreachable!("the server runs until stdin closes");
        }
        let in_cluster = args.iter().any(|a| a == "--in-cluster");
        if in_cluster && std::env::var("KUBERNETES_SERVICE_HOST").map_or(true, |v| v.is_empty()) {
            bail!("--in-cluster is only for the load-generator Job inside a Kubernetes pod (KUBERNETES_SERVICE_HOST is not set)");
        }
        let job = job::parse(&std::fs::read(first).with_context(|| format!("cannot read job file {first}"))?)?;
        let report = rt.block_on(run(job, in_cluster));
        // The stdin reader sits in a blocking read that only the lab's EOF ends: do not wait for it.
        rt.shutdown_background();
        report
    })();
    match result {
        Ok(report) => say(&report),
        Err(e) => {
            say(&json!({ "type": "failed", "message": format!("{e:#}") }));
            std::process::exit(1);
        }
    }
}
