/**
 * The Redis pub/sub input (`RedisPubSubConsumer`): a channel subscription, kept for
 * compatibility with the seed services. Redis does not keep pub/sub messages: what arrives while
 * no one listens, or while a writer crashes, is gone. At-most-once.
 */
import { Redis } from "ioredis";
import type { Logger } from "../../lib/log.ts";
import type { Consumer, EnvelopeTarget, InMessage } from "../types.ts";

const encoder = new TextEncoder();

export interface RedisPubSubOptions {
  url: string;
  channel: string;
  target: EnvelopeTarget;
  logger: Logger;
}

export class RedisPubSubConsumer implements Consumer {
  readonly done: Promise<void>;
  #o: RedisPubSubOptions;
  #sub: Redis;
  #seq = 0;

  constructor(options: RedisPubSubOptions) {
    this.#o = options;
    this.#sub = new Redis(options.url, { lazyConnect: true });
    this.done = new Promise(() => {});
  }

  async start(): Promise<void> {
    await this.#sub.connect();
    await this.#sub.subscribe(this.#o.channel);
    this.#sub.on("message", (_channel: string, data: string) => {
      const message: InMessage = {
        topic: this.#o.channel,
        partition: 0,
        offset: String(this.#seq++),
        key: null,
        value: encoder.encode(data),
        headers: {},
        timestamp: String(Date.now()),
      };
      // At-most-once: nothing to acknowledge, and a full mailbox drops (logged), never blocks.
      const env = { message, ack: () => {}, nack: () => {} };
      if (!this.#o.target.offer(env)) this.#o.logger.warn("pub/sub message dropped: mailbox full");
    });
  }

  stop(): Promise<void> {
    return this.#sub.quit().then(() => {});
  }

  close(): Promise<void> {
    this.#sub.disconnect();
    return Promise.resolve();
  }
}
