import assert from "node:assert/strict";
import { unreadableBuckets } from "./s3_unreadable.ts";

Deno.test("unreadableBuckets names bucket folders whose metadata is missing, empty, cut short or not a bucket", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-s3mock-" });
  try {
    const bucket = async (name: string, meta?: string) => {
      await Deno.mkdir(`${dir}/${name}`);
      if (meta !== undefined) await Deno.writeTextFile(`${dir}/${name}/bucketMetadata.json`, meta);
    };
    await bucket("good", JSON.stringify({ name: "good", objects: {} }));
    await bucket("missing");
    await bucket("empty", "");
    await bucket("cut", '{"name":"cut","creationDate":"2026-12');
    await bucket("array", "[]");
    await bucket("nameless", "{}");
    await Deno.writeTextFile(`${dir}/stray-file`, "not a bucket");
    assert.deepEqual(unreadableBuckets(dir), ["array", "cut", "empty", "missing", "nameless"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the s3_unreadable script prints one folder a line, and nothing for a sound store", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sluice-s3mock-" });
  try {
    const run = async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-read", new URL("./s3_unreadable.ts", import.meta.url).pathname, dir],
        stderr: "inherit",
      }).output();
      assert.equal(out.code, 0);
      return new TextDecoder().decode(out.stdout);
    };
    await Deno.mkdir(`${dir}/good`);
    await Deno.writeTextFile(`${dir}/good/bucketMetadata.json`, '{"name":"good"}');
    assert.equal(await run(), "");
    await Deno.mkdir(`${dir}/b-1`);
    await Deno.mkdir(`${dir}/b-2`);
    assert.equal(await run(), "b-1\nb-2\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
