/** What the aggregator tests share: the stream they publish, and the results they compare. */
import type { ClassifiedPost } from "../../schemas/social.ts";
import type { Sandbox } from "./mod.ts";
import { BURSTS, trendStream, withUpstreamFaults } from "./trend_stream.ts";

export const posts = trendStream(60, BURSTS);
/** Published: the posts plus upstream duplicates and one post dated a year ahead. */
export const { stream, future } = withUpstreamFaults(posts);

/** Publishes `posts` (default: the stream) to the sandbox's `posts-classified`, keyed by author. */
export async function publish(s: Sandbox, posts: ClassifiedPost[] = stream): Promise<void> {
  const p = await s.kafka.producer();
  for (let i = 0; i < posts.length; i += 1_000) {
    await p.send(
      s.postsClassified,
      posts.slice(i, i + 1_000).map((x) => ({ key: x.did, value: JSON.stringify(x) })),
    );
  }
  await p.close();
}

/**
 * Posts the checkpoints reflect: the sum of source offsets of the checkpoint `name`, or with
 * `parts`, the least such sum over `<name>-p0` … `<name>-p<parts - 1>` (each sees every post).
 */
export async function checkpointed(s: Sandbox, name = "aggregator", parts = 0): Promise<number> {
  const names = parts ? Array.from({ length: parts }, (_, p) => `${name}-p${p}`) : [name];
  const rows = await s.db.query<{ offsets: Record<string, string> }>(
    `SELECT offsets FROM aggregator_checkpoints WHERE name = ANY($1::text[])`,
    [names],
  ).catch(() => []);
  if (rows.length < names.length) return 0;
  return Math.min(
    ...rows.map((r) => Object.values(r.offsets).reduce((n, o) => n + Number(o), 0)),
  );
}

/** Closed windows and alerts as stored, in a canonical order. */
export async function results(s: Sandbox) {
  const windows = await s.db.query<Record<string, unknown>>(
    `SELECT extract(epoch FROM window_start)::bigint AS s, keyword, count, unique_authors,
            sentiment_mean AS m
     FROM keyword_windows ORDER BY window_start, keyword`,
  );
  const alerts = await s.db.query<Record<string, unknown>>(
    `SELECT keyword, extract(epoch FROM window_end)::bigint AS e, kind, count, unique_authors,
            z_score, velocity, rank, sentiment_mean, sample_uris FROM trend_alerts ORDER BY window_end, rank`,
  );
  return { windows, alerts };
}
