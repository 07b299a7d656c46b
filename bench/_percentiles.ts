/** p50 and p99 of durations in ms (the nearest rank at or below). */
export function percentiles(ms: number[]): { p50Ms: number; p99Ms: number } {
  const s = ms.toSorted((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}
