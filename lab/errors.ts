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

/**
 * An error the user can fix; its message says what and how, and its exit code says which kind
 * it is (every LabError chooses one: `internal` is not one of them, since a bug is not
 * something the user can fix; a bug throws a plain Error and the CLI asks for a report).
 */
export class LabError extends Error {
  constructor(
    message: string,
    readonly exitCode: Exclude<ExitCodeValue, typeof ExitCode.internal>,
  ) {
    super(message);
    this.name = 'LabError';
  }
}

/** A value, name or file the user gave is wrong (exit 3); the message names it and says what is allowed. */
export class InputError extends LabError {
  constructor(message: string) {
    super(message, ExitCode.invalidInput);
    this.name = 'InputError';
  }
}

/** A runtime under test failed (its host, its endpoint, its answers under load): exit 4. */
export class RuntimeFailure extends LabError {
  constructor(message: string) {
    super(message, ExitCode.runFailed);
    this.name = 'RuntimeFailure';
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
