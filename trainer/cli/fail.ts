/**
 * How every command line of the project reports a failure: one line on stderr, `command:
 * message` (the stack instead with `--verbose`), and exit status 1. Usage errors (a bad option)
 * exit with 2 from the option parser before any work starts.
 */

/** Prints `command: message` for `err` on stderr and ends the process with status 1. */
export function exitWithError(command: string, err: unknown, verbose = false): never {
  const text =
    err instanceof Error ? (verbose && err.stack ? err.stack : err.message) : String(err);
  console.error(`${command}: ${text}`);
  process.exit(1);
}
