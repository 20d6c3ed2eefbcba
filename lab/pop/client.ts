/** Client for a PoP endpoint's /_lab/* control endpoints, used by the lab's orchestrator and tests. */
import type { MemoryReport, PopStats } from './contract.js';
import { RuntimeFailure } from '../errors.js';

/** What `POST /_lab/evict` answers. */
export interface EvictResponse {
  /** Idle and spare instances disposed. */
  evicted: number;
  /** Busy instances that go when their request finishes. */
  retiring: number;
}

/** Per-call deadlines, milliseconds. */
export interface PopClientTimeouts {
  /** For evict, stats and health. */
  controlMs: number;
  /** For the memory report, which measures every instance. */
  memoryMs: number;
}

const DEFAULT_TIMEOUTS: PopClientTimeouts = { controlMs: 10_000, memoryMs: 60_000 };
/** Health polling starts fast (a PoP is usually up within milliseconds) and backs off to this. */
const HEALTH_POLL_MAX_MS = 200;

/** Talks to one PoP endpoint. */
export class PopClient {
  private readonly timeouts: PopClientTimeouts;

  constructor(
    readonly baseUrl: string,
    timeouts: Partial<PopClientTimeouts> = {},
  ) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...timeouts };
  }

  /** Evicts one tenant's instances, or every tenant's. */
  evict(tenant?: string): Promise<EvictResponse> {
    return this.json<EvictResponse>('/_lab/evict', this.timeouts.controlMs, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(tenant === undefined ? {} : { tenant }),
    });
  }

  /** Live instances, counters and the activation log; `drain` also clears the log on the PoP. */
  stats(opts: { drain?: boolean } = {}): Promise<PopStats> {
    return this.json<PopStats>(`/_lab/stats${opts.drain ? '?drain=1' : ''}`, this.timeouts.controlMs);
  }

  /** Measures memory of every live instance. */
  memory(): Promise<MemoryReport> {
    return this.json<MemoryReport>('/_lab/memory', this.timeouts.memoryMs);
  }

  /** Whether /_lab/health answers 200 now. */
  async healthy(): Promise<boolean> {
    try {
      const res = await fetch(new URL('/_lab/health', this.baseUrl), { signal: AbortSignal.timeout(this.timeouts.controlMs) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }

  /** Resolves once /_lab/health answers 200; rejects after `timeoutMs` naming the URL. */
  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let pause = 5;
    for (;;) {
      if (await this.healthy()) return;
      if (Date.now() >= deadline) throw new RuntimeFailure(`PoP ${this.baseUrl} not healthy within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, Math.min(pause, Math.max(0, deadline - Date.now()))));
      pause = Math.min(pause * 2, HEALTH_POLL_MAX_MS);
    }
  }

  private async json<T>(path: string, timeoutMs: number, init: RequestInit = {}): Promise<T> {
    const url = new URL(path, this.baseUrl);
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw new RuntimeFailure(`PoP ${url}: ${(e as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) throw new RuntimeFailure(`PoP ${url}: HTTP ${res.status}: ${text.trim()}`);
    return JSON.parse(text) as T;
  }
}
