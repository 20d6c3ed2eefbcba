/** A problem found by the schema or rule stages, before it is given a file position. */
import type { InputIssue } from '../errors.js';
import type { FieldPath } from './field-path.js';
import type { NodePart } from './yaml-source.js';

/** One problem, keyed by field path; the loader turns it into a located InputIssue. */
export interface Problem {
  /** The field the problem is about, as shown to the user. */
  field: FieldPath;
  /** Where to point when not at `field`'s value (an unknown key's key, a missing key's parent). */
  at?: { path: FieldPath; part: NodePart };
  /** States the limit, the actual value and how to fix it. */
  message: string;
  /** Issues in other files that this problem stands for (a malformed trace's own issues). */
  related?: InputIssue[];
}
