import assert from "node:assert/strict";
import { ConfigError } from "./errors.ts";
import { Config, configLines, loadConfig } from "./config.ts";

Deno.test("defaults give the embedded setup: no broker, no database URL", () => {
  const c = loadConfig({});
  assert.equal(c.KAFKA_BROKERS, undefined);
  assert.equal(c.DATABASE_URL, undefined);
  assert.equal(c.PORT, 8080);
  assert.equal(c.TEXT_TOPIC, "text-messages");
});

Deno.test("KAFKA_BROKERS is split into host:port entries", () => {
  assert.deepEqual(loadConfig({ KAFKA_BROKERS: "a:9092, b:9093" }).KAFKA_BROKERS, [
    "a:9092",
    "b:9093",
  ]);
});

Deno.test("a bad variable stops start-up with a message naming it", () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ PORT: "eighty" }, "PORT"],
    [{ KAFKA_BROKERS: "localhost" }, "KAFKA_BROKERS"],
    [{ KAFKA_BROKERS: " , " }, "KAFKA_BROKERS"],
    [{ REDIS_STREAM_MAXLEN: "0" }, "REDIS_STREAM_MAXLEN"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ WRITER_BATCH_SIZE: "0" }, "WRITER_BATCH_SIZE"],
  ];
  for (const [env, variable] of cases) {
    assert.throws(() => loadConfig(env), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.variable, variable);
      assert.match(err.message, new RegExp(`^Invalid configuration: ${variable}=`));
      return true;
    });
  }
});

Deno.test("rules between variables name every variable involved, all at once", () => {
  assert.throws(
    () =>
      loadConfig({
        TREND_WINDOW_S: "60",
        TREND_SLIDE_S: "7",
        WRITER_SINKS: "mongodb",
        CONSUMER_TYPE: "redis",
      }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.issues.map((i) => i.variable), [
        "TREND_WINDOW_S",
        "MONGODB_URL",
        "REDIS_URL",
      ]);
      assert.match(err.message, /TREND_WINDOW_S=60 must be a multiple of TREND_SLIDE_S=7/);
      return true;
    },
  );
});

Deno.test("several bad variables are all reported, each once", () => {
  assert.throws(() => loadConfig({ PORT: "x", LOG_LEVEL: "loud" }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.issues.map((i) => i.variable).sort(), ["LOG_LEVEL", "PORT"]);
    return true;
  });
});

Deno.test("main.ts config lists every variable with URL passwords and secrets masked", () => {
  const lines = configLines(loadConfig({
    DATABASE_URL: "postgres://sluice:hunter2@db:5432/sluice",
    REDIS_URL: "redis://:pw@redis:6379",
  }));
  assert.deepEqual(lines.map((l) => l.split("=")[0]), Object.keys(Config.shape));
  assert.ok(lines.includes("DATABASE_URL=postgres://sluice:***@db:5432/sluice"));
  assert.ok(lines.includes("REDIS_URL=redis://:***@redis:6379"));
  assert.ok(lines.includes("KAFKA_BROKERS="));
  assert.ok(!lines.join("\n").includes("hunter2"));
});

Deno.test(".env.example lists every variable with its default and a line of meaning", async () => {
  const example = await Deno.readTextFile(new URL("../.env.example", import.meta.url));
  const lines = example.split("\n");
  for (const line of configLines(loadConfig({}))) {
    const [key, value] = [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)];
    const at = lines.findIndex((l) => l === line || (value === "" && l === `# ${key}=`));
    assert.ok(at > 0, `.env.example has ${value === "" ? `# ${key}=` : line}`);
    assert.match(lines[at - 1], /^# \S/, `${key} has a line of meaning above it`);
  }
});

Deno.test("a webhook secret that is too short is reported without its value", () => {
  assert.throws(() => loadConfig({ INGEST_SECRET_NEWS: "short-s3cret" }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.variable, "INGEST_SECRET_NEWS");
    assert.ok(!err.message.includes("short-s3cret"), err.message);
    return true;
  });
});
