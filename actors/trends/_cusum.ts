/**
 * A CUSUM (Page's cumulative sum) over a keyword's per-slide voices, for small sustained excesses
 * that no single slide shows.
 *
 * Each slide adds the quasi-Poisson log-likelihood ratio of "the rate is `ratio` times its
 * expectation" against "it is as expected": `(x ln ratio - (ratio - 1) e) / phi`, where `e` is the
 * slide's expected voices and `phi = variance / e` the keyword's dispersion (the Poisson
 * log-likelihood divided by the dispersion is the quasi-likelihood of an over-dispersed count).
 * The statistic is floored at 0: `S = max(0, S + step)`. Why it is a sound test: under the
 * expectation, `exp(S)` restarted at each return to 0 is a non-negative martingale of mean 1, so
 * by Ville's inequality an excursion reaches `h` with probability at most `exp(-h)` (Wald's bound;
 * exact for Poisson counts, approximate under over-dispersion). `exp(-S)` is therefore a tail
 * probability comparable to the other scales' p, and a CUSUM needs no choice of window: evidence
 * accumulates for as long as the excess lasts and drains (by `(ratio - 1) e - x ln ratio` per
 * slide) once it stops. With `ratio` 2 the steps are positive only while the rate is above
 * `1 / ln 2 = 1.44` times its expectation, so a slow ramp that the baseline follows does not
 * accumulate.
 */

/** The alternative the CUSUM is tuned for: twice the expected rate. */
export const CUSUM_RATIO = 2;

/** The statistic after a slide with `x` voices where `e` were expected, dispersion `phi`. */
export function cusumStep(s: number, x: number, e: number, phi: number, ratio = CUSUM_RATIO) {
  if (!(ratio > 1)) throw new RangeError(`CUSUM ratio must be above 1, got ${ratio}`);
  const step = (x * Math.log(ratio) - (ratio - 1) * e) / Math.max(1, phi);
  return Math.max(0, s + step);
}

/** ln of the tail probability a CUSUM value stands for (Wald's bound: P(S >= h) <= e^-h). */
export const cusumLogTail = (s: number) => -s;
