// `npm pack` makes a package that installs into an empty folder and works against a real server.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { ServerProcess, createTenant, freePort, startPostgres } from "./harness.mjs";

const PKG = resolve(import.meta.dirname, "..");
let pg, server, keys, dir;
before(async () => {
  pg = await startPostgres();
  keys = createTenant(pg.dsn, `node-pack-${Date.now()}`);
  server = new ServerProcess(pg.dsn, await freePort());
  await server.start();
  dir = mkdtempSync(join(tmpdir(), "botsift-pack-"));
});
after(async () => { await server?.stop("SIGKILL"); await pg?.stop(); rmSync(dir, { recursive: true, force: true }); });

test("the packed tarball installs into an empty folder and streams a session", () => {
  execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", dir], { cwd: PKG, stdio: "ignore" });
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  const app = join(dir, "app");
  execFileSync("mkdir", ["-p", app]);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--silent", join(dir, tarball)], { cwd: app, stdio: "inherit" });
  writeFileSync(join(app, "main.mjs"), `
    import { BotSiftClient, VERSION } from "botsift";
    const client = new BotSiftClient({ apiKey: process.argv[2], target: process.argv[3] });
    const s = client.session({ action: "login" });
    for (let i = 0; i < 30; i++) s.pointer(10 + i, 20 + 2 * i, { tMs: i * 15 });
    const v = await s.verdict();
    await client.close();
    console.log(VERSION, v.final, v.eventCounts.total);
  `);
  const out = execFileSync("node", ["main.mjs", keys.publishable, server.target], { cwd: app, encoding: "utf8" });
  assert.deepEqual(out.trim().split(" "), ["1.1.1", "true", "30"]);
  assert.ok(readdirSync(join(app, "node_modules", "botsift", "dist")).includes("index.d.ts"));
});
