// Fission's own artefacts that the tests run Tessera against: its CRD schemas (fission/fission,
// crds/v1) and its Node.js environment server (fission/environments, nodejs/), unchanged, at the
// commits pinned by the submodules under test/peers/. They are found, in this order, in
// FISSION_PEERS_DIR (laid out as crds/ and nodejs-env/), in the submodules, or in ../shared/fission
// beside the checkout; every file the tests read is checked against test/peers/SHA256SUMS, so each
// source gives the same bytes. Run directly (npm's pretest does), it stops the test run at once
// when no source is there, printing the one command that brings them.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SUMS = path.join(ROOT, 'test', 'peers', 'SHA256SUMS');
export const FETCH_PEERS_COMMAND = 'git submodule update --init --depth 1';

/** Where each source keeps the two folders, in the order they are tried. */
function candidates(env = process.env) {
  const list = [];
  if (env.FISSION_PEERS_DIR) {
    const dir = path.resolve(env.FISSION_PEERS_DIR);
    list.push({ source: `FISSION_PEERS_DIR (${dir})`, crds: path.join(dir, 'crds'), nodejsEnv: path.join(dir, 'nodejs-env') });
  }
  list.push({
    source: 'the submodules under test/peers/',
    crds: path.join(ROOT, 'test', 'peers', 'fission', 'crds', 'v1'),
    nodejsEnv: path.join(ROOT, 'test', 'peers', 'fission-environments', 'nodejs'),
  });
  const shared = path.resolve(ROOT, '..', 'shared', 'fission');
  list.push({ source: `../shared/fission (${shared})`, crds: path.join(shared, 'crds'), nodejsEnv: path.join(shared, 'nodejs-env') });
  return list;
}

/** `crds/x.yaml` -> digest, from test/peers/SHA256SUMS. */
function expectedDigests() {
  const digests = new Map();
  for (const line of readFileSync(SUMS, 'utf8').split('\n')) {
    const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line.trim());
    if (match) digests.set(match[2], match[1]);
  }
  return digests;
}

const present = (candidate) => existsSync(path.join(candidate.crds, 'fission.io_functions.yaml')) && existsSync(path.join(candidate.nodejsEnv, 'server.js'));

/**
 * The first source that is present, with every listed file checked.
 * @returns {{ source: string, crds: string, nodejsEnv: string }}
 */
export function locateFissionPeers(env = process.env) {
  const found = candidates(env).find(present);
  if (!found) {
    throw new Error(
      `Fission's test peers (its CRD schemas and its Node.js environment server) are missing. From the checkout's folder, run:\n  ${FETCH_PEERS_COMMAND}\n(or point FISSION_PEERS_DIR at a folder holding crds/ and nodejs-env/).`,
    );
  }
  const wrong = [];
  for (const [file, digest] of expectedDigests()) {
    const [folder, ...rest] = file.split('/');
    const full = path.join(folder === 'crds' ? found.crds : found.nodejsEnv, ...rest);
    const actual = existsSync(full) ? createHash('sha256').update(readFileSync(full)).digest('hex') : 'missing';
    if (actual !== digest) wrong.push(`${full}: ${actual === 'missing' ? 'missing' : 'content differs from the pinned commit'}`);
  }
  if (wrong.length)
    throw new Error(
      `Fission's test peers in ${found.source} are not the pinned ones (test/peers/SHA256SUMS):\n  ${wrong.join('\n  ')}\nRun:\n  ${FETCH_PEERS_COMMAND}`,
    );
  return found;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const found = locateFissionPeers();
    if (process.env.VERBOSE) console.log(`Fission test peers: ${found.source}`);
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
