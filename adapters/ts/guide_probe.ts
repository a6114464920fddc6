/**
 * Per-case branch signal for `verify --guided` (see ../PROTOCOL.md, "Guidance").
 *
 * Started from the adapter's hello, before any binding imports its implementation, and only
 * when the harness offers guidance: without the offer this module is never loaded and no case
 * pays for it. V8's precise coverage (call counts, block granularity) runs through the
 * inspector of this very process; after each case the counts are taken, which resets them, so
 * each take holds exactly what ran since the one before. A case reached every block that ran
 * in the implementations' folders (the folders the bindings' source variables name, never
 * node_modules), named `<folder>/<file>:<start>-<end>`: the file relative to the parent of its
 * folder and the block's offsets in the code tsx compiled from it, which are the same in every
 * process of one harness and tsx version. The harness decides what is new: this file only says
 * what each case reached.
 *
 * V8 counts per process, not per case, so cases run one at a time while guided: a binding's
 * asynchronous case is settled before the next case starts (its time limit runs from its
 * turn, so waiting is never a timeout).
 */

import { Session } from "node:inspector";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { folderOf } from "./coverage.ts";

interface ScriptCoverage {
  url: string;
  functions: { ranges: { startOffset: number; endOffset: number; count: number }[] }[];
}

export class GuideProbe {
  // Script URL -> its name in block ids, or null when it is not the implementation's.
  private readonly names = new Map<string, string | null>();
  private waiting: (() => Promise<void> | undefined)[] = [];
  private running = false;
  // Set once a case was asynchronous: its leftovers (timers) may run between cases.
  private asynchronous = false;

  private constructor(
    private readonly session: Session,
    private readonly folders: string[],
  ) {}

  /**
   * Starts precise coverage for the implementations of `contracts`; null (saying why on
   * stderr) when none of their folders is known or the inspector refuses.
   */
  static start(contracts: string[], log: (message: string) => void): GuideProbe | null {
    const folders = contracts.map(folderOf).filter((folder): folder is string => folder !== undefined);
    if (folders.length === 0) {
      log("guidance unavailable: no implementation folder is known");
      return null;
    }
    try {
      const session = new Session();
      session.connect();
      const probe = new GuideProbe(session, folders);
      probe.post("Profiler.enable");
      probe.post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });
      return probe;
    } catch (error) {
      log(`guidance unavailable: ${String(error)}`);
      return null;
    }
  }

  /** One inspector command; a session of this thread answers before `post` returns. */
  private post(method: string, params?: object): unknown {
    let answer: unknown;
    let failure: Error | null = null;
    this.session.post(method, params, (error, result) => {
      failure = error;
      answer = result;
    });
    if (failure !== null) throw failure;
    return answer;
  }

  /** The blocks of the implementations that ran since the last call, sorted. */
  reached(): string[] {
    const { result } = this.post("Profiler.takePreciseCoverage") as { result: ScriptCoverage[] };
    const blocks: string[] = [];
    for (const script of result) {
      const name = this.nameOf(script.url);
      if (name === null) continue;
      for (const fn of script.functions) {
        // The first range is the whole function; the others are blocks whose count differs
        // from the block around them (V8 leaves out one that ran exactly as often).
        for (const range of fn.ranges) {
          if (range.count > 0) blocks.push(`${name}:${range.startOffset}-${range.endOffset}`);
        }
      }
    }
    return blocks.sort();
  }

  private nameOf(url: string): string | null {
    let name = this.names.get(url);
    if (name === undefined) {
      name = null;
      if (url.startsWith("file:")) {
        const file = fileURLToPath(url.split("?")[0]!);
        const folder = this.folders.find((dir) => file.startsWith(dir + path.sep));
        if (folder !== undefined && !file.includes(`${path.sep}node_modules${path.sep}`)) {
          name = path.relative(path.dirname(folder), file).split(path.sep).join("/");
        }
      }
      this.names.set(url, name);
    }
    return name;
  }

  /**
   * Starts one case (`start` returns a promise when the case is asynchronous) now, or once the
   * asynchronous case running now has settled: V8's counts cannot tell interleaved cases apart.
   */
  oneAtATime(start: () => Promise<void> | undefined): void {
    if (this.running) {
      this.waiting.push(start);
      return;
    }
    if (this.asynchronous) this.reached(); // what ran between cases belongs to none of them
    const pending = start();
    if (pending === undefined) return;
    this.asynchronous = true;
    this.running = true;
    void pending.finally(() => {
      this.running = false;
      while (!this.running && this.waiting.length > 0) this.oneAtATime(this.waiting.shift()!);
    });
  }
}
