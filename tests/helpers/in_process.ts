/**
 * Roles running in the test's own process under a root supervisor, on a sandbox's Kafka and
 * configuration, so a test can look at the children and assert that nothing crashed or escalated.
 */
import { Runtime } from "../../actors/resources.ts";
import { supervisorOptions } from "../../actors/mod.ts";
import type { Config } from "../../lib/config.ts";
import { Supervisor } from "../../runtime/supervisor.ts";
import type { ChildSpec } from "../../runtime/supervisor.ts";
import type { Sandbox } from "./mod.ts";

export async function runInProcess(
  s: { config: Config; kafka: Sandbox["kafka"] },
  roles: (rt: Runtime) => ChildSpec[],
) {
  const rt = new Runtime(s.config, { transport: s.kafka });
  const root = new Supervisor(roles(rt), supervisorOptions(rt, "test"));
  rt.root = root;
  await root.start();
  return {
    rt,
    root,
    /** Crashes of any child since start (0: nothing failed, nothing escalated). */
    restarts: () => root.totalRestarts(),
    failed: () => root.states().filter((c) => c.status === "failed"),
    async stop() {
      await root.stop();
      await rt.close();
    },
  };
}
