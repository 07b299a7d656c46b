/**
 * The bucket folders of an S3Mock store that S3Mock cannot load.
 *
 * S3Mock keeps each bucket's metadata (and its object index) in `<data>/<bucket>/bucketMetadata.json`,
 * rewritten in place on every change. A process killed mid-write leaves it missing, empty or cut
 * short, and from then on every ListBuckets answers 500. `services.sh` runs this before S3Mock starts
 * and moves each folder it prints out of the store:
 *
 *   deno run --allow-read services/s3_unreadable.ts <data dir>   (one folder name a line)
 */

/** Folders of `dir` without a bucketMetadata.json that is a JSON object with a string `name`. */
export function unreadableBuckets(dir: string): string[] {
  const bad: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isDirectory && !readable(`${dir}/${entry.name}/bucketMetadata.json`)) {
      bad.push(entry.name);
    }
  }
  return bad.sort();
}

function readable(path: string): boolean {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
  try {
    const meta: unknown = JSON.parse(text);
    return typeof meta === "object" && meta !== null &&
      typeof (meta as { name?: unknown }).name === "string";
  } catch (e) {
    if (e instanceof SyntaxError) return false;
    throw e;
  }
}

if (import.meta.main) {
  const [dir] = Deno.args;
  if (!dir || Deno.args.length !== 1) {
    console.error("usage: deno run --allow-read services/s3_unreadable.ts <S3Mock data dir>");
    Deno.exit(2);
  }
  for (const name of unreadableBuckets(dir)) console.log(name);
}
