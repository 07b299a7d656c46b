import assert from "node:assert/strict";
import { testApp } from "../tests/helpers/test_app.ts";

Deno.test("GET /metrics", async (t) => {
  let brokerDown = false;
  const { app, close } = await testApp(({ admin }) => ({
    children: () => [
      { id: "text-writer", status: "running", restarts: 0, lastError: null, since: "" },
      { id: "text-writer/writer", status: "restarting", restarts: 1, lastError: "x", since: "" },
    ],
    admin: {
      ...admin,
      lag: (g, topic) => brokerDown ? Promise.reject(new Error("down")) : admin.lag(g, topic),
    },
  }));
  const scrape = async () => {
    const res = await app.request("/metrics");
    assert.equal(res.status, 200);
    return await res.text();
  };
  try {
    await t.step("has the lag of every consumer group per partition, from the broker", async () => {
      const text = await scrape();
      for (const partition of [0, 1, 2]) {
        const series = `sluice_consumer_group_lag{group="text-writers",topic="text-messages",` +
          `partition="${partition}"} 0`;
        assert.ok(text.includes(series), series);
      }
      assert.match(text, /sluice_dead_letter_topic_messages\{topic="text-messages.dlq"\} 0/);
    });

    await t.step("has each supervised child's state, 1 only while it runs", async () => {
      const text = await scrape();
      assert.match(text, /sluice_supervisor_child_up\{child="text-writer"\} 1/);
      assert.match(text, /sluice_supervisor_child_up\{child="text-writer\/writer"\} 0/);
    });

    await t.step(
      "has HTTP durations by route and status, process defaults, zeroed counters",
      async () => {
        await app.request("/health");
        const text = await scrape();
        assert.match(text, /http_request_duration_seconds_bucket\{[^}]*route="\/health"[^}]*\}/);
        assert.match(text, /http_requests_total\{[^}]*status="200"[^}]*\}/);
        assert.match(text, /process_cpu_seconds_total \d/);
        assert.match(text, /process_resident_memory_bytes \d/);
        assert.match(text, /sluice_orders_total\{outcome="invalid"\} 0/);
        assert.match(text, /sluice_classifier_fallbacks_total\{reason="timeout"\} 0/);
        assert.match(text, /# TYPE sluice_order_processing_seconds histogram/);
        assert.doesNotMatch(text, /outcome="retries"|member=/);
      },
    );

    await t.step("a broker that does not answer leaves the lag out, not the scrape", async () => {
      brokerDown = true;
      const text = await scrape();
      assert.doesNotMatch(text, /sluice_consumer_group_lag\{/);
      assert.match(text, /sluice_broker_metrics_errors_total [1-9]/);
      assert.match(text, /sluice_messages_written_total\{pipeline="text"\}/);
    });
  } finally {
    await close();
  }
});
