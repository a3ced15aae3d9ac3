// How a browser bundle is built for its size, in one place: `npm run size` (scripts/build-browser.mjs,
// whose budgets npm test enforces) and the bench (bench/bundles.mjs) measure the same thing.
export const SIZE_BUILD = {
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
};
