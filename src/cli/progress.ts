import type { CliIo } from "./io.js";

const WIDTH = 30;

/** Progress on stderr: a bar redrawn in place on a terminal, a plain line every `every` keys otherwise. */
export class Progress {
  readonly #out: CliIo["stderr"];
  readonly #tty: boolean;
  readonly #every: number;
  #total = 0;
  #lastLine = 0;
  readonly #label: string;

  constructor(out: CliIo["stderr"], every = 1000, label = "sessile migrate") {
    this.#out = out;
    this.#tty = out.isTTY === true;
    this.#every = every;
    this.#label = label;
  }

  /** The number of keys in the scanned databases (`DBSIZE`): an upper bound, SCAN may match fewer. */
  set total(total: number) {
    this.#total = total;
  }

  /** `counted` is what the command counts (`noun`: migrated, sessions). */
  update(done: number, counted: number, noun = "migrated"): void {
    if (this.#tty) {
      const share = this.#total > 0 ? Math.min(done / this.#total, 1) : 0;
      const filled = Math.round(share * WIDTH);
      const bar = `${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}`;
      this.#out.write(`\r\x1b[K[${bar}] ${done} of ≤ ${this.#total} keys scanned, ${counted} ${noun}`);
    } else if (done - this.#lastLine >= this.#every) {
      this.#lastLine = done;
      this.#out.write(`${this.#label}: ${done} keys scanned, ${counted} ${noun}\n`);
    }
  }

  done(): void {
    if (this.#tty) this.#out.write("\n");
  }
}
