/**
 * The statistics of the trend score: the upper tail of a count under a Poisson law, or a
 * negative binomial when the measured variance exceeds the mean (over-dispersed keywords), and
 * the tail probability as the equivalent one-sided normal z ("sigmas"), both in log space so a
 * very strong burst still ranks above a strong one.
 */

/** ln P(X >= k) for X with the given mean and variance (Poisson when variance <= mean). */
export function logUpperTail(k: number, mean: number, variance: number): number {
  if (k <= 0) return 0;
  const m = Math.max(mean, 1e-9);
  // log pmf(0) and the ratio pmf(x+1)/pmf(x), for Poisson or NB(r, p) with mean m.
  let logP0: number, ratio: (x: number) => number;
  if (variance > m * 1.001) {
    const r = (m * m) / (variance - m);
    const q = m / variance; // success probability
    logP0 = r * Math.log(q);
    ratio = (x) => ((x + r) / (x + 1)) * (1 - q);
  } else {
    logP0 = -m;
    ratio = (x) => m / (x + 1);
  }
  let lp = logP0;
  for (let x = 0; x < k; x++) lp += Math.log(ratio(x));
  // Sum the tail from k upward relative to pmf(k): terms shrink once x is past the mean.
  let sum = 1, term = 1;
  for (let x = k; x < k + 10_000; x++) {
    term *= ratio(x);
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return Math.min(0, lp + Math.log(sum));
}

/** The one-sided normal quantile of a tail probability given as ln p (Abramowitz–Stegun 26.2.23). */
export function zOfLogTail(logP: number): number {
  if (logP >= Math.log(0.5)) return 0;
  const t = Math.sqrt(-2 * logP);
  return t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
      (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
}
