//! edge-pop-lab's Wasmtime PoP host: serves the PoP endpoint contract (runners/contract.ts) for
//! wasi:http@0.2.x components on embedded Wasmtime with the pooling instance allocator.
//!
//! Usage: `edge-pop-wasmtime-host <plan.json>` | `edge-pop-wasmtime-host --versions`.
//! On start it prints one JSON line on stdout, `{"type":"ready","url":...}` or
//! `{"type":"error","message":...}`; logs go to stderr. It exits when stdin reaches EOF, so a
//! parent that dies (even by SIGKILL) takes the host with it.

mod compile_cache;
mod contract;
mod engine;
mod guest;
mod memory;
mod memory_report;
mod plan;
mod pool;
mod request;
mod server;

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::guest::Prepared;
use crate::memory_report::MemoryProbe;
use crate::plan::Plan;
use crate::pool::{Pop, TenantConfig};

/// Crate versions this binary embeds, for the lab's reproducibility record (kept in step with Cargo.toml).
const VERSIONS: &str = concat!(r#"{"host":""#, env!("CARGO_PKG_VERSION"), r#"","wasmtime":"48.0.8","wasmtimeWasi":"48.0.8","wasmtimeWasiHttp":"48.0.8"}"#);

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--versions") {
        say(VERSIONS);
        return;
    }
    if args.first().map(String::as_str) == Some("--check") {
        let [_, file, cache_dir] = args.as_slice() else {
            eprintln!("usage: edge-pop-wasmtime-host --check <component.wasm> <cache-dir>");
            std::process::exit(2);
        };
        match check(PathBuf::from(file), PathBuf::from(cache_dir)) {
            Ok(digest) => say(&serde_json::json!({ "ok": true, "digest": digest }).to_string()),
            Err(e) => {
                say(&serde_json::json!({ "ok": false, "message": format!("{e:#}") }).to_string());
                std::process::exit(1);
            }
        }
        return;
    }
    if args.first().map(String::as_str) == Some("--floor") {
        let [_, file, cache_dir, n] = args.as_slice() else {
            eprintln!("usage: edge-pop-wasmtime-host --floor <component.wasm> <cache-dir> <samples>");
            std::process::exit(2);
        };
        let n: usize = n.parse().unwrap_or(0);
        match floor(PathBuf::from(file), PathBuf::from(cache_dir), n) {
            Ok(samples) => say(&samples.to_string()),
            Err(e) => {
                say(&serde_json::json!({ "ok": false, "message": format!("{e:#}") }).to_string());
                std::process::exit(1);
            }
        }
        return;
    }
    let [plan_path] = args.as_slice() else {
        eprintln!("usage: edge-pop-wasmtime-host <plan.json> | --versions | --check <component.wasm> <cache-dir>");
        std::process::exit(2);
    };
    watch_parent();
    if let Err(e) = run(PathBuf::from(plan_path)) {
        let message = format!("{e:#}");
        eprintln!("wasmtime host failed: {message}");
        say(&serde_json::json!({ "type": "error", "message": message }).to_string());
        std::process::exit(1);
    }
}

/// Exits when stdin closes: the parent holds the other end of the pipe.
fn watch_parent() {
    std::thread::Builder::new()
        .name("parent-watch".into())
        .spawn(|| {
            let mut buf = [0u8; 64];
            let mut stdin = std::io::stdin();
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) | Err(_) => {
                        eprintln!("wasmtime host: parent pipe closed, exiting");
                        std::process::exit(0);
                    }
                    Ok(_) => {}
                }
            }
        })
        .expect("spawning the parent watcher thread");
}

/// Slots of the small engine `--check` uses.
const CHECK_POOL_INSTANCES: u32 = 4;
/// Memory limit `--check` instantiates under, MiB (the runner's default).
const CHECK_INSTANCE_MEMORY_MIB: u64 = 64;

/// Compiles (into the cache), links and instantiates a component once: bring-your-own components
/// are rejected at prepare time, naming the problem.
fn check(file: PathBuf, cache_dir: PathBuf) -> Result<String> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the tokio runtime")?;
    rt.block_on(async {
        let (p, digest) = small_prepared(&file, &cache_dir)?;
        match p.instantiate("check".into()).await {
            Ok(_) => Ok(digest),
            Err(f) => bail!("does not instantiate: {f}"),
        }
    })
}

/// The small engine of `--check` and the floor measurement, with its epoch ticker, and the
/// component compiled (into the cache) and linked on it; returns it with the component's digest.
fn small_prepared(file: &Path, cache_dir: &Path) -> Result<(Prepared, String)> {
    let engine = engine::build_engine(CHECK_POOL_INSTANCES, CHECK_INSTANCE_MEMORY_MIB)?;
    engine::start_epoch_ticker(&engine);
    let c = compile_cache::load_component(&engine, file, cache_dir)?;
    let p = Prepared::new(&engine, &c.component, (CHECK_INSTANCE_MEMORY_MIB << 20) as usize, 10_000)?;
    Ok((p, c.digest))
}

/// The floor of one activation, with no HTTP and no pool bookkeeping: `n` fresh instances
/// (Store, WASI context, instantiation from the pre-instantiated component), each served a
/// `GET /` twice (its first request, then a warm one) and dropped, in a loop on one thread.
/// Minor page faults of the thread are counted per phase: with copy-on-write memory images a
/// fresh instance pays a fault for every page of its snapshot it first touches.
fn floor(file: PathBuf, cache_dir: PathBuf, n: usize) -> Result<serde_json::Value> {
    if n == 0 {
        bail!("samples must be a positive integer");
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the tokio runtime")?;
    rt.block_on(async {
        let (p, _) = small_prepared(&file, &cache_dir)?;
        let (mut inst_ms, mut first_ms, mut warm_ms) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut inst_faults, mut first_faults, mut warm_faults) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        let get = || request::guest_request("GET", "/", std::iter::empty(), bytes::Bytes::new(), "localhost");
        for i in 0..n {
            let (f0, t) = (memory::thread_minor_faults(), std::time::Instant::now());
            let inst = p.instantiate(format!("floor.{i}")).await.map_err(|f| anyhow::anyhow!("instantiate: {f}"))?;
            inst_ms.push(guest::ms_since(t));
            let (f1, t) = (memory::thread_minor_faults(), std::time::Instant::now());
            inst_faults.push(f1 - f0);
            let (inst, r) = inst.serve(get()?).await;
            first_ms.push(guest::ms_since(t));
            let f2 = memory::thread_minor_faults();
            first_faults.push(f2 - f1);
            r.map_err(|f| anyhow::anyhow!("first request: {f}"))?;
            let inst = inst.context("the instance broke on its first request")?;
            let t = std::time::Instant::now();
            let (inst, r) = inst.serve(get()?).await;
            warm_ms.push(guest::ms_since(t));
            warm_faults.push(memory::thread_minor_faults() - f2);
            r.map_err(|f| anyhow::anyhow!("warm request: {f}"))?;
            drop(inst);
        }
        Ok(serde_json::json!({
            "instantiateMs": inst_ms, "firstRequestMs": first_ms, "warmRequestMs": warm_ms,
            "instantiateFaults": inst_faults, "firstRequestFaults": first_faults, "warmRequestFaults": warm_faults,
        }))
    })
}

fn run(plan_path: PathBuf) -> Result<()> {
    let plan = Plan::load(&plan_path)?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(plan.workers).enable_all().build().context("starting the tokio runtime")?;
    rt.block_on(start(plan))
}

async fn start(plan: Plan) -> Result<()> {
    let engine = engine::build_engine(plan.pool_instances, plan.instance_memory_mib)?;
    engine::start_epoch_ticker(&engine);
    let memory_limit = usize::try_from(plan.instance_memory_mib << 20).context("instanceMemoryMiB too large")?;

    // One compilation (or cache load) and one pre-instantiation per artifact, shared by its tenants.
    let mut prepared: BTreeMap<String, Prepared> = BTreeMap::new();
    let used: std::collections::BTreeSet<&str> = plan.tenants.iter().map(|t| t.workload.as_str()).collect();
    for w in used {
        let file = &plan.components[w];
        let c = compile_cache::load_component(&engine, file, &plan.cache_dir).with_context(|| format!("workload {w}"))?;
        eprintln!("workload {w}: {} {} ({} {}, {:.1} ms)", file.display(), c.digest, if c.cache_hit { "precompiled cache hit" } else { "compiled into" }, c.cache_file.display(), c.load_ms);
        let p = Prepared::new(&engine, &c.component, memory_limit, plan.cpu_deadline_ms).with_context(|| format!("workload {w}: component {}", file.display()))?;
        // Instantiate once now: a component that cannot start fails the launch, not a request.
        match p.instantiate(format!("check.{w}")).await {
            Ok(i) => drop(i),
            Err(f) => bail!("workload {w}: component {} does not instantiate: {f}", file.display()),
        }
        prepared.insert(w.to_string(), p);
    }
    let fixed_overhead = memory::read_rollup()?.uss();
    let probe = MemoryProbe::new(
        engine.clone(),
        prepared.iter().map(|(w, p)| (w.clone(), (p.clone(), plan.probe_requests.get(w).cloned()))).collect(),
        plan.memory_probes,
        fixed_overhead,
    );
    let estimates: HashMap<String, u64> = if plan.keep_alive.memory_budget_mi_b > 0.0 { probe.estimates().await? } else { HashMap::new() };
    let tenants = plan.tenants.iter().map(|t| TenantConfig { id: t.id.clone(), workload: t.workload.clone(), prepared: prepared[&t.workload].clone() }).collect();
    let pop = Pop::new(&plan, tenants, estimates);
    pop.start();
    let (listener, addr) = server::bind().await?;
    say(&serde_json::json!({ "type": "ready", "url": format!("http://{addr}") }).to_string());
    eprintln!("wasmtime host: serving {} tenants on http://{addr}", plan.tenants.len());
    server::serve(listener, pop, probe).await;
    Ok(())
}
