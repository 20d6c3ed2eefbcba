//! `GET /_lab/memory`: per-instance memory measured with probe instances (delta method), plus
//! the pooling allocator's own accounting.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use anyhow::{Context, Result};
use bytes::Bytes;
use tokio::sync::Mutex;
use wasmtime::Engine;

use crate::contract::{InstanceMemory, MemoryReport};
use crate::guest::{Instance, Prepared};
use crate::memory::{PerInstance, per_instance, read_rollup};
use crate::plan::ProbeRequest;
use crate::pool::Pop;
use crate::request::guest_request;

/// How the figures are obtained, for the report.
pub const METHOD: &str = "per artifact: after one warm-up instance (so pages every instance shares, such as the compiled code, are resident before the count), \
N probe instances (pooling allocator, copy-on-write memory image) kept live after one request each; \
delta of /proc/self/smaps_rollup (USS = Private_Clean + Private_Dirty, PSS, Rss) of the host process divided by N; \
live instances are reported at their artifact's figure; fixed overhead = host USS before any instance";

/// Measures memory per artifact with probe instances.
pub struct MemoryProbe {
    engine: Engine,
    workloads: BTreeMap<String, (Prepared, Option<ProbeRequest>)>,
    probes: usize,
    fixed_overhead: u64,
    /// One measurement at a time: overlapping probes would count each other. Holds the
    /// workloads already warmed up.
    busy: Mutex<HashSet<String>>,
}

impl MemoryProbe {
    /// A probe over these workloads; `fixed_overhead` is the host's USS before any instance.
    pub fn new(engine: Engine, workloads: BTreeMap<String, (Prepared, Option<ProbeRequest>)>, probes: usize, fixed_overhead: u64) -> Arc<MemoryProbe> {
        Arc::new(MemoryProbe { engine, workloads, probes, fixed_overhead, busy: Mutex::new(HashSet::new()) })
    }

    /// Per-instance figures of one workload: `probes` instances, one request each, kept live while measured.
    pub async fn measure(&self, workload: &str) -> Result<PerInstance> {
        let mut warmed = self.busy.lock().await;
        let (prepared, probe) = self.workloads.get(workload).with_context(|| format!("no workload {workload}"))?;
        // The first instance of a workload in this process also faults in what all its instances
        // share (the compiled code, file-backed and so counted in USS while no other process maps
        // it): without a warm-up that one-time cost was divided among the probes (3.4x the
        // per-instance figure for a StarlingMonkey component).
        if warmed.insert(workload.to_string()) {
            drop(self.probe_instance(workload, prepared, probe.as_ref(), "warmup").await?);
        }
        let before = read_rollup()?;
        let mut live = Vec::with_capacity(self.probes);
        for i in 0..self.probes {
            live.push(self.probe_instance(workload, prepared, probe.as_ref(), &i.to_string()).await?);
        }
        let after = read_rollup()?;
        drop(live);
        Ok(per_instance(before, after, self.probes))
    }

    /// One probe instance of `workload`, brought to its idle-after-a-request state.
    async fn probe_instance(&self, workload: &str, prepared: &Prepared, probe: Option<&ProbeRequest>, suffix: &str) -> Result<Instance> {
        let inst = prepared.instantiate(format!("probe.{workload}.{suffix}")).await.map_err(|f| anyhow::anyhow!("probe instance of {workload}: {f}"))?;
        let Some(p) = probe else { return Ok(inst) };
        let headers = p.headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes()));
        let req = guest_request(&p.method, &p.path, headers, Bytes::from(p.body.clone()), "127.0.0.1")?;
        match inst.serve(req).await {
            (Some(inst), Ok(_)) => Ok(inst),
            (_, Err(f)) => anyhow::bail!("probe request to {workload} failed: {f}"),
            (None, Ok(_)) => anyhow::bail!("probe instance of {workload} was lost"),
        }
    }

    /// Estimates per workload for the memory budget (USS per instance), measured now.
    pub async fn estimates(&self) -> Result<HashMap<String, u64>> {
        let mut out = HashMap::new();
        for w in self.workloads.keys() {
            out.insert(w.clone(), self.measure(w).await?.uss);
        }
        Ok(out)
    }

    /// The whole report.
    pub async fn report(&self, pop: &Pop) -> Result<MemoryReport> {
        let mut per: BTreeMap<String, PerInstance> = BTreeMap::new();
        let mut extra: BTreeMap<String, f64> = BTreeMap::new();
        for w in self.workloads.keys() {
            let m = self.measure(w).await?;
            extra.insert(format!("artifact.{w}.perInstancePrivateDirtyBytes"), m.private_dirty as f64);
            extra.insert(format!("artifact.{w}.perInstanceUssBytes"), m.uss as f64);
            extra.insert(format!("artifact.{w}.perInstancePssBytes"), m.pss as f64);
            per.insert(w.clone(), m);
        }
        let workload_of: HashMap<&str, &str> = pop.tenant_configs().map(|t| (t.id.as_str(), t.workload.as_str())).collect();
        let mut instances: Vec<InstanceMemory> = pop
            .resting_instances()
            .into_iter()
            .filter_map(|(tenant, instance)| {
                let m = per.get(*workload_of.get(tenant.as_str())?)?;
                Some(InstanceMemory { tenant, instance, uss_bytes: m.uss, pss_bytes: m.pss, rss_bytes: m.rss })
            })
            .collect();
        if instances.is_empty() {
            // Nothing rests between requests (WASI 0.2 semantics): report the probes, so the
            // per-instance figures are the cost of one live instance rather than 0.
            for t in pop.tenant_configs() {
                if let Some(m) = per.get(&t.workload) {
                    instances.push(InstanceMemory { tenant: t.id.clone(), instance: format!("probe.{}", t.workload), uss_bytes: m.uss, pss_bytes: m.pss, rss_bytes: m.rss });
                }
            }
            instances.sort_by(|a, b| a.tenant.cmp(&b.tenant));
        }
        if let Some(pm) = self.engine.pooling_allocator_metrics() {
            extra.insert("pooling.componentInstances".into(), pm.component_instances() as f64);
            extra.insert("pooling.coreInstances".into(), pm.core_instances() as f64);
            extra.insert("pooling.memories".into(), pm.memories() as f64);
            extra.insert("pooling.tables".into(), pm.tables() as f64);
            extra.insert("pooling.unusedWarmMemories".into(), pm.unused_warm_memories() as f64);
            extra.insert("pooling.unusedMemoryBytesResident".into(), pm.unused_memory_bytes_resident() as f64);
        }
        let host = read_rollup()?;
        extra.insert("host.ussBytes".into(), host.uss() as f64);
        extra.insert("host.privateDirtyBytes".into(), host.private_dirty as f64);
        let n = instances.len().max(1) as u64;
        let (uss, pss) = (instances.iter().map(|i| i.uss_bytes).sum::<u64>() / n, instances.iter().map(|i| i.pss_bytes).sum::<u64>() / n);
        Ok(MemoryReport {
            runtime: pop.runtime.clone(),
            method: METHOD.to_string(),
            instances,
            per_instance_uss_bytes: uss,
            per_instance_pss_bytes: pss,
            fixed_overhead_bytes: self.fixed_overhead,
            extra,
        })
    }
}
