/**
 * `deno task dev`: every role in one process on the embedded defaults, with webhook secrets for
 * the finance sources and an API key. Secrets not set in the environment are generated once and
 * kept in `.data/dev-secrets.json` (so `main.ts cli webhook send` signs with the same ones, and
 * the CLI sends the same API key); this prints how to sign a delivery and how to send the key,
 * then runs `main.ts all` and exits with its code, passing signals on.
 */
import { FinanceSource } from "../schemas/finance.ts";
import { ROLE_PERMISSIONS, ROLE_V8_FLAGS } from "./compile.ts";
import { keyEntry, newToken } from "../lib/api_keys.ts";

const FILE = ".data/dev-secrets.json";
const enc = new TextEncoder();
const say = (line: string) => Deno.stdout.writeSync(enc.encode(line + "\n"));

/** The dev secrets: from the environment, else from the file, else new ones (saved). */
export async function devSecrets(file = FILE): Promise<Record<string, string>> {
  let saved: Record<string, string> = {};
  try {
    saved = JSON.parse(await Deno.readTextFile(file));
  } catch {
    // first run: none saved yet
  }
  const out: Record<string, string> = {};
  for (const source of FinanceSource.options) {
    const name = `INGEST_SECRET_${source.toUpperCase()}`;
    out[name] = Deno.env.get(name) || saved[name] ||
      Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, "0"))
        .join("");
  }
  // The dev API key (admin): the CLI reads it from this file when SLUICE_API_KEY is unset.
  out.SLUICE_API_KEY = Deno.env.get("SLUICE_API_KEY") || saved.SLUICE_API_KEY || newToken();
  await Deno.mkdir(".data", { recursive: true });
  await Deno.writeTextFile(file, JSON.stringify(out, null, 2), { mode: 0o600 });
  return out;
}

/**
 * What `deno task dev` sets unless the environment does: the looping replay of the sample, and
 * dev-sized trend windows (1 min, sliding by 10 s) so the replay's bursts trend within minutes.
 */
export const DEV_ENV: Readonly<Record<string, string>> = {
  FIREHOSE_REPLAY_FILE: "samples/jetstream_sample.ndjson",
  FIREHOSE_REPLAY_LOOP: "true",
  TREND_WINDOW_S: "60",
  TREND_SLIDE_S: "10",
  TREND_LATENESS_S: "5",
  TREND_BASELINE_WINDOWS: "3",
};

/** `defaults`, less the variables the environment already sets. */
function devDefaults(defaults: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(defaults).filter(([k]) => Deno.env.get(k) === undefined),
  );
}

if (import.meta.main) {
  const { SLUICE_API_KEY: token, ...secrets } = await devSecrets();
  const apiKeys = Deno.env.get("API_KEYS") || keyEntry("dev", ["admin"], token);
  const apiPort = Deno.env.get("PORT") ?? "8080";
  say(`API key (dev, admin scope) in ${FILE}; the CLI sends it. With curl:`);
  say(
    `  curl -H "authorization: Bearer $(jq -r .SLUICE_API_KEY ${FILE})" -H 'content-type: application/json' -d '{"text":"hi"}' http://127.0.0.1:${apiPort}/messages`,
  );
  const port = Deno.env.get("INGEST_PORT") ?? "8090";
  say(`Finance webhooks: POST http://127.0.0.1:${port}/webhooks/<source>, secrets in ${FILE}`);
  say(
    `  sign: x-sluice-timestamp: <unix s>, x-sluice-signature: sha256=HMAC-SHA256(secret, "<ts>.<body>")`,
  );
  say(
    `  e.g.  ts=$(date +%s); body='{"indicator":"CPI YoY","country":"IN","actual":5.1,"released_at":"2026-01-01T00:00:00Z"}'`,
  );
  say(
    `        sig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$(jq -r .INGEST_SECRET_ECONOMIC ${FILE})" -r | cut -d' ' -f1)`,
  );
  say(
    `        curl -H "x-sluice-timestamp: $ts" -H "x-sluice-signature: sha256=$sig" -d "$body" http://127.0.0.1:${port}/webhooks/economic`,
  );
  say(`  or:  deno task cli webhook send --source news FILE.ndjson`);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...ROLE_PERMISSIONS, ...ROLE_V8_FLAGS, "main.ts", "all"],
    env: { ...devDefaults(DEV_ENV), ...secrets, API_KEYS: apiKeys },
  }).spawn();
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => {
      try {
        child.kill(sig);
      } catch {
        // already exited
      }
    });
  }
  Deno.exit((await child.status).code);
}
