import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { SluiceError, UpstreamError } from "../lib/errors.ts";
import { createLogger, setLogLevel } from "../lib/log.ts";
import { supervisorEscalations, supervisorRestarts } from "../lib/ops_metrics.ts";
import { EscalationError, Supervisor } from "./supervisor.ts";
import type { ChildHandle, ChildSpec, RestartType } from "./supervisor.ts";

setLogLevel("silent");
const logger = createLogger("test");

/** A child whose instances can be made to crash or exit from the test. */
class Probe {
  starts = 0;
  events: string[] = [];
  current: { crash: (e: Error) => void; exit: () => void } | null = null;

  spec(id: string, restart: RestartType = "permanent"): ChildSpec {
    return {
      id,
      restart,
      start: () => {
        this.starts++;
        this.events.push(`start:${id}`);
        let resolve!: () => void, reject!: (e: Error) => void;
        const done = new Promise<void>((res, rej) => [resolve, reject] = [res, rej]);
        this.current = { crash: reject, exit: resolve };
        const handle: ChildHandle = {
          done,
          stop: () => {
            this.events.push(`stop:${id}`);
            resolve();
            return Promise.resolve();
          },
          close: () => resolve(),
        };
        return Promise.resolve(handle);
      },
    };
  }
}

async function until(cond: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met before the deadline");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const fast = { backoff: { initialMs: 1, maxMs: 2, jitter: 0 }, logger };

Deno.test("a permanent child that crashes is restarted and its restarts are counted", async () => {
  const p = new Probe();
  const sup = await new Supervisor([p.spec("a")], fast).start();
  p.current!.crash(new UpstreamError("X", "boom"));
  await until(() => p.starts === 2 && sup.states()[0].status === "running");
  assert.equal(sup.states()[0].restarts, 1);
  assert.equal(sup.states()[0].lastError, "boom");
  await sup.stop();
});

Deno.test("a permanent child that exits normally is restarted too", async () => {
  const p = new Probe();
  const sup = await new Supervisor([p.spec("a")], fast).start();
  p.current!.exit();
  await until(() => p.starts === 2);
  await sup.stop();
});

Deno.test("a transient child is restarted after a crash but not after a normal exit", async () => {
  const p = new Probe();
  const sup = await new Supervisor([p.spec("t", "transient")], fast).start();
  p.current!.crash(new UpstreamError("X", "boom"));
  await until(() => p.starts === 2 && sup.states()[0].status === "running");
  p.current!.exit();
  await until(() => sup.states()[0].status === "stopped");
  assert.equal(p.starts, 2);
  await sup.stop();
});

Deno.test("a temporary child is never restarted", async () => {
  const p = new Probe();
  const sup = await new Supervisor([p.spec("tmp", "temporary")], fast).start();
  p.current!.crash(new UpstreamError("X", "boom"));
  await until(() => sup.states()[0].status === "failed");
  assert.equal(p.starts, 1);
  await sup.stop();
});

Deno.test("exceeding the restart intensity escalates and stops every child", async () => {
  const a = new Probe(), b = new Probe();
  const sup = await new Supervisor([a.spec("a"), b.spec("b")], {
    ...fast,
    intensity: 2,
    periodMs: 60_000,
  }).start();
  for (let i = 1; i <= 3; i++) {
    await until(() => a.starts === i && sup.states()[0].status === "running");
    a.current!.crash(new UpstreamError("X", `crash ${i}`));
  }
  await assert.rejects(sup.done, (err: unknown) => {
    assert.ok(err instanceof EscalationError);
    assert.match(err.message, /restart intensity exceeded/);
    return true;
  });
  assert.ok(b.events.includes("stop:b"));
  assert.equal(a.starts, 3);
});

Deno.test("a non-retriable crash escalates instead of restarting blindly", async () => {
  const p = new Probe();
  const sup = await new Supervisor([p.spec("a")], fast).start();
  p.current!.crash(new SluiceError("BAD_CONFIG", "cannot work", { retriable: false }));
  await assert.rejects(sup.done, EscalationError);
  assert.equal(p.starts, 1);
});

Deno.test("rest_for_one restarts the children started after the one that crashed", async () => {
  const a = new Probe(), b = new Probe(), c = new Probe();
  const sup = await new Supervisor([a.spec("a"), b.spec("b"), c.spec("c")], {
    ...fast,
    strategy: "rest_for_one",
  }).start();
  b.current!.crash(new UpstreamError("X", "boom"));
  await until(() => c.starts === 2 && b.starts === 2);
  assert.equal(a.starts, 1);
  assert.deepEqual(c.events, ["start:c", "stop:c", "start:c"]);
  await sup.stop();
});

Deno.test("rest_for_one: a child whose restart fails is retried with its dependants, no escalation", async () => {
  // The aggregator case: the worker crashes, its restart fails (the database is shutting down);
  // the input that needs the worker must wait for it, not crash on "not running".
  let failStarts = 1;
  let workerStarts = 0, inputStarts = 0;
  const worker: ChildSpec = {
    id: "worker",
    start: () => {
      workerStarts++;
      if (workerStarts > 1 && failStarts-- > 0) {
        return Promise.reject(new UpstreamError("DB", "database is shutting down"));
      }
      const done = workerStarts === 1 ? crashed : new Promise<void>(() => {});
      return Promise.resolve({ done, stop: () => Promise.resolve(), close: () => {} });
    },
  };
  let crash!: (e: Error) => void;
  const crashed = new Promise<void>((_, rej) => (crash = rej));
  crashed.catch(() => {});
  const input: ChildSpec = {
    id: "input",
    start: (ctx) => {
      ctx.get("worker");
      inputStarts++;
      return Promise.resolve({
        done: new Promise(() => {}),
        stop: () => Promise.resolve(),
        close: () => {},
      });
    },
  };
  const sup = await new Supervisor([worker, input], { ...fast, strategy: "rest_for_one" })
    .start();
  let escalated = false;
  sup.done.catch(() => (escalated = true));
  crash(new UpstreamError("X", "boom"));
  await until(() => workerStarts === 3 && inputStarts === 2);
  assert.equal(escalated, false);
  assert.deepEqual(sup.states().map((s) => s.status), ["running", "running"]);
  await sup.stop();
});

Deno.test("asking for a sibling that is not running is a retriable error", async () => {
  const a = new Probe();
  let asked: unknown;
  const needy: ChildSpec = {
    id: "needy",
    start: (ctx) => {
      try {
        ctx.get("a");
      } catch (err) {
        asked = err;
      }
      return Promise.resolve({
        done: new Promise(() => {}),
        stop: () => Promise.resolve(),
        close: () => {},
      });
    },
  };
  const failing: ChildSpec = { id: "a", start: () => Promise.reject(new UpstreamError("X", "no")) };
  const sup = await new Supervisor([failing, needy], { ...fast, intensity: 100 }).start();
  assert.ok(asked instanceof SluiceError && asked.retriable, String(asked));
  sup.close();
  void a;
});

Deno.test("one_for_one restarts only the child that crashed", async () => {
  const a = new Probe(), b = new Probe();
  const sup = await new Supervisor([a.spec("a"), b.spec("b")], fast).start();
  a.current!.crash(new UpstreamError("X", "boom"));
  await until(() => a.starts === 2);
  assert.equal(b.starts, 1);
  await sup.stop();
});

Deno.test("children stop in reverse start order", async () => {
  const log: string[] = [];
  const spec = (id: string): ChildSpec => ({
    id,
    start: () => {
      log.push(`start:${id}`);
      return Promise.resolve({
        done: new Promise(() => {}),
        stop: () => (log.push(`stop:${id}`), Promise.resolve()),
        close: () => {},
      });
    },
  });
  const sup = await new Supervisor([spec("a"), spec("b"), spec("c")], fast).start();
  await sup.stop();
  assert.deepEqual(log, ["start:a", "start:b", "start:c", "stop:c", "stop:b", "stop:a"]);
});

Deno.test("restarts wait an exponentially growing backoff", async () => {
  const clock = FakeTimers.install({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  try {
    const p = new Probe();
    const sup = new Supervisor([p.spec("a")], {
      logger,
      intensity: 10,
      backoff: { initialMs: 100, factor: 2, maxMs: 10_000, jitter: 0 },
    });
    await sup.start();
    p.current!.crash(new UpstreamError("X", "1"));
    await clock.tickAsync(99);
    assert.equal(p.starts, 1, "not restarted before the first backoff");
    await clock.tickAsync(1);
    assert.equal(p.starts, 2);
    p.current!.crash(new UpstreamError("X", "2"));
    await clock.tickAsync(199);
    assert.equal(p.starts, 2, "the second backoff is twice the first");
    await clock.tickAsync(1);
    assert.equal(p.starts, 3);
    await sup.stop();
  } finally {
    clock.uninstall();
  }
});

Deno.test("with autoShutdown, done resolves once every child has finished normally", async () => {
  const a = new Probe();
  const b = new Probe();
  const sup = await new Supervisor([a.spec("a", "transient"), b.spec("b", "transient")], {
    ...fast,
    autoShutdown: true,
  }).start();
  let finished = false;
  sup.done.then(() => (finished = true));
  a.current!.exit();
  await until(() => sup.states()[0].status === "stopped");
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(finished, false, "one child still runs");
  b.current!.exit();
  await sup.done;
  assert.equal(finished, true);
});

Deno.test("without autoShutdown, a supervisor whose children all finished keeps running", async () => {
  const a = new Probe();
  const sup = await new Supervisor([a.spec("a", "transient")], fast).start();
  let finished = false;
  sup.done.then(() => (finished = true));
  a.current!.exit();
  await until(() => sup.states()[0].status === "stopped");
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(finished, false);
  await sup.stop();
});

Deno.test("restarts and escalations are counted in /metrics, from zero", async () => {
  const name = `metrics-${crypto.randomUUID()}`;
  const value = async (c: typeof supervisorRestarts | typeof supervisorEscalations) =>
    (await c.get()).values.find((v) => v.labels.supervisor === name)?.value;
  const p = new Probe();
  const sup = await new Supervisor([p.spec("a")], { ...fast, name, intensity: 1 }).start();
  assert.equal(await value(supervisorRestarts), 0);
  assert.equal(await value(supervisorEscalations), 0);
  p.current!.crash(new UpstreamError("X", "boom"));
  await until(() => p.starts === 2 && sup.states()[0].status === "running");
  assert.equal(await value(supervisorRestarts), 1);
  p.current!.crash(new UpstreamError("X", "boom again"));
  await assert.rejects(sup.done, EscalationError);
  assert.equal(await value(supervisorEscalations), 1);
});
