/**
 * Worker containers as docker-compose.yml defines them, on the real broker and PostgreSQL: the
 * service's command and `DENO_V8_FLAGS` (else the image's) and the image's entrypoint
 * (Dockerfile), run inside a Linux cgroup with the service's `mem_limit`, which is what Docker
 * makes of it. Working at full speed (a backlog drained, a local Jetstream read as fast as it
 * sends, signed webhook deliveries or `POST /messages` from 32 connections) must not get a worker killed by the
 * kernel: the order processor, in 128 MB with the image's own V8 flags, was killed after about
 * 15,000 of 50,000 orders. Each prints its group's peak (page cache included) and its largest
 * anonymous RSS. Needs root (to make the cgroup); elsewhere the tests are ignored.
 */
import assert from "node:assert/strict";
import {
  bearer,
  committedTotal,
  listeningUrl,
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
import { rssSampler } from "../bench/ceilings.ts";
import { JetstreamStub } from "./helpers/jetstream_stub.ts";
import { CursorStore } from "../actors/social/cursor_store.ts";
import { postSigned } from "../actors/finance/feed.ts";
import { distinctPayload, financeSandbox as ingestSandbox, SOURCES } from "./helpers/finance.ts";
import type { FinanceSandbox as IngestSandbox } from "./helpers/finance.ts";
import {
  financeEvent,
  financeSandbox as sentimentSandbox,
  produceFinance,
} from "./helpers/sentiment.ts";
import type { FinanceSandbox as SentimentSandbox } from "./helpers/sentiment.ts";

/** What a worker is given to do in its limit, and how to tell it has done it. */
interface Work {
  /** Settings of this work on top of the sandbox's (a stub's address). */
  env?: Record<string, string>;
  /** Load applied to the running worker (HTTP deliveries); awaited before `done` is polled. */
  drive?: (p: RoleProcess) => Promise<void>;
  /** True once every record is through. */
  done: () => Promise<boolean>;
  /** A table where every record ends up as one row, counted after the run. */
  rows?: { table: string; count: number };
  dispose?: () => Promise<void>;
}

interface Case {
  service: string;
  /** Default: `sandbox()`. */
  sandbox?: () => Promise<Sandbox>;
  work: (s: Sandbox) => Promise<Work>;
}

/** A backlog of `count` records on `topic`, done once `group` has committed them all. */
function backlog(s: Sandbox, topic: string, group: string, count: number, table?: string): Work {
  return {
    done: async () => await committedTotal(s, group, topic) >= count,
    rows: table ? { table, count } : undefined,
  };
}

const CASES: Case[] = [
  {
    service: "order-processor",
    work: async (s) => {
      const count = 30_000;
      await produceOrders(s, count);
      return backlog(s, s.orderTopic, s.orderGroup, count, "orders");
    },
  },
  {
    service: "text-writer",
    work: async (s) => {
      const count = 300_000;
      // About the size the text bench's messages are (94 bytes as JSON).
      const text = "a message of about the size the benches use, ".repeat(2);
      await produceTexts(
        s,
        Array.from({ length: count }, (_, i) => ({ id: `m-${i}`, text })),
        10_000,
      );
      return backlog(s, s.topic, s.group, count, "text_messages");
    },
  },
  {
    service: "classifier",
    work: async (s) => {
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
      return backlog(s, s.postsRaw, s.env.CLASSIFIER_GROUP, count);
    },
  },
  {
    service: "writer",
    work: (s) => fillClassified(s, 30_000, s.env.POSTS_GROUP, "classified_posts"),
  },
  // Its committed input offsets follow its keyword partitions' checkpoints (about 1,400 posts/s).
  { service: "aggregator", work: (s) => fillClassified(s, 10_000, s.env.AGG_GROUP) },
  {
    // Jetstream as fast as a local server sends it: the reader queues what Kafka has not taken.
    service: "firehose",
    work: (s) => {
      const count = 60_000;
      const t0 = Date.UTC(2026, 10, 24) * 1000;
      const stub = new JetstreamStub(jetstreamPosts(count, t0));
      const name = uniqueName("mem-firehose");
      const cursors = new CursorStore(s.db);
      return Promise.resolve({
        env: { FIREHOSE_URL: stub.url, FIREHOSE_NAME: name },
        done: async () => ((await cursors.get(name).catch(() => null)) ?? 0) >= t0 + count - 1,
        dispose: () => stub.shutdown(),
      });
    },
  },
  {
    // Signed deliveries as fast as 32 connections send them: batches of 50, then single events.
    service: "ingest",
    sandbox: () => ingestSandbox(),
    work: (s) => {
      const f = s as IngestSandbox;
      const batches = 400, batch = 50, singles = 5_000;
      const total = batches * batch + singles;
      // A generated payload now and then repeats an earlier one (same provider id): `duplicate`.
      let answered = 0, accepted = 0;
      return Promise.resolve({
        drive: async (p: RoleProcess) => {
          const url = await listeningUrl(p, "ingest");
          const sizes = [
            ...Array.from({ length: batches }, () => batch),
            ...Array.from({ length: singles }, () => 1),
          ];
          await pool(sizes, 32, async (n, i) => {
            const source = SOURCES[i % SOURCES.length];
            const events = Array.from({ length: n }, () => distinctPayload(source));
            const body = JSON.stringify(n === 1 ? events[0] : events);
            const res = await postSigned(url, source, f.secrets[source], body);
            const text = await res.text();
            assert.equal(res.status, 202, text);
            const answer = JSON.parse(text) as { events: Array<{ status: string }> };
            answered += answer.events.length;
            accepted += answer.events.filter((e) => e.status === "accepted").length;
          });
        },
        done: () => Promise.resolve(answered === total),
        rows: {
          table: "finance_raw_events",
          get count() {
            return accepted;
          },
        },
      });
    },
  },
  {
    // Near-duplicate check, classification and the analytics database's rows, from a backlog.
    service: "sentiment",
    sandbox: () => sentimentSandbox(),
    work: async (s) => {
      const f = s as SentimentSandbox;
      const count = 20_000;
      const symbols = ["AAPL", "MSFT", "TSLA", "RELIANCE", "TCS"];
      const events = Array.from(
        { length: count },
        (_, i) =>
          financeEvent(`${HEADLINES[i % HEADLINES.length]} (${i})`, {
            symbols: [symbols[i % symbols.length]],
          }),
      );
      for (let i = 0; i < count; i += 5_000) await produceFinance(f, events.slice(i, i + 5_000));
      return backlog(s, f.sentimentTopic, s.env.SENTIMENT_GROUP, count, "sentiment_results");
    },
  },
  {
    // The API alone: text messages created over HTTP from 32 connections, published to Kafka.
    service: "api",
    work: (s) => {
      const count = 20_000;
      return Promise.resolve({
        drive: async (p: RoleProcess) => {
          const url = await listeningUrl(p);
          await pool(Array.from({ length: count }, (_, i) => i), 32, async (i) => {
            const res = await fetch(`${url}/messages`, {
              method: "POST",
              headers: { "content-type": "application/json", ...bearer() },
              body: JSON.stringify({ id: `api-${i}`, text: `a message created over HTTP, ${i}` }),
            });
            assert.equal(res.status, 202, await res.text());
          });
        },
        // Every answer was 202 once `drive` is done; the records are on the topic.
        done: async () => await (await s.kafka.admin()).topicSize(s.topic) >= count,
      });
    },
  },
];

const HEADLINES = [
  "Shares surge after record quarterly earnings beat estimates",
  "Stock plunges as regulator opens probe into accounting",
  "Company announces buyback and raises full-year guidance",
  "Analysts downgrade the stock on weak demand outlook",
  "Central bank holds rates steady, signals cuts later this year",
];

/** `count` Jetstream post creates, one a microsecond from `t0`. */
function jetstreamPosts(count: number, t0: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const did = `did:plc:mem${i % 200}`;
    return JSON.stringify({
      did,
      time_us: t0 + i,
      kind: "commit",
      commit: {
        rev: `rev${i}`,
        operation: "create",
        collection: "app.bsky.feed.post",
        rkey: `3mem${i.toString().padStart(9, "0")}`,
        record: {
          $type: "app.bsky.feed.post",
          text: `post ${i}: markets rally as investors cheer $AAPL earnings #stocks`,
          langs: ["en"],
          createdAt: new Date(t0 / 1000 + i).toISOString(),
        },
        cid: `bafymem${i}`,
      },
    });
  });
}

/** Runs `task` over `items`, at most `width` at once. */
async function pool<T>(items: T[], width: number, task: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i], i);
    }
  }));
}

/** `count` classified posts on the sandbox's classified topic, for `group` to drain. */
async function fillClassified(s: Sandbox, count: number, group: string, table?: string) {
  await produceClassified(s, classifiedPosts(count, "mem"));
  return backlog(s, s.postsClassified, group, count, table);
}

function cgroupsWritable(): boolean {
  const probe = memoryCgroup(uniqueName("sluice-probe"), 64 * 1024 * 1024);
  probe?.dispose();
  return probe !== null;
}

const writable = cgroupsWritable();
for (const c of CASES) {
  Deno.test({
    name: `${c.service} works through a load inside its compose memory limit without being killed`,
    ignore: !writable,
    fn: async () => {
      const svc = await composeService(c.service);
      const s = await (c.sandbox ?? sandbox)();
      const cg = memoryCgroup(uniqueName(`sluice-${c.service}`), limitBytes(svc.mem_limit));
      assert.ok(cg, "a memory cgroup");
      let p: RoleProcess | null = null;
      let work: Work | null = null;
      let anon: ReturnType<typeof rssSampler> | null = null;
      try {
        work = await c.work(s);
        const env = { ...s.env, ...work.env, LOG_LEVEL: "info", PORT: "0" };
        const worker = p = await startService(svc, env, { cgroup: cg });
        anon = rssSampler(worker.child.pid, "RssAnon", 50);
        const gone = () =>
          `${c.service} exited (peak ${
            (cg.peakBytes() / 2 ** 20).toFixed(0)
          } MiB of ${svc.mem_limit}): ${worker.output.slice(-2000)}`;
        if (work.drive) {
          await Promise.race([
            work.drive(worker),
            worker.exited.then(() => assert.fail(gone())),
          ]);
        }
        const { done } = work;
        await until(
          "every record through, or the worker gone",
          async () => worker.status !== null || await done(),
          240_000,
          200,
        );
        assert.equal(worker.status, null, gone());
        assert.equal(cg.oomKills(), 0, "the kernel killed a process of the group");
        if (work.rows) {
          const rows = await s.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${work.rows.table}`,
          );
          assert.equal(rows[0].n, work.rows.count);
        }
        assert.ok(!/"level":"error"/.test(worker.output), worker.output.slice(-2000));
        console.log(
          `${c.service}: peak ${(cg.peakBytes() / 2 ** 20).toFixed(0)} MiB of ${svc.mem_limit}, ` +
            `${anon.max().toFixed(0)} MiB anonymous`,
        );
      } finally {
        anon?.stop();
        await p?.dispose();
        cg.dispose();
        await work?.dispose?.();
        await s.dispose();
      }
    },
  });
}
