/**
 * Realistic provider payloads for the market feed and the benchmarks: TrueData ticks and bars
 * following a random walk per instrument, news articles and tweets with cashtags, Reddit posts
 * and comments, and economic releases. Each matches its source's schema in `schemas/finance.ts`.
 */
import type { FinanceSource } from "../../schemas/finance.ts";

const INSTRUMENTS: Record<string, number> = {
  "RELIANCE.NS": 2_950,
  "TCS.NS": 4_100,
  "INFY.NS": 1_850,
  "HDFCBANK.NS": 1_650,
  "NIFTY-I": 24_300,
  "AAPL": 228,
  "MSFT": 415,
  "TSLA": 245,
};
const SYMBOLS = Object.keys(INSTRUMENTS);
const NEWS = [
  ["{s} beats quarterly estimates as margins widen", "Analysts had expected a softer quarter."],
  ["{s} shares slide after guidance cut", "The company cited <b>weaker demand</b> in key markets."],
  ["Regulator opens probe into {s} accounting", "Shares fell in early trade &amp; volumes spiked."],
  ["{s} announces buyback worth $2 billion", "The board approved the plan on Tuesday."],
];
const TWEETS = [
  "${s} looking strong into the close, breakout above resistance 🚀",
  "Selling my ${s} here, this rally makes no sense",
  "${s} earnings tomorrow, IV is through the roof",
];
const INDICATORS = [
  ["CPI YoY", "IN", "%"],
  ["GDP Growth Rate QoQ", "US", "%"],
  ["Non Farm Payrolls", "US", "K"],
  ["Repo Rate", "IN", "%"],
] as const;

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)];
const plain = (s: string) => s.replace(/\.NS$|-I$/, "");
let seq = 0;

function truedata(now: Date): Record<string, unknown> {
  const symbol = pick(SYMBOLS);
  const last = INSTRUMENTS[symbol];
  const next = Math.max(1, last * (1 + (Math.random() - 0.5) * 0.002));
  INSTRUMENTS[symbol] = next;
  const price = Math.round(next * 100) / 100;
  if (Math.random() < 0.9) {
    return {
      type: "tick",
      symbol,
      timestamp: now.toISOString(),
      ltp: price,
      ltq: 1 + Math.floor(Math.random() * 500),
      volume: 1_000_000 + Math.floor(Math.random() * 1e6),
      bid: Math.round(price * 99.98) / 100,
      ask: Math.round(price * 100.02) / 100,
      seq: ++seq,
    };
  }
  const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString();
  return {
    type: "bar",
    symbol,
    interval: "1min",
    timestamp: minute,
    open: price,
    high: Math.round(price * 100.3) / 100,
    low: Math.round(price * 99.7) / 100,
    close: price,
    volume: Math.floor(Math.random() * 50_000),
  };
}

function news(now: Date): Record<string, unknown> {
  const s = pick(SYMBOLS);
  const [headline, body] = pick(NEWS);
  return {
    id: crypto.randomUUID(),
    headline: headline.replace("{s}", plain(s)),
    body: `<p>${body}</p>`,
    source: pick(["Reuters", "Economic Times", "Bloomberg"]),
    url: `https://news.example.com/${now.getTime()}`,
    symbols: [s.toLowerCase()],
    published_at: now.toISOString(),
  };
}

function twitter(now: Date): Record<string, unknown> {
  const s = plain(pick(SYMBOLS));
  const id = String(1_800_000_000_000_000_000n + BigInt(now.getTime()) * 1000n + BigInt(++seq));
  return {
    id,
    text: pick(TWEETS).replace("{s}", s),
    author_id: String(10_000 + Math.floor(Math.random() * 90_000)),
    created_at: now.toISOString(),
    lang: "en",
    entities: { cashtags: [{ tag: s }] },
    public_metrics: { like_count: Math.floor(Math.random() * 100), retweet_count: 0 },
  };
}

function reddit(now: Date): Record<string, unknown> {
  const s = plain(pick(SYMBOLS));
  const id = (now.getTime() * 10 + (++seq % 10)).toString(36);
  const created_utc = Math.floor(now.getTime() / 1000);
  const base = { id, subreddit: pick(["IndianStockMarket", "stocks"]), author: "trader42" };
  return Math.random() < 0.5
    ? { kind: "t3", data: { ...base, title: `DD on $${s}`, selftext: `Long $${s}.`, created_utc } }
    : { kind: "t1", data: { ...base, body: `$${s} to the moon`, created_utc, link_id: "t3_x" } };
}

function economic(now: Date): Record<string, unknown> {
  const [indicator, country, unit] = pick(INDICATORS);
  const previous = Math.round(Math.random() * 60) / 10;
  return {
    id: `${country}-${indicator}-${now.getTime()}-${++seq}`,
    indicator,
    country,
    actual: Math.round((previous + (Math.random() - 0.5)) * 10) / 10,
    forecast: previous,
    previous,
    unit,
    importance: "high",
    released_at: now.toISOString(),
  };
}

const MAKERS: Record<FinanceSource, (now: Date) => Record<string, unknown>> = {
  truedata,
  news,
  twitter,
  reddit,
  economic,
};

/** One payload of `source`, as of `now`. */
export function providerPayload(
  source: FinanceSource,
  now = new Date(),
): Record<string, unknown> {
  return MAKERS[source](now);
}
