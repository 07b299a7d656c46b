/** Output for the CLI: JSON as is, NDJSON, or readable tables and key-value lists. */

export const FORMATS = ["table", "json", "ndjson"] as const;
export type Format = typeof FORMATS[number];

/** `--format`'s value; `pretty` is the former name of `table`. */
export function parseFormat(raw: string): Format | undefined {
  if (raw === "pretty") return "table";
  return (FORMATS as readonly string[]).includes(raw) ? raw as Format : undefined;
}

/**
 * An answer in `format`: JSON as the server sent it; NDJSON one line per row of a list answer
 * (`rows`), else the answer on one line; a table as `table()` writes it.
 */
export function render(
  body: Record<string, unknown>,
  format: Format,
  view: { rows?: (b: Record<string, unknown>) => unknown[]; table: (b: never) => string },
): string {
  if (format === "json") return JSON.stringify(body, null, 2);
  if (format === "ndjson") {
    const rows = view.rows?.(body);
    return rows ? rows.map((r) => JSON.stringify(r)).join("\n") : JSON.stringify(body);
  }
  return (view.table as (b: Record<string, unknown>) => string)(body);
}

/** One value as table or key-value text: "-" for null, JSON for objects. */
export function cell(v: unknown): string {
  if (v === null || v === undefined) return "-";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** An aligned text table of `rows` over `columns`. */
export function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (rows.length === 0) return "(none)";
  const cells = rows.map((r) => columns.map((c) => cell(r[c]).replaceAll("\n", " ")));
  const widths = columns.map((c, i) =>
    Math.max(c.length, ...cells.map((r) => Math.min(r[i].length, 60)))
  );
  const line = (vals: string[]) =>
    vals.map((v, i) => (v.length > 60 ? v.slice(0, 57) + "..." : v).padEnd(widths[i])).join("  ")
      .trimEnd();
  return [
    line(columns.map((c) => c.toUpperCase())),
    line(widths.map((w) => "-".repeat(w))),
    ...cells.map(line),
  ]
    .join("\n");
}

/** `key: value` lines, nested objects flattened with dots. */
export function keyValues(obj: Record<string, unknown>, prefix = ""): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) {
      lines.push(`${key}: (none)`);
    } else if (v && typeof v === "object" && !Array.isArray(v)) {
      lines.push(keyValues(v as Record<string, unknown>, key + "."));
    } else lines.push(`${key}: ${cell(v)}`);
  }
  return lines.join("\n");
}
