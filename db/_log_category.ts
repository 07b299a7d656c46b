/**
 * The category and code of a logged error, for `error_summary`: from the error in the fields
 * (`err`, `error` or `cause`, as `lib/log.ts` makes them plain) or an explicit `category` field.
 */
import type { Fields } from "../lib/log.ts";

export const CATEGORIES = ["validation", "upstream", "database", "broker", "model", "internal"];
export type Category = typeof CATEGORIES[number];

interface PlainError {
  name?: string;
  code?: string;
  message?: string;
}

function errorOf(fields: Fields): PlainError | null {
  for (const k of ["err", "error", "cause"]) {
    const v = fields[k];
    if (v && typeof v === "object") return v as PlainError;
  }
  return null;
}

const BY_CODE: Array<[RegExp, Category]> = [
  [/^(VALIDATION|INVALID|CONFIG)/i, "validation"],
  [/^(DB|DATABASE|PG|SQL|[0-9A-Z]{5}$)/, "database"],
  [/^(KAFKA|BROKER|REDIS|TOPIC)/i, "broker"],
  [/^(OLLAMA|MODEL|CLASSIFIER)/i, "model"],
  [/^(UPSTREAM|HTTP|ECONN|ETIMEDOUT|TIMEOUT)/i, "upstream"],
];

const BY_NAME: Array<[RegExp, Category]> = [
  [/Validation|Config|ZodError/, "validation"],
  [/Database|Postgres|Pglite/i, "database"],
  [/Kafka|Broker|Redis/i, "broker"],
  [/Ollama/i, "model"],
  [/Upstream|Timeout|Connection/i, "upstream"],
];

/** `{ category, code }` of an error or fatal line; `internal` when nothing says otherwise. */
export function classify(fields: Fields): { category: Category; code: string } {
  const err = errorOf(fields);
  const code = String(fields.code ?? err?.code ?? err?.name ?? "UNKNOWN").slice(0, 100);
  const explicit = fields.category;
  if (typeof explicit === "string" && CATEGORIES.includes(explicit)) {
    return { category: explicit, code };
  }
  for (const [re, cat] of BY_CODE) if (re.test(code)) return { category: cat, code };
  for (const [re, cat] of BY_NAME) if (re.test(err?.name ?? "")) return { category: cat, code };
  return { category: "internal", code };
}
