/**
 * One HTTP request of the CLI, bounded by a timeout. Every way of getting no answer (refused,
 * unresolvable, timed out) becomes a `NoAnswer` whose message is one line a person can act on.
 * Every request carries the CLI's API key when it has one (`api_key.ts`).
 */
import { apiKey } from "./api_key.ts";

/** The server could not be reached or did not answer in time. */
export class NoAnswer extends Error {}

export interface Answer {
  status: number;
  ok: boolean;
  text: string;
}

export interface RequestOptions {
  method?: string;
  headers?: HeadersInit;
  body?: string;
  /** The deadline for the whole exchange, body included, in ms. */
  timeoutMs: number;
}

/** `1.5 s`, `10 s`: seconds as a person would write them. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** Sends one request and reads the whole answer; throws `NoAnswer` when there is none. */
export async function request(url: string, options: RequestOptions): Promise<Answer> {
  const { method = "GET", body, timeoutMs } = options;
  const headers = new Headers(options.headers);
  const token = await apiKey();
  if (token && !headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, { method, headers, body, signal });
    return { status: res.status, ok: res.ok, text: await res.text() };
  } catch (err) {
    if (signal.aborted) {
      throw new NoAnswer(`${method} ${url} did not answer within ${seconds(timeoutMs)}`, {
        cause: err,
      });
    }
    throw new NoAnswer(unreachable(url, err), { cause: err });
  }
}

function unreachable(url: string, err: unknown): string {
  const origin = new URL(url).origin;
  const causes = causeChain(err);
  // Deno's fetch reports a refused connection only in the text of a plain Error's message.
  const refused = causes.some((c) =>
    c instanceof Deno.errors.ConnectionRefused ||
    (c instanceof Error && /connection refused/i.test(c.message))
  );
  if (refused) {
    return `cannot connect to ${origin} (connection refused): is the API running? ` +
      "Start it with `deno task dev`, or point --url or SLUICE_URL at it";
  }
  const last = causes[causes.length - 1];
  return `cannot reach ${origin}: ${last instanceof Error ? last.message : String(last)}`;
}

/** `err`, its cause, the cause's cause...: the innermost says what actually went wrong. */
function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err; e !== undefined && chain.length < 10; e = (e as Error).cause) {
    chain.push(e);
    if (!(e instanceof Error)) break;
  }
  return chain;
}
