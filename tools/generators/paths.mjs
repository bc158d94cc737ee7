// Pointer paths from npm bot libraries, for BotSift's evaluation traces.
//
// stdin:  {"generator": "ghost-cursor" | "windmouse", "seed": 1, "moves": [[x0, y0, x1, y1], ...]}
// stdout: [[[t_ms, x, y], ...], ...]  one path per move, t_ms from the start of that move.
//
// The libraries draw from Math.random (and ghost-cursor stamps points with Date.now), so both
// are replaced by a seeded generator and a fixed clock: the same input always gives the same paths.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { mulberry32 } from "./seeded.mjs";

const require = createRequire(import.meta.url);

const request = JSON.parse(readFileSync(0, "utf8"));
Math.random = mulberry32(request.seed);
Date.now = () => 0;

function ghostCursorPath(ghost, x0, y0, x1, y1) {
  // GhostCursor.moveTo overshoots long moves (threshold 500 px, radius 120 px) and then corrects
  // with a tight path; `path` alone does not, so the driver does what moveTo does.
  const start = { x: x0, y: y0 };
  const end = { x: x1, y: y1 };
  const points = [];
  const distance = Math.hypot(x1 - x0, y1 - y0);
  if (distance > 500) {
    const angle = Math.random() * 2 * Math.PI;
    const radius = 120 * Math.sqrt(Math.random());
    const over = { x: x1 + radius * Math.cos(angle), y: y1 + radius * Math.sin(angle) };
    points.push(...ghost.path(start, over, { useTimestamps: true }));
    const last = points[points.length - 1].timestamp;
    const back = ghost.path(over, end, { useTimestamps: true, spreadOverride: 10 });
    points.push(...back.slice(1).map((p) => ({ ...p, timestamp: p.timestamp + last })));
  } else {
    points.push(...ghost.path(start, end, { useTimestamps: true }));
  }
  const t0 = points[0].timestamp;
  return points.map((p) => [p.timestamp - t0, p.x, p.y]);
}

async function windMousePath(WindMouse, x0, y0, x1, y1) {
  const mouse = new WindMouse(Math.floor(Math.random() * 10));
  const points = await mouse.GeneratePoints({
    startX: x0, startY: y0, endX: x1, endY: y1,
    gravity: 9, wind: 3, minWait: 2, maxWait: 10, maxStep: 10, targetArea: 8,
  });
  return [[0, x0, y0], ...points.map(([x, y, wait]) => [wait, x, y])];
}

const out = [];
if (request.generator === "ghost-cursor") {
  const ghost = require("ghost-cursor");
  for (const [x0, y0, x1, y1] of request.moves) out.push(ghostCursorPath(ghost, x0, y0, x1, y1));
} else if (request.generator === "windmouse") {
  const WindMouse = require("windmouse");
  for (const [x0, y0, x1, y1] of request.moves) out.push(await windMousePath(WindMouse, x0, y0, x1, y1));
} else {
  process.stderr.write(`unknown generator ${request.generator}\n`);
  process.exit(2);
}
process.stdout.write(JSON.stringify(out));
