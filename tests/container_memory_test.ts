/**
 * Worker containers as docker-compose.yml defines them, on the real broker and PostgreSQL: the
 * service's command and `DENO_V8_FLAGS` (else the image's) and the image's entrypoint
 * (Dockerfile), run inside a Linux cgroup with the service's `mem_limit`, which is what Docker
 * makes of it. Draining a backlog at full speed must not get a worker killed by the kernel: the
 * order processor, in 128 MB with the image's own V8 flags, was killed after about 15,000 of
 * 50,000 orders. Needs root (to make the cgroup); elsewhere the tests are ignored.
 */
import assert from "node:assert/strict";
import {
  committedTotal,
  produceOrders,
  produceTexts,
  sandbox,
  uniqueName,
  until,
} from "./helpers/mod.ts";
import type { RoleProcess, Sandbox } from "./helpers/mod.ts";
import { memoryCgroup } from "./helpers/cgroup.ts";
import { produceCompressed } from "./helpers/dlq.ts";
import { classifiedPosts, produceClassified } from "./helpers/posts.ts";
import { composeService, limitBytes, startService } from "./helpers/container.ts";

/** A worker service and a backlog for it: fills its topic, returns the topic, group and count. */
interface Case {
  service: string;
  /** `table`: where every record ends up as one row, counted after the drain. */
  fill: (s: Sandbox) => Promise<{ topic: string; group: string; count: number; table?: string }>;
}

const CASES: Case[] = [
  {
    service: "order-processor",
    fill: async (s) => {
      const count = 30_000;
      await produceOrders(s, count);
      return { topic: s.orderTopic, group: s.orderGroup, count, table: "orders" };
    },
  },
  {
    service: "text-writer",
    fill: async (s) => {
      const count = 300_000;
      // About the size the text bench's messages are (94 bytes as JSON).
      const text = "a message of about the size the benches use, ".repeat(2);
      await produceTexts(
        s,
        Array.from({ length: count }, (_, i) => ({ id: `m-${i}`, text })),
        10_000,
      );
      return { topic: s.topic, group: s.group, count, table: "text_messages" };
    },
  },
  {
    service: "classifier",
    fill: async (s) => {
      const count = 20_000;
      const t0 = Date.UTC(2026, 10, 24) * 1000;
      await produceCompressed(
        s,
        s.postsRaw,
        Array.from({ length: count }, (_, i) => {
          const did = `did:plc:mem${i % 50}`;
          return {
            key: did,
            value: JSON.stringify({
              uri: `at://${did}/app.bsky.feed.post/m${i}`,
              did,
              text: `post ${i}: markets rally as investors cheer $AAPL earnings #stocks`,
              langs: ["en"],
              created_at: new Date(t0 / 1000 + i).toISOString(),
              time_us: t0 + i,
              hashtags: ["stocks"],
              mentions: [],
            }),
          };
        }),
        5_000,
      );
      return { topic: s.postsRaw, group: s.env.CLASSIFIER_GROUP, count };
    },
  },
  {
    service: "writer",
    fill: (s) => fillClassified(s, 30_000, s.env.POSTS_GROUP, "classified_posts"),
  },
  // Its committed input offsets follow its keyword partitions' checkpoints (about 1,400 posts/s).
  { service: "aggregator", fill: (s) => fillClassified(s, 10_000, s.env.AGG_GROUP) },
];

/** `count` classified posts on the sandbox's classified topic, for `group` to drain. */
async function fillClassified(s: Sandbox, count: number, group: string, table?: string) {
  await produceClassified(s, classifiedPosts(count, "mem"));
  return { topic: s.postsClassified, group, count, table };
}

function cgroupsWritable(): boolean {
  const probe = memoryCgroup(uniqueName("sluice-probe"), 64 * 1024 * 1024);
  probe?.dispose();
  return probe !== null;
}

const writable = cgroupsWritable();
for (const c of CASES) {
  Deno.test({
    name: `${c.service} drains a backlog inside its compose memory limit without being killed`,
    ignore: !writable,
    fn: async () => {
      const svc = await composeService(c.service);
      const s = await sandbox();
      const cg = memoryCgroup(uniqueName(`sluice-${c.service}`), limitBytes(svc.mem_limit));
      assert.ok(cg, "a memory cgroup");
      let p: RoleProcess | null = null;
      try {
        const backlog = await c.fill(s);
        p = await startService(svc, { ...s.env, LOG_LEVEL: "info", PORT: "0" }, { cgroup: cg });
        const worker = p;
        await until(
          "every record committed, or the worker gone",
          async () =>
            worker.status !== null ||
            await committedTotal(s, backlog.group, backlog.topic) >= backlog.count,
          240_000,
          200,
        );
        const peakMiB = (cg.peakBytes() / 2 ** 20).toFixed(0);
        assert.equal(
          p.status,
          null,
          `${c.service} exited (peak ${peakMiB} MiB of ${svc.mem_limit}): ${p.output.slice(-2000)}`,
        );
        assert.equal(cg.oomKills(), 0, "the kernel killed a process of the group");
        if (backlog.table) {
          const rows = await s.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${backlog.table}`,
          );
          assert.equal(rows[0].n, backlog.count);
        }
        assert.ok(!/"level":"error"/.test(p.output), p.output.slice(-2000));
      } finally {
        await p?.dispose();
        cg.dispose();
        await s.dispose();
      }
    },
  });
}
