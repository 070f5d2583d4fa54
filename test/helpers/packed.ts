import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./demo-process.js";

/** The tarball `npm pack` made of the built package, and the paths it holds. */
export interface Packed {
  readonly dir: string;
  readonly tarball: string;
  readonly files: readonly string[];
  remove(): void;
}

/** Packs the package as `npm publish` would (the build is `npm test`'s pretest; no prepack rerun here). */
export function pack(): Packed {
  const dir = mkdtempSync(join(tmpdir(), "sessile-pack-"));
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error(`npm pack printed no result: ${out}`);
  return {
    dir,
    tarball: join(dir, info.filename),
    files: info.files.map((f) => f.path).sort(),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A consumer folder with the tarball installed by `npm install` (offline: sessile has no dependencies)
 * and, beside it, links to this repository's clients, frameworks and type packages, so a consumer
 * program can import them as a user's would.
 */
export function consumer(packed: Packed, name: string, packageJson: Record<string, unknown>): string {
  const dir = join(packed.dir, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, ...packageJson }));
  execFileSync(
    "npm",
    ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", packed.tarball],
    {
      cwd: dir,
      stdio: "ignore",
    },
  );
  const modules = join(ROOT, "node_modules");
  for (const entry of readdirSync(modules)) {
    if (entry === "sessile" || entry.startsWith(".")) continue;
    symlinkSync(join(modules, entry), join(dir, "node_modules", entry));
  }
  return dir;
}
