/**
 * `GET /dashboard`: one HTML page with live charts (Chart.js from npm, served as its UMD file by
 * this route: no build step, nothing fetched from the internet). It polls the trend routes
 * every few seconds and redraws without reloading.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { route, text } from "./_openapi.ts";
import { Text } from "./_schemas.ts";

let chartJs: Promise<string> | null = null;

function loadChartJs(): Promise<string> {
  chartJs ??= Deno.readTextFile(new URL("./chart.umd.min.js", import.meta.resolve("chart.js")));
  return chartJs;
}

/** The look every dashboard page shares (this one and `/finance/dashboard`). */
export const DASHBOARD_CSS =
  `  body { font-family: system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
  header { padding: 12px 20px; background: #1d2330; color: #fff; display: flex; gap: 16px; align-items: baseline; }
  header small { opacity: .7; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; padding: 16px; }
  section { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 3px #0002; }
  h2 { font-size: 15px; margin: 0 0 8px; }
  table { width: 100%; border-collapse: collapse; font-size: 13px; }
  td, th { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eee; }`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sluice — trends</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
${DASHBOARD_CSS}
  .new { color: #0a7d32; font-weight: 600; } .update { color: #8a5a00; }
</style>
</head>
<body>
<header><strong>Sluice</strong> trends <small id="status">loading…</small></header>
<main>
  <section><h2>Trending keywords (z-score)</h2><canvas id="trending"></canvas></section>
  <section><h2>Volume over time (posts per window)</h2><canvas id="volume"></canvas></section>
  <section><h2>Sentiment over time (mean score)</h2><canvas id="sentiment"></canvas></section>
  <section><h2>Alerts</h2><table><thead><tr><th>window end</th><th>keyword</th><th>kind</th><th>rank</th><th>count</th><th>authors</th><th>z</th></tr></thead><tbody id="alerts"></tbody></table></section>
</main>
<script src="/dashboard/chart.js"></script>
<script>
const opts = { animation: false, responsive: true, plugins: { legend: { display: false } } };
const charts = {
  trending: new Chart(document.getElementById("trending"), { type: "bar", data: { labels: [], datasets: [{ data: [], backgroundColor: "#3b6fd8" }] }, options: { ...opts, indexAxis: "y" } }),
  volume: new Chart(document.getElementById("volume"), { type: "line", data: { labels: [], datasets: [{ data: [], borderColor: "#3b6fd8", pointRadius: 0 }] }, options: opts }),
  sentiment: new Chart(document.getElementById("sentiment"), { type: "line", data: { labels: [], datasets: [{ data: [], borderColor: "#0a7d32", pointRadius: 0 }] }, options: { ...opts, scales: { y: { min: -1, max: 1 } } } }),
};
window.sluiceCharts = charts;
const time = (s) => new Date(s).toISOString().slice(11, 16);
function set(chart, labels, values) { chart.data.labels = labels; chart.data.datasets[0].data = values; chart.update(); }
async function refresh() {
  try {
    const [trends, volume, alerts] = await Promise.all([
      fetch("/trends?limit=10").then((r) => r.json()),
      fetch("/sentiment?source=all&limit=120").then((r) => r.json()),
      fetch("/alerts?limit=20").then((r) => r.json()),
    ]);
    set(charts.trending, trends.trends.map((t) => t.keyword), trends.trends.map((t) => t.zScore));
    set(charts.volume, volume.points.map((p) => time(p.bucket)), volume.points.map((p) => Number(p.posts)));
    set(charts.sentiment, volume.points.map((p) => time(p.bucket)), volume.points.map((p) => Number(p.sentiment_mean)));
    document.getElementById("alerts").innerHTML = alerts.alerts.map((a) =>
      "<tr><td>" + time(a.window_end) + "</td><td>" + a.keyword.replace(/[<>&]/g, "") + "</td><td class='" + a.kind + "'>" + a.kind +
      "</td><td>" + a.rank + "</td><td>" + a.count + "</td><td>" + a.unique_authors + "</td><td>" + Number(a.z_score).toFixed(1) + "</td></tr>").join("");
    document.getElementById("status").textContent = "updated " + new Date().toLocaleTimeString() +
      (trends.windowEnd ? " · window ending " + time(trends.windowEnd) : " · no closed window yet");
  } catch (err) {
    document.getElementById("status").textContent = "refresh failed: " + err.message;
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>`;

export function dashboardRoutes(): OpenAPIHono {
  const app = new OpenAPIHono();
  const tags = ["trends"];
  route(app, {
    tags,
    method: "get",
    path: "/",
    summary: "The live trends dashboard (HTML)",
    responses: { 200: text("text/html", Text, "the page") },
  }, (c) => c.html(PAGE));
  route(app, {
    tags,
    method: "get",
    path: "/chart.js",
    summary: "Chart.js, as the dashboard loads it",
    responses: { 200: text("text/javascript", Text, "Chart.js's UMD file") },
  }, async (c) => {
    c.header("content-type", "text/javascript; charset=utf-8");
    c.header("cache-control", "public, max-age=3600");
    return c.body(await loadChartJs());
  });
  return app;
}
