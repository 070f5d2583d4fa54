import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// docs/CHECKLIST.md maps every row of the reliability and security checklist to the tests that prove it.
// This keeps the table honest on a clean clone: every row mapped, every named test present in its file.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const ROWS = 31;

interface Mapping {
  row: number;
  startsWith: string;
  file: string;
  names: string[];
  how: string;
}

/** The table's body rows: `| # | Row starts with | Test file | Test name | How it proves it |`. */
function mappings(): Mapping[] {
  const text = readFileSync(join(ROOT, "docs/CHECKLIST.md"), "utf8");
  return text
    .split("\n")
    .filter((line) => /^\| \d+ \|/.test(line))
    .map((line) => {
      const cells = line.slice(1, -1).split(" | ");
      expect(cells, line).toHaveLength(5);
      const [row, startsWith, file, name, how] = cells.map((cell) => cell.trim()) as [
        string,
        string,
        string,
        string,
        string,
      ];
      return { row: Number(row), startsWith, file, names: name.split(" › "), how };
    });
}

/** A title as the source writes it: in double, single or back quotes. */
function quoted(source: string, title: string): boolean {
  return [`"${title}"`, `'${title}'`, `\`${title}\``].some((q) => source.includes(q));
}

describe("docs/CHECKLIST.md", () => {
  const table = mappings();

  it("maps every numbered row of the checklist, 1 to 31, to at least one test", () => {
    const rows = new Set(table.map((m) => m.row));
    expect([...rows].sort((a, b) => a - b)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
  });

  it("copies one opening of each row, and says for each mapping how it proves it", () => {
    for (let row = 1; row <= ROWS; row++) {
      const openings = new Set(table.filter((m) => m.row === row).map((m) => m.startsWith));
      expect(openings.size, `row ${row}`).toBe(1);
      expect([...openings][0]?.split(" ").length, `row ${row}`).toBeGreaterThanOrEqual(3);
    }
    for (const m of table) expect(m.how.length, `row ${m.row}: ${m.names.join(" › ")}`).toBeGreaterThan(20);
  });

  it("names only tests that exist in their files", () => {
    for (const m of table) {
      const path = join(ROOT, m.file);
      expect(existsSync(path), `row ${m.row}: ${m.file}`).toBe(true);
      const source = readFileSync(path, "utf8");
      for (const name of m.names) expect(quoted(source, name), `row ${m.row}: ${m.file}: ${name}`).toBe(true);
    }
  });
});

describe("README", () => {
  it("the README tells LRU mode to use allkeys-lru or allkeys-lfu, not volatile-*", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const start = readme.indexOf("### LRU mode");
    expect(start).toBeGreaterThan(-1);
    const end = readme.indexOf("\n#", start + 1);
    const section = readme.slice(start, end === -1 ? undefined : end);
    for (const word of ["maxmemory-policy", "allkeys-lru", "allkeys-lfu", "volatile-*"]) {
      expect(section, word).toContain(word);
    }
  });
});
