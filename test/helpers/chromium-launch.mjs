// How Debian's Chromium is launched, in one place for test/helpers/chromium.ts and scripts/glewlwyd-smoke.mjs
// (a plain .mjs so that the script, which is not TypeScript, can import it; typed by chromium-launch.d.mts).

/** Debian's Chromium, headless, with the flags that keep it off the network (this machine has none). */
export const chromiumLaunchOptions = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
};
