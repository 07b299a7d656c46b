/**
 * `GET /dashboard`: one HTML page with live charts (Chart.js from npm, served as its UMD file by
 * this route: no build step, nothing fetched from the internet). It polls the trend routes
 * every 2 s and redraws without reloading (the shared shell: `_dashboard_page.ts`).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { route, text } from "./_openapi.ts";
import { Text } from "./_schemas.ts";
import { dashboardPage } from "./_dashboard_page.ts";

let chartJs: Promise<string> | null = null;

function loadChartJs(): Promise<string> {
  chartJs ??= Deno.readTextFile(new URL("./chart.umd.min.js", import.meta.resolve("chart.js")));
  return chartJs;
}

const PAGE = dashboardPage({
  title: "trends",
  css: `  .new { color: #0a7d32; font-weight: 600; } .update { color: #8a5a00; }`,
  sections:
    `  <section><h2>Trending keywords (z-score)</h2><canvas id="trending"></canvas></section>
  <section><h2>Volume over time (posts per window)</h2><canvas id="volume"></canvas></section>
  <section><h2>Sentiment over time (mean score)</h2><canvas id="sentiment"></canvas></section>
  <section><h2>Alerts</h2><table><thead><tr><th>window end</th><th>keyword</th><th>kind</th><th>rank</th><th>count</th><th>authors</th><th>z</th></tr></thead><tbody id="alerts"></tbody></table></section>`,
  script: `const charts = {
  trending: new Chart(document.getElementById("trending"), { type: "bar", data: { labels: [], datasets: [{ data: [], backgroundColor: "#3b6fd8" }] }, options: { ...opts, indexAxis: "y" } }),
  volume: new Chart(document.getElementById("volume"), { type: "line", data: { labels: [], datasets: [{ data: [], borderColor: "#3b6fd8", pointRadius: 0 }] }, options: opts }),
  sentiment: new Chart(document.getElementById("sentiment"), { type: "line", data: { labels: [], datasets: [{ data: [], borderColor: "#0a7d32", pointRadius: 0 }] }, options: { ...opts, scales: { y: { min: -1, max: 1 } } } }),
};
window.sluiceCharts = charts;
async function refresh() {
  const [trends, volume, alerts] = await Promise.all([
    get("/trends?limit=10"), get("/sentiment?source=all&limit=120"), get("/alerts?limit=20"),
  ]);
  set(charts.trending, trends.trends.map((t) => t.keyword), trends.trends.map((t) => t.zScore));
  set(charts.volume, volume.points.map((p) => time(p.bucket)), volume.points.map((p) => Number(p.posts)));
  set(charts.sentiment, volume.points.map((p) => time(p.bucket)), volume.points.map((p) => Number(p.sentiment_mean)));
  document.getElementById("alerts").innerHTML = alerts.alerts.map((a) =>
    "<tr><td>" + time(a.window_end) + "</td><td>" + esc(a.keyword) + "</td><td class='" + esc(a.kind) + "'>" + esc(a.kind) +
    "</td><td>" + a.rank + "</td><td>" + a.count + "</td><td>" + a.unique_authors + "</td><td>" + Number(a.z_score).toFixed(1) + "</td></tr>").join("");
  status("updated " + new Date().toLocaleTimeString() +
    (trends.windowEnd ? " · window ending " + time(trends.windowEnd) : " · no closed window yet"));
}
poll(refresh);`,
});

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
