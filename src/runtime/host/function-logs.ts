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

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

type Listener = (record: FunctionLogRecord) => void;

/**
 * Function logs in a ring per tenant and function (the newest 500 records each, so a chatty function
 * cannot push out another's), per-function counters, and live subscribers for `--follow` and the builder.
 */
export class FunctionLogStore {
  private seq = 0;
  private readonly records = new Map<string, Map<string, FunctionLogRecord[]>>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly metrics = new Map<string, { invocations: number; errors: number; durations: number[]; lastError: FunctionMetrics['lastError'] }>();

  add(tenant: string, entry: Omit<FunctionLogRecord, 'seq'>): FunctionLogRecord {
    const record = { seq: ++this.seq, ...entry };
    let byFunction = this.records.get(tenant);
    if (!byFunction) this.records.set(tenant, (byFunction = new Map()));
    let list = byFunction.get(entry.function);
    if (!list) byFunction.set(entry.function, (list = []));
    list.push(record);
    if (list.length > RECORDS_PER_FUNCTION) list.splice(0, list.length - RECORDS_PER_FUNCTION);
    for (const listener of this.listeners.get(tenant) ?? []) listener(record);
    return record;
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
    const byFunction = this.records.get(tenant);
    if (!byFunction) return [];
    const lists = options.function === undefined ? [...byFunction.values()] : [byFunction.get(options.function) ?? []];
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
    return { function: fn, invocations: m?.invocations ?? 0, errors: m?.errors ?? 0, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), lastError: m?.lastError ?? null };
  }

  forget(tenant: string): void {
    this.records.delete(tenant);
    for (const key of this.metrics.keys()) if (key.startsWith(`${tenant}/`)) this.metrics.delete(key);
  }
}
