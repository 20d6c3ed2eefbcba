/** The shape of one CLI command: a name, its help, and a function from arguments to exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}
