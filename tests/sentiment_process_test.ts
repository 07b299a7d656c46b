/** The sentiment role as its own process, SIGKILLed mid-stream, on the real services. */
import assert from "node:assert/strict";
import { financeEvent, financeSandbox } from "./helpers/sentiment.ts";
import { RoleProcess, until } from "./helpers/mod.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const N = 6_000;

Deno.test(
  "a sentiment worker killed with SIGKILL mid-batch and restarted loses nothing and duplicates no row",
  opts,
  async () => {
    const s = await financeSandbox({ SENTIMENT_BATCH_SIZE: "200" });
    // Every fifth event repeats an earlier text (another link): those become near-duplicates.
    const events = Array.from(
      { length: N },
      (_, i) =>
        i % 5 === 4
          ? financeEvent(`Acme ${i - 1} shares fall ${i - 1}% on weak guidance https://t.co/${i}`)
          : financeEvent(`Acme ${i} shares fall ${i}% on weak guidance`, { symbols: ["ACME"] }),
    );
    const p = await s.kafka.producer();
    for (let i = 0; i < N; i += 2_000) {
      await p.send(
        s.sentimentTopic,
        events.slice(i, i + 2_000).map((e) => ({ key: e.event_id, value: JSON.stringify(e) })),
      );
    }
    await p.close();
    const count = async () =>
      (await s.db.query<{ n: number; d: number; dup: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS d,
                count(duplicate_of)::int AS dup FROM sentiment_results`,
      ).catch(() => [{ n: 0, d: 0, dup: 0 }]))[0];
    const first = new RoleProcess("sentiment", s.env);
    let second: RoleProcess | null = null;
    try {
      await until("some rows stored", async () => (await count()).n > 0, 60_000, 10);
      first.kill("SIGKILL");
      await first.exited;
      const atKill = (await count()).n;
      assert.ok(atKill < N, `killed mid-stream (${atKill} of ${N})`);
      second = new RoleProcess("sentiment", s.env);
      await until(`${N} rows`, async () => (await count()).n >= N, 90_000, 200);
      const c = await count();
      assert.deepEqual([c.n, c.d], [N, N]);
      assert.equal(c.dup, N / 5, "every repeat is a near-duplicate, none of the originals");
    } finally {
      await first.dispose();
      await second?.dispose();
      await s.dispose();
    }
  },
);
