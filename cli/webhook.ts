/**
 * `webhook send --source <source> FILE.ndjson`: each non-empty line is one delivery (an event or
 * an array of events), signed with the source's secret (`INGEST_SECRET_<SOURCE>`, else the one
 * `deno task dev` saved in `.data/dev-secrets.json`) and POSTed to the ingest server.
 */
import { signatureHeaders } from "../actors/finance/signature.ts";
import { FinanceSource } from "../schemas/finance.ts";
import type { Io } from "./mod.ts";
import { sendFile } from "./send_file.ts";
import type { SendSummary } from "./send_file.ts";

/** The secret of `source`, or null when none is known. */
export async function webhookSecret(source: FinanceSource): Promise<string | null> {
  const name = `INGEST_SECRET_${source.toUpperCase()}`;
  const env = Deno.env.get(name);
  if (env) return env;
  try {
    const saved = JSON.parse(await Deno.readTextFile(".data/dev-secrets.json"));
    return typeof saved[name] === "string" ? saved[name] : null;
  } catch {
    return null;
  }
}

export function isSource(s: string | undefined): s is FinanceSource {
  return FinanceSource.safeParse(s).success;
}

export function sendWebhooks(
  url: string,
  source: FinanceSource,
  secret: string,
  lines: string[],
  io: Io,
  timeoutMs: number,
): Promise<SendSummary> {
  return sendFile(url, lines, io, {
    timeoutMs,
    post: (line) => ({
      path: `/webhooks/${source}`,
      headers: { "content-type": "application/json", ...signatureHeaders(secret, line) },
      body: line,
    }),
  });
}
