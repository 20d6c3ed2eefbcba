//! The launch plan the lab hands this host (a JSON file written by runners/wasmtime/host-plan.ts).
//! Everything the host needs is in the plan; it looks nothing up itself.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// A tenant and the workload (artifact) it runs.
#[derive(Debug, Clone, Deserialize)]
pub struct Tenant {
    pub id: String,
    pub workload: String,
}

/// The scenario's keep-alive policy (lab/scenario/types.ts `KeepAliveSpec`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeepAlive {
    pub idle_timeout_seconds: f64,
    pub max_instances_per_tenant: usize,
    pub memory_budget_mi_b: f64,
}

/// A request used to bring memory-probe instances to their after-a-request state.
#[derive(Debug, Clone, Deserialize)]
pub struct ProbeRequest {
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Body bytes (JSON array of numbers: no base64 dependency needed).
    #[serde(default)]
    pub body: Vec<u8>,
}

/// The whole plan.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub runtime: String,
    pub tenants: Vec<Tenant>,
    /// Component file per workload.
    pub components: BTreeMap<String, PathBuf>,
    pub keep_alive: KeepAlive,
    /// Deadline of one tenant request from its arrival, milliseconds.
    pub request_timeout_ms: u64,
    /// Guest CPU deadline enforced by epoch interruption, milliseconds.
    pub cpu_deadline_ms: u64,
    /// Linear memory limit of one instance (all its memories together), MiB.
    #[serde(rename = "instanceMemoryMiB")]
    pub instance_memory_mib: u64,
    /// Reuse an instance for further requests of its tenant (false = WASI 0.2 semantics).
    pub reuse: bool,
    /// Pre-instantiated instances kept per tenant.
    pub spares: usize,
    /// Component instances the pooling allocator has slots for, across tenants.
    pub pool_instances: u32,
    /// Tokio worker threads.
    pub workers: usize,
    /// Probe instances per memory measurement.
    pub memory_probes: usize,
    #[serde(default)]
    pub probe_requests: BTreeMap<String, ProbeRequest>,
    /// Where precompiled components are cached (keyed by content and engine).
    pub cache_dir: PathBuf,
}

impl Plan {
    /// Reads and checks a plan file; every problem is reported at once.
    pub fn load(path: &std::path::Path) -> Result<Plan> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading plan {}", path.display()))?;
        let plan: Plan = serde_json::from_str(&text).with_context(|| format!("parsing plan {}", path.display()))?;
        plan.check().with_context(|| format!("plan {}", path.display()))?;
        Ok(plan)
    }

    fn check(&self) -> Result<()> {
        let mut problems = Vec::new();
        if self.tenants.is_empty() {
            problems.push("no tenants".to_string());
        }
        for t in &self.tenants {
            if !self.components.contains_key(&t.workload) {
                problems.push(format!("tenant {}: no component for workload {}", t.id, t.workload));
            }
        }
        let mut ids: Vec<&str> = self.tenants.iter().map(|t| t.id.as_str()).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            problems.push("tenant ids are not unique".to_string());
        }
        if self.keep_alive.max_instances_per_tenant < 1 {
            problems.push("keepAlive.maxInstancesPerTenant must be >= 1".to_string());
        }
        if !(self.keep_alive.idle_timeout_seconds >= 0.0) || !(self.keep_alive.memory_budget_mi_b >= 0.0) {
            problems.push("keepAlive.idleTimeoutSeconds and memoryBudgetMiB must be >= 0".to_string());
        }
        for (name, v) in [("requestTimeoutMs", self.request_timeout_ms), ("cpuDeadlineMs", self.cpu_deadline_ms), ("instanceMemoryMiB", self.instance_memory_mib)] {
            if v == 0 {
                problems.push(format!("{name} must be > 0"));
            }
        }
        if self.pool_instances == 0 || self.workers == 0 || self.memory_probes == 0 {
            problems.push("poolInstances, workers and memoryProbes must be > 0".to_string());
        }
        if !problems.is_empty() {
            bail!("{}", problems.join("; "));
        }
        Ok(())
    }
}
