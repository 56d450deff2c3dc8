/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time by function (top N) and by area
 * (sessiond's own code, each dependency, Node's core, native code such as syscalls, GC).
 * A native call without a JS frame of its own (a better-sqlite3 statement) counts as self
 * time of the JS function that made it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

interface Place {
  /** `package/file:line`, `dist/file:line` (sessiond) or `node:…:line`; empty for native code. */
  where: string;
  area: string;
}

function place(url: string, line: number, functionName: string): Place {
  const path = url.replace(/^file:\/\//, "");
  if (path === "") return { where: "", area: functionName.startsWith("(") ? functionName : "native (syscalls, C++)" };
  if (path.startsWith("node:")) return { where: `${path}:${line + 1}`, area: "node core" };
  const dependency = path.lastIndexOf("/node_modules/");
  if (dependency >= 0) {
    const inner = path.slice(dependency + "/node_modules/".length);
    const parts = inner.split("/");
    return { where: `${inner}:${line + 1}`, area: parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]! };
  }
  const dist = path.lastIndexOf("/dist/");
  return dist >= 0 ? { where: `${path.slice(dist + 1)}:${line + 1}`, area: "sessiond" } : { where: `${path}:${line + 1}`, area: "other" };
}

export interface ProfileSummary {
  idleShare: number;
  functions: { name: string; ms: number; share: number }[];
  areas: { name: string; ms: number; share: number }[];
}

/** Self time by function and by area; shares are of the busy (non-idle) time. */
export function summarise(file: string, top: number): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const selfUs = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  let idle = 0;
  let busy = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") {
      idle += us;
      continue;
    }
    const { where, area } = place(url, lineNumber, functionName);
    add(byFunction, `${functionName || "(anonymous)"}${where === "" ? "" : ` ${where}`}`, us);
    add(byArea, area, us);
    busy += us;
  }
  const ranked = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / busy }));
  return { idleShare: idle / (idle + busy), functions: ranked(byFunction, top), areas: ranked(byArea, 12) };
}

/** Markdown tables for the (single) profile written into `dir`. */
export function summariseProfile(dir: string, top: number, title: string): string {
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (file === undefined) return `${title}: no profile was written to ${dir}`;
  const s = summarise(join(dir, file), top);
  const table = (head: string, rows: ProfileSummary["functions"]) => [
    `| # | ${head} | self ms | share of busy time |`,
    "|---:|---|---:|---:|",
    ...rows.map((r, i) => `| ${i + 1} | \`${r.name}\` | ${r.ms.toFixed(0)} | ${(r.share * 100).toFixed(1)}% |`),
  ];
  return [
    `${title}; idle ${(s.idleShare * 100).toFixed(0)}% of the time (${join(dir, file)}):`,
    "",
    ...table("function", s.functions),
    "",
    ...table("area", s.areas),
  ].join("\n");
}
