/** The text-writer role in this process, against the real Kafka broker and PostgreSQL. */
import assert from "node:assert/strict";
import { UpstreamError } from "../lib/errors.ts";
import { textWriterRole } from "../actors/text/role.ts";
import { DLQ_HEADERS, dlqTopic } from "../transport/mod.ts";
import { activeConditions } from "../lib/health.ts";
import {
  committedTotal,
  produceTexts,
  readTopic,
  rowCount,
  sandbox,
  textMessages,
  until,
} from "./helpers/mod.ts";
import type { Sandbox } from "./helpers/mod.ts";
import { runInProcess } from "./helpers/in_process.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function runRole(s: Sandbox, overrides: Parameters<typeof textWriterRole>[1] = {}) {
  return runInProcess(s, (rt) => [textWriterRole(rt, overrides)]);
}

Deno.test("1,000 messages produced become exactly 1,000 rows", opts, async () => {
  const s = await sandbox();
  const role = await runRole(s);
  try {
    const msgs = textMessages(1_000);
    await produceTexts(s, msgs);
    await until("1,000 rows", async () => (await rowCount(s)).total >= 1_000);
    await until("offsets committed", async () => (await committedTotal(s)) === 1_000);
    assert.deepEqual(await rowCount(s), { total: 1_000, distinct: 1_000 });
    const sample = await s.db.query<{ message: string }>(
      `SELECT message FROM text_messages WHERE id = $1`,
      [msgs[123].id],
    );
    assert.equal(sample[0].message, msgs[123].text);
  } finally {
    await role.stop();
    await s.dispose();
  }
});

Deno.test(
  "a writer crash mid-batch is restarted by its supervisor and loses nothing",
  opts,
  async () => {
    const s = await sandbox({ WRITER_BATCH_SIZE: "100" });
    let inserts = 0;
    let crashed = false;
    const role = await runRole(s, {
      retries: 0,
      beforeInsert: () => {
        // The fourth insert fails once: its batch was taken from the mailbox but never stored.
        if (++inserts === 4 && !crashed) {
          crashed = true;
          throw new UpstreamError("INJECTED", "injected writer fault");
        }
      },
    });
    try {
      await produceTexts(s, textMessages(1_000));
      await until("1,000 rows after the crash", async () => (await rowCount(s)).total >= 1_000);
      await until("offsets committed", async () => (await committedTotal(s)) === 1_000);
      assert.ok(crashed, "the fault was injected");
      assert.deepEqual(await rowCount(s), { total: 1_000, distinct: 1_000 });
      const writer = role.root.states().find((c) => c.id === "text-writer/writer");
      assert.ok(writer && writer.restarts >= 1, "the writer was restarted");
      assert.match(writer.lastError ?? "", /Storing text messages failed/);
    } finally {
      await role.stop();
      await s.dispose();
    }
  },
);

Deno.test(
  "malformed and invalid messages go to the DLQ with reasons; valid ones are stored",
  opts,
  async () => {
    const s = await sandbox();
    const role = await runRole(s);
    const producer = await s.kafka.producer();
    const good = textMessages(6);
    // Any printable id is valid, such as the seed's own example.
    good[0].id = "test-123";
    const bad = [
      { value: "{not json", reason: /malformed JSON/ },
      { value: JSON.stringify({ id: "x".repeat(129), text: "x" }), reason: /id: .*128/ },
      { value: JSON.stringify({ id: crypto.randomUUID() }), reason: /text/ },
      { value: JSON.stringify({ id: crypto.randomUUID(), text: "nul\u0000byte" }), reason: /NUL/ },
    ];
    try {
      // Interleave on one partition so the bad ones sit between good ones.
      const records = [];
      for (let i = 0; i < good.length; i++) {
        records.push({ key: "same", value: JSON.stringify(good[i]) });
        if (bad[i]) records.push({ key: "same", value: bad[i].value });
      }
      await producer.send(s.topic, records);
      await until("6 valid rows", async () => (await rowCount(s)).total >= 6);
      await until("everything committed", async () => (await committedTotal(s)) === records.length);
      assert.equal((await rowCount(s)).total, 6);
      const seed = await s.db.query<{ message: string }>(
        `SELECT message FROM text_messages WHERE id = 'test-123'`,
      );
      assert.deepEqual(seed, [{ message: good[0].text }]);

      const dead = await readTopic(s, dlqTopic(s.topic), 4);
      assert.equal(dead.length, 4);
      const dec = new TextDecoder();
      for (let i = 0; i < bad.length; i++) {
        const m = dead[i];
        assert.equal(dec.decode(m.value!), bad[i].value, "original bytes are kept");
        assert.match(m.headers[DLQ_HEADERS.reason], bad[i].reason);
        assert.equal(m.headers[DLQ_HEADERS.sourceTopic], s.topic);
        assert.match(m.headers[DLQ_HEADERS.sourceOffset], /^\d+$/);
        assert.match(m.headers[DLQ_HEADERS.sourcePartition], /^\d+$/);
      }
    } finally {
      await producer.close();
      await role.stop();
      await s.dispose();
    }
  },
);

Deno.test(
  "a message the database refuses is dead-lettered with its reason; the batch around it is stored",
  opts,
  async () => {
    const s = await sandbox();
    const role = await runRole(s);
    const producer = await s.kafka.producer();
    try {
      // A rule only the database knows (the schema accepts the message): a CHECK constraint.
      await until(
        "the text_messages table",
        () => s.db.query(`SELECT 1 FROM text_messages LIMIT 1`).then(() => true),
      );
      await s.db.exec(
        `ALTER TABLE text_messages ADD CONSTRAINT no_banned CHECK (message <> 'banned words')`,
      );
      const msgs = textMessages(200);
      msgs[50].text = "banned words";
      msgs[150].text = "banned words";
      await producer.send(
        s.topic,
        msgs.map((m) => ({ key: "same", value: JSON.stringify(m) })),
      );
      await until("everything committed", async () => (await committedTotal(s)) === 200);
      assert.deepEqual(await rowCount(s), { total: 198, distinct: 198 });
      const dead = await readTopic(s, dlqTopic(s.topic), 2);
      const dec = new TextDecoder();
      assert.deepEqual(
        dead.map((m) => JSON.parse(dec.decode(m.value!)).id).sort(),
        [msgs[50].id, msgs[150].id].sort(),
      );
      for (const m of dead) {
        assert.match(m.headers[DLQ_HEADERS.reason], /rejected by the database: .*no_banned/);
      }
    } finally {
      await producer.close();
      await role.stop();
      await s.dispose();
    }
  },
);

Deno.test(
  "a message whose id is stored with a different text is dead-lettered as a conflict, never overwritten",
  opts,
  async () => {
    const s = await sandbox();
    const role = await runRole(s);
    const producer = await s.kafka.producer();
    try {
      await until(
        "the text_messages table",
        () => s.db.query(`SELECT 1 FROM text_messages LIMIT 1`).then(() => true),
      );
      await s.db.query(`INSERT INTO text_messages (id, message) VALUES ('stored-1', 'original')`);
      const records = [
        { id: "stored-1", text: "rewritten" }, // conflict with the stored row
        { id: "fresh-1", text: "first" },
        { id: "fresh-1", text: "first" }, // a repeat in the batch: duplicate
        { id: "fresh-1", text: "second" }, // conflict within the batch
        ...textMessages(20),
      ].map((m) => ({ key: "same", value: JSON.stringify(m) }));
      await producer.send(s.topic, records);
      await until("everything committed", async () => (await committedTotal(s)) === records.length);
      // A replay of what is stored is a duplicate: nothing to store, nothing to dead-letter.
      await producer.send(s.topic, [{
        key: "same",
        value: JSON.stringify({ id: "stored-1", text: "original" }),
      }]);
      await until("the replay committed", async () => (await committedTotal(s)) === 25);
      const rows = await s.db.query<{ id: string; message: string }>(
        `SELECT id, message FROM text_messages WHERE id IN ('stored-1', 'fresh-1') ORDER BY id`,
      );
      assert.deepEqual(rows, [
        { id: "fresh-1", message: "first" },
        { id: "stored-1", message: "original" },
      ]);
      assert.equal((await rowCount(s)).total, 22);
      const dead = await readTopic(s, dlqTopic(s.topic), 2);
      const dec = new TextDecoder();
      const got = dead.map((m) => [dec.decode(m.value!), m.headers[DLQ_HEADERS.reason]]).sort();
      assert.deepEqual(
        got,
        [
          [records[0].value, "conflict: id already stored with a different text"],
          [records[3].value, "conflict: id repeated in the batch with a different text"],
        ].sort(),
      );
    } finally {
      await producer.close();
      await role.stop();
      await s.dispose();
    }
  },
);

Deno.test(
  "a table lock held elsewhere becomes a retried lock timeout shown in /ready, and the writer recovers",
  opts,
  async () => {
    const s = await sandbox({ PG_LOCK_TIMEOUT_MS: "200" });
    const role = await runRole(s);
    try {
      await until(
        "the text_messages table",
        () => s.db.query(`SELECT 1 FROM text_messages LIMIT 1`).then(() => true),
      );
      // Another connection holds the table until the writer has reported the lock.
      await s.db.transaction(async (tx) => {
        await tx.query(`LOCK TABLE text_messages IN ACCESS EXCLUSIVE MODE`);
        await produceTexts(s, textMessages(300));
        await until(
          "the lock timeout in /ready's conditions",
          () => activeConditions().some((c) => c.name === "text" && /lock timeout/.test(c.reason)),
          20_000,
        );
      });
      await until("300 rows once the lock is gone", async () => (await rowCount(s)).total >= 300);
      await until("offsets committed", async () => (await committedTotal(s)) === 300);
      assert.deepEqual(await rowCount(s), { total: 300, distinct: 300 });
      await until(
        "the condition cleared",
        () => !activeConditions().some((c) => c.name === "text"),
      );
    } finally {
      await role.stop();
      await s.dispose();
    }
  },
);
