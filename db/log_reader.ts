/** Reads of the log database for `/logs` and the CLI's `logs` and `errors`. */
import type { Queryable } from "./db.ts";

export interface LogLine {
  ts: string;
  level: string;
  component: string;
  msg: string;
  fields: Record<string, unknown>;
  role: string | null;
  pid: number | null;
}

export interface ErrorSummaryRow {
  component: string;
  category: string;
  code: string;
  count: number;
  first_seen: string;
  last_seen: string;
  sample: Record<string, unknown>;
}

export interface LogQuery {
  /** Lowest level (`warn` gives warn, error and fatal). */
  level?: string;
  /** A component prefix (`sluice.sentiment`). */
  component?: string;
  /** Lines after this instant. */
  since?: Date;
  limit: number;
}

const LEVELS = ["debug", "info", "warn", "error", "fatal"];

export class LogReader {
  constructor(readonly db: Queryable) {}

  /** The newest lines matching `q`, newest first. */
  lines(q: LogQuery): Promise<LogLine[]> {
    const levels = q.level ? LEVELS.slice(Math.max(0, LEVELS.indexOf(q.level))) : LEVELS;
    return this.db.query<LogLine>(
      `SELECT ts, level, component, msg, fields, role, pid FROM logs
       WHERE level = ANY($1::text[]) AND ($2::text IS NULL OR component LIKE $2 || '%')
         AND ($3::timestamptz IS NULL OR ts > $3)
       ORDER BY ts DESC LIMIT $4`,
      [levels, q.component ?? null, q.since?.toISOString() ?? null, q.limit],
    );
  }

  /** `error_summary`, most frequent first. */
  errors(limit: number): Promise<ErrorSummaryRow[]> {
    return this.db.query<ErrorSummaryRow>(
      `SELECT component, category, code, count::int AS count, first_seen, last_seen, sample
       FROM error_summary ORDER BY count DESC, last_seen DESC LIMIT $1`,
      [limit],
    );
  }
}
