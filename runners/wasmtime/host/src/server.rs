//! The PoP HTTP front (runners/contract.ts): tenant routing under /t/<tenant>/, the lab
//! headers, and the /_lab/* control endpoints, on hyper 1 over 127.0.0.1.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::contract::PopError;
use crate::memory_report::MemoryProbe;
use crate::pool::Pop;
use crate::request::{FORCE_COLD, HOP_BY_HOP, guest_request, split_tenant_path};

type Resp = Response<Full<Bytes>>;

/// Binds 127.0.0.1 on a free port.
pub async fn bind() -> Result<(TcpListener, SocketAddr)> {
    let l = TcpListener::bind("127.0.0.1:0").await.context("binding 127.0.0.1:0")?;
    let addr = l.local_addr().context("reading the bound address")?;
    Ok((l, addr))
}

/// Accepts connections until the process exits.
pub async fn serve(listener: TcpListener, pop: Arc<Pop>, probe: Arc<MemoryProbe>) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                // EMFILE and friends: back off briefly instead of spinning.
                eprintln!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let pop = Arc::clone(&pop);
        let probe = Arc::clone(&probe);
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let pop = Arc::clone(&pop);
                let probe = Arc::clone(&probe);
                async move { Ok::<_, Infallible>(route(pop, probe, req).await) }
            });
            if let Err(e) = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), svc).await {
                if !e.is_incomplete_message() {
                    eprintln!("connection error: {e}");
                }
            }
        });
    }
}

async fn route(pop: Arc<Pop>, probe: Arc<MemoryProbe>, req: Request<Incoming>) -> Resp {
    let arrived = Instant::now();
    let pq = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    if pq.starts_with("/t/") {
        return tenant_request(pop, req, &pq, arrived).await;
    }
    let (path, query) = pq.split_once('?').unwrap_or((&pq, ""));
    let method = req.method().clone();
    match path {
        "/_lab/health" => text(StatusCode::OK, "ok", &[]),
        "/_lab/stats" if method == hyper::Method::GET => {
            let drain = query.split('&').any(|kv| kv == "drain=1" || kv == "drain=true");
            json(&pop.stats(drain))
        }
        "/_lab/memory" if method == hyper::Method::GET => match probe.report(&pop).await {
            Ok(r) => json(&r),
            Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, &format!("memory report failed: {e:#}"), &[("x-lab-error", "internal")]),
        },
        "/_lab/evict" if method == hyper::Method::POST => {
            let body = match req.into_body().collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => return text(StatusCode::BAD_REQUEST, &format!("evict: reading body: {e}"), &[("x-lab-error", "bad-request")]),
            };
            let tenant = match parse_evict(&body) {
                Ok(t) => t,
                Err(msg) => return text(StatusCode::BAD_REQUEST, msg, &[("x-lab-error", "bad-request")]),
            };
            match pop.evict(tenant.as_deref()) {
                Ok(r) => json(&r),
                Err(e) => pop_error(e),
            }
        }
        "/_lab/stats" | "/_lab/memory" => text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed (use GET)", &[("allow", "GET"), ("x-lab-error", "bad-request")]),
        "/_lab/evict" => text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed (use POST)", &[("allow", "POST"), ("x-lab-error", "bad-request")]),
        _ => text(StatusCode::NOT_FOUND, &format!("no such PoP endpoint: {path} (tenant requests go to /t/<tenant>/<path>)"), &[("x-lab-error", "not-found")]),
    }
}

/// `{}` or `{"tenant": "<id>"}`; an empty body means all tenants.
fn parse_evict(body: &[u8]) -> Result<Option<String>, &'static str> {
    let text = std::str::from_utf8(body).map_err(|_| "evict: body must be JSON {\"tenant\"?: string}")?.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let v: serde_json::Value = serde_json::from_str(text).map_err(|_| "evict: body must be JSON {\"tenant\"?: string}")?;
    match v.get("tenant") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err("evict: \"tenant\" must be a string"),
    }
}

async fn tenant_request(pop: Arc<Pop>, req: Request<Incoming>, pq: &str, arrived: Instant) -> Resp {
    let Some((tenant, path)) = split_tenant_path(pq) else {
        return text(StatusCode::BAD_REQUEST, "tenant (none): bad tenant URL", &[("x-lab-error", "bad-request")]);
    };
    if tenant.is_empty() {
        return text(StatusCode::BAD_REQUEST, "tenant (none): the URL names no tenant (/t/<tenant>/<path>)", &[("x-lab-error", "bad-request")]);
    }
    let force_cold = req.headers().get(FORCE_COLD).is_some_and(|v| v.as_bytes() == b"1");
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return text(StatusCode::BAD_REQUEST, &format!("tenant {tenant}: reading the request body: {e}"), &[("x-lab-error", "bad-request")]),
    };
    let authority = parts.headers.get(hyper::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1").to_string();
    let headers = parts.headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes()));
    let guest_req = match guest_request(parts.method.as_str(), &path, headers, body, &authority) {
        Ok(r) => r,
        Err(e) => return text(StatusCode::BAD_REQUEST, &format!("tenant {tenant}: {e:#}"), &[("x-lab-error", "bad-request")]),
    };
    match pop.handle(&tenant, guest_req, force_cold, arrived).await {
        Ok(served) => {
            let r = served.response;
            let mut b = Response::builder().status(r.status);
            for (k, v) in r.headers.iter() {
                if !HOP_BY_HOP.contains(&k.as_str()) {
                    b = b.header(k, v);
                }
            }
            b = b.header("content-length", r.body.len()).header("x-lab-activation", served.assigned.activation).header("x-lab-instance", served.assigned.instance.as_str());
            if let Some(aid) = &served.assigned.activation_id {
                b = b.header("x-lab-activation-id", aid.as_str());
            }
            if served.waited_ms > 0.0 {
                b = b.header("x-lab-queue-ms", format!("{:.3}", served.waited_ms));
            }
            b.body(Full::new(r.body)).unwrap_or_else(|e| {
                pop_error(PopError::new(502, "crash", &tenant, format!("guest response is not valid HTTP: {e}"), Some(served.assigned)))
            })
        }
        Err(e) => pop_error(e),
    }
}

fn pop_error(e: PopError) -> Resp {
    let mut headers: Vec<(&str, String)> = vec![("x-lab-error", e.kind.to_string())];
    if let Some(a) = &e.assigned {
        headers.push(("x-lab-activation", a.activation.to_string()));
        headers.push(("x-lab-instance", a.instance.clone()));
        if let Some(id) = &a.activation_id {
            headers.push(("x-lab-activation-id", id.clone()));
        }
    }
    let refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    text(StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), &e.message, &refs)
}

fn text(status: StatusCode, msg: &str, headers: &[(&str, &str)]) -> Resp {
    let body = Bytes::from(format!("{msg}\n"));
    let mut b = Response::builder().status(status).header("content-type", "text/plain; charset=utf-8").header("content-length", body.len());
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Full::new(body)).unwrap_or_else(|_| Response::new(Full::new(Bytes::from_static(b"internal error\n"))))
}

fn json<T: serde::Serialize>(v: &T) -> Resp {
    match serde_json::to_vec(v) {
        Ok(body) => Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "application/json")
            .header("content-length", body.len())
            .body(Full::new(Bytes::from(body)))
            .unwrap_or_else(|_| Response::new(Full::new(Bytes::new()))),
        Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, &format!("serializing: {e}"), &[("x-lab-error", "internal")]),
    }
}
