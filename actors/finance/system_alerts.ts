/**
 * System alerts of the sentiment role, checked every `intervalMs`: consumer lag over a bound,
 * the share of dead-lettered events over a bound (the error rate), and the model being down
 * (the Ollama circuit open). Each subject fires at most once per cooldown, to `alert_topic` and
 * as a warning in the log.
 */
import type client from "prom-client";
import type { Logger } from "../../lib/log.ts";
import { deadLetters, messagesWritten } from "../../lib/metrics.ts";
import type { FinanceAlert } from "../../schemas/finance.ts";
import type { Admin, Producer } from "../../transport/mod.ts";

export interface SystemAlertOptions {
  admin: Admin;
  producer: Producer;
  topic: string;
  group: string;
  sourceTopic: string;
  maxLag: number;
  maxErrorRate: number;
  cooldownMs: number;
  /** Whether the model backend is down (the breaker open). */
  modelDown: () => boolean;
  logger: Logger;
  intervalMs?: number;
}

/** The sum of a counter's series whose label `name` is `value`. */
async function counted<L extends string>(
  c: client.Counter<L>,
  name: L,
  value: string,
): Promise<number> {
  const values = (await c.get()).values.filter((x) => x.labels[name] === value);
  return values.reduce((n, x) => n + x.value, 0);
}

export function startSystemAlerts(o: SystemAlertOptions): { stop(): void; check(): Promise<void> } {
  const last = new Map<string, number>();
  let before = { written: 0, dead: 0 };
  const fire = async (subject: string, value: number, threshold: number, message: string) => {
    const now = Date.now();
    if (now - (last.get(subject) ?? -Infinity) < o.cooldownMs) return;
    last.set(subject, now);
    const alert: FinanceAlert = {
      kind: "system",
      subject,
      severity: "warning",
      message,
      value,
      threshold,
      at: new Date(now).toISOString(),
      details: { group: o.group, topic: o.sourceTopic },
    };
    o.logger.warn("system alert", { alert });
    await o.producer.send(o.topic, [{ key: subject, value: JSON.stringify(alert) }]);
  };
  const check = async () => {
    const lag = (await o.admin.lag(o.group, o.sourceTopic)).reduce((n, p) => n + p.lag, 0);
    if (lag >= o.maxLag) await fire("consumer_lag", lag, o.maxLag, `consumer lag ${lag}`);
    const now = {
      written: await counted(messagesWritten, "pipeline", "sentiment"),
      dead: await counted(deadLetters, "topic", o.sourceTopic),
    };
    const seen = now.written - before.written + now.dead - before.dead;
    const rate = seen > 0 ? (now.dead - before.dead) / seen : 0;
    before = now;
    if (rate >= o.maxErrorRate) {
      await fire("error_rate", rate, o.maxErrorRate, `${(rate * 100).toFixed(1)} % dead-lettered`);
    }
    if (o.modelDown()) await fire("model_down", 1, 1, "Ollama circuit open: classifying locally");
  };
  const timer = setInterval(() => {
    check().catch((err) => o.logger.warn("system alert check failed", { err }));
  }, o.intervalMs ?? 30_000);
  return { stop: () => clearInterval(timer), check };
}
