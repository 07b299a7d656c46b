/**
 * `GET /stats` as readable text: one titled section per pipeline, every field the server sends.
 * The layout is derived from the shapes, not from a list of known fields, so a section the API
 * gains later is shown too: scalars as `key: value` lines, lists of records and maps of records
 * as tables, and consumer groups as a summary line over their partitions.
 */
import { cell, table } from "./format.ts";

type Rec = Record<string, unknown>;

/** The text-message pipeline's fields sit at the top level of `/stats` (they came first). */
const TEXT_FIELDS = new Set(["messages", "consumerGroup", "counters", "deadLetterTopic"]);

/** The name of the key column of a map of records, e.g. `latencyMs: { <member>: {...} }`. */
const KEY_COLUMNS: Record<string, string> = { latencyMs: "member" };

/** The sections: "text messages", then each top-level record (orders, social...), then "process". */
export function statsText(stats: Rec): string {
  const text: Rec = {}, process: Rec = {};
  const sections: Array<[string, Rec]> = [];
  for (const [key, value] of Object.entries(stats)) {
    if (TEXT_FIELDS.has(key)) text[key] = value;
    else if (isRecord(value) && !isGroup(value)) sections.push([key, value]);
    else process[key] = value;
  }
  const all: Array<[string, Rec]> = [["text messages", text], ...sections, ["process", process]];
  return all
    .filter(([, fields]) => Object.keys(fields).length > 0)
    .map(([title, fields]) => `== ${title}\n${section(fields)}`)
    .join("\n\n");
}

/** `key: value` lines first, then the tables, each after a blank line. */
function section(fields: Rec): string {
  const lines: string[] = [], blocks: string[] = [];
  walk(fields, "", lines, blocks);
  return [lines.join("\n"), ...blocks].filter((s) => s !== "").join("\n\n");
}

function walk(fields: Rec, prefix: string, lines: string[], blocks: string[]): void {
  for (const [k, v] of Object.entries(fields)) {
    const key = prefix + k;
    if (isGroup(v)) blocks.push(group(v, key));
    else if (Array.isArray(v) && v.every(isRecord)) blocks.push(`${key}\n${table(v, columns(v))}`);
    else if (isRecord(v) && Object.keys(v).length === 0) lines.push(`${key}: (none)`);
    else if (isRecord(v) && Object.values(v).every(isRecord)) {
      const name = KEY_COLUMNS[k] ?? "name";
      const rows = Object.entries(v).map(([id, row]) => ({ [name]: id, ...(row as Rec) }));
      blocks.push(`${key}\n${table(rows, columns(rows))}`);
    } else if (isRecord(v)) walk(v, key + ".", lines, blocks);
    else lines.push(`${key}: ${cell(v)}`);
  }
}

/** `consumer group G (state, N members, lag L) on T`, its other fields, then its partitions. */
function group(g: Rec & { partitions: Rec[] }, key: string): string {
  const { groupId, state, members, totalLag, topic, partitions, ...rest } = g;
  const head = `consumer group ${cell(groupId)} (${cell(state)}, ${cell(members)} members, ` +
    `lag ${cell(totalLag)})` + (topic === undefined ? "" : ` on ${cell(topic)}`);
  const lines: string[] = [], blocks: string[] = [];
  walk(rest, key + ".", lines, blocks);
  const parts = partitions.length ? table(partitions, columns(partitions)) : "partitions: (none)";
  return [head, ...lines, parts, ...blocks].join("\n");
}

/** Every key of the rows, in first-seen order. */
function columns(rows: Rec[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r)))];
}

function isRecord(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isGroup(v: unknown): v is Rec & { partitions: Rec[] } {
  return isRecord(v) && typeof v.groupId === "string" && Array.isArray(v.partitions) &&
    v.partitions.every(isRecord);
}
