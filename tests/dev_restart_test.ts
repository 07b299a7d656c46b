/**
 * The README's first command, as a new user runs it: `deno task dev` (embedded broker and
 * database, default log level), stopped with Ctrl-C and started again, twice. Every run must
 * serve the API, store new posts and count them in the trend windows, keep the earlier runs'
 * rows, and stop with exit 0.
 */
import assert from "node:assert/strict";
import { PgliteDb } from "../db/mod.ts";
import { listeningUrl, RoleProcess, until } from "./helpers/mod.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

interface Counts {
  posts: number;
  windows: number;
  first: string | null;
}

async function counts(dir: string): Promise<Counts> {
  const db = await PgliteDb.open(dir);
  try {
    const [p] = await db.query<{ n: number; first: string | null }>(
      `SELECT count(*)::int AS n, min(uri) AS first FROM classified_posts`,
    );
    const [w] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM keyword_windows WHERE keyword = '*' AND count > 0`,
    );
    return { posts: p.n, windows: w.n, first: p.first };
  } finally {
    await db.close();
  }
}

/** A counter's value summed over its series, from the Prometheus text of `/metrics`. */
async function metric(url: string, name: string, labels = ""): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split("\n").filter((l) => l.startsWith(name) && l.includes(labels))
    .reduce((n, l) => n + Number(l.split(" ").at(-1)), 0);
}

Deno.test(
  "deno task dev started, stopped and started twice more keeps working and keeps its data",
  opts,
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "sluice-dev-" });
    // The embedded default: no broker, database or cache configured, default log level.
    const env: Record<string, string> = {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
      PGLITE_DIR: `${dir}/pglite`,
      LAKE_DIR: `${dir}/lake`,
      // Windows close every few seconds, so a short run shows them.
      TREND_WINDOW_S: "4",
      TREND_SLIDE_S: "2",
      TREND_LATENESS_S: "1",
    };
    let before: Counts = { posts: 0, windows: 0, first: null };
    try {
      for (let run = 1; run <= 3; run++) {
        const p = new RoleProcess("dev", env, [], ["task", "dev"]);
        try {
          const url = await listeningUrl(p);
          const since = Date.now();
          await until(`run ${run} to write posts and close windows counting them`, async () => {
            const res = await fetch(`${url}/sentiment?limit=1000`);
            if (!res.ok) return false;
            const { points } = await res.json() as {
              points: Array<{ bucket: string; posts: number }>;
            };
            const closedNow = points.some((p) => Date.parse(p.bucket) >= since && p.posts > 0);
            return closedNow && await metric(url, "sluice_posts_written_total") >= 100;
          }, 90_000);
          // The aggregator's checkpoint from the last run must not make it skip this run's posts.
          assert.equal(
            await metric(url, "sluice_aggregator_events_total", 'outcome="replayed"'),
            0,
            `run ${run} skipped posts as replayed`,
          );
          p.kill("SIGINT");
          const st = await p.exited;
          assert.equal(st.code, 0, `run ${run} exit code; output:\n${p.output.slice(-3_000)}`);
        } finally {
          await p.dispose();
        }
        // Every line at the default level is JSON (a log line that threw would have crashed).
        assert.doesNotMatch(p.output, /escalat|"level":"fatal"|"child crashed"/, `run ${run}`);
        const now = await counts(`${dir}/pglite`);
        assert.ok(now.posts > before.posts, `run ${run} stored new posts (${now.posts})`);
        assert.ok(now.windows > before.windows, `run ${run} closed new windows (${now.windows})`);
        if (before.first !== null) assert.equal(now.first, before.first, "earlier rows are kept");
        before = now;
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
