/** The sentiment role in this process, against the real Kafka, PostgreSQL and Redis. */
import assert from "node:assert/strict";
import {
  financeEvent,
  financeSandbox,
  produceFinance,
  resultRows,
  runSentiment,
} from "./helpers/sentiment.ts";
import { committedTotal, readTopic, until } from "./helpers/mod.ts";
import { dlqTopic } from "../transport/mod.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "a near-duplicate is stored with a link to its original and not classified, also after a restart",
  opts,
  async () => {
    const s = await financeSandbox();
    let role = await runSentiment(s);
    try {
      const original = financeEvent("Nvidia tumbles as export curbs hit China sales", {
        symbols: ["NVDA"],
      });
      const tick = financeEvent(null, { kind: "tick", source: "truedata" });
      await produceFinance(s, [original, tick]);
      await until("the original stored", async () => (await resultRows(s)).length === 1);
      const copy = financeEvent("Nvidia tumbles as export curbs hit China sales 📉 https://t.co/1");
      await produceFinance(s, [copy, { not: "an event" }]);
      await until("the copy stored", async () => (await resultRows(s)).length === 2);
      await role.stop();
      // A new process: the index is in Redis, the rows in PostgreSQL.
      role = await runSentiment(s);
      const retweet = financeEvent("RT @x: Nvidia tumbles as export curbs hit China sales");
      await produceFinance(s, [retweet, original]);
      await until("the retweet stored", async () => (await resultRows(s)).length === 3);
      await until(
        "offsets committed",
        async () => (await committedTotal(s, s.env.SENTIMENT_GROUP, s.sentimentTopic)) === 6,
      );
      const rows = new Map((await resultRows(s)).map((r) => [r.event_id, r]));
      assert.equal(rows.size, 3, "the replayed original is not stored twice");
      const o = rows.get(original.event_id)!;
      assert.deepEqual([o.label, o.dup_check, o.duplicate_of], ["negative", "original", null]);
      assert.equal(o.asset_class, "equity");
      for (const id of [copy.event_id, retweet.event_id]) {
        const d = rows.get(id)!;
        assert.deepEqual([d.label, d.model, d.dup_check], [null, null, "duplicate"]);
        assert.equal(d.duplicate_of, original.event_id);
        assert.equal(d.asset_class, "equity", "a duplicate takes its original's asset class");
      }
      const dead = await readTopic(s, dlqTopic(s.sentimentTopic), 1);
      assert.match(dead[0].headers["x-dlq-reason"] ?? "", /invalid finance event/);
    } finally {
      await role.stop();
      await s.dispose();
    }
  },
);

Deno.test(
  "with Redis unreachable every event is classified and marked unchecked, nothing lost",
  opts,
  async () => {
    const s = await financeSandbox({ REDIS_URL: "redis://127.0.0.1:1" });
    const role = await runSentiment(s);
    try {
      const text = "Bitcoin crashes below $60,000 as liquidations mount";
      const events = [financeEvent(text), financeEvent(text), financeEvent("Gold steady")];
      await produceFinance(s, events);
      await until("3 rows", async () => (await resultRows(s)).length === 3);
      const rows = await resultRows(s);
      assert.ok(rows.every((r) => r.dup_check === "unchecked" && r.label !== null));
      assert.ok(rows.every((r) => r.model === "local:afinn-165-fin"));
    } finally {
      await role.stop();
      await s.dispose();
    }
  },
);

Deno.test(
  "a sentiment-threshold alert fires once per cooldown; minute aggregates reach their topic",
  opts,
  async () => {
    const s = await financeSandbox({
      SENTIMENT_ALERT_THRESHOLD: "0.4",
      SENTIMENT_ALERT_MIN_SOURCES: "2",
      SENTIMENT_ALERT_MIN_EVENTS: "3",
      SENTIMENT_ALERT_COOLDOWN_S: "3600",
    });
    const role = await runSentiment(s);
    const bad = (n: number, source: "news" | "twitter") =>
      financeEvent(`Acme shares plunge ${n}% as fraud probe widens, case ${n}`, {
        source,
        symbols: ["ACME"],
      });
    try {
      await produceFinance(s, [bad(11, "news"), bad(12, "twitter"), bad(13, "news")]);
      const alerts = await readTopic(s, s.alertTopic, 1);
      const alert = JSON.parse(new TextDecoder().decode(alerts[0].value!));
      assert.deepEqual([alert.kind, alert.subject, alert.details.direction], [
        "sentiment",
        "ACME",
        "negative",
      ]);
      assert.deepEqual(alert.details.sources, ["news", "twitter"]);
      await produceFinance(s, [bad(21, "twitter"), bad(22, "news"), bad(23, "twitter")]);
      await until(
        "6 events committed",
        async () => (await committedTotal(s, s.env.SENTIMENT_GROUP, s.sentimentTopic)) === 6,
      );
      const rows = await s.db.query<{ n: number; unpublished: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE NOT published)::int AS unpublished
         FROM sentiment_alerts`,
      );
      assert.deepEqual(rows[0], { n: 1, unpublished: 0 });
      const size = await (await s.kafka.admin()).topicSize(s.alertTopic);
      assert.equal(size, 1, "one alert on the topic within the cooldown");
      const aggs = await readTopic(
        s,
        s.aggregationTopic,
        (got) =>
          got.some((m) => JSON.parse(new TextDecoder().decode(m.value!)).events === 6) ||
          got.length >= 2 &&
            got.reduce((n, m) => n + JSON.parse(new TextDecoder().decode(m.value!)).events, 0) >= 6,
      );
      const last = JSON.parse(new TextDecoder().decode(aggs.at(-1)!.value!));
      assert.equal(last.symbol, "ACME");
      assert.equal(last.asset_class, "equity");
      assert.ok(last.mean_score < 0);
    } finally {
      await role.stop();
      await s.dispose();
    }
  },
);
