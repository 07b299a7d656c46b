/**
 * The test Prometheus (`services.sh start prometheus`): a test registers its role process as a
 * file_sd target labelled with its sandbox, polls for its series, and removes the target after.
 */
import { until } from "./mod.ts";

export const PROMETHEUS_URL = Deno.env.get("PROMETHEUS_URL") || "http://127.0.0.1:9095";
const TARGETS = Deno.env.get("PROMETHEUS_TARGETS") ||
  `${Deno.env.get("SLUICE_SERVICES_DIR") || `${Deno.env.get("HOME")}/.cache/sluice-services`}` +
    "/prometheus/targets";

export interface InstantResult {
  metric: Record<string, string>;
  value: [number, string];
}

/** Scrapes `url` (a role's API) under the label `sandbox`; returns the target's remover. */
export async function scrapeTarget(url: string, sandbox: string): Promise<() => Promise<void>> {
  const file = `${TARGETS}/${sandbox}.json`;
  const target = [{ targets: [new URL(url).host], labels: { sandbox, job: "sluice-tests" } }];
  await Deno.writeTextFile(file, JSON.stringify(target));
  return () => Deno.remove(file).catch(() => {});
}

/** An instant query; throws with Prometheus' error when the query is refused. */
export async function promQuery(expr: string): Promise<InstantResult[]> {
  const res = await fetch(`${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = await res.json() as { status: string; error?: string; data?: { result: [] } };
  if (body.status !== "success") throw new Error(`Query ${expr} failed: ${body.error}`);
  return body.data!.result;
}

/** Polls until `expr` has at least one series. */
export async function untilSeries(expr: string, timeoutMs = 30_000): Promise<InstantResult[]> {
  let got: InstantResult[] = [];
  await until(
    `series for ${expr}`,
    async () => (got = await promQuery(expr)).length > 0,
    timeoutMs,
  );
  return got;
}
