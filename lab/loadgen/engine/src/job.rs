//! The job file the lab writes (lab/loadgen/job-file.ts): `LABJOB1\n`, a little-endian u32 with
//! the length of a JSON header, the header, then the plan in columns: `count` f64 intended send
//! times (ms from time zero), `count` u32 tenant indices, `count` u32 fixture indices, `count`
//! u8 flags (bit 0 forced cold, bit 1 warm-up).

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use serde::Deserialize;

/// A request the engine can send for one workload fixture.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fixture {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    #[serde(deserialize_with = "base64_bytes")]
    pub body_base64: Vec<u8>,
    pub expect_status: u16,
}

/// A tenant of the plan.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: String,
    pub workload: String,
    /// Its own endpoint, instead of the job's `popUrl` (a plain endpoint per workload).
    pub base_url: Option<String>,
}

/// Everything but the columns.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    /// Base URL of the endpoint; must be a loopback address.
    pub pop_url: String,
    /// `pop`: requests go to `/t/<tenant><path>` (the PoP protocol); `plain`: to `<path>`.
    pub route: String,
    pub tenants: Vec<Tenant>,
    pub fixtures: HashMap<String, Vec<Fixture>>,
    pub span_ms: f64,
    pub warmup_ms: f64,
    pub timeout_ms: f64,
    pub late_threshold_ms: f64,
    pub max_in_flight: usize,
    pub count: usize,
}

/// The whole job.
pub struct Job {
    pub header: Header,
    pub at_ms: Vec<f64>,
    pub tenant: Vec<u32>,
    pub fixture: Vec<u32>,
    pub flags: Vec<u8>,
}

pub const FORCE_COLD: u8 = 1;
pub const WARMUP: u8 = 2;
const MAGIC: &[u8] = b"LABJOB1\n";

fn base64_bytes<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<u8>, D::Error> {
    let s = String::deserialize(d)?;
    base64::engine::general_purpose::STANDARD.decode(s).map_err(serde::de::Error::custom)
}

fn take<'a>(bytes: &'a [u8], at: &mut usize, n: usize, what: &str) -> Result<&'a [u8]> {
    let end = at.checked_add(n).filter(|e| *e <= bytes.len()).with_context(|| format!("job file ends inside its {what} column"))?;
    let out = &bytes[*at..end];
    *at = end;
    Ok(out)
}

/// Parses a job file.
pub fn parse(bytes: &[u8]) -> Result<Job> {
    if !bytes.starts_with(MAGIC) {
        bail!("not a job file (no LABJOB1 header)");
    }
    let mut at = MAGIC.len();
    let len = u32::from_le_bytes(take(bytes, &mut at, 4, "header length")?.try_into()?) as usize;
    let header: Header = serde_json::from_slice(take(bytes, &mut at, len, "header")?).context("job header")?;
    let n = header.count;
    let at_ms = take(bytes, &mut at, n * 8, "send time")?.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
    let tenant: Vec<u32> = take(bytes, &mut at, n * 4, "tenant")?.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect();
    let fixture = take(bytes, &mut at, n * 4, "fixture")?.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect();
    let flags = take(bytes, &mut at, n, "flags")?.to_vec();
    if at != bytes.len() {
        bail!("job file has {} bytes after its columns", bytes.len() - at);
    }
    if let Some(t) = tenant.iter().find(|t| **t as usize >= header.tenants.len()) {
        bail!("job names tenant index {t}, but it has {} tenants", header.tenants.len());
    }
    if header.route != "pop" && header.route != "plain" {
        bail!("job route must be pop or plain, got {}", header.route);
    }
    Ok(Job { header, at_ms, tenant, fixture, flags })
}
