/**
 * The dashboard in a real browser: Playwright (playwright-core) drives Debian's Chromium against
 * `main.ts firehose,classifier,aggregator,api` fed by `deno task dev`'s looping replay (its
 * settings from scripts/dev.ts), on real Kafka and
 * PostgreSQL, asserts that the charts have data, and saves a screenshot as a test artifact
 * (`tests/artifacts/dashboard.png`).
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { devTaskEnv, listeningUrl, RoleProcess, sandbox } from "./helpers/mod.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const SAMPLE = new URL("../samples/jetstream_sample.ndjson", import.meta.url).pathname;

Deno.test(
  "the dashboard shows trending keywords, volume, sentiment and alerts from the replay stream",
  opts,
  async () => {
    const exists = await Deno.stat(CHROMIUM).then(() => true, () => false);
    assert.ok(
      exists,
      `Chromium not found at ${CHROMIUM}: run bash services/chromium.sh (Debian package chromium)`,
    );
    const lake = await Deno.makeTempDir({ prefix: "sluice-lake-" });
    // `deno task dev`'s own replay: the looping sample, stamped with the wall clock, and its
    // dev-sized windows; only the broker and databases are the sandbox's.
    const s = await sandbox({
      ...devTaskEnv(),
      FIREHOSE_REPLAY_FILE: SAMPLE,
      LAKE_DIR: lake,
      AGG_FLUSH_MS: "20",
    });
    const proc = new RoleProcess("firehose,classifier,aggregator,api", s.env);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const url = await listeningUrl(proc);
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${url}/dashboard`);
      // The page refreshes itself every 2 s: wait until every chart has data, without reloading.
      // A burst's trend ends with it (the cache expires after 3 slides), so the trending chart
      // only has to have been drawn once; the others keep their history.
      await page.waitForFunction(
        () => {
          const w = globalThis as unknown as {
            sluiceCharts: Record<string, { data: { labels: unknown[] } }>;
            document: { querySelectorAll(s: string): ArrayLike<unknown> };
            sawTrending?: boolean;
          };
          const c = w.sluiceCharts;
          w.sawTrending ||= c.trending.data.labels.length > 0;
          return w.sawTrending && c.volume.data.labels.length > 1 &&
            c.sentiment.data.labels.length > 1 &&
            w.document.querySelectorAll("#alerts tr").length > 0;
        },
        undefined,
        { timeout: 180_000, polling: 500 },
      );
      const alerts = (await (await fetch(`${url}/alerts?limit=1000`)).json()).alerts as Array<
        { keyword: string }
      >;
      assert.ok(
        alerts.some((a) => a.keyword === "solareclipse"),
        "the multi-author burst alerted",
      );
      assert.ok(!alerts.some((a) => a.keyword === "spamcoin"), "the single-author burst did not");
      await Deno.mkdir(new URL("./artifacts/", import.meta.url), { recursive: true });
      await page.screenshot({
        path: new URL("./artifacts/dashboard.png", import.meta.url).pathname,
        fullPage: true,
      });
    } finally {
      await browser.close();
      await proc.dispose();
      await Deno.remove(lake, { recursive: true });
      await s.dispose();
    }
  },
);
