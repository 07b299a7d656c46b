/**
 * The local classifier's throughput on one core: BENCH_CLASSIFIER_POSTS (default 100,000)
 * synthetic posts, varied in length, sentiment, entities, cashtags, hashtags and language,
 * classified in batches of 500 on this single thread, as the classifier actor does.
 */
import { LocalClassifier } from "../actors/nlp/mod.ts";
import type { PostData } from "../schemas/social.ts";

const N = Number(Deno.env.get("BENCH_CLASSIFIER_POSTS") ?? 100_000);
const BATCH = 500;

const OPENERS = [
  "Just saw the news:",
  "Honestly,",
  "Thread 🧵",
  "Update:",
  "Quick thought —",
  "",
  "Breaking:",
  "Not sure about this, but",
];
const SUBJECTS = [
  "Apple",
  "the Fed",
  "Tim Cook",
  "Bitcoin",
  "gold prices",
  "the dollar",
  "our team in Berlin",
  "Nvidia earnings",
  "the new coffee place in Paris",
  "my cat",
  "the election in Spain",
  "crude oil",
  "Ada Lovelace's biography",
  "the weather in Tokyo",
  "inflation data",
  "this TypeScript release",
];
const VERBS = [
  "is amazing",
  "looks terrible",
  "was announced today",
  "made me so happy",
  "is a complete disaster",
  "beat expectations",
  "is up 5% this week",
  "crashed hard",
  "will be discussed on Thursday",
  "is honestly the best thing this year",
  "disappointed everyone",
  "is moving sideways",
];
const TAILS = [
  "$AAPL",
  "$BTC",
  "$ETH",
  "$TSLA",
  "$EUR",
  "$NVDA",
  "#markets",
  "#crypto",
  "#devlife",
  "#weather",
  "😀",
  "😡",
  "lol",
  "https://example.test/a#b",
  "",
  "",
];
const FOREIGN: Array<[string, string]> = [
  ["es", "¡Qué día tan bonito en Madrid! #fútbol"],
  ["de", "Das Wetter in Berlin ist heute schrecklich"],
  ["ja", "今日はビットコインが上がった $BTC"],
  ["pt", "Ótimo jogo hoje no Rio de Janeiro"],
];

/** Deterministic posts, so runs compare. */
export function syntheticPosts(n: number, seed = 42): PostData[] {
  let s = seed >>> 0;
  const rand = () => { // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  return Array.from({ length: n }, (_, i) => {
    let text: string;
    let langs = ["en"];
    const r = rand();
    if (r < 0.1) [langs[0], text] = pick(FOREIGN);
    else {
      const sentences = 1 + Math.floor(rand() * 3);
      text = Array.from(
        { length: sentences },
        () => `${pick(OPENERS)} ${pick(SUBJECTS)} ${pick(VERBS)} ${pick(TAILS)}`.trim(),
      ).join(". ");
      if (r > 0.95) langs = [];
    }
    return {
      uri: `at://did:plc:bench${i % 1000}/app.bsky.feed.post/${i.toString(36)}`,
      did: `did:plc:bench${i % 1000}`,
      text: `${text} ${i % 7 === 0 ? `#tag${i % 97}` : ""}`.trim(),
      langs,
      created_at: "2026-11-24T00:00:00.000Z",
      time_us: 1_764_000_000_000_000 + i,
      hashtags: i % 11 === 0 ? ["Bluesky"] : [],
      mentions: [],
    };
  });
}

export async function classifierBench(
  out: (line: string) => void,
): Promise<{ postsPerSecond: number; posts: number; seconds: number }> {
  const posts = syntheticPosts(N);
  const classifier = new LocalClassifier();
  await classifier.classify(posts.slice(0, 2_000)); // warm-up: let the JIT settle
  out(`classifier: ${N} posts through the local backend, one thread...`);
  const start = performance.now();
  for (let i = 0; i < N; i += BATCH) await classifier.classify(posts.slice(i, i + BATCH));
  const seconds = (performance.now() - start) / 1000;
  return { posts: N, seconds, postsPerSecond: N / seconds };
}

if (import.meta.main) {
  const encoder = new TextEncoder();
  const out = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));
  const r = await classifierBench(out);
  out(
    `local classifier: ${Math.round(r.postsPerSecond)} posts/s (${r.posts} in ${
      r.seconds.toFixed(2)
    } s)`,
  );
}
