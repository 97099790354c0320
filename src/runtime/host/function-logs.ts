import type { LogLine } from '../protocol.ts';

/** One structured log record of a tenant's functions. */
export interface FunctionLogRecord {
  /** Increasing per platform process: `?since=<seq>` returns what came after. */
  seq: number;
  time: string;
  requestId: string;
  function: string;
  /** `console` lines come from the function; `platform` lines from the runtime (start, end, limits). */
  source: 'console' | 'platform';
  level: LogLine['level'];
  message: string;
  /** On `end` records: the answer's status and the call's duration. */
  status?: number;
  durationMs?: number;
}

/** Counters of one function since the platform started. */
export interface FunctionMetrics {
  function: string;
  invocations: number;
  errors: number;
  p50Ms: number | null;
  p99Ms: number | null;
  lastError: { time: string; status: number; message: string } | null;
}

/** Per function: about the last 200 calls' start/end lines plus their console lines. */
const RECORDS_PER_FUNCTION = 500;
const DURATION_SAMPLES = 1000;
/**
 * Bytes of log records one app may hold in memory (all its functions together), and the platform
 * (all apps). Past either, the oldest records go first, from the function (then the app) holding
 * the most, so a chatty function pays for its own noise before anyone else's lines are dropped.
 */
export const APP_LOG_BYTES = 4 * 1024 * 1024;
export const PLATFORM_LOG_BYTES = 256 * 1024 * 1024;
/** What a record costs besides its text (object, fields, ids), roughly. */
const RECORD_OVERHEAD_BYTES = 200;

/** A record's approximate memory: strings are UTF-16 in V8. */
function sizeOf(record: FunctionLogRecord): number {
  return RECORD_OVERHEAD_BYTES + 2 * (record.message.length + record.function.length + record.requestId.length);
}

interface FunctionRing {
  records: FunctionLogRecord[];
  bytes: number;
}
interface AppLogs {
  functions: Map<string, FunctionRing>;
  bytes: number;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

type Listener = (record: FunctionLogRecord) => void;

/**
 * Function logs in a ring per tenant and function (the newest 500 records each, within the app's and
 * the platform's byte budgets: APP_LOG_BYTES, PLATFORM_LOG_BYTES), per-function counters, and live
 * subscribers for `--follow` and the builder.
 */
export class FunctionLogStore {
  private seq = 0;
  private bytes = 0;
  private readonly records = new Map<string, AppLogs>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly metrics = new Map<string, { invocations: number; errors: number; durations: number[]; lastError: FunctionMetrics['lastError'] }>();

  constructor(private readonly budgets: { appBytes: number; platformBytes: number } = { appBytes: APP_LOG_BYTES, platformBytes: PLATFORM_LOG_BYTES }) {}

  add(tenant: string, entry: Omit<FunctionLogRecord, 'seq'>): FunctionLogRecord {
    const record = { seq: ++this.seq, ...entry };
    let app = this.records.get(tenant);
    if (!app) this.records.set(tenant, (app = { functions: new Map(), bytes: 0 }));
    let ring = app.functions.get(entry.function);
    if (!ring) app.functions.set(entry.function, (ring = { records: [], bytes: 0 }));
    const size = sizeOf(record);
    ring.records.push(record);
    ring.bytes += size;
    app.bytes += size;
    this.bytes += size;
    if (ring.records.length > RECORDS_PER_FUNCTION) this.dropOldest(app, ring);
    while (app.bytes > this.budgets.appBytes && app.bytes > size) this.dropOldest(app, largest(app.functions.values()));
    while (this.bytes > this.budgets.platformBytes) {
      const biggest = largest(this.records.values());
      if (biggest.bytes === 0) break;
      this.dropOldest(biggest, largest(biggest.functions.values()));
    }
    for (const listener of this.listeners.get(tenant) ?? []) listener(record);
    return record;
  }

  private dropOldest(app: AppLogs, ring: FunctionRing): void {
    const dropped = ring.records.shift();
    if (!dropped) return;
    const size = sizeOf(dropped);
    ring.bytes -= size;
    app.bytes -= size;
    this.bytes -= size;
  }

  /** Bytes of records held, for one app or the platform. */
  heldBytes(tenant?: string): number {
    return tenant === undefined ? this.bytes : (this.records.get(tenant)?.bytes ?? 0);
  }

  /** Counts one finished call. 5xx answers are errors. */
  count(tenant: string, fn: string, status: number, durationMs: number, message: string): void {
    const key = `${tenant}/${fn}`;
    const m = this.metrics.get(key) ?? { invocations: 0, errors: 0, durations: [], lastError: null };
    m.invocations++;
    m.durations.push(durationMs);
    if (m.durations.length > DURATION_SAMPLES) m.durations.shift();
    if (status >= 500) {
      m.errors++;
      m.lastError = { time: new Date().toISOString(), status, message };
    }
    this.metrics.set(key, m);
  }

  query(tenant: string, options: { function?: string; since?: number; limit?: number } = {}): FunctionLogRecord[] {
    const app = this.records.get(tenant);
    if (!app) return [];
    const lists =
      options.function === undefined ? [...app.functions.values()].map((ring) => ring.records) : [app.functions.get(options.function)?.records ?? []];
    const since = options.since ?? 0;
    const found = lists.flatMap((list) => list.filter((r) => r.seq > since));
    if (lists.length > 1) found.sort((a, b) => a.seq - b.seq);
    return found.slice(-(options.limit ?? 500));
  }

  subscribe(tenant: string, listener: Listener): () => void {
    const set = this.listeners.get(tenant) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(tenant, set);
    return () => set.delete(listener);
  }

  metricsOf(tenant: string, fn: string): FunctionMetrics {
    const m = this.metrics.get(`${tenant}/${fn}`);
    const sorted = [...(m?.durations ?? [])].sort((a, b) => a - b);
    return {
      function: fn,
      invocations: m?.invocations ?? 0,
      errors: m?.errors ?? 0,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      lastError: m?.lastError ?? null,
    };
  }

  forget(tenant: string): void {
    this.bytes -= this.records.get(tenant)?.bytes ?? 0;
    this.records.delete(tenant);
    for (const key of this.metrics.keys()) if (key.startsWith(`${tenant}/`)) this.metrics.delete(key);
  }
}

/** The entry holding the most bytes. */
function largest<T extends { bytes: number }>(entries: Iterable<T>): T {
  let found: T | undefined;
  for (const entry of entries) if (!found || entry.bytes > found.bytes) found = entry;
  return found!;
}
