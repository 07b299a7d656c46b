/**
 * Keywords of a post: lowercase words with URLs, mentions and punctuation stripped, stop words
 * removed (npm `stopword`: English plus the sample stream's Spanish, German, French, Portuguese
 * and Japanese), numbers and words shorter than `minLength` dropped; hashtags kept as their own
 * `#tag` keywords; optionally two-word phrases of neighbouring kept words. Each keyword once.
 */
import { deu, eng, fra, jpn, por, removeStopwords, spa } from "stopword";

const STOP = [...eng, ...spa, ...deu, ...fra, ...por, ...jpn];

export interface KeywordOptions {
  /** Shortest word kept, in characters. Default 3. */
  minLength?: number;
  /** Also emit "a b" phrases of neighbouring words. Default false. */
  bigrams?: boolean;
}

export function keywords(text: string, hashtags: string[] = [], o: KeywordOptions = {}): string[] {
  const minLength = o.minLength ?? 3;
  const out = new Set<string>();
  let t = text.toLowerCase()
    .replace(/https?:\/\/\S+/g, " ")
    .replace(/(^|\s)@[\w.-]+/g, " ");
  for (const m of t.matchAll(/#([\p{L}\p{N}_]+)/gu)) out.add(`#${m[1]}`);
  for (const h of hashtags) out.add(`#${h.toLowerCase()}`);
  t = t.replace(/#[\p{L}\p{N}_]+/gu, " ");
  const words = t.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const kept = (removeStopwords(words, STOP) as string[]).filter((w: string) =>
    [...w].length >= minLength && !/^\p{N}+$/u.test(w)
  );
  for (const w of kept) out.add(w);
  if (o.bigrams) {
    for (let i = 0; i + 1 < kept.length; i++) out.add(`${kept[i]} ${kept[i + 1]}`);
  }
  return [...out];
}
