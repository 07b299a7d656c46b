/**
 * Writes `jetstream_sample.ndjson`: invented Jetstream events (no real accounts) for the
 * replay source: posts in several languages with hashtags, mentions, links and emoji; deletes,
 * likes and identity events; a few malformed lines; and, in the second half, a burst of one
 * hashtag by many authors and one by a single author (for trend detection). Burst posts carry
 * `"burst": g` (their group): a looping replay (`deno task dev`) plays one group per block of
 * rounds, so bursts start and stop as the clock runs (actors/social/firehose_sources.ts).
 *
 *   deno run --allow-write samples/generate.ts
 */
let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const enc = new TextEncoder();

const AUTHORS = Array.from({ length: 60 }, (_, i) => `did:plc:sample${String(i).padStart(4, "0")}`);
const HANDLES = ["alice.example", "bob.example", "carol.example", "dan.example"];
const POSTS: Array<[string, string[]]> = [
  ["en", [
    "Loving this sunny morning in the park ☀️",
    "What a great game last night! #football",
    "Coffee first, then code ☕ #devlife",
    "The new $AAPL earnings beat expectations, stock is up 5% #stocks",
    "Bitcoin just crossed a new high 🚀 $BTC #crypto",
    "Terrible traffic again downtown, so frustrating",
    "Reading a fascinating book about the history of Rome",
    "Inflation data out today, the Fed will be watching #economy",
    "Oil prices are falling after the OPEC meeting #oil",
    "Just shipped a new feature, feeling proud #devlife",
    "This weather is awful, rain all week 🌧️",
    "Check out my new blog post https://example.com/post",
    "Happy birthday to my best friend 🎉",
    "The EUR/USD exchange rate moved sharply today #forex",
    "Gold is shining as investors look for safety #gold",
  ]],
  ["es", [
    "¡Qué día tan bonito en Madrid! #domingo",
    "Me encanta el fútbol, vamos equipo ⚽ #futbol",
    "El café de esta mañana estaba delicioso",
    "Mañana hay elecciones, no olvides votar #elecciones",
  ]],
  ["de", [
    "Schönes Wetter heute in Berlin ☀️ #berlin",
    "Der Zug hat wieder Verspätung, wie immer #bahn",
    "Ich lese gerade ein spannendes Buch über Geschichte",
  ]],
  ["fr", [
    "Quelle belle journée à Paris ! #paris",
    "Le match d'hier soir était incroyable #football",
    "J'adore ce nouveau café près de chez moi ☕",
  ]],
  ["pt", ["Que dia lindo no Rio de Janeiro! #praia", "Adoro música brasileira 🎶 #musica"]],
  ["ja", ["今日はいい天気ですね ☀️ #東京", "新しいカメラを買いました 📷"]],
];

function facetsFor(text: string, mention: string | null) {
  const facets: unknown[] = [];
  for (const m of text.matchAll(/#([\p{L}\p{N}_]+)/gu)) {
    const start = enc.encode(text.slice(0, m.index!)).length;
    facets.push({
      index: { byteStart: start, byteEnd: start + enc.encode(m[0]).length },
      features: [{ $type: "app.bsky.richtext.facet#tag", tag: m[1] }],
    });
  }
  for (const m of text.matchAll(/https:\/\/\S+/g)) {
    const start = enc.encode(text.slice(0, m.index!)).length;
    facets.push({
      index: { byteStart: start, byteEnd: start + enc.encode(m[0]).length },
      features: [{ $type: "app.bsky.richtext.facet#link", uri: m[0] }],
    });
  }
  if (mention) {
    const at = text.indexOf("@");
    const start = enc.encode(text.slice(0, at)).length;
    facets.push({
      index: { byteStart: start, byteEnd: start + enc.encode(text.slice(at).split(" ")[0]).length },
      features: [{ $type: "app.bsky.richtext.facet#mention", did: mention }],
    });
  }
  return facets;
}

const events: string[] = [];
let t = Date.UTC(2026, 10, 24, 0, 0, 0) * 1000;
let n = 0;
function post(did: string, lang: string, text: string, burst?: number) {
  let mention: string | null = null;
  if (rand() < 0.15) {
    const i = Math.floor(rand() * HANDLES.length);
    text = `@${HANDLES[i]} ${text}`;
    mention = AUTHORS[i];
  }
  const rkey = `3sample${String(n++).padStart(6, "0")}`;
  events.push(JSON.stringify({
    did,
    time_us: t,
    kind: "commit",
    ...(burst === undefined ? {} : { burst }),
    commit: {
      rev: `rev${n}`,
      operation: "create",
      collection: "app.bsky.feed.post",
      rkey,
      record: {
        $type: "app.bsky.feed.post",
        text,
        langs: [lang],
        createdAt: new Date(t / 1000).toISOString(),
        ...(text.includes("#") || mention || text.includes("https://")
          ? { facets: facetsFor(text, mention) }
          : {}),
      },
      cid: `bafysample${n}`,
    },
  }));
}

/** The burst groups: in a looping replay one plays per block of rounds (`"burst": g`). */
const BURSTS: Array<[tag: string, subjects: string[]]> = [
  ["solareclipse", ["the #solareclipse is visible right now 🌒", "#solareclipse totality here"]],
  ["aurora", ["northern lights overhead #aurora", "the #aurora is out tonight"]],
  ["earthquake", ["did anyone else feel that #earthquake", "strong shaking here #earthquake"]],
];
const OPENERS = ["Wow", "Huge", "Big news", "Unreal", "Look", "Omg", "Amazing", "Incredible"];
const CLOSERS = ["", " right now", " from my window", " in the city", " so bright", " again!"];

function burstText(subjects: string[]): string {
  return `${pick(OPENERS)}: ${pick(subjects)}${pick(CLOSERS)}`;
}

const TOTAL = 600;
for (let i = 0; i < TOTAL; i++) {
  t += 150_000 + Math.floor(rand() * 300_000); // 0.15–0.45 s apart
  const r = rand();
  const inBurst = i > TOTAL / 2 && i < TOTAL / 2 + 120;
  const group = Math.floor((i * BURSTS.length) / TOTAL);
  if (inBurst && r < 0.35) {
    post(pick(AUTHORS), "en", burstText(BURSTS[0][1]), 0);
  } else if (!inBurst && r < 0.12) {
    // The other groups, marked: a one-shot replay skips nothing, a loop rotates them.
    post(pick(AUTHORS), "en", burstText(BURSTS[Math.max(1, group)][1]), Math.max(1, group));
  } else if (inBurst && r < 0.45) {
    post(AUTHORS[59], "en", `Buy my course now #spamcoin ${i}`);
  } else if (r < 0.80) {
    const [lang, texts] = pick(POSTS.map((p) => p) as Array<[string, string[]]>);
    post(pick(AUTHORS), lang, pick(texts));
  } else if (r < 0.88) {
    events.push(JSON.stringify({
      did: pick(AUTHORS),
      time_us: t,
      kind: "commit",
      commit: {
        rev: `rev-d${i}`,
        operation: "delete",
        collection: "app.bsky.feed.post",
        rkey: `3gone${i}`,
      },
    }));
  } else if (r < 0.95) {
    events.push(JSON.stringify({
      did: pick(AUTHORS),
      time_us: t,
      kind: "commit",
      commit: {
        rev: `rev-l${i}`,
        operation: "create",
        collection: "app.bsky.feed.like",
        rkey: `3like${i}`,
        record: { $type: "app.bsky.feed.like", createdAt: new Date(t / 1000).toISOString() },
      },
    }));
  } else if (r < 0.98) {
    events.push(
      JSON.stringify({ did: pick(AUTHORS), time_us: t, kind: "identity", identity: { seq: i } }),
    );
  } else {
    events.push(
      i % 2
        ? `{"did": "did:plc:broken", "time_us": ${t}, "kind": "commit", "commit": `
        : "not json at all",
    );
  }
}
await Deno.writeTextFile(
  new URL("./jetstream_sample.ndjson", import.meta.url),
  events.join("\n") + "\n",
);
console.log(`wrote ${events.length} events`);
