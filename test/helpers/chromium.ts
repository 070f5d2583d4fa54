import { existsSync } from "node:fs";

/** The Chromium the browser tests drive (through playwright-core). */
export const CHROMIUM: string = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const HAS_CHROMIUM: boolean = existsSync(CHROMIUM);
export const SKIP_REASON = `skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

/** Headless, sandbox-free (containers), and quiet: no background traffic of its own. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
