// Programs of their own (each legacy library's type declarations are global): the main typecheck
// cannot hold express-session's declaration of `req.session` next to sessile/express's.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

function tsc(project: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, project), "--noEmit"],
      { cwd: root },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

describe("sessile next to express-session, @fastify/session and koa-session in one TypeScript program", () => {
  it("compiles with the bare adapters, each library keeping its own session type", async () => {
    const { code, output } = await tsc("test/types/side-by-side/tsconfig.json");
    expect(output).toBe("");
    expect(code).toBe(0);
  }, 60_000);

  it("does not compile with sessile/express's declaration of req.session next to express-session's", async () => {
    const { code, output } = await tsc("test/types/clash/tsconfig.json");
    expect(code).not.toBe(0);
    expect(output).toMatch(
      /TS2717: Subsequent property declarations must have the same type\.\s+Property 'session'/,
    );
  }, 60_000);
});
