//! JSON shapes of the PoP protocol (runners/contract.ts): PopStats, ActivationRecord, MemoryReport.

use std::collections::BTreeMap;

use serde::Serialize;

/// One named phase of an activation, milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub name: &'static str,
    pub ms: f64,
}

/// One activation (a cold start on the request path, or a spare instance made off it).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivationRecord {
    pub id: String,
    pub tenant: String,
    pub workload: String,
    pub instance: String,
    pub path: &'static str,
    pub reason: &'static str,
    pub strategy: &'static str,
    pub started_at_ms: f64,
    pub total_ms: f64,
    pub phases: Vec<Phase>,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// PopStats counters.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    pub requests: u64,
    pub cold: u64,
    pub warm: u64,
    pub spare: u64,
    pub errors: u64,
    pub evictions: u64,
    pub evictions_by: BTreeMap<String, u64>,
}

impl Counters {
    /// Counts one eviction under its cause (lab/policy/types.ts `EvictionCause`).
    pub fn evicted(&mut self, cause: &str, n: u64) {
        if n == 0 {
            return;
        }
        self.evictions += n;
        *self.evictions_by.entry(cause.to_string()).or_default() += n;
    }
}

/// `GET /_lab/stats`.
#[derive(Debug, Clone, Serialize)]
pub struct PopStats {
    pub runtime: String,
    pub instances: BTreeMap<String, usize>,
    pub spares: BTreeMap<String, usize>,
    pub counters: Counters,
    pub activations: Vec<ActivationRecord>,
}

/// Memory of one instance.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceMemory {
    pub tenant: String,
    pub instance: String,
    pub uss_bytes: u64,
    pub pss_bytes: u64,
    pub rss_bytes: u64,
}

/// `GET /_lab/memory`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryReport {
    pub runtime: String,
    pub method: String,
    pub instances: Vec<InstanceMemory>,
    pub per_instance_uss_bytes: u64,
    pub per_instance_pss_bytes: u64,
    pub fixed_overhead_bytes: u64,
    pub extra: BTreeMap<String, f64>,
}

/// `POST /_lab/evict`.
#[derive(Debug, Clone, Serialize)]
pub struct EvictResult {
    pub evicted: usize,
    pub retiring: usize,
}

/// A tenant request the host could not serve (5xx/4xx with `x-lab-error: <kind>`).
#[derive(Debug, Clone)]
pub struct PopError {
    pub status: u16,
    pub kind: &'static str,
    /// Always starts with `tenant <id>: `.
    pub message: String,
    pub assigned: Option<Assigned>,
}

/// What a request had got when it failed or succeeded: activation kind, instance, activation id.
#[derive(Debug, Clone)]
pub struct Assigned {
    pub activation: &'static str,
    pub instance: String,
    pub activation_id: Option<String>,
}

impl PopError {
    /// A failure naming its tenant.
    pub fn new(status: u16, kind: &'static str, tenant: &str, detail: impl std::fmt::Display, assigned: Option<Assigned>) -> PopError {
        PopError { status, kind, message: format!("tenant {tenant}: {detail}"), assigned }
    }
}
