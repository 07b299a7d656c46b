/**
 * A stub speaking Ollama's HTTP API, for tests where no Ollama can run: `POST /api/chat`
 * (non-streaming, answered in Ollama's shape) and `GET /api/tags`. Each chat request takes a
 * behaviour: from `byRequest` if set and it returns one, else the next scripted one, else the
 * default. It records every chat request body and the most requests it was answering at once.
 */
export type Behaviour =
  | "valid" // 200 with a classification that fits the schema
  | "500" // 500 {"error": ...}, as Ollama answers when the runner crashes
  | "404" // 404 {"error": "model ... not found"}
  | "hang" // never answers; held until `shutdown()`
  | "malformed" // 200 whose message content is not JSON
  | "wrong-schema"; // 200 whose message content is JSON failing the schema

export const STUB_MODEL = "granite3.3:2b";

export const VALID_ANSWER = {
  sentiment: "positive",
  score: 0.8,
  confidence: 0.9,
  entities: { people: [], organisations: ["Apple"], places: [], tickers: ["$AAPL"], hashtags: [] },
  topics: ["markets"],
  asset_class: "equity",
};

export interface ChatBody {
  model: string;
  messages: Array<{ role: string; content: string }>;
  format?: unknown;
  stream?: boolean;
  options?: Record<string, unknown>;
}

export interface OllamaStubOptions {
  /** Time taken to answer each chat request that is answered, in ms. Default 5. */
  answerMs?: number;
}

export class OllamaStub {
  /** Chat request bodies, in arrival order. */
  readonly requests: ChatBody[] = [];
  readonly url: string;
  /** Chat requests being answered now (hung ones excluded: their client has given up). */
  inFlight = 0;
  maxInFlight = 0;
  /** Requests held by "hang". */
  hung = 0;
  tagsRequests = 0;
  /** Chooses a behaviour per request (e.g. by the post's text); falls through on undefined. */
  byRequest: ((body: ChatBody) => Behaviour | undefined) | null = null;
  #script: Behaviour[] = [];
  #default: Behaviour = "valid";
  #answerMs: number;
  #server: Deno.HttpServer<Deno.NetAddr>;
  #release = Promise.withResolvers<void>();
  #closed = false;

  constructor(options: OllamaStubOptions = {}) {
    this.#answerMs = options.answerMs ?? 5;
    this.#server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {} },
      (req) => this.#handle(req),
    );
    this.url = `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** The next chat requests behave like this, in order; then `otherwise`. */
  script(behaviours: Behaviour[], otherwise: Behaviour = "valid"): void {
    this.#script = [...behaviours];
    this.#default = otherwise;
  }

  async #handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    if (req.method === "GET" && path === "/api/tags") {
      this.tagsRequests++;
      return Response.json({ models: [TAG] });
    }
    if (req.method !== "POST" || path !== "/api/chat") {
      return Response.json({ error: "404 page not found" }, { status: 404 });
    }
    let body: ChatBody;
    try {
      body = await req.json();
    } catch {
      return Response.json({ error: "invalid JSON body" }, { status: 400 });
    }
    this.requests.push(body);
    const behaviour = this.byRequest?.(body) ?? this.#script.shift() ?? this.#default;
    if (behaviour === "hang") {
      this.hung++;
      await this.#release.promise;
      return Response.json({ error: "stub shut down" }, { status: 503 });
    }
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, this.#answerMs));
      return answer(body, behaviour);
    } finally {
      this.inFlight--;
    }
  }

  /** Releases hung requests and closes the server; safe to call twice. */
  async shutdown(): Promise<void> {
    this.#release.resolve();
    if (this.#closed) return;
    this.#closed = true;
    await this.#server.shutdown();
  }
}

const TAG = {
  name: STUB_MODEL,
  model: STUB_MODEL,
  modified_at: "2026-11-01T00:00:00.000000000Z",
  size: 1_545_000_000,
  digest: "2fe0ba7a3f2a0e4f66b9c2c8d1a2b2c8b3a6e3f1d0c9b8a7f6e5d4c3b2a1f0e9",
  details: {
    parent_model: "",
    format: "gguf",
    family: "granite",
    families: ["granite"],
    parameter_size: "2.5B",
    quantization_level: "Q4_K_M",
  },
};

function answer(body: ChatBody, behaviour: Exclude<Behaviour, "hang">): Response {
  if (behaviour === "500") {
    return Response.json({ error: "llama runner process has terminated" }, { status: 500 });
  }
  if (behaviour === "404") {
    return Response.json(
      { error: `model "${body.model}" not found, try pulling it first` },
      { status: 404 },
    );
  }
  const content = behaviour === "malformed"
    ? '{"sentiment": "positive", "score": 0.'
    : JSON.stringify(
      behaviour === "wrong-schema" ? { sentiment: "great", score: 7 } : VALID_ANSWER,
    );
  return Response.json({
    model: body.model,
    created_at: new Date().toISOString(),
    message: { role: "assistant", content },
    done: true,
    done_reason: "stop",
    total_duration: 812_000_000,
    load_duration: 21_000_000,
    prompt_eval_count: 180,
    prompt_eval_duration: 95_000_000,
    eval_count: 64,
    eval_duration: 690_000_000,
  });
}
