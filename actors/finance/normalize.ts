/**
 * From a provider's validated payload to the `FinanceEvent` published downstream: text without
 * HTML or control characters, normalised symbols, the provider's time, and a deterministic
 * event id (`<source>:<provider id>`, or `<source>:sha256:<hex>` of the canonical payload when the
 * provider sends none), so a provider's retry of the same delivery names the same event.
 */
import { createHash } from "node:crypto";
import { decode } from "html-entities";
import { configure } from "safe-stable-stringify";
import striptags from "striptags";
import { ValidationError } from "../../lib/errors.ts";
import type {
  EconomicRelease,
  FinanceEvent,
  FinanceEventKind,
  FinanceSource,
  NewsArticle,
  RedditThing,
  TrueDataEvent,
  Tweet,
} from "../../schemas/finance.ts";

const canonical = configure({ deterministic: true });
// C0 and C1 controls except tab and newline, and the Unicode bidi overrides.
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
const SYMBOL = /^[A-Z0-9][A-Z0-9.&_-]{0,31}$/;
/** Events dated further ahead than this are refused: a clock or a payload is wrong. */
const MAX_AHEAD_MS = 24 * 3600 * 1000;

/** Tags removed, then entities decoded. */
export function stripHtml(raw: string): string {
  return decode(striptags(raw.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1\s*>/gi, " ")));
}

/** Plain text: tags removed, entities decoded, control characters dropped, blanks collapsed. */
export function sanitizeText(raw: string): string {
  // A tag needs `<` and an entity `&`: most texts have neither, and the two passes over them
  // were a twentieth of the ingest role's CPU.
  const text = raw.includes("<") || raw.includes("&") ? stripHtml(raw) : raw;
  return text.replace(CONTROL, "").replace(/[ \t]+/g, " ").replace(/\n{3,}/g, "\n\n").trim();
}

/** `$aapl` → `AAPL`, `reliance.ns` → `RELIANCE.NS`; 400 naming `field` when not a symbol. */
export function normalizeSymbol(raw: string, field: string): string {
  const s = raw.trim().replace(/^\$/, "").toUpperCase();
  if (!SYMBOL.test(s)) {
    throw new ValidationError(`${field}: ${JSON.stringify(raw)} is not a ticker symbol`, { field });
  }
  return s;
}

function symbolsOf(raw: string[], field: string): string[] {
  return [...new Set(raw.map((s, i) => normalizeSymbol(s, `${field}.${i}`)))];
}

/** What a source's payload says, before the event is stamped with its request. */
interface Parts {
  kind: FinanceEventKind;
  providerId: string | undefined;
  symbols: string[];
  text: string | null;
  publishedAt: string;
  payload: Record<string, unknown>;
}

function trueData(e: TrueDataEvent, at: string): Parts {
  const symbol = normalizeSymbol(e.symbol, `${at}symbol`);
  const id = e.type === "tick"
    ? (e.seq === undefined ? undefined : `${symbol}:${e.seq}`)
    : `${symbol}:${e.interval}:${e.timestamp}`;
  return {
    kind: e.type,
    providerId: id,
    symbols: [symbol],
    text: null,
    publishedAt: e.timestamp,
    payload: { ...e, symbol },
  };
}

function news(e: NewsArticle, at: string): Parts {
  const headline = sanitizeText(e.headline);
  if (!headline) {
    throw new ValidationError(`${at}headline: has no text`, { field: `${at}headline` });
  }
  const body = sanitizeText(e.body);
  return {
    kind: "article",
    providerId: e.id,
    symbols: symbolsOf(e.symbols, `${at}symbols`),
    text: body ? `${headline}\n\n${body}` : headline,
    publishedAt: e.published_at,
    payload: { ...e, headline, body, source: sanitizeText(e.source) },
  };
}

function tweet(e: Tweet, at: string): Parts {
  const text = sanitizeText(e.text);
  const tags = (e.entities?.cashtags ?? []).map((c) => c.tag);
  return {
    kind: "tweet",
    providerId: e.id,
    symbols: symbolsOf(tags, `${at}entities.cashtags`),
    text,
    publishedAt: e.created_at,
    payload: { ...e, text },
  };
}

const CASHTAG = /\$([A-Za-z][A-Za-z0-9.]{0,9})\b/g;

function reddit(e: RedditThing, at: string): Parts {
  const d = e.data;
  const title = d.title === undefined ? undefined : sanitizeText(d.title);
  const body = sanitizeText(d.selftext ?? d.body ?? "");
  const text = [title, body].filter(Boolean).join("\n\n");
  const tags = [...text.matchAll(CASHTAG)].map((m) => m[1]).filter((s) =>
    SYMBOL.test(s.toUpperCase())
  );
  return {
    kind: e.kind === "t3" ? "post" : "comment",
    providerId: `${e.kind}_${d.id}`,
    symbols: symbolsOf(tags, `${at}data`),
    text: text || null,
    publishedAt: new Date(d.created_utc * 1000).toISOString(),
    payload: {
      kind: e.kind,
      data: { ...d, title, selftext: d.selftext && body, body: d.body && body },
    },
  };
}

function economic(e: EconomicRelease): Parts {
  return {
    kind: "release",
    providerId: e.id,
    symbols: [],
    text: null,
    publishedAt: e.released_at,
    payload: { ...e, indicator: sanitizeText(e.indicator), country: e.country.toUpperCase() },
  };
}

function partsOf(source: FinanceSource, e: unknown, at: string): Parts {
  switch (source) {
    case "truedata":
      return trueData(e as TrueDataEvent, at);
    case "news":
      return news(e as NewsArticle, at);
    case "twitter":
      return tweet(e as Tweet, at);
    case "reddit":
      return reddit(e as RedditThing, at);
    case "economic":
      return economic(e as EconomicRelease);
  }
}

/** `<source>:<provider id>`, else a hash of the canonical (key-sorted) payload. */
export function eventId(source: FinanceSource, providerId: string | undefined, payload: unknown) {
  if (providerId !== undefined) return `${source}:${providerId}`;
  const hash = createHash("sha256").update(canonical(payload) ?? "").digest("hex");
  return `${source}:sha256:${hash}`;
}

export interface Stamp {
  requestId: string;
  receivedAt: Date;
}

/**
 * One validated provider event as a `FinanceEvent`. `index` is its place in a batch (null for a
 * single event), so a 400 names the field as the client sent it (`3.symbol`).
 */
export function toFinanceEvent(
  source: FinanceSource,
  validated: unknown,
  index: number | null,
  stamp: Stamp,
): FinanceEvent {
  const at = index === null ? "" : `${index}.`;
  const p = partsOf(source, validated, at);
  const published = new Date(p.publishedAt);
  if (published.getTime() - stamp.receivedAt.getTime() > MAX_AHEAD_MS) {
    throw new ValidationError(`${at}time: is more than a day in the future`, {
      field: `${at}time`,
    });
  }
  return {
    event_id: eventId(source, p.providerId, validated),
    source,
    kind: p.kind,
    symbols: p.symbols,
    text: p.text,
    published_at: published.toISOString(),
    received_at: stamp.receivedAt.toISOString(),
    request_id: stamp.requestId,
    payload: p.payload,
  };
}

/** The Kafka key of an event: its first symbol, else the event id (the source's id). */
export function eventKey(e: FinanceEvent): string {
  return e.symbols[0] ?? e.event_id;
}

const serialised = new WeakMap<FinanceEvent, string>();

/**
 * The JSON of an event, serialised once: the raw store's INSERT and the broker record carry the
 * same text (an event is not changed once made).
 */
export function eventJson(e: FinanceEvent): string {
  let json = serialised.get(e);
  if (json === undefined) {
    json = JSON.stringify(e);
    serialised.set(e, json);
  }
  return json;
}
