/**
 * The general-text labelled set: obvious English posts, 15 of each label. Kept so that making the
 * local backend finance-aware does not cost it on everyday text.
 */
import type { Classification } from "../../../schemas/social.ts";

type Label = Classification["sentiment"];

/** Obvious English posts, 15 of each label. */
export const GENERAL_LABELLED: Array<[string, Label]> = [
  ["I love this new phone, it is amazing!", "positive"],
  ["What a wonderful day, I feel so happy", "positive"],
  ["Great game tonight, the team played brilliantly", "positive"],
  ["Thank you all for the kind support, much appreciated", "positive"],
  ["This is the best coffee I have ever had", "positive"],
  ["Excellent results this quarter, very impressive", "positive"],
  ["So proud of my daughter, she won the prize", "positive"],
  ["Beautiful sunset at the beach, perfect evening", "positive"],
  ["I am thrilled with how the launch went", "positive"],
  ["Fantastic concert, the band was awesome", "positive"],
  ["Congrats to everyone who shipped this, great work 🎉", "positive"],
  ["$NVDA earnings were strong, very bullish and excited", "positive"],
  ["Had a lovely dinner with old friends, so much fun", "positive"],
  ["Finally fixed the bug, feeling good about this release", "positive"],
  ["Such a cute puppy, made my day", "positive"],
  ["This is terrible, the service was awful", "negative"],
  ["I hate waiting in traffic, so frustrating", "negative"],
  ["Worst movie ever, a complete waste of time", "negative"],
  ["The app keeps crashing, really annoying and broken", "negative"],
  ["Sad news today, a horrible accident downtown", "negative"],
  ["Stocks crashed and investors are panicking", "negative"],
  ["I am disappointed and angry about the delay", "negative"],
  ["The food was disgusting and the staff were rude", "negative"],
  ["Feeling sick and miserable all week", "negative"],
  ["This policy is a disaster, a total failure", "negative"],
  ["My flight got cancelled again, ugh, worst airline", "negative"],
  ["Lost my wallet today, what a nightmare", "negative"],
  ["So tired of these scams, $BTC holders got robbed", "negative"],
  ["The update is bad, nothing works and support is useless", "negative"],
  ["Grim outlook: layoffs, debt and fear everywhere", "negative"],
  ["The meeting is at 3pm in room 204", "neutral"],
  ["The train leaves from platform 9", "neutral"],
  ["Quarterly report will be published on Thursday", "neutral"],
  ["The store opens at nine on weekdays", "neutral"],
  ["I am reading a book about the history of Rome", "neutral"],
  ["The package was delivered this morning", "neutral"],
  ["Our office moved to the third floor", "neutral"],
  ["The conference schedule is now online", "neutral"],
  ["Water boils at one hundred degrees Celsius", "neutral"],
  ["The bus route changes next Monday", "neutral"],
  ["Fed minutes are released at 2pm Eastern", "neutral"],
  ["Posting the slides from yesterday's talk below", "neutral"],
  ["Ethereum block times are about twelve seconds", "neutral"],
  ["The library is closed on public holidays", "neutral"],
  ["New episode of the podcast drops on Friday", "neutral"],
];
