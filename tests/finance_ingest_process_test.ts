/**
 * The ingest role as real processes: killed between the INSERT and the broker's ack, nothing is
 * lost nor doubled; two processes share one rate limit through Redis.
 */
import assert from "node:assert/strict";
import { providerPayload } from "../actors/finance/feed_payloads.ts";
import { postSigned } from "../actors/finance/feed.ts";
import { financeSandbox } from "./helpers/finance.ts";
import { listeningUrl, readTopic, RoleProcess, until } from "./helpers/mod.ts";

Deno.test("ingest killed between store and publish: the relay publishes once, a retry is a duplicate", async () => {
  const s = await financeSandbox({ INGEST_RELAY_GRACE_MS: "300", INGEST_RELAY_INTERVAL_MS: "100" });
  const child = new URL("./helpers/ingest_crash_child.ts", import.meta.url).pathname;
  const crashing = new RoleProcess("", s.env, [], ["run", "--allow-all", child]);
  let ingest: RoleProcess | null = null;
  try {
    const url = await listeningUrl(crashing, "ingest");
    const body = JSON.stringify({ ...providerPayload("news"), id: "crash-1" });
    const pending = postSigned(url, "news", s.secrets.news, body).catch((err) => err);
    await until("the delivery to be stored", () => crashing.output.includes("stored, not yet"));
    crashing.kill("SIGKILL");
    await crashing.exited;
    assert.ok((await pending) instanceof Error, "the killed process never answered");
    const row = async () =>
      (await s.db.query<{ published_at: string | null }>(
        `SELECT published_at FROM finance_raw_events WHERE event_id = 'news:crash-1'`,
      ))[0];
    assert.equal((await row()).published_at, null);

    ingest = new RoleProcess("ingest", s.env);
    const url2 = await listeningUrl(ingest, "ingest");
    await until(
      "the relay to publish the stored event",
      async () => (await row()).published_at !== null,
    );
    const retry = await postSigned(url2, "news", s.secrets.news, body);
    assert.equal(retry.status, 202);
    assert.equal((await retry.json()).events[0].status, "duplicate");
    // One more event after it: once it is on the topic, everything before it is too.
    const marker = JSON.stringify({ ...providerPayload("news"), id: "marker" });
    assert.equal((await postSigned(url2, "news", s.secrets.news, marker)).status, 202);
    const got = await readTopic(
      s,
      s.financeTopic,
      (ms) => ms.some((m) => m.key && new TextDecoder().decode(m.value!).includes("news:marker")),
    );
    const copies = got.filter((m) => new TextDecoder().decode(m.value!).includes('"news:crash-1"'));
    assert.equal(copies.length, 1);
    const rows = await s.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM finance_raw_events`,
    );
    assert.equal(rows[0].n, 2);
  } finally {
    await crashing.dispose();
    await ingest?.dispose();
    await s.dispose();
  }
});

Deno.test("the rate limit is shared by two ingest processes through Redis, then recovers", async () => {
  const s = await financeSandbox({ INGEST_RATE_PER_CLIENT: "4", INGEST_RATE_WINDOW_S: "12" });
  const a = new RoleProcess("ingest", s.env);
  const b = new RoleProcess("ingest", s.env);
  try {
    const [ua, ub] = await Promise.all([listeningUrl(a, "ingest"), listeningUrl(b, "ingest")]);
    const post = (url: string) =>
      postSigned(url, "economic", s.secrets.economic, JSON.stringify(providerPayload("economic")));
    const statuses: number[] = [];
    for (const url of [ua, ub, ua, ub, ua, ub]) {
      const res = await post(url);
      statuses.push(res.status);
      if (res.status === 429) assert.ok(Number(res.headers.get("retry-after")) >= 1);
      await res.body?.cancel();
    }
    // A window long enough that a slow machine still sends all six within it.
    assert.deepEqual(statuses, [202, 202, 202, 202, 429, 429]);
    await until(
      "the limit to recover",
      async () => {
        const res = await post(ub);
        await res.body?.cancel();
        return res.status === 202;
      },
      30_000,
      250,
    );
  } finally {
    await a.dispose();
    await b.dispose();
    await s.dispose();
  }
});
