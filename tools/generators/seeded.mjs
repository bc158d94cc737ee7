// A small seeded generator (mulberry32) for the Node drivers: the bot libraries draw from
// Math.random or their own unseeded generators, which the drivers replace with this one so that
// the same request always gives the same traces.
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
