// Builds the collector: dist/botsift.min.js (a classic script defining the global `BotSift`)
// and dist/botsift.mjs (an ES module), both minified, from src/.
import { build } from 'esbuild';

const common = {
  entryPoints: ['src/index.js'],
  bundle: true,
  minify: true,
  target: ['es2020'],
  legalComments: 'none',
  logLevel: 'warning',
};
await build({ ...common, format: 'iife', globalName: 'BotSift', outfile: 'dist/botsift.min.js' });
await build({ ...common, format: 'esm', outfile: 'dist/botsift.mjs' });
