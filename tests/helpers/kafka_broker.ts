/**
 * A throwaway single-node KRaft broker for a test that must stop and restart Kafka without
 * disturbing the shared one: the jars `services/services.sh` fetched, its own free ports and
 * its own data folder (removed on `dispose`), restartable on the same ports and data.
 */
import { Kafka, logLevel } from "kafkajs";

const SERVICES = new URL("../../services/", import.meta.url).pathname;
const CACHE = Deno.env.get("SLUICE_SERVICES_DIR") ??
  `${Deno.env.get("HOME")}/.cache/sluice-services`;

function kafkaVersion(): string {
  const pom = Deno.readTextFileSync(`${SERVICES}kafka/pom.xml`);
  const m = /<kafka\.version>(.*)<\/kafka\.version>/.exec(pom);
  if (!m) throw new Error("services/kafka/pom.xml names no kafka.version");
  return m[1];
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export class KafkaBroker {
  readonly port: number;
  readonly controllerPort: number;
  readonly dir: string;
  readonly libs: string;
  #proc: Deno.ChildProcess | null = null;

  private constructor(dir: string, libs: string) {
    this.dir = dir;
    this.libs = libs;
    this.port = freePort();
    this.controllerPort = freePort();
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Whether the jars are there (`bash services/services.sh start kafka` fetches them). */
  static available(): boolean {
    try {
      return Deno.statSync(`${CACHE}/kafka-${kafkaVersion()}/libs/.complete`).isFile;
    } catch {
      return false;
    }
  }

  /** Formats a fresh data folder and starts the broker; resolves once it answers. */
  static async start(): Promise<KafkaBroker> {
    const libs = `${CACHE}/kafka-${kafkaVersion()}/libs`;
    const dir = await Deno.makeTempDir({ prefix: "sluice-kafka-" });
    const b = new KafkaBroker(dir, libs);
    await Deno.writeTextFile(`${dir}/server.properties`, b.#properties());
    const id = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))))
      .replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
    const format = await new Deno.Command("java", {
      args: [
        ...b.#jvm(),
        "kafka.tools.StorageTool",
        "format",
        `--cluster-id=${id}`,
        "-c",
        `${dir}/server.properties`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!format.success) {
      throw new Error(
        `formatting Kafka storage failed: ${new TextDecoder().decode(format.stderr)}`,
      );
    }
    await b.resume();
    return b;
  }

  /** Starts the broker process (again, on the same ports and data) and waits until it answers. */
  async resume(timeoutMs = 90_000): Promise<void> {
    if (this.#proc) return;
    const log = await Deno.open(`${this.dir}/stdout.log`, {
      append: true,
      create: true,
      write: true,
    });
    this.#proc = new Deno.Command("java", {
      args: [...this.#jvm(), "kafka.Kafka", `${this.dir}/server.properties`],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#proc.stdout.pipeTo(log.writable).catch(() => {});
    this.#proc.stderr.pipeTo(new WritableStream()).catch(() => {});
    await this.waitReady(timeoutMs);
  }

  /** Resolves once a client gets metadata from the broker. */
  async waitReady(timeoutMs = 90_000): Promise<void> {
    const kafka = new Kafka({
      brokers: [this.address],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 1_000,
    });
    const end = Date.now() + timeoutMs;
    for (;;) {
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.listTopics();
        return;
      } catch (err) {
        if (Date.now() > end) throw new Error(`broker on ${this.address} not ready: ${err}`);
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        await admin.disconnect().catch(() => {});
      }
    }
  }

  /** Stops the broker: SIGTERM (a controlled shutdown) or SIGKILL (a crash). */
  async stop(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
    const p = this.#proc;
    if (!p) return;
    this.#proc = null;
    try {
      p.kill(signal);
    } catch {
      // already exited
    }
    await p.status;
  }

  async dispose(): Promise<void> {
    await this.stop("SIGKILL");
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  #jvm(): string[] {
    return [
      "-Xms128m",
      "-Xmx384m",
      "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1",
      "-cp",
      `${this.libs}/*`,
      `-Dlog4j2.configurationFile=${SERVICES}kafka/log4j2.properties`,
      `-Dkafka.log.file=${this.dir}/kafka.log`,
    ];
  }

  #properties(): string {
    const shared = Deno.readTextFileSync(`${SERVICES}kafka/server.properties`).split("\n")
      .filter((l) =>
        !/^(listeners|advertised\.listeners|controller\.quorum\.voters|log\.dirs|offsets\.topic\.num\.partitions)=/
          .test(l)
      );
    return [
      ...shared,
      `listeners=PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${this.port}`,
      `controller.quorum.voters=1@127.0.0.1:${this.controllerPort}`,
      `log.dirs=${this.dir}/data`,
      // Few partitions for the group offsets: a restarted broker loads them sooner.
      "offsets.topic.num.partitions=3",
      "",
    ].join("\n");
  }
}
