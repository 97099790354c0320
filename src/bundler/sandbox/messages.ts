/**
 * Messages between the platform and a build worker (worker.ts), over length-prefixed
 * `v8.serialize` frames read by the runtime's FrameReader (runtime/protocol.ts). Only plain data crosses:
 * a package set travels as its store folder and lockfile and is rebuilt on the other side.
 */
import { deserialize, serialize } from 'node:v8';
import type { TesseraErrorJSON } from '../../errors.ts';
import type { Lockfile } from '../../packages/index.ts';
import type { StaticAsset } from '../assets.ts';
import type { BuiltComponent } from '../component.ts';
import type { BuiltFunction } from '../function.ts';

/** An app's package set as it crosses the pipe. */
export interface PackageSetRef {
  storeRoot: string;
  lockfile: Lockfile;
}

export interface SourceFile {
  name: string;
  code: string;
}

/** What to build: one per public function of the bundler that reads tenant code or packages. */
export type BuildJob =
  | { op: 'component'; input: SourceFile }
  | { op: 'component-for-server'; input: SourceFile; packages: PackageSetRef | null }
  | { op: 'function'; input: SourceFile; packages: PackageSetRef | null; scan: boolean }
  | { op: 'package-assets'; components: SourceFile[]; packages: PackageSetRef | null; baseUrl?: string }
  /** Test probes, honoured only by a worker started with probes on (see BuildSandboxOptions.probes). */
  | { op: 'probe-read'; path: string }
  | { op: 'probe-connect'; host: string; port: number };

export interface BuildResults {
  component: BuiltComponent;
  'component-for-server': string;
  function: BuiltFunction;
  'package-assets': { imports: Record<string, string>; assets: Map<string, StaticAsset> };
  'probe-read': string;
  'probe-connect': string;
}

export type ToWorker = { type: 'build'; id: number; job: BuildJob };

export type FromWorker = { type: 'ready' } | { type: 'built'; id: number; value: unknown } | { type: 'failed'; id: number; error: TesseraErrorJSON };

/** One frame: a 4-byte big-endian length, then the serialized message (read with runtime/protocol.ts's FrameReader). */
/**
 * One frame's payload back into its message. V8's format is fine here, unlike on a function's
 * channel: the worker runs only the platform's code (esbuild never executes what it bundles).
 */
export function decodeBuildFrame(payload: Buffer): unknown {
  return deserialize(payload);
}

export function encodeBuildFrame(message: ToWorker | FromWorker): Buffer {
  const payload = serialize(message);
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(payload.length, 0);
  return Buffer.concat([header, payload], payload.length + 4);
}
