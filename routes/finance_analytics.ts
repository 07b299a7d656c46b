/**
 * The sentiment role's routes: `POST /analyze` (on-demand analysis, seed 001's sentiment
 * service) and the analytics under `/finance` read from `sentiment_results` and its
 * materialized views. Mounted at `/` (see `routes/mod.ts`); absent when the process has no
 * analytics wiring.
 */
import { Hono } from "hono";
import { ValidationError } from "../lib/errors.ts";
import { describeIssue } from "../schemas/mod.ts";
import { AnalyzeRequest } from "../schemas/finance.ts";
import type { FinanceApi } from "./deps.ts";
import { intParam, readJson } from "./_http.ts";
import { FINANCE_DASHBOARD } from "./finance_dashboard.ts";

const BACKENDS = ["local", "ollama"] as const;
type Backend = typeof BACKENDS[number];

function backendParam(api: FinanceApi, raw: string | undefined): Backend {
  if (raw === undefined || raw === "") return api.analyzer.defaultBackend;
  if (!(BACKENDS as readonly string[]).includes(raw)) {
    throw new ValidationError("backend: must be local or ollama", { field: "backend" });
  }
  return raw as Backend;
}

const minutes = (raw: string | undefined) => intParam(raw, "minutes", 60, 7 * 24 * 60);

export function financeAnalyticsRoutes(api: FinanceApi): Hono {
  const app = new Hono();

  app.post("/analyze", async (c) => {
    const backend = backendParam(api, c.req.query("backend"));
    const parsed = AnalyzeRequest.safeParse(await readJson(c.req.raw));
    if (!parsed.success) {
      const { field, message } = describeIssue(parsed.error);
      throw new ValidationError(message, { field });
    }
    const inputs = parsed.data.texts.map((text, i) => ({ id: `analyze:${i}`, text }));
    const results = await api.analyzer.analyze(inputs, backend, c.req.raw.signal);
    return c.json({ results });
  });

  app.get("/finance/sentiment/asset-classes", async (c) => {
    const m = minutes(c.req.query("minutes"));
    return c.json({ minutes: m, asset_classes: await api.store.byAssetClass(m) });
  });

  app.get("/finance/sentiment/sources", async (c) => {
    const m = minutes(c.req.query("minutes"));
    return c.json({ minutes: m, sources: await api.store.bySource(m) });
  });

  app.get("/finance/sentiment/volume", async (c) => {
    const m = minutes(c.req.query("minutes"));
    return c.json({ minutes: m, points: await api.store.volumeBySource(m) });
  });

  app.get("/finance/sentiment/symbols/:symbol", async (c) => {
    const symbol = c.req.param("symbol").toUpperCase().replace(/^\$/, "");
    if (!/^[A-Z0-9.\-]{1,32}$/.test(symbol)) {
      throw new ValidationError("symbol: must be 1 to 32 letters, digits, . or -", {
        field: "symbol",
      });
    }
    const limit = intParam(c.req.query("limit"), "limit", 50, 500);
    return c.json({ symbol, events: await api.store.bySymbol(symbol, limit) });
  });

  app.get("/finance/alerts", async (c) => {
    const limit = intParam(c.req.query("limit"), "limit", 50, 1_000);
    return c.json({ alerts: await api.alerts.recent(limit) });
  });

  app.get("/finance/dashboard", (c) => c.html(FINANCE_DASHBOARD));

  app.get("/finance/events/:id", async (c) => {
    const id = c.req.param("id");
    const row = await api.store.event(id);
    if (!row) return c.json({ error: `no analysed event ${id}`, field: "id" }, 404);
    return c.json(row);
  });

  return app;
}
