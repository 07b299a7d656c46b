/**
 * A TCP proxy a test can cut: workers talk to a service (PostgreSQL, say) through it, and `cut`
 * makes the service vanish for them (every connection closed, new ones refused) without touching
 * the shared server; `restore` brings it back on the same port.
 */
import { DATABASE_URL } from "./mod.ts";

/** A proxy in front of the shared PostgreSQL, and a DATABASE_URL pointing at it. */
export function databaseProxy(): { proxy: TcpProxy; url: string } {
  const u = new URL(DATABASE_URL);
  const proxy = TcpProxy.start({ hostname: u.hostname, port: Number(u.port || 5432) });
  u.hostname = "127.0.0.1";
  u.port = String(proxy.port);
  return { proxy, url: u.toString() };
}

export class TcpProxy {
  readonly port: number;
  #target: { hostname: string; port: number };
  #listener: Deno.Listener | null = null;
  #conns = new Set<Deno.Conn>();
  /** When the last `restore` happened (performance.now()), for recovery times. */
  restoredAt = 0;

  private constructor(port: number, target: { hostname: string; port: number }) {
    this.port = port;
    this.#target = target;
  }

  /** A proxy on a free port of 127.0.0.1 forwarding to `target`. */
  static start(target: { hostname: string; port: number }): TcpProxy {
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const proxy = new TcpProxy(port, target);
    proxy.restore();
    return proxy;
  }

  get up(): boolean {
    return this.#listener !== null;
  }

  /** Closes every connection and stops accepting: clients see the service gone. */
  cut(): void {
    this.#listener?.close();
    this.#listener = null;
    for (const c of this.#conns) closeQuietly(c);
    this.#conns.clear();
  }

  /** Accepts again on the same port. */
  restore(): void {
    if (this.#listener) return;
    const listener = Deno.listen({ hostname: "127.0.0.1", port: this.port });
    this.#listener = listener;
    this.restoredAt = performance.now();
    this.#accept(listener);
  }

  close(): void {
    this.cut();
  }

  async #accept(listener: Deno.Listener): Promise<void> {
    for (;;) {
      let client: Deno.Conn;
      try {
        client = await listener.accept();
      } catch {
        return; // cut
      }
      if (this.#listener !== listener) {
        closeQuietly(client);
        return;
      }
      this.#pipe(client);
    }
  }

  async #pipe(client: Deno.Conn): Promise<void> {
    let server: Deno.Conn;
    try {
      server = await Deno.connect(this.#target);
    } catch {
      closeQuietly(client);
      return;
    }
    if (!this.#listener) {
      closeQuietly(client);
      closeQuietly(server);
      return;
    }
    this.#conns.add(client);
    this.#conns.add(server);
    const done = () => {
      closeQuietly(client);
      closeQuietly(server);
      this.#conns.delete(client);
      this.#conns.delete(server);
    };
    await Promise.race([
      client.readable.pipeTo(server.writable).catch(() => {}),
      server.readable.pipeTo(client.writable).catch(() => {}),
    ]);
    done();
  }
}

function closeQuietly(c: Deno.Conn): void {
  try {
    c.close();
  } catch {
    // already closed by the other direction's pipe
  }
}
