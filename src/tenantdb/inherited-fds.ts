import { closeSync, existsSync, readdirSync, readFileSync } from 'node:fs';

/** Linux's O_CLOEXEC, as /proc/self/fdinfo shows it (octal flags). */
const O_CLOEXEC = 0o2000000;

/**
 * Closes every file descriptor above 3 that this process inherited: whatever launched the platform
 * may have left descriptors open without close-on-exec (a FIFO, a socket), and they pass through
 * fork, exec and bubblewrap alike. Node opens all of its own descriptors with O_CLOEXEC, so the
 * ones without it came from outside. 0-2 are stdio and 3 is the channel to the platform.
 * Runs first in a child's entry, before anything else is loaded. Returns the descriptors closed.
 */
export function closeInheritedFds(): number[] {
  const closed: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc/self/fd');
  } catch {
    return closed; // No /proc: nothing to learn here (the sandbox always mounts one).
  }
  for (const entry of entries) {
    const fd = Number(entry);
    if (!Number.isInteger(fd) || fd <= 3) continue;
    let flags: number;
    try {
      flags = Number.parseInt(/^flags:\s+([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '', 8);
    } catch {
      continue; // Gone already (the directory listing's own descriptor).
    }
    if (Number.isNaN(flags) || flags & O_CLOEXEC) continue;
    try {
      closeSync(fd);
      closed.push(fd);
    } catch {
      // Closed meanwhile.
    }
  }
  return closed;
}

/** The descriptors open in this process (for the db process's self-description). */
export function openFds(): number[] {
  try {
    // The listing's own descriptor is closed by the time the filter runs.
    return readdirSync('/proc/self/fd')
      .map(Number)
      .filter((fd) => Number.isInteger(fd) && existsSync(`/proc/self/fd/${fd}`))
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}
