// Real components for the tests: a PostgreSQL (the server package's embedded one, started by a
// small Python helper), and `botsift-server serve` child processes on free loopback ports.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

export const ROOT = resolve(import.meta.dirname, "..", "..", "..");
const BIN = join(ROOT, ".venv", "bin");

const PG_HELPER = `
import asyncio, sys
from botsift_server.store import EmbeddedPostgres
async def main():
    pg = await EmbeddedPostgres.start(sys.argv[1])
    print(pg.dsn, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await pg.stop()
asyncio.run(main())
`;

/** A free loopback port. */
export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => { const { port } = srv.address(); srv.close(() => res(port)); });
    srv.on("error", rej);
  });
}

/** Start PostgreSQL; resolves with { dsn, stop }. */
export async function startPostgres() {
  const dir = mkdtempSync(join(tmpdir(), "botsift-node-pg-"));
  const child = spawn(join(BIN, "python"), ["-c", PG_HELPER, join(dir, "data")], { stdio: ["pipe", "pipe", "inherit"] });
  const dsn = await new Promise((res, rej) => {
    createInterface({ input: child.stdout }).once("line", res);
    child.once("exit", (code) => rej(new Error(`PostgreSQL helper exited with ${code}`)));
  });
  return {
    dsn,
    async stop() {
      child.stdin.end();
      await new Promise((res) => child.once("exit", res));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Create a tenant; resolves with { publishable, secret }. */
export function createTenant(dsn, name) {
  const out = execFileSync(join(BIN, "botsift-server"), ["create-tenant", name], {
    env: { ...process.env, BOTSIFT_DATABASE_URL: dsn, BOTSIFT_LOG_LEVEL: "WARNING" }, encoding: "utf8",
  });
  const words = out.split(/\s+/);
  return { publishable: words.find((w) => w.startsWith("pk_")), secret: words.find((w) => w.startsWith("sk_")) };
}

/** `botsift-server serve` on `port`; `start()` waits until it listens, `stop(signal)` until it exits. */
export class ServerProcess {
  constructor(dsn, port) { this.dsn = dsn; this.port = port; this.child = undefined; }
  get target() { return `127.0.0.1:${this.port}`; }
  async start() {
    this.child = spawn(join(BIN, "botsift-server"), ["serve"], {
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env, BOTSIFT_DATABASE_URL: this.dsn, BOTSIFT_SERVER_PORT: String(this.port),
        BOTSIFT_METRICS_PORT: "-1", BOTSIFT_LOG_LEVEL: "WARNING", BOTSIFT_SERVER_GRACE_PERIOD_S: "2",
        BOTSIFT_LIMITS_MAX_EVENTS_PER_SESSION: "5000",
      },
    });
    for (let i = 0; i < 300; i++) {
      if (this.child.exitCode !== null) throw new Error(`botsift-server exited with ${this.child.exitCode}`);
      const ok = await new Promise((res) => {
        const sock = connect(this.port, "127.0.0.1", () => { sock.end(); res(true); });
        sock.on("error", () => res(false));
      });
      if (ok) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error("botsift-server did not listen within 15 s");
  }
  async stop(signal = "SIGTERM") {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((res) => child.once("exit", res));
    child.kill(signal);
    await exited;
  }
}
