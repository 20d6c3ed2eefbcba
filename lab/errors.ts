/**
 * Named exit codes and the error types library code throws. Only the CLI entry catches and
 * exits; everything else throws.
 */

/** Exit codes of `lab`, stable for scripts and CI. */
export const ExitCode = {
  ok: 0,
  /** An unexpected internal failure: a bug in the lab. */
  internal: 1,
  /** Bad command line. */
  usage: 2,
  /** The scenario (or another input file) is invalid. */
  invalidInput: 3,
  /** The run ran but some runtime failed or the run was interrupted; results were still written. */
  runFailed: 4,
  /** An environment prerequisite is missing (engine unreachable, toolchain absent). */
  environment: 5,
  /** A gate failed. */
  gateFailed: 10,
  /** A gate was inconclusive (its interval straddles the limit). */
  gateInconclusive: 11,
  /** Interrupted by a signal (SIGINT); partial results were written. */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the user can fix; its message says what and how. */
export class LabError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.internal,
  ) {
    super(message);
    this.name = 'LabError';
  }
}

/** One problem in an input file, located precisely. */
export interface InputIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the field, e.g. `tenants.mix[1].weight`. */
  field: string;
  message: string;
}

/** Formats an issue as `file:line:column: field: message` (the form editors and CI logs link). */
export function formatIssue(i: InputIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.field ? `${i.field}: ` : ''}${i.message}`;
}

/** An input file has one or more problems; all of them are listed. */
export class InvalidInputError extends LabError {
  constructor(
    readonly what: string,
    readonly issues: InputIssue[],
  ) {
    super(`${what} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`, ExitCode.invalidInput);
    this.name = 'InvalidInputError';
  }
}

/** The environment lacks something the lab needs; the message says how to provide it. */
export class EnvironmentError extends LabError {
  constructor(message: string) {
    super(message, ExitCode.environment);
    this.name = 'EnvironmentError';
  }
}
