/**
 * The finance dashboard in a real browser (Playwright driving Debian's Chromium, as the trends
 * dashboard test does) against `main.ts sentiment,api` on real Kafka, PostgreSQL and Redis:
 * every chart gets data and the alert table a row. Reads are protected (`API_AUTH_READS=true`):
 * without a key the page says how to give one; opened with `#key=<read token>` it shows the data.
 * Screenshot: tests/artifacts/finance_dashboard.png.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { financeEvent, financeSandbox, produceFinance } from "./helpers/sentiment.ts";
import { bearer, listeningUrl, RoleProcess, TEST_TOKENS } from "./helpers/mod.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

Deno.test(
  "the finance dashboard shows sentiment by asset class and source, volume, near-duplicates and alerts",
  opts,
  async () => {
    assert.ok(
      await Deno.stat(CHROMIUM).then(() => true, () => false),
      `no Chromium at ${CHROMIUM}`,
    );
    const s = await financeSandbox({ SENTIMENT_VIEWS_REFRESH_S: "1", API_AUTH_READS: "true" });
    const proc = new RoleProcess("sentiment,api", s.env);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    });
    try {
      const url = await listeningUrl(proc);
      const texts = [
        ["news", "Acme shares plunge 9% as fraud probe widens", ["ACME"]],
        ["twitter", "Acme shares plunge 9% as fraud probe widens https://t.co/a", ["ACME"]],
        ["twitter", "$ACME crashes, awful quarter and guidance cut", ["ACME"]],
        ["reddit", "Acme tumbles after it misses estimates", ["ACME"]],
        ["news", "Bitcoin soars to a record high as inflows surge", ["BTC"]],
        ["twitter", "Gold steady ahead of payrolls", []],
      ] as const;
      await produceFinance(
        s,
        texts.map(([source, text, symbols]) =>
          financeEvent(text, { source, symbols: [...symbols] })
        ),
      );
      const keyless = await browser.newPage();
      await keyless.goto(`${url}/finance/dashboard`);
      await keyless.waitForFunction(
        () => {
          const d = (globalThis as unknown as {
            document: { getElementById(id: string): { textContent: string | null } | null };
          }).document;
          return d.getElementById("status")?.textContent?.includes("#key=<token>") ?? false;
        },
        undefined,
        { timeout: 30_000, polling: 200 },
      );
      await keyless.close();
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${url}/finance/dashboard#key=${TEST_TOKENS.read}`);
      await page.waitForFunction(
        () => {
          const w = globalThis as unknown as {
            sluiceCharts: Record<string, { data: { labels: unknown[]; datasets: unknown[] } }>;
            document: { querySelectorAll(s: string): ArrayLike<unknown> };
          };
          const c = w.sluiceCharts;
          return c.assetClass.data.labels.length >= 2 && c.source.data.labels.length >= 3 &&
            c.volume.data.datasets.length >= 3 && c.dupRate.data.labels.length >= 3 &&
            w.document.querySelectorAll("#alerts tr").length > 0;
        },
        undefined,
        { timeout: 90_000, polling: 500 },
      );
      const sources = await (await fetch(`${url}/finance/sentiment/sources`, {
        headers: bearer(TEST_TOKENS.read),
      })).json();
      const tw = sources.sources.find((r: { source: string }) => r.source === "twitter");
      assert.equal(tw.duplicates, 1);
      await Deno.mkdir(new URL("./artifacts/", import.meta.url), { recursive: true });
      await page.screenshot({
        path: new URL("./artifacts/finance_dashboard.png", import.meta.url).pathname,
        fullPage: true,
      });
    } finally {
      await browser.close();
      await proc.dispose();
      await s.dispose();
    }
  },
);
