/**
 * The shell every dashboard page shares (`/dashboard`, `/finance/dashboard`): the look, Chart.js
 * (served by `/dashboard/chart.js`), and a client that polls every 2 s. With `API_AUTH_READS=true`
 * the data routes need a read key: the page takes it from its address's fragment
 * (`/dashboard#key=<token>`, never sent to the server or its logs), keeps it for the tab's
 * session, sends it as a bearer token, and says what to do when it is missing or refused.
 */

const CSS =
  `  body { font-family: system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
  header { padding: 12px 20px; background: #1d2330; color: #fff; display: flex; gap: 16px; align-items: baseline; }
  header small { opacity: .7; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; padding: 16px; }
  section { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 3px #0002; }
  h2 { font-size: 15px; margin: 0 0 8px; }
  table { width: 100%; border-collapse: collapse; font-size: 13px; }
  td, th { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eee; }`;

/** Helpers the pages' scripts use: chart options, `time`, `set`, `esc`, `get` and `poll`. */
const CLIENT =
  `const opts = { animation: false, responsive: true, plugins: { legend: { display: false } } };
const time = (s) => new Date(s).toISOString().slice(11, 16);
const esc = (s) => String(s).replace(/[<>&"']/g, "");
function set(chart, labels, values) { chart.data.labels = labels; chart.data.datasets[0].data = values; chart.update(); }
function status(text) { document.getElementById("status").textContent = text; }
function apiKey() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("key");
  if (fromHash) {
    sessionStorage.setItem("sluice-api-key", fromHash);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem("sluice-api-key");
}
const key = apiKey();
async function get(path) {
  const r = await fetch(path, key ? { headers: { authorization: "Bearer " + key } } : {});
  if (r.status === 401 || r.status === 403) {
    throw new Error("this server needs an API key with the read scope to show data: open " +
      location.pathname + "#key=<token>" + (key ? " (the key given was refused)" : ""));
  }
  if (!r.ok) throw new Error(path + " answered " + r.status);
  return r.json();
}
function poll(refresh) {
  const run = async () => {
    try {
      await refresh();
    } catch (err) {
      status("refresh failed: " + err.message);
    }
  };
  run();
  setInterval(run, 2000);
}`;

export interface DashboardPage {
  /** The page's name, after "Sluice" in the title and header. */
  title: string;
  /** CSS added after the shared look. */
  css: string;
  /** The `<main>` element's content. */
  sections: string;
  /** The page's own script: builds `charts`, defines `refresh()` and calls `poll(refresh)`. */
  script: string;
}

export function dashboardPage(p: DashboardPage): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sluice — ${p.title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
${CSS}
${p.css}
</style>
</head>
<body>
<header><strong>Sluice</strong> ${p.title} <small id="status">loading…</small></header>
<main>
${p.sections}
</main>
<script src="/dashboard/chart.js"></script>
<script>
${CLIENT}
${p.script}
</script>
</body>
</html>`;
}
