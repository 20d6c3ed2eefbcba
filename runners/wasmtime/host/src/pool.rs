//! Instances of every tenant: activation on the request path (a cold start), spare
//! (pre-instantiated) instances filled off it, warm reuse when the scenario allows it, the
//! keep-alive policy, eviction, activation records and PopStats counters.
//!
//! The keep-alive semantics mirror lab/policy/instance-policy.ts:
//! - `maxInstancesPerTenant` caps a tenant's live instances (activating, busy or idle);
//!   requests beyond it wait until one frees up or their deadline passes. A forced-cold
//!   request at the cap displaces the tenant's oldest idle instance (`forced`).
//! - `memoryBudgetMiB` caps the live instances' memory (each counted at its workload's
//!   measured Private_Dirty per instance); the least recently used idle instance goes first.
//! - `idleTimeoutSeconds` evicts idle instances (only with `reuse`: under WASI 0.2 semantics an
//!   instance serves one request and is dropped, so nothing is ever idle).
//! Spare instances are outside the policy until handed out, as in runners/pool.ts.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;
use tokio::sync::Notify;

use crate::contract::{ActivationRecord, Assigned, Counters, EvictResult, PopError, PopStats, Phase};
use crate::guest::{GuestFailure, GuestResponse, Instance, Prepared, ms_since};
use crate::plan::{KeepAlive, Plan};

/// A tenant as configured.
pub struct TenantConfig {
    pub id: String,
    pub workload: String,
    pub prepared: Prepared,
}

struct Idle {
    inst: Instance,
    since: Instant,
    /// Global use order: smaller = used longer ago.
    lru: u64,
}

#[derive(Default)]
struct TenantState {
    /// Live instances: activating, busy or idle (spares excluded).
    live: usize,
    /// Idle instances, oldest first (only with reuse).
    idle: VecDeque<Idle>,
    spares: Vec<Instance>,
    filling: bool,
    spare_retry_at: Option<Instant>,
    /// Bumped by an eviction command: busy instances of an older generation retire after their request.
    generation: u64,
}

struct State {
    tenants: HashMap<String, TenantState>,
    counters: Counters,
    log: Vec<ActivationRecord>,
    /// Bytes of live instances, at their workload's estimate.
    live_bytes: u64,
    idle_bytes: u64,
    /// Live instances not idle (activating or busy), across tenants.
    busy: usize,
    lru_seq: u64,
    closing: bool,
}

/// How a request found its instance.
enum Lease {
    Warm(Instance),
    Spare(Instance),
    Cold { id: String, reason: &'static str },
}

/// A served tenant request.
pub struct Served {
    pub response: GuestResponse,
    pub assigned: Assigned,
    /// Milliseconds the request waited in its tenant's queue (0: it did not wait).
    pub waited_ms: f64,
}

/// The PoP's instances.
pub struct Pop {
    pub runtime: String,
    tenants: HashMap<String, TenantConfig>,
    keep: KeepAlive,
    reuse: bool,
    spares_target: usize,
    request_timeout: Duration,
    cpu_deadline_ms: u64,
    /// Per-instance memory estimate per workload, bytes (measured at start when a budget is set).
    estimates: HashMap<String, u64>,
    state: Mutex<State>,
    changed: Notify,
    instance_seq: AtomicU64,
    activation_seq: AtomicU64,
}

fn epoch_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

impl Pop {
    /// A PoP over prepared tenants.
    pub fn new(plan: &Plan, tenants: Vec<TenantConfig>, estimates: HashMap<String, u64>) -> Arc<Pop> {
        let state = State {
            tenants: tenants.iter().map(|t| (t.id.clone(), TenantState::default())).collect(),
            counters: Counters::default(),
            log: Vec::new(),
            live_bytes: 0,
            idle_bytes: 0,
            busy: 0,
            lru_seq: 0,
            closing: false,
        };
        Arc::new(Pop {
            runtime: plan.runtime.clone(),
            tenants: tenants.into_iter().map(|t| (t.id.clone(), t)).collect(),
            keep: plan.keep_alive.clone(),
            reuse: plan.reuse,
            spares_target: plan.spares,
            request_timeout: Duration::from_millis(plan.request_timeout_ms),
            cpu_deadline_ms: plan.cpu_deadline_ms,
            estimates,
            state: Mutex::new(state),
            changed: Notify::new(),
            instance_seq: AtomicU64::new(0),
            activation_seq: AtomicU64::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock is a bug; the state is still consistent enough to serve.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn estimate(&self, workload: &str) -> u64 {
        self.estimates.get(workload).copied().unwrap_or(0)
    }

    fn budget_bytes(&self) -> u64 {
        (self.keep.memory_budget_mi_b * 1024.0 * 1024.0) as u64
    }

    /// Starts spare filling and the idle-expiry sweeper.
    pub fn start(self: &Arc<Self>) {
        for id in self.tenants.keys() {
            self.fill_spares(id);
        }
        if self.reuse && self.keep.idle_timeout_seconds > 0.0 {
            let pop = Arc::clone(self);
            let period = Duration::from_secs_f64((self.keep.idle_timeout_seconds / 4.0).clamp(0.01, 0.25));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(period).await;
                    pop.expire_idle();
                }
            });
        }
    }

    // ---- request path --------------------------------------------------------------------

    /// Serves one tenant request.
    pub async fn handle(self: &Arc<Self>, tenant: &str, req: http::Request<Full<Bytes>>, force_cold: bool, arrived: Instant) -> Result<Served, PopError> {
        let arrived_epoch = epoch_ms() - ms_since(arrived);
        self.lock().counters.requests += 1;
        let r = self.serve(tenant, req, force_cold, arrived, arrived_epoch).await;
        if r.is_err() {
            self.lock().counters.errors += 1;
        }
        r
    }

    async fn serve(self: &Arc<Self>, tenant_id: &str, req: http::Request<Full<Bytes>>, forced: bool, arrived: Instant, arrived_epoch: f64) -> Result<Served, PopError> {
        let Some(tenant) = self.tenants.get(tenant_id) else {
            return Err(PopError::new(404, "unknown-tenant", tenant_id, "unknown tenant (not assigned to this PoP)", None));
        };
        let deadline = arrived + self.request_timeout;
        let (lease, waited_ms) = self.acquire(tenant, forced, deadline).await?;
        let est = self.estimate(&tenant.workload);
        let generation = self.lock().tenants.get(tenant_id).map(|t| t.generation).unwrap_or(0);

        let mut phases: Vec<Phase> = Vec::new();
        if waited_ms > 0.0 {
            phases.push(Phase { name: "queue", ms: waited_ms });
        }
        let (inst, kind, reason, activation_id) = match lease {
            Lease::Warm(i) => (i, "warm", None, None),
            Lease::Spare(i) => (i, "spare", None, None),
            Lease::Cold { id, reason } => {
                let aid = format!("a{}", self.activation_seq.fetch_add(1, Ordering::Relaxed) + 1);
                let assigned = Assigned { activation: "cold", instance: id.clone(), activation_id: Some(aid.clone()) };
                let t = Instant::now();
                let outcome = tokio::time::timeout_at(deadline.into(), tenant.prepared.instantiate(id.clone())).await;
                match outcome {
                    Ok(Ok(inst)) => {
                        phases.push(Phase { name: "instantiate", ms: ms_since(t) });
                        (inst, "cold", Some(reason), Some(aid))
                    }
                    failed => {
                        let err = match failed {
                            Ok(Err(f)) => PopError::new(502, "activation", tenant_id, format!("activation failed: {f}"), Some(assigned)),
                            _ => PopError::new(504, "timeout", tenant_id, format!("activation did not finish within the request timeout of {} ms", self.request_timeout.as_millis()), Some(assigned)),
                        };
                        self.record(tenant, &id, "request", reason, arrived_epoch, ms_since(arrived), phases, Some(err.message.clone()), aid);
                        self.remove_live(tenant_id, est, None);
                        return Err(err);
                    }
                }
            }
        };
        let assigned = Assigned { activation: kind, instance: inst.id.clone(), activation_id: activation_id.clone() };
        let id = inst.id.clone();
        let ready = Instant::now();
        let outcome = tokio::time::timeout_at(deadline.into(), inst.serve(req)).await;
        match outcome {
            Ok((back, Ok(response))) => {
                if let (Some(reason), Some(aid)) = (reason, activation_id) {
                    phases.push(Phase { name: "firstResponse", ms: ms_since(ready) });
                    self.record(tenant, &id, "request", reason, arrived_epoch, ms_since(arrived), phases, None, aid);
                }
                self.release(tenant, back, est, generation);
                Ok(Served { response, assigned, waited_ms })
            }
            Ok((back, Err(failure))) => {
                let (status, kind, cause) = match &failure {
                    GuestFailure::Deadline => (504, "timeout", Some("timeout")),
                    GuestFailure::ErrorCode(_) => (502, "crash", None),
                    _ => (502, "crash", Some("crash")),
                };
                let detail = match &failure {
                    GuestFailure::Deadline => format!("{failure} of {} ms (epoch interruption); instance discarded", self.cpu_deadline_ms),
                    _ => failure.to_string(),
                };
                let err = PopError::new(status, kind, tenant_id, detail, Some(assigned));
                if let (Some(reason), Some(aid)) = (reason, activation_id) {
                    self.record(tenant, &id, "request", reason, arrived_epoch, ms_since(arrived), phases, Some(err.message.clone()), aid);
                }
                if failure.breaks_instance() {
                    drop(back);
                    self.remove_live(tenant_id, est, cause);
                } else {
                    self.release(tenant, back, est, generation);
                }
                Err(err)
            }
            Err(_) => {
                // The guest task still runs until its epoch deadline traps it; the instance goes with it.
                let err = PopError::new(504, "timeout", tenant_id, format!("instance did not answer within the request timeout of {} ms (instance killed)", self.request_timeout.as_millis()), Some(assigned));
                if let (Some(reason), Some(aid)) = (reason, activation_id) {
                    self.record(tenant, &id, "request", reason, arrived_epoch, ms_since(arrived), phases, Some(err.message.clone()), aid);
                }
                self.remove_live(tenant_id, est, Some("timeout"));
                Err(err)
            }
        }
    }

    /// An instance lease now if possible, else after waiting for capacity until the deadline.
    async fn acquire(self: &Arc<Self>, tenant: &TenantConfig, forced: bool, deadline: Instant) -> Result<(Lease, f64), PopError> {
        let started = Instant::now();
        let mut waited = false;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let (lease, dropped) = {
                let mut st = self.lock();
                if st.closing {
                    return Err(PopError::new(503, "shutting-down", &tenant.id, "PoP is shutting down", None));
                }
                self.try_lease(&mut st, tenant, forced)
            };
            drop(dropped); // Stores are torn down outside the lock.
            match lease {
                Ok(l) => {
                    if matches!(l, Lease::Spare(_)) {
                        self.fill_spares(&tenant.id);
                    }
                    // Only a request that actually waited for capacity records a queue phase.
                    return Ok((l, if waited { ms_since(started) } else { 0.0 }));
                }
                Err(Refused::Memory) if self.lock().busy == 0 => {
                    let est = self.estimate(&tenant.workload);
                    return Err(PopError::new(503, "memory", &tenant.id, format!("an instance ({est} bytes) does not fit the memory budget of {} MiB even with every idle instance evicted", self.keep.memory_budget_mi_b), None));
                }
                Err(_) => {}
            }
            waited = true;
            if tokio::time::timeout_at(deadline.into(), notified).await.is_err() {
                return Err(PopError::new(
                    504,
                    "timeout",
                    &tenant.id,
                    format!("no instance became free within the request timeout of {} ms (tenant at its instance cap or memory budget full)", self.request_timeout.as_millis()),
                    None,
                ));
            }
        }
    }

    /// Warm (unless forced), then admission, then a spare or a cold start. Never blocks.
    fn try_lease(&self, st: &mut State, tenant: &TenantConfig, forced: bool) -> (Result<Lease, Refused>, Vec<Instance>) {
        let est = self.estimate(&tenant.workload);
        let mut dropped = Vec::new();
        let t = st.tenants.get_mut(&tenant.id).expect("tenant state exists for every configured tenant");
        if !forced {
            if let Some(idle) = t.idle.pop_back() {
                st.idle_bytes -= est;
                st.busy += 1;
                st.counters.warm += 1;
                return (Ok(Lease::Warm(idle.inst)), dropped);
            }
        }
        let mut victim = false;
        if t.live >= self.keep.max_instances_per_tenant {
            if !(forced && !t.idle.is_empty()) {
                return (Err(Refused::MaxInstances), dropped);
            }
            victim = true;
        }
        let budget = self.budget_bytes();
        let victim_bytes = if victim { est } else { 0 };
        let need = if budget > 0 { (st.live_bytes - victim_bytes + est).saturating_sub(budget) } else { 0 };
        if need > st.idle_bytes - victim_bytes {
            return (Err(Refused::Memory), dropped);
        }
        if victim {
            let t = st.tenants.get_mut(&tenant.id).expect("tenant state");
            if let Some(v) = t.idle.pop_front() {
                t.live -= 1;
                dropped.push(v.inst);
            }
            st.live_bytes -= est;
            st.idle_bytes -= est;
            st.counters.evicted("forced", 1);
        }
        let mut freed = 0;
        while freed < need {
            let Some((lru_tenant, due)) = self.global_lru(st) else { break };
            let w = &self.tenants[&lru_tenant].workload;
            let bytes = self.estimate(w);
            let t = st.tenants.get_mut(&lru_tenant).expect("tenant state");
            if let Some(v) = t.idle.pop_front() {
                t.live -= 1;
                dropped.push(v.inst);
            }
            st.live_bytes -= bytes;
            st.idle_bytes -= bytes;
            freed += bytes;
            st.counters.evicted(if due { "idle" } else { "memory" }, 1);
        }
        let t = st.tenants.get_mut(&tenant.id).expect("tenant state");
        let reason = if forced { "forced" } else if t.live == 0 { "no-instance" } else { "all-busy" };
        t.live += 1;
        st.live_bytes += est;
        st.busy += 1;
        if let Some(spare) = t.spares.pop() {
            st.counters.spare += 1;
            return (Ok(Lease::Spare(spare)), dropped);
        }
        st.counters.cold += 1;
        let id = format!("{}.{}", tenant.id, self.instance_seq.fetch_add(1, Ordering::Relaxed) + 1);
        (Ok(Lease::Cold { id, reason }), dropped)
    }

    /// The tenant whose oldest idle instance was used longest ago, and whether it is past its idle timeout.
    fn global_lru(&self, st: &State) -> Option<(String, bool)> {
        let timeout = Duration::from_secs_f64(self.keep.idle_timeout_seconds);
        st.tenants
            .iter()
            .filter_map(|(id, t)| t.idle.front().map(|i| (i.lru, id, i.since)))
            .min_by_key(|(lru, _, _)| *lru)
            .map(|(_, id, since)| (id.clone(), !timeout.is_zero() && since.elapsed() >= timeout))
    }

    /// The request is done with a sound instance: idle again (reuse) or dropped.
    fn release(&self, tenant: &TenantConfig, inst: Option<Instance>, est: u64, generation: u64) {
        let mut st = self.lock();
        let retired = st.tenants.get(&tenant.id).is_some_and(|t| t.generation != generation);
        match inst {
            Some(inst) if self.reuse && !retired && !st.closing => {
                st.lru_seq += 1;
                let lru = st.lru_seq;
                st.busy -= 1;
                st.idle_bytes += est;
                let t = st.tenants.get_mut(&tenant.id).expect("tenant state");
                t.idle.push_back(Idle { inst, since: Instant::now(), lru });
                drop(st);
                self.changed.notify_waiters();
            }
            other => {
                drop(st);
                drop(other);
                // Under WASI 0.2 semantics the instance simply ends with its request: no eviction.
                self.remove_live(&tenant.id, est, if retired { Some("command") } else { None });
            }
        }
    }

    /// A busy or activating instance leaves; `cause` counts it as an eviction.
    fn remove_live(&self, tenant: &str, est: u64, cause: Option<&str>) {
        {
            let mut st = self.lock();
            if let Some(t) = st.tenants.get_mut(tenant) {
                t.live = t.live.saturating_sub(1);
            }
            st.live_bytes = st.live_bytes.saturating_sub(est);
            st.busy = st.busy.saturating_sub(1);
            if let Some(c) = cause {
                st.counters.evicted(c, 1);
            }
        }
        self.changed.notify_waiters();
    }

    #[allow(clippy::too_many_arguments)]
    fn record(&self, tenant: &TenantConfig, instance: &str, path: &'static str, reason: &'static str, started_at_ms: f64, total_ms: f64, phases: Vec<Phase>, error: Option<String>, id: String) {
        let rec = ActivationRecord {
            id,
            tenant: tenant.id.clone(),
            workload: tenant.workload.clone(),
            instance: instance.to_string(),
            path,
            reason,
            strategy: if self.reuse { "pooling-reuse" } else { "pooling-fresh" },
            started_at_ms,
            total_ms,
            phases,
            ok: error.is_none(),
            error,
        };
        self.lock().log.push(rec);
    }

    // ---- spares, expiry, eviction ----------------------------------------------------------

    /// Keeps the tenant's spare pool at its target, one instantiation at a time, off the request path.
    fn fill_spares(self: &Arc<Self>, tenant_id: &str) {
        if self.spares_target == 0 {
            return;
        }
        {
            let mut st = self.lock();
            if st.closing {
                return;
            }
            let Some(t) = st.tenants.get_mut(tenant_id) else { return };
            if t.filling || t.spare_retry_at.is_some_and(|at| Instant::now() < at) {
                return;
            }
            t.filling = true;
        }
        let pop = Arc::clone(self);
        let tenant_id = tenant_id.to_string();
        tokio::spawn(async move {
            let tenant = &pop.tenants[&tenant_id];
            loop {
                let have = pop.lock().tenants[&tenant_id].spares.len();
                if have >= pop.spares_target {
                    break;
                }
                let id = format!("{}.{}", tenant_id, pop.instance_seq.fetch_add(1, Ordering::Relaxed) + 1);
                let aid = format!("a{}", pop.activation_seq.fetch_add(1, Ordering::Relaxed) + 1);
                let started = Instant::now();
                let started_epoch = epoch_ms();
                match tenant.prepared.instantiate(id.clone()).await {
                    Ok(inst) => {
                        let ms = ms_since(started);
                        pop.record(tenant, &id, "spare-fill", "pool", started_epoch, ms, vec![Phase { name: "instantiate", ms }], None, aid);
                        let mut st = pop.lock();
                        if st.closing {
                            break;
                        }
                        st.tenants.get_mut(&tenant_id).expect("tenant state").spares.push(inst);
                    }
                    Err(f) => {
                        pop.record(tenant, &id, "spare-fill", "pool", started_epoch, ms_since(started), vec![], Some(f.to_string()), aid);
                        // A broken workload must not turn every request into a background activation.
                        pop.lock().tenants.get_mut(&tenant_id).expect("tenant state").spare_retry_at = Some(Instant::now() + pop.request_timeout);
                        break;
                    }
                }
            }
            pop.lock().tenants.get_mut(&tenant_id).expect("tenant state").filling = false;
        });
    }

    /// Drops idle instances past the keep-alive timeout.
    fn expire_idle(&self) {
        let timeout = Duration::from_secs_f64(self.keep.idle_timeout_seconds);
        let mut dropped = Vec::new();
        {
            let mut st = self.lock();
            let mut freed = 0;
            let mut n = 0;
            let ids: Vec<String> = st.tenants.keys().cloned().collect();
            for id in ids {
                let est = self.estimate(&self.tenants[&id].workload);
                let t = st.tenants.get_mut(&id).expect("tenant state");
                while t.idle.front().is_some_and(|i| i.since.elapsed() >= timeout) {
                    if let Some(i) = t.idle.pop_front() {
                        dropped.push(i.inst);
                    }
                    t.live -= 1;
                    freed += est;
                    n += 1;
                }
            }
            st.live_bytes -= freed;
            st.idle_bytes -= freed;
            st.counters.evicted("idle", n);
        }
        if !dropped.is_empty() {
            drop(dropped);
            self.changed.notify_waiters();
        }
    }

    /// Evicts one tenant's instances (or all): idle and spare ones now, busy ones after their request.
    pub fn evict(self: &Arc<Self>, tenant: Option<&str>) -> Result<EvictResult, PopError> {
        if let Some(id) = tenant {
            if !self.tenants.contains_key(id) {
                return Err(PopError::new(404, "unknown-tenant", id, "unknown tenant (not assigned to this PoP)", None));
            }
        }
        let mut dropped = Vec::new();
        let (mut evicted, mut retiring) = (0, 0);
        {
            let mut st = self.lock();
            let ids: Vec<String> = st.tenants.keys().filter(|k| tenant.is_none_or(|t| t == k.as_str())).cloned().collect();
            let mut freed = 0;
            for id in &ids {
                let est = self.estimate(&self.tenants[id].workload);
                let t = st.tenants.get_mut(id).expect("tenant state");
                let idle = t.idle.len();
                retiring += t.live - idle;
                evicted += idle + t.spares.len();
                t.live -= idle;
                t.generation += 1;
                freed += est * idle as u64;
                dropped.extend(t.idle.drain(..).map(|i| i.inst));
                dropped.append(&mut t.spares);
                t.spare_retry_at = None;
            }
            st.live_bytes -= freed;
            st.idle_bytes -= freed;
            st.counters.evicted("command", evicted as u64);
        }
        drop(dropped);
        self.changed.notify_waiters();
        // The spare pool keeps its size: that is what a spare pool is.
        let ids: Vec<String> = self.tenants.keys().filter(|k| tenant.is_none_or(|t| t == k.as_str())).cloned().collect();
        for id in ids {
            self.fill_spares(&id);
        }
        Ok(EvictResult { evicted, retiring })
    }

    /// PopStats now; `drain` also empties the activation log.
    pub fn stats(&self, drain: bool) -> PopStats {
        let mut st = self.lock();
        let mut instances = BTreeMap::new();
        let mut spares = BTreeMap::new();
        for (id, t) in &st.tenants {
            instances.insert(id.clone(), t.live);
            spares.insert(id.clone(), t.spares.len());
        }
        let activations = if drain { std::mem::take(&mut st.log) } else { st.log.clone() };
        PopStats { runtime: self.runtime.clone(), instances, spares, counters: st.counters.clone(), activations }
    }

    /// Ids of idle and spare instances per tenant (the ones a memory report can name).
    pub fn resting_instances(&self) -> Vec<(String, String)> {
        let st = self.lock();
        let mut out = Vec::new();
        for (id, t) in &st.tenants {
            for i in &t.idle {
                out.push((id.clone(), i.inst.id.clone()));
            }
            for s in &t.spares {
                out.push((id.clone(), s.id.clone()));
            }
        }
        out.sort();
        out
    }

    /// The configured tenants.
    pub fn tenant_configs(&self) -> impl Iterator<Item = &TenantConfig> {
        self.tenants.values()
    }
}

#[derive(Debug)]
enum Refused {
    MaxInstances,
    Memory,
}

