/**
 * A local server speaking Jetstream's protocol for tests: WebSocket upgrade on `/subscribe`,
 * `wantedCollections` and `cursor` query parameters (events with `time_us` ≥ cursor are
 * replayed), one JSON event per text frame, and an idle open connection once caught up.
 * `dropAfter` closes the first connection after that many events, as a network cut would.
 */
export class JetstreamStub {
  readonly connections: URLSearchParams[] = [];
  readonly url: string;
  #server: Deno.HttpServer;
  #sockets = new Set<WebSocket>();
  sent = 0;

  constructor(
    private events: string[],
    private options: { dropAfter?: number; paceMs?: number } = {},
  ) {
    this.#server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
      const u = new URL(req.url);
      if (u.pathname !== "/subscribe" || req.headers.get("upgrade") !== "websocket") {
        return new Response("not found", { status: 404 });
      }
      const { socket, response } = Deno.upgradeWebSocket(req);
      const connection = this.connections.length;
      this.connections.push(u.searchParams);
      this.#sockets.add(socket);
      socket.onclose = () => this.#sockets.delete(socket);
      socket.onopen = () => this.#play(socket, u.searchParams, connection);
      return response;
    });
    this.url = `ws://127.0.0.1:${(this.#server.addr as Deno.NetAddr).port}/subscribe`;
  }

  async #play(socket: WebSocket, params: URLSearchParams, connection: number): Promise<void> {
    const cursor = params.has("cursor") ? Number(params.get("cursor")) : null;
    let n = 0;
    for (const e of this.events) {
      const t = /"time_us"\s*:\s*(\d+)/.exec(e);
      if (cursor !== null && t && Number(t[1]) < cursor) continue;
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(e);
      this.sent++;
      n++;
      if (connection === 0 && this.options.dropAfter !== undefined && n >= this.options.dropAfter) {
        socket.close();
        return;
      }
      const pace = this.options.paceMs ?? (n % 50 === 0 ? 1 : 0);
      if (pace > 0) await new Promise((r) => setTimeout(r, pace));
    }
  }

  async shutdown(): Promise<void> {
    for (const s of this.#sockets) s.close();
    await this.#server.shutdown();
  }
}
