/**
 * The ingest role in a process of its own that stops between storing a delivery and publishing
 * it, and says so on stdout: the crash test SIGKILLs it there.
 *
 *   deno run --allow-all tests/helpers/ingest_crash_child.ts   (configured by the environment)
 */
import { ingestRole, Runtime } from "../../actors/mod.ts";
import { loadConfig } from "../../lib/config.ts";
import { Supervisor } from "../../runtime/supervisor.ts";

const enc = new TextEncoder();
const say = (line: string) => Deno.stdout.writeSync(enc.encode(line + "\n"));
const rt = new Runtime(loadConfig());
await new Supervisor([
  ingestRole(rt, (url) => say(`Sluice ingest listening on ${url}`), {
    afterStore: () => {
      say("stored, not yet published");
      return new Promise(() => {});
    },
  }),
]).start();
