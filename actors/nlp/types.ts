import type { Classification, PostData } from "../../schemas/social.ts";

/** What a backend reads of a text: a post, or any text with an id (a finance event). */
export type ClassifierInput = Pick<PostData, "uri" | "text" | "langs" | "hashtags">;

/**
 * A classification with the model that produced it: a post the Ollama backend handed to its
 * fallback names the fallback's model, not the backend's.
 */
export type Labelled = Classification & { model: string };

export interface Classifier {
  /** The backend's own model, e.g. `local:afinn-165` or `ollama:granite3.3:2b`. */
  readonly model: string;
  /** One result per post, in the same order; `signal` asks to finish early (see each backend). */
  classify(posts: ClassifierInput[], signal?: AbortSignal): Promise<Labelled[]>;
  /** Releases what the backend holds; work still in flight is abandoned. */
  close?(): Promise<void>;
}
