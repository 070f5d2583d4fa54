/** Where a command writes: the process's streams, or a test's. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A failure the user can fix: printed as is, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
