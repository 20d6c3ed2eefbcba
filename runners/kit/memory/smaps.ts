/**
 * Reads /proc/<pid>/smaps_rollup (Linux >= 4.14): the kernel's per-process sum of every
 * mapping's smaps figures. USS (what evicting the process would free) = Private_Clean +
 * Private_Dirty; PSS shares each shared page among the processes mapping it. Reading another
 * process needs ptrace-read access, which a parent running as the same user has.
 */
import { readFile } from 'node:fs/promises';

/** Memory figures of one process, bytes. `fields` keeps every smaps_rollup line (bytes) for extra reporting. */
export interface SmapsRollup {
  ussBytes: number;
  pssBytes: number;
  rssBytes: number;
  fields: Record<string, number>;
}

/** Parses the text of a smaps_rollup file. Throws if the fields USS and PSS need are missing. */
export function parseSmapsRollup(text: string): SmapsRollup {
  const fields: Record<string, number> = {};
  for (const line of text.split('\n')) {
    // "Private_Dirty:       112 kB"; the first line is the address-range header and has no match.
    const m = /^([A-Za-z_]+):\s+(\d+)\s+kB\s*$/.exec(line);
    if (m) fields[m[1]!] = Number(m[2]) * 1024;
  }
  const need = (name: string): number => {
    const v = fields[name];
    if (v === undefined) throw new Error(`smaps_rollup has no ${name} line`);
    return v;
  };
  return {
    ussBytes: need('Private_Clean') + need('Private_Dirty'),
    pssBytes: need('Pss'),
    rssBytes: need('Rss'),
    fields,
  };
}

/** Measures a live process. Rejects if it is gone or unreadable (the message names the pid). */
export async function readSmapsRollup(pid: number): Promise<SmapsRollup> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch (e) {
    throw new Error(`cannot read /proc/${pid}/smaps_rollup: ${(e as Error).message}`);
  }
  return parseSmapsRollup(text);
}
