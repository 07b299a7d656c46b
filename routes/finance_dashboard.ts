/**
 * `GET /finance/dashboard`: the sentiment role's live page (Chart.js, served by the trends
 * dashboard's `/dashboard/chart.js`): mean sentiment by asset class and by source, volume per
 * source per minute, the near-duplicate rate per source, and the latest alerts. Polls the
 * `/finance` routes every 2 s and redraws without reloading.
 */
import { dashboardPage } from "./_dashboard_page.ts";

export const FINANCE_DASHBOARD = dashboardPage({
  title: "finance sentiment",
  css: `  .negative { color: #b3261e; } .positive { color: #0a7d32; }`,
  sections:
    `  <section><h2>Mean sentiment by asset class (last hour)</h2><canvas id="assetClass"></canvas></section>
  <section><h2>Mean sentiment by source (last hour)</h2><canvas id="source"></canvas></section>
  <section><h2>Volume per source (events per minute)</h2><canvas id="volume"></canvas></section>
  <section><h2>Near-duplicate rate by source</h2><canvas id="dupRate"></canvas></section>
  <section><h2>Alerts</h2><table><thead><tr><th>window end</th><th>symbol</th><th>direction</th><th>mean</th><th>events</th><th>sources</th></tr></thead><tbody id="alerts"></tbody></table></section>`,
  script:
    `const bar = (id, color, scales) => new Chart(document.getElementById(id), { type: "bar", data: { labels: [], datasets: [{ data: [], backgroundColor: color }] }, options: { ...opts, scales } });
const charts = {
  assetClass: bar("assetClass", "#3b6fd8", { y: { min: -1, max: 1 } }),
  source: bar("source", "#8a5a00", { y: { min: -1, max: 1 } }),
  dupRate: bar("dupRate", "#6b4fbb", { y: { min: 0, max: 1 } }),
  volume: new Chart(document.getElementById("volume"), { type: "line", data: { labels: [], datasets: [] }, options: { ...opts, plugins: { legend: { display: true } } } }),
};
window.sluiceCharts = charts;
const COLORS = ["#3b6fd8", "#0a7d32", "#b3261e", "#8a5a00", "#6b4fbb"];
function volume(points) {
  const minutes = [...new Set(points.map((p) => time(p.minute)))];
  const sources = [...new Set(points.map((p) => p.key))];
  charts.volume.data.labels = minutes;
  charts.volume.data.datasets = sources.map((s, i) => ({ label: s, borderColor: COLORS[i % 5], pointRadius: 2,
    data: minutes.map((m) => Number(points.find((p) => p.key === s && time(p.minute) === m)?.events ?? 0)) }));
  charts.volume.update();
}
async function refresh() {
  const [classes, sources, vol, alerts] = await Promise.all([
    get("/finance/sentiment/asset-classes?minutes=60"), get("/finance/sentiment/sources?minutes=60"),
    get("/finance/sentiment/volume?minutes=60"), get("/finance/alerts?limit=20"),
  ]);
  set(charts.assetClass, classes.asset_classes.map((r) => r.asset_class), classes.asset_classes.map((r) => Number(r.mean_score ?? 0)));
  set(charts.source, sources.sources.map((r) => r.source), sources.sources.map((r) => Number(r.mean_score ?? 0)));
  set(charts.dupRate, sources.sources.map((r) => r.source), sources.sources.map((r) => r.events ? r.duplicates / r.events : 0));
  volume(vol.points);
  document.getElementById("alerts").innerHTML = alerts.alerts.map((a) =>
    "<tr><td>" + time(a.window_end) + "</td><td>" + esc(a.symbol) + "</td><td class='" + esc(a.direction) + "'>" + esc(a.direction) +
    "</td><td>" + Number(a.mean_score).toFixed(2) + "</td><td>" + a.events + "</td><td>" + esc(a.sources.join(", ")) + "</td></tr>").join("");
  status("updated " + new Date().toLocaleTimeString());
}
poll(refresh);`,
});
