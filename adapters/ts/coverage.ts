/**
 * Line and branch coverage of the implementations under test, for `verify --coverage` (see
 * ../PROTOCOL.md, "coverage").
 *
 * Started from the adapter's hello, before any binding imports its implementation, and only
 * when the harness offers coverage: without the offer this module is never loaded and no case
 * pays for it. V8's precise coverage (call counts, block granularity) is taken through the
 * inspector of this very process; each script of the implementation's folder is mapped back
 * to its `.ts` source through the source map tsx writes into the code it runs
 * (`v8-to-istanbul`). The adapter, node_modules and Node's own modules are left out.
 */

import fs from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

// Contract id -> the variable naming where its implementation is (a file or a folder).
const SOURCES: Record<string, string> = {
  budget: "AEGIS_TS_SRC",
  migrate: "ANTARIS_TS_SRC",
  "sql-migrations": "SQLMIG_TS_SRC",
  ledger: "AEGIS_RUNTIME_SRC",
  "token-budget": "TOKEN_BUDGET_TS_SRC",
};

interface FileCoverage {
  path: string;
  linesHit: number[];
  linesMissed: number[];
  branchesHit: string[];
  branchesMissed: string[];
}

/** The folder holding `contract`'s implementation, or undefined when its variable is unset. */
export function folderOf(contract: string): string | undefined {
  const variable = SOURCES[contract];
  const source = variable === undefined ? undefined : process.env[variable];
  if (!source) return undefined;
  try {
    const real = fs.realpathSync(source);
    return fs.statSync(real).isDirectory() ? real : path.dirname(real);
  } catch {
    return undefined;
  }
}

interface SourceRange {
  start: { line: number; column: number };
  end: { line: number; column: number };
}

interface IstanbulFile {
  statementMap: Record<string, { start: { line: number } }>;
  s: Record<string, number>;
  branchMap: Record<string, { locations: SourceRange[] }>;
  b: Record<string, number[]>;
}

/** One file's lines and branches, hit and missed, from its istanbul form. */
function summarise(file: string, data: IstanbulFile): FileCoverage {
  const hit = new Set<number>();
  const seen = new Set<number>();
  for (const [id, statement] of Object.entries(data.statementMap)) {
    seen.add(statement.start.line);
    if ((data.s[id] ?? 0) > 0) hit.add(statement.start.line);
  }
  const branchesHit: string[] = [];
  const branchesMissed: string[] = [];
  // A branch is named by where its block is in the source, not by istanbul's numbering:
  // that numbers only the blocks V8 reported in this process, so it differs between
  // processes and shards, which the harness joins by these names.
  for (const [id, counts] of Object.entries(data.b)) {
    const locations = data.branchMap[id]?.locations ?? [];
    counts.forEach((count, arm) => {
      const where = locations[arm];
      const name = where ? `${where.start.line}:${where.start.column}-${where.end.line}:${where.end.column}` : `${id}.${arm}`;
      (count > 0 ? branchesHit : branchesMissed).push(name);
    });
  }
  const byNumber = (a: number, b: number) => a - b;
  return {
    path: file,
    linesHit: [...hit].sort(byNumber),
    linesMissed: [...seen].filter((line) => !hit.has(line)).sort(byNumber),
    branchesHit,
    branchesMissed,
  };
}

export class CoverageProbe {
  private constructor(private readonly session: Session) {}

  /** Starts precise coverage; null (saying why on stderr) when the inspector refuses. */
  static async start(log: (message: string) => void): Promise<CoverageProbe | null> {
    try {
      const session = new Session();
      session.connect();
      await session.post("Profiler.enable");
      await session.post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });
      return new CoverageProbe(session);
    } catch (error) {
      log(`coverage unavailable: ${String(error)}`);
      return null;
    }
  }

  /** The `coverage` reply for `contract`: every file of its implementation that ran. */
  async report(contract: unknown): Promise<Record<string, unknown>> {
    const folder = typeof contract === "string" ? folderOf(contract) : undefined;
    const files: FileCoverage[] = [];
    if (folder !== undefined) {
      const { default: v8ToIstanbul } = await import("v8-to-istanbul");
      const { result } = await this.session.post("Profiler.takePreciseCoverage");
      await this.session.post("Debugger.enable");
      for (const script of result) {
        if (!script.url.startsWith("file:")) continue;
        const file = fileURLToPath(script.url);
        if (!file.startsWith(folder + path.sep) || file.includes(`${path.sep}node_modules${path.sep}`)) continue;
        const { scriptSource } = await this.session.post("Debugger.getScriptSource", { scriptId: script.scriptId });
        const converter = v8ToIstanbul(file, 0, { source: scriptSource });
        await converter.load();
        converter.applyCoverage(script.functions);
        for (const [original, data] of Object.entries(converter.toIstanbul())) {
          files.push(summarise(original, data as unknown as IstanbulFile));
        }
        converter.destroy();
      }
      await this.session.post("Debugger.disable");
    }
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { op: "coverage", contract, files };
  }
}
