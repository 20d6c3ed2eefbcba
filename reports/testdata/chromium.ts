/**
 * TEST-ONLY: drives Debian's headless Chromium over the DevTools protocol on a pipe
 * (`--remote-debugging-pipe`: JSON messages separated by NUL on fds 3 and 4), so the report
 * acceptance test needs no npm package, no websocket and no downloaded browser. Networking is
 * disabled three ways: an unreachable proxy, a resolver that resolves nothing, and DevTools
 * offline emulation; every request that is not a file:// URL is recorded so the test can fail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Readable, Writable } from 'node:stream';

/** Where Debian's chromium package installs the browser. */
export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/** What the page did while it was open. */
export interface PageCheck {
  /** Console messages of level error, uncaught exceptions and error log entries. */
  errors: string[];
  /** Every URL the page tried to load other than file:// and data:. */
  externalRequests: string[];
  /** The value of the evaluated expression. */
  evaluation: unknown;
  screenshotPng: Buffer;
  pdf: Buffer;
}

type Message = { id?: number; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { message: string }; sessionId?: string };

class Pipe {
  private nextId = 1;
  private buffer = '';
  private pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private listeners: ((m: Message) => void)[] = [];
  constructor(
    private readonly out: Writable,
    input: Readable,
  ) {
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      this.buffer += chunk;
      let i: number;
      while ((i = this.buffer.indexOf('\0')) >= 0) {
        const msg = JSON.parse(this.buffer.slice(0, i)) as Message;
        this.buffer = this.buffer.slice(i + 1);
        if (msg.id !== undefined && this.pending.has(msg.id)) {
          const p = this.pending.get(msg.id)!;
          this.pending.delete(msg.id);
          if (msg.error) p.reject(new Error(msg.error.message));
          else p.resolve(msg.result ?? {});
        } else for (const l of this.listeners) l(msg);
      }
    });
  }
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    this.out.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }
  on(l: (m: Message) => void): void {
    this.listeners.push(l);
  }
  failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

/** The message a test shows when the browser is missing. */
export function chromiumMissingMessage(): string {
  return `headless Chromium not found at ${CHROMIUM}: run scripts/setup-chromium.sh (installs Debian's chromium package)`;
}

/**
 * Opens `file` in a fresh headless Chromium with networking disabled, evaluates `expression`
 * after the load event, takes a full-page screenshot and prints to PDF.
 */
export async function checkPageInChromium(file: string, expression: string, timeoutMs = 60_000): Promise<PageCheck> {
  if (!existsSync(CHROMIUM)) throw new Error(chromiumMissingMessage());
  const profile = mkdtempSync(join(tmpdir(), 'lab-chromium-'));
  const child: ChildProcess = spawn(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-extensions',
      '--disable-dev-shm-usage',
      `--user-data-dir=${profile}`,
      '--proxy-server=http://127.0.0.1:9',
      '--host-resolver-rules=MAP * ~NOTFOUND',
      '--remote-debugging-pipe',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const pipe = new Pipe(child.stdio[3] as Writable, child.stdio[4] as Readable);
  const exited = new Promise<never>((_, reject) =>
    child.on('exit', (code) => {
      const e = new Error(`chromium exited (code ${code}) before the check finished; stderr tail:\n${stderr}`);
      pipe.failAll(e);
      reject(e);
    }),
  );
  exited.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`chromium check timed out after ${timeoutMs} ms; stderr tail:\n${stderr}`)), timeoutMs);
  });
  const errors: string[] = [];
  const externalRequests: string[] = [];
  try {
    const work = async (): Promise<PageCheck> => {
      const { targetId } = (await pipe.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
      const { sessionId } = (await pipe.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
      let loaded: () => void = () => undefined;
      const loadFired = new Promise<void>((resolve) => (loaded = resolve));
      pipe.on((m) => {
        if (m.sessionId !== sessionId || !m.method) return;
        const p = m.params ?? {};
        if (m.method === 'Page.loadEventFired') loaded();
        if (m.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert')) {
          errors.push(`console.${String(p.type)}: ${JSON.stringify((p.args as { value?: unknown; description?: string }[]).map((a) => a.value ?? a.description))}`);
        }
        if (m.method === 'Runtime.exceptionThrown') errors.push(`exception: ${JSON.stringify((p.exceptionDetails as { text?: string; exception?: { description?: string } })?.exception?.description ?? p.exceptionDetails)}`);
        if (m.method === 'Log.entryAdded') {
          const e = p.entry as { level: string; text: string; url?: string };
          if (e.level === 'error') errors.push(`log: ${e.text}${e.url ? ` (${e.url})` : ''}`);
        }
        if (m.method === 'Network.requestWillBeSent') {
          const url = (p.request as { url: string }).url;
          if (!url.startsWith('file:') && !url.startsWith('data:') && url !== 'about:blank') externalRequests.push(url);
        }
      });
      for (const d of ['Runtime.enable', 'Log.enable', 'Page.enable', 'Network.enable']) await pipe.send(d, {}, sessionId);
      await pipe.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 }, sessionId);
      await pipe.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
      const nav = (await pipe.send('Page.navigate', { url: pathToFileURL(file).href }, sessionId)) as { errorText?: string };
      if (nav.errorText) throw new Error(`navigation failed: ${nav.errorText}`);
      await loadFired;
      const ev = (await pipe.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, sessionId)) as { result: { value: unknown }; exceptionDetails?: unknown };
      if (ev.exceptionDetails) throw new Error(`evaluation failed: ${JSON.stringify(ev.exceptionDetails)}`);
      const metrics = (await pipe.send('Page.getLayoutMetrics', {}, sessionId)) as { cssContentSize: { width: number; height: number } };
      const { width, height } = metrics.cssContentSize;
      const shot = (await pipe.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { x: 0, y: 0, width: Math.ceil(width), height: Math.ceil(height), scale: 1 } }, sessionId)) as { data: string };
      const pdf = (await pipe.send('Page.printToPDF', { printBackground: false, preferCSSPageSize: true }, sessionId)) as { data: string };
      return { errors, externalRequests, evaluation: ev.result.value, screenshotPng: Buffer.from(shot.data, 'base64'), pdf: Buffer.from(pdf.data, 'base64') };
    };
    return await Promise.race([work(), exited, timeout]);
  } finally {
    clearTimeout(timer);
    await pipe.send('Browser.close').catch(() => undefined);
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(kill);
    }
    rmSync(profile, { recursive: true, force: true });
  }
}
