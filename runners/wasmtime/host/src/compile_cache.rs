//! Components compiled once per artifact and engine: the serialized code is cached on disk under
//! a key made of the component's content hash and the engine's compatibility hash, and loaded
//! with `Component::deserialize_file` (an mmap, no recompilation) by every later run.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// A loaded component and where it came from.
pub struct Compiled {
    pub component: Component,
    /// `sha256:<hex>` of the component file.
    pub digest: String,
    pub cache_file: PathBuf,
    /// True when the cached code was reused (no compilation in this run).
    pub cache_hit: bool,
    pub load_ms: f64,
}

/// The engine part of the cache key: the engine's compatibility hash (wasmtime version and every
/// code-affecting setting). `DefaultHasher` may differ between builds of this binary; that only
/// costs a cache miss, and `deserialize_file` itself rejects incompatible code (we recompile).
fn engine_key(engine: &Engine) -> String {
    let mut h = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    format!("engine-{:016x}", h.finish())
}

/// Loads `file` for `engine`, compiling and caching it on a miss.
pub fn load_component(engine: &Engine, file: &Path, cache_dir: &Path) -> Result<Compiled> {
    let started = Instant::now();
    let bytes = std::fs::read(file).with_context(|| format!("component {}: cannot read it", file.display()))?;
    let hex: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    std::fs::create_dir_all(cache_dir).with_context(|| format!("creating cache dir {}", cache_dir.display()))?;
    let cache_file = cache_dir.join(format!("{}-{}.cwasm", &hex[..32], engine_key(engine)));
    if cache_file.exists() {
        // SAFETY: the file was written by `precompile_component` of an engine with the same
        // compatibility hash (it is in the name) and is only ever replaced atomically.
        match unsafe { Component::deserialize_file(engine, &cache_file) } {
            Ok(component) => {
                return Ok(Compiled { component, digest: format!("sha256:{hex}"), cache_file, cache_hit: true, load_ms: ms(started) });
            }
            Err(e) => eprintln!("compile cache: {} unusable ({e}); recompiling", cache_file.display()),
        }
    }
    let code = engine
        .precompile_component(&bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("component {}: not a valid WebAssembly component for wasmtime", file.display()))?;
    let tmp = cache_file.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&tmp, &code).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &cache_file).with_context(|| format!("renaming into {}", cache_file.display()))?;
    // SAFETY: written just above by this engine.
    let component = unsafe { Component::deserialize_file(engine, &cache_file) }
        .map_err(anyhow::Error::from)
        .with_context(|| format!("loading freshly compiled {}", cache_file.display()))?;
    Ok(Compiled { component, digest: format!("sha256:{hex}"), cache_file, cache_hit: false, load_ms: ms(started) })
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}
