/** The text-writer role as separate processes: SIGKILL, SIGTERM and two group members. */
import assert from "node:assert/strict";
import {
  committedTotal,
  produceTexts,
  RoleProcess,
  rowCount,
  sandbox,
  textMessages,
  until,
} from "./helpers/mod.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "a writer killed with SIGKILL mid-stream and started again loses and duplicates nothing",
  opts,
  async () => {
    const s = await sandbox({ WRITER_BATCH_SIZE: "200" });
    const n = 20_000;
    await produceTexts(s, textMessages(n));
    const first = new RoleProcess("text-writer", s.env);
    let second: RoleProcess | null = null;
    try {
      await until("some rows stored", async () => (await rowCount(s)).total > 0, 60_000, 10);
      first.kill("SIGKILL");
      const st = await first.exited;
      assert.equal(st.signal, "SIGKILL");
      const atKill = (await rowCount(s)).total;
      assert.ok(atKill < n, `killed mid-stream (${atKill} of ${n} rows stored)`);
      second = new RoleProcess("text-writer", s.env);
      await until(`${n} rows after restart`, async () => (await rowCount(s)).total >= n, 90_000);
      await until("offsets committed", async () => (await committedTotal(s)) === n, 30_000);
      assert.deepEqual(await rowCount(s), { total: n, distinct: n });
    } finally {
      await first.dispose();
      await second?.dispose();
      await s.dispose();
    }
  },
);

Deno.test(
  "two members in separate processes share the partitions and write every message once",
  opts,
  async () => {
    const s = await sandbox({ LOG_LEVEL: "info" });
    const a = new RoleProcess("text-writer", s.env);
    const b = new RoleProcess("text-writer", s.env);
    try {
      const admin = await s.kafka.admin();
      await until(
        "both members in the group",
        async () => {
          const g = await admin.describeGroup(s.group);
          return g.members === 2 && g.state === "Stable";
        },
        60_000,
        200,
      );
      const n = 5_000;
      await produceTexts(s, textMessages(n));
      await until(`${n} rows`, async () => (await rowCount(s)).total >= n, 60_000);
      await until("offsets committed", async () => (await committedTotal(s)) === n);
      assert.deepEqual(await rowCount(s), { total: n, distinct: n });
      // Each process logged the partitions it was given; together they cover all three.
      const assigned = (out: string) =>
        [...out.matchAll(/"joined group".*?"assignment":\{"[^"]+":\[([\d,]*)\]/g)].at(-1)?.[1] ??
          "";
      const pa = assigned(a.output), pb = assigned(b.output);
      assert.ok(
        pa !== "" && pb !== "",
        `both got partitions: a=[${pa}] b=[${pb}]\n${a.output.slice(0, 3000)}`,
      );
      assert.deepEqual([...pa.split(","), ...pb.split(",")].map(Number).sort(), [0, 1, 2]);
    } finally {
      await a.dispose();
      await b.dispose();
      await s.dispose();
    }
  },
);

Deno.test("SIGTERM during a run commits what was stored and exits 0", opts, async () => {
  const s = await sandbox({ WRITER_BATCH_SIZE: "100", WRITER_FLUSH_MS: "5", LOG_LEVEL: "info" });
  const n = 30_000;
  await produceTexts(s, textMessages(n));
  const p = new RoleProcess("text-writer", s.env);
  try {
    await until("some rows stored", async () => (await rowCount(s)).total > 0, 60_000, 10);
    p.kill("SIGTERM");
    const st = await p.exited;
    assert.equal(st.code, 0, `exit code 0, output:\n${p.output.slice(-2_000)}`);
    assert.match(p.output, /stopped cleanly/);
    const rows = (await rowCount(s)).total;
    assert.equal(await committedTotal(s), rows, "every stored row's offset is committed, no more");
  } finally {
    await p.dispose();
    await s.dispose();
  }
});
