import assert from "node:assert/strict";
import { logLevel } from "kafkajs";
import type { Fields, Logger } from "../../lib/log.ts";
import { kafkaLogCreator } from "./_log.ts";

/** A logger that records each line's level, message and fields. */
function recorder() {
  const lines: Array<{ level: string; msg: string; fields: Fields }> = [];
  const at = (level: string) => (msg: string, fields: Fields = {}) =>
    void lines.push({ level, msg, fields });
  const logger: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    fatal: at("fatal"),
    child: () => logger,
  };
  return { lines, logger };
}

const entry = (namespace: string, level: logLevel, message: string, fields: Fields = {}) => ({
  namespace,
  level,
  label: logLevel[level],
  log: { timestamp: "2026-12-02T00:00:00.000Z", logger: "kafkajs", message, ...fields },
});

Deno.test("an error response a connection logs before its retrier is a warning; other errors stay errors", () => {
  const { lines, logger } = recorder();
  const write = kafkaLogCreator(logger)();
  write(entry("Connection", logLevel.ERROR, "Response InitProducerId(key: 22, version: 1)", {
    error: "The coordinator is loading and hence can't process requests for this group",
    stack: "at internals",
  }));
  write(entry("Producer", logLevel.ERROR, "Failed to send messages", { error: "boom" }));
  write(entry("Consumer", logLevel.WARN, "Restarting the consumer", { error: "lost" }));
  write(entry("Connection", logLevel.INFO, "Connecting"));
  assert.deepEqual(lines.map((l) => [l.level, l.msg]), [
    ["warn", "Response InitProducerId(key: 22, version: 1)"],
    ["error", "Failed to send messages"],
    ["warn", "Restarting the consumer"],
    ["debug", "Connecting"],
  ]);
  // The error and the namespace are kept; kafkajs's stack is not.
  assert.equal(lines[0].fields.kafkajs, "Connection");
  assert.match(String(lines[0].fields.error), /coordinator is loading/);
  assert.equal("stack" in lines[0].fields, false);
});

Deno.test("a failure repeated by every retrier is logged once, the repeats at debug", () => {
  const { lines, logger } = recorder();
  const write = kafkaLogCreator(logger)();
  for (let i = 0; i < 5; i++) {
    write(entry("BrokerPool", logLevel.ERROR, "Failed to connect to seed broker", {
      error: "Connection error: ECONNREFUSED",
    }));
  }
  write(entry("Producer", logLevel.WARN, "Limiting retries for the idempotent producer to 5"));
  assert.deepEqual(lines.map((l) => l.level), [
    "error",
    "debug",
    "debug",
    "debug",
    "debug",
    "debug",
  ]);
});
