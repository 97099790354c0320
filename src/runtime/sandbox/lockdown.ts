import { Writable } from 'node:stream';

/** The environment a function sees: what the platform passed, nothing else. */
const KEPT_ENV = new Set(['NODE_ENV', 'TZ']);

/** process members that reach outside the process, or load code around `require`. */
const REFUSED = [
  'kill',
  '_kill',
  'dlopen',
  'binding',
  '_linkedBinding',
  'getBuiltinModule',
  'loadEnvFile',
  'chdir',
  'abort',
  '_debugProcess',
  '_debugEnd',
  'setuid',
  'setgid',
  'setgroups',
  'seteuid',
  'setegid',
  'initgroups',
  '_getActiveHandles',
  '_getActiveRequests',
  'openStdin',
  '_rawDebug',
] as const;

function refuse(name: string): () => never {
  return () => {
    throw new Error(`${name} is not available to Tessera functions`);
  };
}

/**
 * Takes away what tenant code could use to leave the sandbox before any of it runs. Node's permission
 * model (file reads, writes, child processes, workers, native addons) and bubblewrap's namespaces
 * (network, other processes) are the walls; this closes doors the permission model leaves open in
 * Node 20: signals (`process.kill`), `process.getBuiltinModule('net')` around the require filter,
 * `process.report` (host details), the raw handles (our channel), and `fetch`.
 */
export function lockDown(): void {
  for (const name of REFUSED) {
    if (name in process) Object.defineProperty(process, name, { value: refuse(`process.${name}`), writable: false, configurable: false });
  }
  for (const name of ['mainModule', 'report']) Object.defineProperty(process, name, { value: undefined, writable: false, configurable: false });
  // console is captured; raw writes would only make the platform read a flood from the pipe (stderr is
  // kept for Node's own fatal messages, which it writes natively).
  for (const name of ['stdout', 'stderr']) {
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    Object.defineProperty(process, name, { value: sink, writable: false, configurable: false });
  }
  for (const key of Object.keys(process.env)) if (!KEPT_ENV.has(key)) delete process.env[key];
  // Request, Response and Headers stay: harmless classes some libraries build replies with.
  for (const name of ['fetch', 'WebSocket', 'EventSource']) Reflect.deleteProperty(globalThis, name);
}
