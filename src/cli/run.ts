import { INSPECT_USAGE, inspect } from "./inspect.js";
import { type CliIo, UsageError } from "./io.js";
import { MIGRATE_USAGE, migrate } from "./migrate.js";

const USAGE = `Usage: sessile <command> [options]

Commands:
  migrate   copy express-session, @fastify/session or koa-session sessions into sessile
  stats     count sessions, payload sizes and TTLs (every primary of a Cluster)
  show      one session by its handle, without its data
  rm        delete one session by its handle (--yes)
  user      the sessions of a user

Run sessile <command> --help for its options.
`;

/** One subcommand: its usage text and what it runs. */
interface Command {
  readonly usage: string;
  run(argv: readonly string[], io: CliIo): Promise<unknown>;
}

const inspectCommand = (name: string): Command => ({
  usage: INSPECT_USAGE,
  run: (argv, io) => inspect(name, argv, io),
});

const COMMANDS: Readonly<Record<string, Command>> = {
  migrate: { usage: MIGRATE_USAGE, run: migrate },
  stats: inspectCommand("stats"),
  show: inspectCommand("show"),
  rm: inspectCommand("rm"),
  user: inspectCommand("user"),
};

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith("sessile:") ? message : `sessile: ${message}`;
}

/** Runs `sessile <argv>`; resolves with the exit code (0 done, 1 failed, 2 bad usage). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.stderr.write(`sessile: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(command.usage);
    return 0;
  }
  try {
    await command.run(rest, io);
    return 0;
  } catch (error) {
    io.stderr.write(`${messageOf(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
