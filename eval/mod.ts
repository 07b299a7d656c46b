/**
 * The trend evaluation (`deno task eval`): generated streams with known bursts and traps, fed
 * through the aggregator's code, scored against the targets. EVAL_SEEDS (default 1,2,3,4,5),
 * EVAL_MINUTES (default 180), EVAL_RATE (posts/s, default 36) and EVAL_Z (the score threshold,
 * default the detector's) set the runs.
 */
import { EVAL_DETECT, evaluate } from "./evaluate.ts";
import type { EvalResult } from "./evaluate.ts";

export { EVAL_DETECT, EVAL_WINDOWS, evaluate } from "./evaluate.ts";
export type { EvalResult } from "./evaluate.ts";
export { generate, trendPost } from "./generator.ts";

/** The targets; `failures` names each one a result misses. */
export function failures(r: EvalResult): string[] {
  const f: string[] = [];
  if (r.precision < 0.9) f.push(`precision ${r.precision.toFixed(3)} < 0.9`);
  if (r.recall1 < 0.9) f.push(`recall within one slide ${r.recall1.toFixed(3)} < 0.9`);
  if (r.recall2 < 0.97) f.push(`recall within two slides ${r.recall2.toFixed(3)} < 0.97`);
  if (r.falsePerHourPer1k > 1) {
    f.push(`false alerts per hour per 1,000 keywords ${r.falsePerHourPer1k.toFixed(2)} > 1`);
  }
  if (r.trapAlerts["single-author"] || r.trapAlerts["ring"]) {
    f.push("single-author spam or the ring alerted");
  }
  return f;
}

if (import.meta.main) {
  const seeds = (Deno.env.get("EVAL_SEEDS") ?? "1,2,3,4,5").split(",").map(Number);
  const minutes = Number(Deno.env.get("EVAL_MINUTES") ?? 180);
  const rate = Number(Deno.env.get("EVAL_RATE") ?? 36);
  const enc = new TextEncoder();
  const out = (s: string) => Deno.stdout.writeSync(enc.encode(s + "\n"));
  out(
    "seed  posts    alerts  precision  recall@1  recall@2  delay_s  false/h/1k  rho    on_rank  traps",
  );
  for (const seed of seeds) {
    const z = Number(Deno.env.get("EVAL_Z") ?? EVAL_DETECT.zThreshold);
    const r = evaluate({ seed, minutes, rate }, { ...EVAL_DETECT, zThreshold: z });
    const traps = Object.entries(r.trapAlerts).map(([k, v]) => `${k}=${v}`).join(" ");
    out(
      [
        String(seed).padEnd(5),
        String(r.posts).padEnd(8),
        String(r.alerts).padEnd(7),
        r.precision.toFixed(3).padEnd(10),
        r.recall1.toFixed(3).padEnd(9),
        r.recall2.toFixed(3).padEnd(9),
        r.medianDelayS.toFixed(0).padEnd(8),
        r.falsePerHourPer1k.toFixed(3).padEnd(11),
        r.rankCorrelation.toFixed(2).padEnd(6),
        r.onRanking.toFixed(2).padEnd(8),
        traps,
      ].join(" "),
    );
    const f = failures(r);
    if (f.length) out(`      misses: ${f.join("; ")}`);
  }
}
