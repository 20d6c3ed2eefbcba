//! What the engine records, apart from how it sends (the bookkeeping the lab's Node generator
//! did before this engine replaced it, field for field): latency histograms from
//! the intended send time per scope (all, warm, cold) and per workload, warm service time (less
//! the PoP's queue wait), each cold response's client latency by activation id, send lateness,
//! per-second series, counts and error samples. Histograms are HDR (microseconds, 3
//! significant digits, auto-resizing) in the compressed base64 form the results model reads.

use std::collections::{BTreeMap, HashMap};

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
use serde::Serialize;
use serde_json::{Value, json};

/// How a request found its instance (`x-lab-activation`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Cold,
    Warm,
    Spare,
}

/// Where one request ended up.
pub enum Outcome {
    Ok { latency_ms: f64, activation: Activation, activation_id: Option<String>, queue_ms: Option<f64> },
    Failed { kind: String, status: Option<u16>, message: String },
}

fn histogram() -> Histogram<u64> {
    Histogram::new(3).expect("3 significant digits is a valid histogram")
}

fn record_ms(h: &mut Histogram<u64>, ms: f64) {
    // Sub-microsecond values round up to 1 us. `record` resizes an auto-resizing histogram;
    // `saturating_record` would clamp to its current (tiny) range instead.
    let us = (ms * 1000.0).round().max(1.0) as u64;
    if h.record(us).is_err() {
        h.saturating_record(us);
    }
}

/// The histogram in HDR's compressed base64 form; empty when nothing was recorded.
pub fn encode(h: &Histogram<u64>) -> String {
    if h.is_empty() {
        return String::new();
    }
    let mut bytes = Vec::new();
    V2DeflateSerializer::new().serialize(h, &mut bytes).expect("serializing into memory cannot fail");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

struct Scopes {
    all: Histogram<u64>,
    warm: Histogram<u64>,
    cold: Histogram<u64>,
}

impl Scopes {
    fn new() -> Scopes {
        Scopes { all: histogram(), warm: histogram(), cold: histogram() }
    }
    fn encode(&self) -> Value {
        json!({ "all": encode(&self.all), "warm": encode(&self.warm), "cold": encode(&self.cold) })
    }
}

struct Second {
    sent: u64,
    completed: u64,
    errors: u64,
    cold: u64,
    h: Histogram<u64>,
}

#[derive(Serialize)]
struct ErrorSample {
    kind: String,
    tenant: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    message: String,
}

/// Live counters for progress lines.
pub struct Progress {
    pub sent: u64,
    pub completed: u64,
    pub errors: u64,
    pub cold: u64,
}

/// One run's measurements.
pub struct Recorder {
    planned: usize,
    late_threshold_ms: f64,
    scopes: Scopes,
    by_workload: BTreeMap<String, Scopes>,
    warm_service: BTreeMap<String, Histogram<u64>>,
    cold_client_ms: HashMap<String, f64>,
    send_lag: Histogram<u64>,
    seconds: Vec<Second>,
    errors: BTreeMap<String, u64>,
    samples: Vec<ErrorSample>,
    completed: u64,
    late: u64,
    warmup_sent: u64,
    cold: u64,
    warm: u64,
    spare: u64,
    forced_cold: u64,
    sent_total: u64,
    error_total: u64,
}

impl Recorder {
    pub fn new(planned: usize, late_threshold_ms: f64) -> Recorder {
        Recorder {
            planned,
            late_threshold_ms,
            scopes: Scopes::new(),
            by_workload: BTreeMap::new(),
            warm_service: BTreeMap::new(),
            cold_client_ms: HashMap::new(),
            send_lag: histogram(),
            seconds: Vec::new(),
            errors: BTreeMap::new(),
            samples: Vec::new(),
            completed: 0,
            late: 0,
            warmup_sent: 0,
            cold: 0,
            warm: 0,
            spare: 0,
            forced_cold: 0,
            sent_total: 0,
            error_total: 0,
        }
    }

    fn second(&mut self, at_ms: f64) -> &mut Second {
        let i = (at_ms / 1000.0).floor().max(0.0) as usize;
        while self.seconds.len() <= i {
            self.seconds.push(Second { sent: 0, completed: 0, errors: 0, cold: 0, h: histogram() });
        }
        &mut self.seconds[i]
    }

    /// A request left the engine `lag_ms` after its intended time.
    pub fn sent(&mut self, at_ms: f64, lag_ms: f64, warmup: bool, forced_cold: bool) {
        self.sent_total += 1;
        if warmup {
            self.warmup_sent += 1;
            return;
        }
        record_ms(&mut self.send_lag, lag_ms.max(0.0));
        if lag_ms > self.late_threshold_ms {
            self.late += 1;
        }
        if forced_cold {
            self.forced_cold += 1;
        }
        self.second(at_ms).sent += 1;
    }

    /// A cold response arrived (warm-up ones too): its client latency, by activation record id.
    pub fn cold_answered(&mut self, activation_id: &str, latency_ms: f64) {
        self.cold_client_ms.insert(activation_id.to_string(), latency_ms);
    }

    /// A measured request finished (warm-up requests are not passed here).
    pub fn finished(&mut self, at_ms: f64, workload: &str, tenant: &str, outcome: Outcome) {
        match outcome {
            Outcome::Failed { kind, status, message } => {
                self.error_total += 1;
                self.second(at_ms).errors += 1;
                *self.errors.entry(kind.clone()).or_insert(0) += 1;
                if self.samples.iter().filter(|s| s.kind == kind).count() < 3 {
                    self.samples.push(ErrorSample { kind, tenant: tenant.to_string(), status, message: message.chars().take(300).collect() });
                }
            }
            Outcome::Ok { latency_ms, activation, queue_ms, .. } => {
                self.completed += 1;
                let is_cold = activation == Activation::Cold;
                {
                    let sec = self.second(at_ms);
                    sec.completed += 1;
                    if is_cold {
                        sec.cold += 1;
                    }
                    record_ms(&mut sec.h, latency_ms);
                }
                match activation {
                    Activation::Cold => self.cold += 1,
                    Activation::Spare => self.spare += 1,
                    Activation::Warm => {
                        self.warm += 1;
                        record_ms(self.warm_service.entry(workload.to_string()).or_insert_with(histogram), latency_ms - queue_ms.unwrap_or(0.0));
                    }
                }
                let w = self.by_workload.entry(workload.to_string()).or_insert_with(Scopes::new);
                for s in [&mut self.scopes, w] {
                    record_ms(&mut s.all, latency_ms);
                    record_ms(if is_cold { &mut s.cold } else { &mut s.warm }, latency_ms);
                }
            }
        }
    }

    pub fn progress(&self) -> Progress {
        Progress { sent: self.sent_total, completed: self.completed, errors: self.error_total, cold: self.cold }
    }

    /// The report, in the shape of lab/loadgen/protocol.ts `LoadReport`.
    pub fn report(&self, epochs: (f64, f64, f64), warmup_ms: f64, span_ms: f64, interrupted: bool, unfinished: u64) -> Value {
        let (start, measure_start, end) = epochs;
        let by_workload: serde_json::Map<String, Value> = self.by_workload.iter().map(|(k, v)| (k.clone(), v.encode())).collect();
        let warm_service: serde_json::Map<String, Value> = self.warm_service.iter().map(|(k, h)| (k.clone(), Value::String(encode(h)))).collect();
        let timeseries: Vec<Value> = self
            .seconds
            .iter()
            .enumerate()
            .map(|(second, s)| json!({ "second": second, "sent": s.sent, "completed": s.completed, "errors": s.errors, "cold": s.cold, "hdr": encode(&s.h) }))
            .collect();
        let mut errors = self.errors.clone();
        if unfinished > 0 {
            *errors.entry("interrupted".to_string()).or_insert(0) += unfinished;
        }
        let measured_end = if interrupted { span_ms.min(end - start) } else { span_ms };
        json!({
            "type": "report",
            "startEpochMs": start,
            "measureStartEpochMs": measure_start,
            "endEpochMs": end,
            "interrupted": interrupted,
            "latency": self.scopes.encode(),
            "byWorkload": by_workload,
            "warmServiceByWorkload": warm_service,
            "coldClientMs": self.cold_client_ms,
            "sendLag": encode(&self.send_lag),
            "counts": {
                "planned": self.planned,
                "completed": self.completed,
                "late": self.late,
                "warmup": self.warmup_sent,
                "cold": self.cold,
                "warm": self.warm,
                "spare": self.spare,
                "forcedCold": self.forced_cold,
                "notSent": self.planned as u64 - self.sent_total,
                "errors": errors,
            },
            "measuredSeconds": ((measured_end - warmup_ms) / 1000.0).max(0.0),
            "timeseries": timeseries,
            "errorSamples": self.samples,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_resize_instead_of_clamping() {
        let mut h = histogram();
        record_ms(&mut h, 0.0001);
        record_ms(&mut h, 20.0);
        record_ms(&mut h, 300_000.0);
        assert_eq!(h.min(), 1);
        assert!(h.equivalent(h.value_at_quantile(0.5), 20_000));
        assert!(h.equivalent(h.max(), 300_000_000));
        assert!(encode(&h).starts_with("HISTF"));
        assert_eq!(encode(&histogram()), "");
    }
}
