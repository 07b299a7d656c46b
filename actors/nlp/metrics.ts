/**
 * The classifier's metrics. `sluice_classifier_fallbacks_total{reason}` is registered in
 * `lib/metrics.ts` beside the other counters that `/stats` reads, so it is re-exported here
 * rather than registered twice (prom-client refuses a second metric of the same name).
 */
export { classifierFallbacks } from "../../lib/metrics.ts";
