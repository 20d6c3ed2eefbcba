//! The Wasmtime engine of the PoP: pooling instance allocator with copy-on-write memory images,
//! epoch interruption driven by a ticker thread.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};


/// One epoch tick: the resolution of guest deadlines and of scheduler yields.
pub const EPOCH_TICK: Duration = Duration::from_millis(1);

/// Memories and tables one component may hold. StarlingMonkey components have one linear
/// memory; componentize-js adds small shim modules with tables only.
const MEMORIES_PER_COMPONENT: u32 = 2;
const TABLES_PER_COMPONENT: u32 = 8;
/// Per-instance metadata size a pool slot allows (vmctx of a SpiderMonkey-sized module fits).
const MAX_INSTANCE_SIZE: usize = 8 << 20;

/// Builds the engine. Every setting that changes generated code is part of the precompile
/// cache key through `Engine::precompile_compatibility_hash`.
pub fn build_engine(pool_instances: u32, instance_memory_mib: u64) -> Result<Engine> {
    let mut pool = PoolingAllocationConfig::new();
    let n = pool_instances;
    pool.total_component_instances(n)
        // componentize-js components instantiate several core modules (guest + shims).
        .total_core_instances(n.saturating_mul(8))
        .total_memories(n.saturating_mul(MEMORIES_PER_COMPONENT))
        .total_tables(n.saturating_mul(TABLES_PER_COMPONENT))
        .total_stacks(n)
        .max_memories_per_component(MEMORIES_PER_COMPONENT)
        .max_tables_per_component(TABLES_PER_COMPONENT)
        .max_core_instance_size(MAX_INSTANCE_SIZE)
        .max_component_instance_size(MAX_INSTANCE_SIZE)
        // The slot's size bounds one memory; StoreLimits bounds the instance (all memories).
        .max_memory_size(usize::try_from(instance_memory_mib << 20).context("instanceMemoryMiB too large")?);

    let mut config = Config::new();
    config
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
        // Data segments are mapped from a memfd image and copied on write: instantiation does
        // not copy the multi-MB SpiderMonkey heap snapshot.
        .memory_init_cow(true)
        .epoch_interruption(true)
        .parallel_compilation(true);
    Engine::new(&config).map_err(anyhow::Error::from).context("creating the Wasmtime engine (pooling allocator)")
}

/// Advances the engine's epoch every `EPOCH_TICK` on a thread of its own, for the life of the process.
pub fn start_epoch_ticker(engine: &Engine) {
    let engine = Arc::new(engine.clone());
    std::thread::Builder::new()
        .name("epoch-ticker".into())
        .spawn(move || {
            loop {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .expect("spawning the epoch ticker thread");
}
