/**
 * `send-file <path>` (one message per non-empty line) and `webhook send` (one signed delivery per
 * line): POSTed with bounded concurrency, with a progress bar.
 */
import cliProgress from "cli-progress";
import process from "node:process";
import { NoAnswer, request } from "./_http.ts";
import type { Io } from "./mod.ts";

export interface SendSummary {
  sent: number;
  failed: number;
  /** The first few failures, as the server or the network reported them. */
  errors: string[];
  seconds: number;
}

export interface SendOptions {
  /** Requests in flight at once. Default 16. */
  concurrency?: number;
  /** Draw a progress bar (stderr is a terminal) instead of plain lines. Default: detected. */
  tty?: boolean;
  /** Interval between plain progress lines, in ms. Default 1_000. */
  progressMs?: number;
  /** How long one POST may take, in ms; a slower one counts as failed. Default 10_000. */
  timeoutMs?: number;
  /** The request of one line. Default: `POST /messages` with `{text: line}`. */
  post?: (line: string) => { path: string; headers: Record<string, string>; body: string };
}

const asMessage = (line: string) => ({
  path: "/messages",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ text: line }),
});

const MAX_ERRORS = 5;

/** POSTs each line as a message; failures are counted, never thrown. */
export async function sendFile(
  url: string,
  lines: string[],
  io: Io,
  options: SendOptions = {},
): Promise<SendSummary> {
  const {
    concurrency = 16,
    tty = Deno.stderr.isTerminal(),
    progressMs = 1_000,
    timeoutMs = 10_000,
    post = asMessage,
  } = options;
  const started = performance.now();
  const summary: SendSummary = { sent: 0, failed: 0, errors: [], seconds: 0 };
  const fail = (error: string) => {
    summary.failed++;
    if (summary.errors.length < MAX_ERRORS) summary.errors.push(error);
  };
  const bar = tty
    ? new cliProgress.SingleBar({
      stream: process.stderr,
      format: "sending [{bar}] {value}/{total} {percentage}% | {eta}s left",
    }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(lines.length, 0);
  let next = 0, done = 0, lastReport = started;
  const progress = () => {
    done++;
    if (bar) return bar.update(done);
    const now = performance.now();
    if (now - lastReport >= progressMs && done < lines.length) {
      lastReport = now;
      io.err(`sent ${done}/${lines.length} (${summary.failed} failed)`);
    }
  };
  const worker = async () => {
    while (next < lines.length) {
      const line = lines[next++];
      try {
        const { path, headers, body } = post(line);
        const res = await request(`${url}${path}`, { method: "POST", headers, body, timeoutMs });
        if (res.ok) summary.sent++;
        else fail(`HTTP ${res.status}: ${res.text}`);
      } catch (err) {
        if (!(err instanceof NoAnswer)) throw err;
        fail(err.message);
      }
      progress();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, lines.length) }, worker));
  bar?.stop();
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
