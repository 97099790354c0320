/**
 * A build worker: runs the bundler's compile functions (component.ts, function.ts,
 * package-assets.ts, with their esbuild plugin and input checks) for one app, in a process of its
 * own. Started by pool.ts inside bubblewrap where it works: then the only files it can see are the
 * system's libraries, Node, esbuild (its JS API and binary), this file and the app's package-store
 * folders, read-only; it has no network and a memory cap. Talks to the platform over fd 3.
 */
import net from 'node:net';
import { build, transform } from 'esbuild';
import { TesseraError, type TesseraErrorJSON } from '../../errors.ts';
import { ESBUILD_GONE, NODE_OUT_OF_MEMORY } from '../errors.ts';
import { packageSetOf, type PackageSet } from '../../packages/index.ts';
import { PackageStore } from '../../packages/store.ts';
import { FrameReader } from '../../runtime/protocol.ts';
import { buildComponent, buildComponentForServer } from '../component.ts';
import { buildFunction } from '../function.ts';
import { buildPackageAssets } from '../package-assets.ts';
import { decodeBuildFrame, encodeBuildFrame, type BuildJob, type FromWorker, type PackageSetRef, type ToWorker } from './messages.ts';

const CHANNEL_FD = 3;
const probes = process.env.TESSERA_BUILD_PROBES === '1';

/** Package sets by their lockfile text: rebuilt once, not per build. */
const sets = new Map<string, PackageSet>();

function packagesOf(ref: PackageSetRef | null): PackageSet | null {
  if (!ref) return null;
  const key = `${ref.storeRoot}\0${JSON.stringify(ref.lockfile)}`;
  let set = sets.get(key);
  if (!set) {
    // The store's folders are bind-mounted read-only: PackageStore only computes paths here.
    set = packageSetOf(new PackageStore(ref.storeRoot, 0), ref.lockfile);
    if (sets.size > 8) sets.clear();
    sets.set(key, set);
  }
  return set;
}

async function run(job: BuildJob): Promise<unknown> {
  switch (job.op) {
    case 'component':
      return buildComponent(job.input);
    case 'component-for-server':
      return buildComponentForServer(job.input, packagesOf(job.packages));
    case 'function':
      return buildFunction(job.input, packagesOf(job.packages), { scan: job.scan });
    case 'package-assets':
      return buildPackageAssets(job.components, packagesOf(job.packages), job.baseUrl === undefined ? {} : { baseUrl: job.baseUrl });
    case 'probe-read':
    case 'probe-connect':
      if (!probes) throw new Error('probes are off in this worker');
      return job.op === 'probe-read' ? probeRead(job.path) : probeConnect(job.host, job.port);
  }
}

/** esbuild asked to read a file itself, with no plugin in the way: what the sandbox alone lets through. */
async function probeRead(file: string): Promise<string> {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    loader: { '': 'text', '.key': 'text', '.txt': 'text', '.conf': 'text' },
    format: 'cjs',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

function probeConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error('connect timed out'));
    });
    socket.once('error', reject);
  });
}

function errorOf(err: unknown): TesseraErrorJSON {
  if (err instanceof TesseraError) return err.toJSON();
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/** Whether esbuild's service process is still there (a no-op transform goes through it). */
async function esbuildAnswers(): Promise<boolean> {
  try {
    await transform('', { loader: 'js' });
    return true;
  } catch (err) {
    return !ESBUILD_GONE.test(err instanceof Error ? err.message : String(err));
  }
}

const socket = new net.Socket({ fd: CHANNEL_FD, readable: true, writable: true });
const send = (message: FromWorker): void => void socket.write(encodeBuildFrame(message));
// The platform is trusted; the limit only guards against a corrupted stream.
const reader = new FrameReader(1024 * 1024 * 1024);
socket.on('data', (chunk: Buffer) => {
  for (const payload of reader.push(chunk)) {
    const { id, job } = decodeBuildFrame(payload) as ToWorker;
    run(job).then(
      (value) => send({ type: 'built', id, value }),
      async (err: unknown) => {
        const error = errorOf(err);
        // esbuild's binary died (e.g. out of memory; its last words are on our stderr): this process
        // cannot build any more. Exiting lets the platform report why and start a fresh worker. Its
        // death does not always reach the build as "the service was stopped" (the failure may be a
        // message about a half-read file), so a failed build also asks whether esbuild still answers.
        if (ESBUILD_GONE.test(error.message) || !(await esbuildAnswers())) process.exit(70);
        if (NODE_OUT_OF_MEMORY.test(error.message)) {
          process.stderr.write(`out of memory: ${error.message.split('\n')[0]}\n`);
          process.exit(70);
        }
        send({ type: 'failed', id, error });
      },
    );
  }
});
socket.on('close', () => process.exit(0));
socket.on('error', () => process.exit(0));

// esbuild's service (its Go binary) starts on first use: start it now, so the first build is warm.
transform('', { logLevel: 'silent' }).then(
  () => send({ type: 'ready' }),
  (err: unknown) => {
    process.stderr.write(`esbuild could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(71);
  },
);
