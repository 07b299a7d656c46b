/** Synthetic market headlines for the sentiment benches: a distinct text per index. */
const WORDS = "acme shares stock gold oil fed rates bitcoin rally falls rises beats misses guidance"
  .split(" ");

/** A distinct synthetic headline per `i`. */
export function headline(i: number): string {
  const w = (k: number) => WORDS[(i * 7 + k * 13 + (i >> k)) % WORDS.length];
  return `${w(1)} ${w(2)} ${i} ${w(3)} ${w(4)} ${(i * 31) % 997}% ${w(5)} ${w(6)} ${i % 89}`;
}
