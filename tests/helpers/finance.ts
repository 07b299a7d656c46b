/**
 * Setup for the finance pipeline's tests: a sandbox with its own finance topic, secrets and
 * rate-limit prefix, the ingest server in this process, and signed deliveries.
 */
import { Runtime } from "../../actors/mod.ts";
import { openIngest } from "../../actors/finance/role.ts";
import type { IngestOverrides } from "../../actors/finance/role.ts";
import { signatureHeaders } from "../../actors/finance/signature.ts";
import { providerPayload } from "../../actors/finance/feed_payloads.ts";
import { loadConfig } from "../../lib/config.ts";
import { createLogger } from "../../lib/log.ts";
import { ingestApp } from "../../routes/finance.ts";
import type { FinanceSource } from "../../schemas/finance.ts";
import { dlqTopic } from "../../transport/mod.ts";
import { sandbox, uniqueName } from "./mod.ts";
import type { Sandbox } from "./mod.ts";

export const SOURCES: FinanceSource[] = ["truedata", "news", "twitter", "reddit", "economic"];

export interface FinanceSandbox extends Sandbox {
  financeTopic: string;
  secrets: Record<FinanceSource, string>;
}

export async function financeSandbox(extra: Record<string, string> = {}): Promise<FinanceSandbox> {
  const financeTopic = uniqueName("it-finance");
  const secrets = Object.fromEntries(
    SOURCES.map((s) => [s, `${s}-secret-${crypto.randomUUID()}`]),
  ) as Record<FinanceSource, string>;
  const env: Record<string, string> = {
    FINANCE_TOPIC: financeTopic,
    ...Object.fromEntries(SOURCES.map((s) => [`INGEST_SECRET_${s.toUpperCase()}`, secrets[s]])),
    INGEST_RATE_PREFIX: uniqueName("it-rate"),
    INGEST_RATE_PER_SOURCE: "100000",
    INGEST_RATE_PER_CLIENT: "100000",
    INGEST_PORT: "0",
    ...extra,
  };
  const s = await sandbox(env);
  return {
    ...s,
    financeTopic,
    secrets,
    async dispose() {
      const admin = await s.kafka.admin();
      await admin.deleteTopics([financeTopic, dlqTopic(financeTopic)]).catch(() => {});
      await s.dispose();
    },
  };
}

/** The ingest server of this process, on the sandbox's topic, schema and Redis prefix. */
export async function ingestInProcess(
  s: FinanceSandbox,
  env: Record<string, string> = {},
  overrides: IngestOverrides = {},
) {
  const rt = new Runtime(loadConfig({ ...s.env, ...env }));
  const { deps, store, close } = await openIngest(rt, createLogger("test-ingest"), overrides);
  return {
    app: ingestApp(deps),
    store,
    async close() {
      await close();
      await rt.close();
    },
  };
}

/** A signed POST to `/webhooks/<source>`; `headers` replace or add headers (to break them). */
export function signedRequest(
  s: FinanceSandbox,
  source: FinanceSource,
  body: unknown,
  headers: Record<string, string> = {},
): Request {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return new Request(`http://ingest/webhooks/${source}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...signatureHeaders(s.secrets[source], text),
      ...headers,
    },
    body: text,
  });
}

/**
 * A provider payload that is a new event: TrueData's one-minute bars are named by symbol and
 * minute, so two bars of one symbol within a minute are rightly one event; ticks carry a
 * sequence number.
 */
export function distinctPayload(source: FinanceSource): Record<string, unknown> {
  for (;;) {
    const p = providerPayload(source);
    if (source !== "truedata" || p.type === "tick") return p;
  }
}
