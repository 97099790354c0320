import { TesseraError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { HostMessage, LogLine, SandboxMessage, SandboxRequest, SandboxResponse, SandboxUser } from '../protocol.ts';
import type { SandboxConnection, SandboxExit } from './connection.ts';
import { startReadySandbox, type SandboxPool, type SandboxSettings } from './pool.ts';
import type { EgressRequest } from '../../egress/index.ts';

/** V8 code caches of one tenant's functions by bundle hash, for its later processes. */
export interface CodeCacheStore {
  get(hash: string): Uint8Array | undefined;
  set(hash: string, cache: Uint8Array): void;
}

/** Which of the app's databases a call uses: the live one (its live origin) or the draft's (the draft origin, the agent's checks). */
export type DatabaseKind = 'live' | 'draft';

/** The database operations a tenant's functions may use (`@tessera/db`); errors should be TesseraErrors. */
export interface TenantDbAccess {
  query(sql: string, params?: unknown): Promise<unknown[]>;
  execute(sql: string, params?: unknown): Promise<unknown>;
}

/** What a sandbox answered to a request. */
export type Answer =
  | { kind: 'result'; response: SandboxResponse; logs: LogLine[] }
  | { kind: 'loaded'; logs: LogLine[] }
  | { kind: 'rendered'; html: string; logs: LogLine[] }
  | { kind: 'missing-code' };
/** An answer, or the error that ended the request (time limit, crash, the function's own failure). */
export type Outcome = { ok: true; answer: Answer } | { ok: false; error: TesseraError; logs: LogLine[] };

interface Pending {
  label: string;
  connection: SandboxConnection;
  /** The function call this request is (for egress log lines), and the database its `@tessera/db` calls use. */
  call?: { fn: string; requestId: string; database: DatabaseKind };
  settle(outcome: Outcome): void;
}

/** An outbound request a function made with fetch(), as the egress proxy gets it (declared there). */
export type { EgressRequest };
export type EgressReply = Omit<Extract<HostMessage, { type: 'fetch-reply'; ok: true }>, 'type' | 'callId' | 'ok'>;
/** Makes a function's outbound request, or throws an Error whose message the function sees (host and reason). */
export type EgressHandler = (call: { fn: string; requestId: string }, request: EgressRequest) => Promise<EgressReply>;
/** Checks and sends a function's mail (`@tessera/email`, its argument as JSON) and returns its id; throws a TesseraError the function sees. */
export type EmailHandler = (call: { fn: string; requestId: string }, mail: string) => Promise<{ id: string }>;
/** The tenant's secrets and their version (see SecretStore). */
export type SecretsProvider = () => Promise<{ version: string; values: Readonly<Record<string, string>> }>;

/**
 * After a process ends abnormally (crash, out of memory, time limit, a bad message), the tenant's next
 * process starts only after this delay, doubled for each further abnormal end in a row (up to the
 * maximum) and forgotten after a normal answer: every start forks the platform, which stalls it for
 * a moment, so a tenant must not be able to make it fork in a tight loop.
 */
const RESTART_DELAY_MS = 250;
const RESTART_DELAY_MAX_MS = 16_000;

/** Database calls of one tenant in flight at once, and their bytes; more are refused (a loop of un-awaited queries, huge parameters). */
const MAX_DB_IN_FLIGHT = 32;
const MAX_DB_BYTES_IN_FLIGHT = 64 * 1024 * 1024;

/** What a tenant's sandbox needs from the runtime. */
export interface TenantSandboxOptions {
  settings: SandboxSettings;
  timeoutMs: number;
  /** The tenant's live or draft database: each call says which (see DatabaseKind). */
  db: (kind: DatabaseKind) => TenantDbAccess;
  idleMs: number;
  pool?: SandboxPool;
  logger?: Logger;
  /** Console lines a function printed after its call had answered. */
  onLateLogs(fn: string, requestId: string, logs: LogLine[]): void;
  /** Where trusted code caches go and come from; none: every process compiles for itself. */
  codeCaches?: CodeCacheStore;
  /** The tenant's secrets (`@tessera/secrets`); none: every secret is missing. */
  secrets?: SecretsProvider;
  /** Outbound fetch(); none: every outbound request is refused. */
  egress?: EgressHandler;
  /** `@tessera/email`; none: every mail is refused. */
  email?: EmailHandler;
}

function describeExit(exit: SandboxExit, memoryMb: number): string {
  const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
  if (exit.stoppedBecause) return exit.stoppedBecause;
  if (exit.signal === 'SIGABRT' || exit.code === 134 || /heap out of memory|Allocation failed/i.test(exit.stderr)) {
    return `The function process of this app ran out of memory (its heap limit is ${memoryMb} MB) and was stopped (${how}).`;
  }
  return `The function process of this app crashed or exited (${how}); a function must not call process.exit().`;
}

/** One tenant's sandbox process (started lazily, replaced after a crash, stopped when idle) and its calls in flight. */
export class TenantSandbox {
  private connection: SandboxConnection | null = null;
  private starting: Promise<SandboxConnection> | null = null;
  private readonly pending = new Map<number, Pending>();
  private idleTimer: NodeJS.Timeout | null = null;
  private nextId = 1;
  private dbInFlight = 0;
  private abnormalExits = 0;
  private restartAt = 0;
  /** Processes stopped on purpose (idle, the app stopped, shutdown): their end is not abnormal. */
  private readonly stoppedOnPurpose = new WeakSet<SandboxConnection>();
  private dbBytesInFlight = 0;
  /** Which functions (name + hash) and whether React were already sent to each process. */
  private readonly sent = new WeakMap<SandboxConnection, Set<string>>();
  private readonly vendorSent = new WeakSet<SandboxConnection>();
  /** Which version of the tenant's secrets each process holds. */
  private readonly secretsSent = new WeakMap<SandboxConnection, string>();
  private readonly invoked = new WeakMap<SandboxConnection, Set<string>>();
  /** Per process: the hash of the first thing it was asked to run, and whether it has said anything since 'ready'. */
  private readonly firstContact = new WeakMap<SandboxConnection, { firstHash?: string; heardFrom: boolean }>();

  constructor(
    private readonly tenant: string,
    private readonly options: TenantSandboxOptions,
  ) {}

  private current(): Promise<SandboxConnection> {
    if (this.connection?.alive) return Promise.resolve(this.connection);
    this.starting ??= (async () => {
      const wait = this.restartAt - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const connection = this.options.pool?.take() ?? (await startReadySandbox(this.options.settings));
      connection.onMessage((message, bytes) => this.onMessage(connection, message, bytes));
      connection.onExit((exit) => this.onExit(connection, exit));
      if (!connection.alive) throw new TesseraError('RUNTIME_UNAVAILABLE', `The function process of "${this.tenant}" stopped before its first call.`);
      this.connection = connection;
      return connection;
    })().finally(() => (this.starting = null));
    return this.starting;
  }

  private onMessage(connection: SandboxConnection, message: SandboxMessage, bytes: number): void {
    if (message.type === 'ready') return;
    const contact = this.firstContact.get(connection) ?? { heardFrom: true };
    const pristine = !contact.heardFrom;
    contact.heardFrom = true;
    // Only a cache from a process that had run no tenant code yet: its first word, about its first call.
    if (message.type === 'code-cache')
      return void (pristine && message.data && message.hash === contact.firstHash && this.options.codeCaches?.set(message.hash, message.data));
    if (message.type === 'db') return this.onDbCall(connection, message, bytes);
    if (message.type === 'fetch') return this.onFetch(connection, message);
    if (message.type === 'email') return this.onEmail(connection, message);
    // The names are the tenant's to choose: only functions this process was asked to run get log lines.
    if (message.type === 'late-logs')
      return void (this.invoked.get(connection)?.has(message.fn) && this.options.onLateLogs(message.fn, message.requestId, message.logs));
    const pending = this.pending.get(message.id);
    // Only the process that got the call may answer it.
    if (!pending || pending.connection !== connection) return;
    if (message.type === 'result') this.abnormalExits = 0;
    if (message.type === 'result') return pending.settle({ ok: true, answer: { kind: 'result', response: message.response, logs: message.logs } });
    if (message.type === 'loaded') return pending.settle({ ok: true, answer: { kind: 'loaded', logs: message.logs } });
    if (message.type === 'rendered') return pending.settle({ ok: true, answer: { kind: 'rendered', html: message.html, logs: message.logs } });
    if (message.type === 'missing-code') return pending.settle({ ok: true, answer: { kind: 'missing-code' } });
    const details = message.location ? { details: { ...message.location } } : {};
    pending.settle({ ok: false, error: new TesseraError(message.code, message.message, details), logs: message.logs });
  }

  private onDbCall(connection: SandboxConnection, message: Extract<SandboxMessage, { type: 'db' }>, bytes: number): void {
    const reply = (m: HostMessage): void => {
      try {
        connection.send(m);
      } catch (err) {
        connection.send({
          type: 'db-reply',
          callId: message.callId,
          ok: false,
          message: `The database answer cannot be sent to the function: ${(err as Error).message}`,
        });
      }
    };
    const fail = (text: string, code?: string) => reply({ type: 'db-reply', callId: message.callId, ok: false, message: text, ...(code ? { code } : {}) });
    // Only a call in flight, in this process, may touch the database: the one that call is for.
    const pending = this.pending.get(message.id);
    if (pending?.connection !== connection) return fail('@tessera/db: this call belongs to a request that has already been answered.');
    if (!pending.call) return fail('@tessera/db: the database can be used while a function handles a request, not while it is loaded or rendered.');
    if (this.dbInFlight >= MAX_DB_IN_FLIGHT) return fail(`@tessera/db: more than ${MAX_DB_IN_FLIGHT} database calls at once; await them in turn.`);
    if (this.dbBytesInFlight + bytes > MAX_DB_BYTES_IN_FLIGHT)
      return fail(
        `@tessera/db: the database calls in flight carry more than ${MAX_DB_BYTES_IN_FLIGHT / 1024 / 1024} MB of SQL and parameters; send less at once.`,
      );
    this.dbInFlight++;
    this.dbBytesInFlight += bytes;
    const access = this.options.db(pending.call.database);
    // Through a promise: an access layer that throws synchronously must not throw here, in a stream handler.
    Promise.resolve()
      .then(() => (message.op === 'query' ? access.query(message.sql, message.params) : access.execute(message.sql, message.params)))
      .then(
        (value) => reply({ type: 'db-reply', callId: message.callId, ok: true, value }),
        (err: unknown) => (err instanceof TesseraError ? fail(err.message, err.code) : fail(err instanceof Error ? err.message : String(err))),
      )
      .finally(() => {
        this.dbInFlight--;
        this.dbBytesInFlight -= bytes;
      });
  }

  private onFetch(connection: SandboxConnection, message: Extract<SandboxMessage, { type: 'fetch' }>): void {
    const fail = (text: string): void => void connection.send({ type: 'fetch-reply', callId: message.callId, ok: false, message: text });
    const pending = this.pending.get(message.id);
    // Only a call in flight, in this process, may go out.
    if (pending?.connection !== connection || !pending.call) return fail('fetch: this call belongs to a request that has already been answered.');
    if (!this.options.egress) return fail(`fetch ${message.url}: this app has no outbound network access.`);
    const { callId } = message;
    this.options
      .egress(pending.call, { url: message.url, method: message.method, headers: message.headers, ...(message.body ? { body: message.body } : {}) })
      .then(
        (reply) => {
          try {
            connection.send({ type: 'fetch-reply', callId, ok: true, ...reply });
          } catch (err) {
            fail(`fetch ${message.url}: the answer cannot be sent to the function (${(err as Error).message})`);
          }
        },
        (err: unknown) => fail(err instanceof Error ? err.message : String(err)),
      );
  }

  private onEmail(connection: SandboxConnection, message: Extract<SandboxMessage, { type: 'email' }>): void {
    const { callId } = message;
    const fail = (text: string, code: string): void => void connection.send({ type: 'email-reply', callId, ok: false, message: text, code });
    const pending = this.pending.get(message.id);
    // Only a call in flight, in this process, may send mail.
    if (pending?.connection !== connection || !pending.call)
      return fail('@tessera/email: this call belongs to a request that has already been answered.', 'FUNCTION_FAILED');
    if (!this.options.email) return fail('@tessera/email: this platform sends no mail.', 'EMAIL_FAILED');
    this.options.email(pending.call, message.mail).then(
      (sent) => void connection.send({ type: 'email-reply', callId, ok: true, mailId: sent.id }),
      (err: unknown) => (err instanceof TesseraError ? fail(err.message, err.code) : fail(err instanceof Error ? err.message : String(err), 'EMAIL_FAILED')),
    );
  }

  private onExit(connection: SandboxConnection, exit: SandboxExit): void {
    if (this.connection === connection) this.connection = null;
    if (!this.stoppedOnPurpose.has(connection)) {
      this.abnormalExits++;
      this.restartAt = Date.now() + Math.min(RESTART_DELAY_MAX_MS, RESTART_DELAY_MS * 2 ** (this.abnormalExits - 1));
    }
    const why = describeExit(exit, this.options.settings.memoryMb);
    if (exit.misbehaved) this.options.logger?.warn({ tenant: this.tenant, pid: connection.pid }, why);
    if (!exit.stoppedBecause) this.options.logger?.warn({ tenant: this.tenant, code: exit.code, signal: exit.signal, stderr: exit.stderr.slice(-1000) }, why);
    for (const pending of [...this.pending.values()]) {
      // A killed process's exit can arrive after the next call started on a fresh one: only its own calls end.
      if (pending.connection !== connection) continue;
      pending.settle({ ok: false, error: new TesseraError('FUNCTION_CRASHED', `${why} ${pending.label} did not complete.`), logs: [] });
    }
  }

  private stopProcess(connection: SandboxConnection, reason: string): void {
    if (this.connection === connection) this.connection = null;
    connection.kill(reason);
  }

  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.pending.size > 0) return;
    this.idleTimer = setTimeout(() => void this.stop('The function process of this app was idle and was stopped.'), this.options.idleMs);
    this.idleTimer.unref();
  }

  /** Sends one message built for a fresh id and waits for its answer, the time limit, or the process's end. */
  async request(label: string, build: (id: number, connection: SandboxConnection) => HostMessage, call?: Pending['call']): Promise<Outcome> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    let connection: SandboxConnection;
    try {
      connection = await this.current();
    } catch (err) {
      this.armIdle();
      return {
        ok: false,
        error: err instanceof TesseraError ? err : new TesseraError('RUNTIME_UNAVAILABLE', `The function process could not start: ${(err as Error).message}`),
        logs: [],
      };
    }
    const id = this.nextId++;
    const outcome = await new Promise<Outcome>((resolve) => {
      const seconds = this.options.timeoutMs / 1000;
      const timer = setTimeout(() => {
        const message = `${label} exceeded its ${seconds} s limit and was stopped.`;
        this.pending.get(id)?.settle({ ok: false, error: new TesseraError('FUNCTION_TIMEOUT', message), logs: [] });
        // The only way to stop a busy loop is to stop the process; its other calls end as crashed.
        this.stopProcess(connection, `The function process of this app was stopped because ${label} exceeded its ${seconds} s limit.`);
      }, this.options.timeoutMs);
      const settle = (result: Outcome): void => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(result);
      };
      this.pending.set(id, { label, connection, settle, ...(call ? { call } : {}) });
      try {
        const message = build(id, connection);
        if (!this.firstContact.has(connection))
          this.firstContact.set(connection, { heardFrom: false, ...(message.type === 'invoke' ? { firstHash: message.fn.hash } : {}) });
        if (!connection.send(message))
          settle({ ok: false, error: new TesseraError('FUNCTION_CRASHED', `The function process of this app stopped before ${label} could start.`), logs: [] });
      } catch (err) {
        settle({ ok: false, error: new TesseraError('INTERNAL', `${label} could not be sent to the sandbox: ${(err as Error).message}`), logs: [] });
      }
    });
    this.armIdle();
    return outcome;
  }

  /** Runs a function. Its code crosses once per process, with the tenant's code cache for it when there is one. */
  async invoke(
    fn: { name: string; code: string; hash: string },
    call: { requestId: string; request: SandboxRequest; user: SandboxUser | null; maxResponseBytes: number },
    database: DatabaseKind,
  ): Promise<Outcome> {
    const key = `${fn.name}\0${fn.hash}`;
    const secrets = await this.currentSecrets();
    for (let attempt = 0; attempt < 2; attempt++) {
      let target: SandboxConnection | undefined;
      const outcome = await this.request(
        `Function ${fn.name}`,
        (id, connection) => {
          target = connection;
          const names = this.invoked.get(connection) ?? new Set<string>();
          this.invoked.set(connection, names.add(fn.name));
          const known = attempt === 0 && this.sent.get(connection)?.has(key);
          const codeCache = known ? undefined : this.options.codeCaches?.get(fn.hash);
          return {
            type: 'invoke',
            id,
            ...call,
            fn: { name: fn.name, hash: fn.hash, ...(known ? {} : { code: fn.code }), ...(codeCache ? { codeCache } : {}) },
            ...this.secretsFor(connection, secrets),
          };
        },
        { fn: fn.name, requestId: call.requestId, database },
      );
      // The sandbox evicted the code (it keeps the most recently used functions): send it again.
      if (outcome.ok && outcome.answer.kind === 'missing-code') {
        if (target) this.sent.get(target)?.delete(key);
        continue;
      }
      if (outcome.ok && outcome.answer.kind === 'result' && target) {
        const keys = this.sent.get(target) ?? new Set<string>();
        keys.add(key);
        this.sent.set(target, keys);
      }
      return outcome;
    }
    return { ok: false, error: new TesseraError('INTERNAL', `Function ${fn.name}: the sandbox lost its code twice.`), logs: [] };
  }

  /** Loads a function afresh (not cached as the active version) and checks that it exports a function. */
  async check(fn: { name: string; code: string; hash: string }): Promise<Outcome> {
    const secrets = await this.currentSecrets();
    return this.request(`Loading function ${fn.name}`, (id, connection) => ({
      type: 'check',
      id,
      fn: { name: fn.name, hash: fn.hash, code: fn.code },
      ...this.secretsFor(connection, secrets),
    }));
  }

  private async currentSecrets(): Promise<{ version: string; values: Readonly<Record<string, string>> } | null> {
    if (!this.options.secrets) return null;
    try {
      return await this.options.secrets();
    } catch (err) {
      this.options.logger?.error({ tenant: this.tenant, err }, "the tenant's secrets could not be loaded; its functions run without them");
      return null;
    }
  }

  /** The secrets field of a message: present only when this process lacks the current version. */
  private secretsFor(
    connection: SandboxConnection,
    secrets: { version: string; values: Readonly<Record<string, string>> } | null,
  ): { secrets?: Record<string, string> } {
    if (!secrets || this.secretsSent.get(connection) === secrets.version) return {};
    this.secretsSent.set(connection, secrets.version);
    return { secrets: { ...secrets.values } };
  }

  /** Renders a component once; React's vendor bundle crosses once per process. */
  render(component: { name: string; code: string }, props: Record<string, unknown>, vendor: string): Promise<Outcome> {
    return this.request(`Rendering component ${component.name}`, (id, connection) => {
      const first = !this.vendorSent.has(connection);
      this.vendorSent.add(connection);
      return { type: 'render', id, component, props, ...(first ? { vendor } : {}) };
    });
  }

  /** Stops the process (if any); calls in flight end as crashed with `reason`. */
  async stop(reason: string): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const connection = this.connection ?? (await this.starting?.catch(() => null)) ?? null;
    if (!connection) return;
    this.stoppedOnPurpose.add(connection);
    this.stopProcess(connection, reason);
    await connection.exited();
  }
}
