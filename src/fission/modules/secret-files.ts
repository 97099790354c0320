import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Reads one key of a Kubernetes Secret the way Fission mounts it into a function's pod:
 * `/secrets/<namespace>/<name>/<key>`. `TESSERA_SECRETS_DIR` moves the root (tests, local runs).
 * Read on every call: Kubernetes updates mounted Secrets in place when they are rotated.
 */
export function readSecretFile(namespace: string, name: string, key: string): string {
  const root = process.env.TESSERA_SECRETS_DIR || '/secrets';
  const file = path.join(root, namespace, name, key);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (err as Error).message;
    throw new Error(
      `Tessera: cannot read the secret file ${file} (${reason}). The Function must reference the Secret ${namespace}/${name}; see docs/fission.md.`,
    );
  }
}
