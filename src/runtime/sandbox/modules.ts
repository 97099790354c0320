import { builtinModules, createRequire } from 'node:module';

/** Built-ins without a way out of the sandbox: computation, encoding, streams, events. */
const ALLOWED = new Set([
  'assert',
  'assert/strict',
  'buffer',
  'crypto',
  'events',
  'path',
  'path/posix',
  'path/win32',
  'punycode',
  'querystring',
  'stream',
  'stream/promises',
  'stream/web',
  'stream/consumers',
  'string_decoder',
  'timers',
  'timers/promises',
  'url',
  'util',
  'util/types',
  'zlib',
]);

/** What each refused built-in would have given, for the error message. */
const REFUSED_BECAUSE: Record<string, string> = {
  fs: 'file system access',
  'fs/promises': 'file system access',
  child_process: 'starting processes',
  cluster: 'starting processes',
  worker_threads: 'starting threads',
  net: 'network access',
  http: 'network access',
  https: 'network access',
  http2: 'network access',
  dgram: 'network access',
  dns: 'network access',
  'dns/promises': 'network access',
  tls: 'network access',
  vm: 'code evaluation outside the sandbox',
  v8: 'engine internals',
  inspector: 'the debugger',
  module: 'the module loader',
  process: 'the process object',
  os: 'host information',
};
const BUILTINS = new Set(builtinModules);
const nodeRequire = createRequire(__filename);

/**
 * The `require` tenant functions get. Bundled functions only ever ask for `@tessera/db` and Node
 * built-ins (everything else is inside the bundle): the harmless built-ins load, the others fail
 * naming the module, and anything else is not found, as in Node.
 */
export function createSandboxRequire(platformModules: Record<string, unknown>): NodeJS.Require {
  const sandboxRequire = (specifier: string): unknown => {
    if (typeof specifier !== 'string') throw new TypeError('The "id" argument must be of type string');
    if (Object.hasOwn(platformModules, specifier)) return platformModules[specifier];
    const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
    if (ALLOWED.has(bare)) return nodeRequire(`node:${bare}`);
    if (BUILTINS.has(bare) || specifier.startsWith('node:')) {
      const reason = REFUSED_BECAUSE[bare] ?? 'access outside the sandbox';
      const instead =
        reason === 'network access'
          ? " Call other services with fetch(url) instead: it goes through the platform to the hosts the app's owner allowed."
          : ' Use @tessera/db for data and @tessera/secrets for secrets.';
      throw Object.assign(new Error(`Module "${specifier}" is not available to Tessera functions (it gives ${reason}).${instead}`), {
        code: 'ERR_MODULE_REFUSED',
      });
    }
    throw Object.assign(new Error(`Cannot find module '${specifier}'`), { code: 'MODULE_NOT_FOUND' });
  };
  const resolve = (specifier: string): string => {
    sandboxRequire(specifier);
    return specifier;
  };
  return Object.assign(sandboxRequire, {
    resolve: Object.assign(resolve, { paths: () => null }),
    cache: Object.create(null),
    main: undefined,
    extensions: Object.create(null),
  }) as unknown as NodeJS.Require;
}
