/**
 * kafkajs's log lines through Sluice's logger: its info and debug lines at debug, its warnings and
 * errors at their level, a failure repeated by every retrier (an unreachable broker) once per
 * `REPEAT_QUIET_MS`, the rest of the repeats at debug.
 *
 * One kafkajs error line is a warning here: a broker connection logs every error response
 * (`Response <request>`) before the retrier behind it sees the error. A retriable one (the group
 * coordinator still loading after a broker restart, a leader moving) is then retried and usually
 * succeeds; one that is not, or whose retries run out, reaches the caller, which reports it (a 503,
 * a crash the supervisor logs). As an error, that first line told a new user that something had
 * failed when it had not.
 */
import { logLevel as KafkaLogLevel } from "kafkajs";
import type { LogEntry } from "kafkajs";
import { RepeatLimiter } from "../../lib/log.ts";
import type { Logger } from "../../lib/log.ts";

/** How long a repeated kafkajs error (same namespace, message and error) is logged at debug. */
const REPEAT_QUIET_MS = 30_000;

export function kafkaLogCreator(log: Logger) {
  const repeats = new RepeatLimiter({ intervalMs: REPEAT_QUIET_MS });
  return () => ({ namespace, level, log: entry }: LogEntry) => {
    // Stacks of the client's internals say nothing to an operator; the message and error do.
    const { message, stack: _stack, ...fields } = entry as LogEntry["log"] & { stack?: string };
    const f = { kafkajs: namespace, ...fields };
    // Retries are bounded on purpose (a send must fail rather than hang); the client's EoS
    // warning about that is expected, not actionable.
    if (message.startsWith("Limiting retries for the idempotent producer")) {
      log.debug(message, f);
      return;
    }
    if (level !== KafkaLogLevel.ERROR && level !== KafkaLogLevel.WARN) {
      log.debug(message, f);
      return;
    }
    // An unreachable broker makes every retrier log the same failure: once per interval is
    // enough, the rest go to debug.
    const key = `${namespace}|${message}|${String((fields as { error?: unknown }).error ?? "")}`;
    const verdict = repeats.check(key);
    if (!verdict.log) {
      log.debug(message, f);
      return;
    }
    const g = verdict.suppressed > 0 ? { ...f, suppressed: verdict.suppressed } : f;
    const errorResponse = namespace === "Connection" && message.startsWith("Response ");
    if (level === KafkaLogLevel.ERROR && !errorResponse) log.error(message, g);
    else log.warn(message, g);
  };
}
