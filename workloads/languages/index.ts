/** The language registry: which languages a workload can be written in. Adding one is its file plus one line here. */
import { ExitCode, LabError } from '../../lab/errors.js';
import type { Workload } from '../types.js';
import { c } from './c.js';
import { go } from './go.js';
import { js } from './js.js';
import type { Language } from './language.js';
import { python } from './python.js';

const LANGUAGES: ReadonlyMap<string, Language> = new Map<string, Language>([
  ['js', js],
  ['c', c],
  ['go', go],
  ['py', python],
]);

/** Ids of every registered language, in the order reports list them. */
export function languageIds(): string[] {
  return [...LANGUAGES.keys()];
}

/** The language registered as `id`, or undefined. */
export function findLanguage(id: string): Language | undefined {
  return LANGUAGES.get(id);
}

/** The language of a loaded workload (its manifest was validated against this registry). */
export function languageOf(w: Workload): Language {
  const l = LANGUAGES.get(w.manifest.language);
  if (!l) throw new LabError(`workload ${w.name}: language "${w.manifest.language}" is not registered (known: ${languageIds().join(', ')})`, ExitCode.invalidInput);
  return l;
}
