/**
 * The order processor in its compose container (`container`): the same backlog of
 * BENCH_ORDERS (50,000) orders drained twice by the `order-processor` service as its container
 * runs it (tests/helpers/container.ts): once with the image's V8 flags and no memory limit, once
 * with the service's own flags inside a cgroup of its `mem_limit` (128 MB; without root, no
 * cgroup, and the bench says so). For each: the drain's sustained rate (first row → last
 * commit), the CPU per order, the largest anonymous RSS (what a memory limit holds back: the
 * binary's pages are the page cache, which the kernel can reclaim) and the group's peak and OOM
 * kills. With the image's flags in 128 MB the kernel kills the processor.
 */
import { memoryCgroup } from "../tests/helpers/cgroup.ts";
import type { MemoryCgroup } from "../tests/helpers/cgroup.ts";
import type { ComposeService } from "../tests/helpers/container.ts";
import {
  composeService,
  imageEntrypoint,
  limitBytes,
  startService,
} from "../tests/helpers/container.ts";
import { produceOrders, sandbox, uniqueName } from "../tests/helpers/mod.ts";
import { rssSampler } from "./ceilings.ts";
import { timeDrain } from "./orders.ts";

export interface ContainerDrain {
  flags: string;
  /** The cgroup's limit in MiB, or null when none could be made (or none was asked for). */
  limitMiB: number | null;
  sustainedRate: number;
  cpuUsPerOrder: number;
  peakAnonMiB: number;
  cgroupPeakMiB: number | null;
  oomKills: number;
}

export interface ContainerBench {
  orders: number;
  image: ContainerDrain;
  compose: ContainerDrain;
}

async function drain(
  svc: ComposeService,
  n: number,
  v8Flags: string | undefined,
  limit: number | null,
) {
  const s = await sandbox();
  const cgroup: MemoryCgroup | null = limit === null
    ? null
    : memoryCgroup(uniqueName("sluice-bench-orders"), limit);
  try {
    await produceOrders(s, n);
    const p = await startService(svc, { ...s.env, LOG_LEVEL: "warn", PORT: "0" }, {
      cgroup,
      v8Flags,
    });
    const pid = p.child.pid;
    const anon = rssSampler(pid, "RssAnon", 100);
    try {
      const d = await timeDrain(s, pid, n, { gone: () => p.status !== null });
      const peakAnon = anon.max();
      const drain: ContainerDrain = {
        flags: v8Flags ?? svc.environment?.DENO_V8_FLAGS ?? "",
        limitMiB: cgroup ? limit! / 2 ** 20 : null,
        sustainedRate: d.sustainedRate,
        cpuUsPerOrder: d.cpuUsPerOrder,
        peakAnonMiB: peakAnon,
        cgroupPeakMiB: cgroup ? cgroup.peakBytes() / 2 ** 20 : null,
        oomKills: cgroup ? cgroup.oomKills() : 0,
      };
      return drain;
    } finally {
      anon.stop();
      await p.dispose();
    }
  } finally {
    cgroup?.dispose();
    await s.dispose();
  }
}

export async function containerBench(out: (line: string) => void): Promise<ContainerBench> {
  const n = Number(Deno.env.get("BENCH_ORDERS") ?? 50_000);
  const svc = await composeService("order-processor");
  const image = (await imageEntrypoint()).v8Flags;
  out(`container: ${n} orders, the image's V8 flags, no memory limit...`);
  const a = await drain(svc, n, image, null);
  out(`container: ${n} orders, the service's V8 flags in its ${svc.mem_limit}...`);
  const b = await drain(svc, n, undefined, limitBytes(svc.mem_limit));
  return { orders: n, image: a, compose: b };
}

export function containerLines(c: ContainerBench): string[] {
  const f = (x: number) => Math.round(x).toLocaleString("en-US");
  const line = (name: string, d: ContainerDrain) =>
    `${name}: ${
      d.oomKills > 0 ? "killed by the kernel" : `${f(d.sustainedRate)} orders/s`
    }, CPU/order ${d.cpuUsPerOrder.toFixed(1)} µs, peak anonymous RSS ${f(d.peakAnonMiB)} MiB${
      d.limitMiB === null
        ? " (no cgroup)"
        : ` in a ${f(d.limitMiB)} MiB cgroup (its peak ${
          f(d.cgroupPeakMiB ?? NaN)
        } MiB, ${d.oomKills} OOM kills)`
    } [${d.flags}]`;
  return [
    line("container: image flags    ", c.image),
    line("container: compose's flags", c.compose),
    `container: compose's flags ÷ image's, drain rate ${
      (c.compose.sustainedRate / c.image.sustainedRate).toFixed(2)
    }`,
  ];
}
