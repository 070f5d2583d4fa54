// What a user installs: the tarball `npm pack` makes, its source maps, the README's links as the
// registry's package page shows them, and TypeScript consumers of the installed tarball under each
// module resolution mode (ESM and CommonJS).
import { execFile } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./helpers/demo-process.js";
import { consumer, type Packed, pack } from "./helpers/packed.js";

const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
let packed: Packed;

beforeAll(() => {
  packed = pack();
}, 60_000);

afterAll(() => packed?.remove());

function run(file: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

describe("the packed tarball", () => {
  it("holds the build, the sources its maps point at, the licence and the policies, and nothing else", () => {
    for (const file of ["LICENSE", "SECURITY.md", "README.md", "CHANGELOG.md", "package.json"]) {
      expect(packed.files).toContain(file);
    }
    expect(packed.files).toContain("dist/index.js");
    expect(packed.files).toContain("src/index.ts");
    const outside = packed.files.filter((f) => !/^(dist|src)\//.test(f) && !f.includes("/"));
    expect(outside.sort()).toEqual(["CHANGELOG.md", "LICENSE", "README.md", "SECURITY.md", "package.json"]);
    expect(packed.files.filter((f) => /^(test|examples|bench|scripts)\//.test(f))).toEqual([]);
    expect(readFileSync(join(ROOT, "LICENSE"), "utf8")).toMatch(
      /^MIT License\n\nCopyright \(c\) \d{4} sessile contributors\n/,
    );
  });

  it("builds itself before packing, from a clean dist/", () => {
    expect(manifest.scripts.prepack).toMatch(/rmSync\('dist'.*&& npm run build$/);
  });

  it("ships every file that exports, typesVersions, main, types and bin name", () => {
    const targets: string[] = [manifest.main, manifest.types, ...Object.values<string>(manifest.bin)];
    for (const entry of Object.values<string | Record<string, string>>(manifest.exports)) {
      targets.push(...(typeof entry === "string" ? [entry] : Object.values(entry)));
    }
    for (const list of Object.values<string[]>(manifest.typesVersions["*"])) targets.push(...list);
    for (const target of targets) expect(packed.files).toContain(target.replace(/^\.\//, ""));
    // Each typesVersions entry (for moduleResolution node10) names the file exports gives that subpath.
    for (const [subpath, [file]] of Object.entries<string[]>(manifest.typesVersions["*"])) {
      expect(`./${file}`).toBe(manifest.exports[`./${subpath}`].types);
    }
  });

  it("has source maps and declaration maps whose sources are all in the tarball", () => {
    const maps = packed.files.filter((f) => f.endsWith(".map"));
    expect(maps.length).toBeGreaterThan(80);
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(ROOT, map), "utf8")) as { sources: string[] };
      expect(sources.length).toBeGreaterThan(0);
      for (const source of sources) {
        expect(packed.files).toContain(join(map, "..", source));
      }
    }
  });
});

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

describe("the README on the registry's package page", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const links = [...readme.matchAll(/!?\[[^\]]*\]\(([^)\s]+)[^)]*\)/g)].map((m) => m[1] ?? "");

  it("links only to its own headings and to absolute URLs (relative file links break there)", () => {
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((l) => !l.startsWith("#") && !/^https:\/\//.test(l))).toEqual([]);
  });

  it("links only to headings it has", () => {
    const anchors = new Set([...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1] ?? "")));
    expect(links.filter((l) => l.startsWith("#") && !anchors.has(l.slice(1)))).toEqual([]);
  });

  it("says how to install with each client", () => {
    for (const client of ["redis", "ioredis", "iovalkey"]) {
      expect(readme).toContain(`npm install sessile ${client}`);
    }
  });
});

interface Mode {
  readonly name: string;
  readonly type?: "module";
  readonly options: Record<string, unknown>;
}

const MODES: readonly Mode[] = [
  { name: "ESM, node16", type: "module", options: { module: "node16", moduleResolution: "node16" } },
  { name: "ESM, nodenext", type: "module", options: { module: "nodenext", moduleResolution: "nodenext" } },
  { name: "ESM, bundler", type: "module", options: { module: "preserve", moduleResolution: "bundler" } },
  { name: "CommonJS, nodenext", options: { module: "nodenext", moduleResolution: "nodenext" } },
  {
    name: "CommonJS, node10",
    options: { module: "commonjs", moduleResolution: "node10", esModuleInterop: true },
  },
];

function writeProject(dir: string, options: Record<string, unknown>, files: string[]): void {
  for (const file of files) copyFileSync(join(ROOT, "test/types/consumer", file), join(dir, file));
  const compilerOptions = { strict: true, target: "es2022", types: ["node"], skipLibCheck: true, ...options };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files }));
}

describe("a TypeScript consumer of the installed tarball", () => {
  for (const mode of MODES) {
    it(`type-checks every entry point with ${mode.name}`, async () => {
      const dir = consumer(packed, mode.name.replace(/\W+/g, "-"), mode.type ? { type: mode.type } : {});
      writeProject(dir, { ...mode.options, noEmit: true }, ["app.ts"]);
      const { code, output } = await run(process.execPath, [tsc, "-p", "."], dir);
      expect(output).toBe("");
      expect(code).toBe(0);
    }, 60_000);
  }

  it("runs from CommonJS: compiled with nodenext, require() loads the package (Node ≥ 20.19)", async () => {
    const dir = consumer(packed, "cjs-run", {});
    writeProject(dir, { module: "nodenext", moduleResolution: "nodenext", outDir: "out" }, ["cjs-run.ts"]);
    expect((await run(process.execPath, [tsc, "-p", "."], dir)).output).toBe("");
    expect(readFileSync(join(dir, "out/cjs-run.js"), "utf8")).toContain('require("sessile")');
    const { code, output } = await run(process.execPath, ["out/cjs-run.js"], dir);
    expect(output).toBe("sessile from CommonJS: function\n");
    expect(code).toBe(0);
  }, 60_000);

  it("does not type-check a static import from CommonJS with module node16 (no require of ESM there)", async () => {
    const dir = consumer(packed, "cjs-node16", {});
    writeProject(dir, { module: "node16", moduleResolution: "node16", noEmit: true }, ["cjs-run.ts"]);
    const { code, output } = await run(process.execPath, [tsc, "-p", "."], dir);
    expect(output).toMatch(/cjs-run\.ts\(\d+,\d+\): error TS1479: The current file is a CommonJS module/);
    expect(code).not.toBe(0);
  }, 60_000);
});
