/**
 * Finance analysis of texts with the shared classifier backends (`actors/nlp/`): the local one,
 * and Ollama behind a circuit breaker when configured. Used by the sentiment worker, `POST
 * /analyze` and the CLI's `analyze`. A text's asset class falls back to its event's symbols when
 * the words name none.
 */
import type { AnalyzeResult } from "../../schemas/finance.ts";
import { assetClass, LocalClassifier } from "../nlp/mod.ts";
import type { Classifier, ClassifierInput, Labelled } from "../nlp/mod.ts";

export type Backend = "local" | "ollama";

/** One text to analyse, with the symbols its event names (if any). */
export interface AnalyzeInput {
  id: string;
  text: string;
  symbols?: string[];
}

export class FinanceAnalyzer {
  readonly local: Classifier = new LocalClassifier();
  readonly #ollama: Classifier | null;
  readonly defaultBackend: Backend;

  constructor(o: { ollama?: Classifier | null; defaultBackend?: Backend } = {}) {
    this.#ollama = o.ollama ?? null;
    this.defaultBackend = o.defaultBackend ?? (this.#ollama ? "ollama" : "local");
  }

  /** Whether the Ollama backend is down (its circuit breaker open). */
  modelDown(): boolean {
    const o = this.#ollama as { state?: string } | null;
    return o?.state === "open";
  }

  /** Whether `backend` can be used here (`ollama` needs OLLAMA_URL configured). */
  has(backend: Backend): boolean {
    return backend === "local" || this.#ollama !== null;
  }

  /** One result per input, in order. */
  async analyze(
    inputs: AnalyzeInput[],
    backend: Backend = this.defaultBackend,
    signal?: AbortSignal,
  ): Promise<AnalyzeResult[]> {
    if (inputs.length === 0) return [];
    const classifier = backend === "ollama" && this.#ollama ? this.#ollama : this.local;
    const texts: ClassifierInput[] = inputs.map((i) => ({
      uri: i.id,
      text: i.text,
      langs: [],
      hashtags: [],
    }));
    const labelled = await classifier.classify(texts, signal);
    return labelled.map((l, n) => toResult(l, inputs[n].symbols ?? []));
  }

  async close(): Promise<void> {
    await this.#ollama?.close?.();
  }
}

function toResult(l: Labelled, symbols: string[]): AnalyzeResult {
  const tickers = [...new Set([...l.entities.tickers, ...symbols.map((s) => `$${s}`)])];
  const entities = { ...l.entities, tickers };
  const asset = l.asset_class === "none" && symbols.length > 0
    ? assetClass("", { ...entities, tickers: symbols.map((s) => `$${s}`) })
    : l.asset_class;
  return {
    sentiment: l.sentiment,
    score: l.score,
    confidence: l.confidence,
    entities,
    asset_class: asset,
    model: l.model,
  };
}
