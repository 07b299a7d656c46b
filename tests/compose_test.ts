/**
 * The image and docker-compose, checked as far as a machine without a Docker engine allows: the
 * compose file passes dclint (the compose schema and its best-practice rules, offline), every role
 * runs the built image with a memory limit and the cheap HTTP health check, nothing is published
 * beyond 127.0.0.1, images are pinned; the Dockerfile is multi-stage, caches dependencies before
 * the sources and runs as a non-root user; the health check script answers like the API.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { ROLES } from "../actors/roles.ts";

const ROOT = new URL("../", import.meta.url).pathname;

interface Service {
  image?: string;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  mem_limit?: string;
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
}

async function compose(): Promise<Record<string, Service>> {
  const doc = parse(await Deno.readTextFile(`${ROOT}docker-compose.yml`), { merge: true });
  return (doc as { services: Record<string, Service> }).services;
}

Deno.test("docker-compose.yml passes dclint's schema and rules", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "lint:compose"],
    cwd: ROOT,
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
});

Deno.test("every role runs the image with a memory limit and the HTTP health check", async () => {
  const services = await compose();
  for (const role of ROLES) {
    const s = services[role];
    assert.ok(s, `a service for ${role}`);
    assert.deepEqual(s.command, [role === "api" ? "api" : `${role},api`]);
    assert.equal(s.image, "sluice:local", role);
    assert.match(s.mem_limit ?? "", /^\d+[mg]$/, `${role} has a memory limit`);
    assert.deepEqual(s.healthcheck?.test?.slice(0, 3), [
      "CMD",
      "bash",
      "/app/scripts/healthcheck.sh",
    ]);
    assert.ok(!(s.volumes ?? []).some((v) => v.startsWith("./:")), `${role} mounts no source tree`);
  }
  for (const role of ["order-processor", "order-producer"]) {
    assert.equal(services[role].mem_limit, "128m");
    // The image's V8 flags let a draining processor outgrow 128 MB (container_memory_test.ts).
    assert.match(services[role].environment?.DENO_V8_FLAGS ?? "", /--max-old-space-size=\d+/);
  }
  for (const name of ["prometheus", "grafana", "minio"]) assert.ok(services[name], name);
});

Deno.test("ports are published on 127.0.0.1 only and every image is pinned", async () => {
  for (const [name, s] of Object.entries(await compose())) {
    for (const p of s.ports ?? []) assert.match(p, /^127\.0\.0\.1:/, `${name} publishes ${p}`);
    assert.ok(s.image && /:[^:]+$/.test(s.image) && !s.image.endsWith(":latest"), name);
    assert.ok(!JSON.stringify(s.healthcheck ?? {}).includes("deno"), `${name}: no deno in checks`);
  }
});

Deno.test("the Dockerfile is multi-stage, caches dependencies first and runs as non-root", async () => {
  const file = await Deno.readTextFile(`${ROOT}Dockerfile`);
  assert.ok((file.match(/^FROM /gm) ?? []).length >= 2, "multi-stage");
  const install = file.indexOf("deno install --frozen");
  assert.ok(install > 0 && install < file.indexOf("COPY . ."), "dependencies before sources");
  const user = /^USER (\S+)/m.exec(file)?.[1];
  assert.ok(user && user !== "root" && user !== "0", `USER ${user}`);
});

Deno.test("the health check script is healthy on a 200 and unhealthy otherwise", async () => {
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (req) => new Response("x", { status: new URL(req.url).pathname === "/health" ? 200 : 503 }),
  );
  const check = async (path: string) =>
    (await new Deno.Command("bash", {
      args: [`${ROOT}scripts/healthcheck.sh`, path],
      env: { PORT: String(server.addr.port) },
    }).output()).code;
  try {
    assert.equal(await check("/health"), 0);
    assert.notEqual(await check("/ready"), 0);
  } finally {
    await server.shutdown();
  }
});
