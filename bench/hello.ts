/** The ceiling of the ingest benchmark: a bare Hono hello world on Deno.serve, in its own process. */
import { Hono } from "hono";

const app = new Hono();
app.get("/", (c) => c.text("hello"));
app.post("/", async (c) => {
  await c.req.arrayBuffer();
  return c.text("hello");
});
Deno.serve({
  port: 0,
  hostname: "127.0.0.1",
  onListen: ({ port }) =>
    Deno.stdout.writeSync(
      new TextEncoder().encode(`Sluice hello listening on http://127.0.0.1:${port}\n`),
    ),
}, app.fetch);
