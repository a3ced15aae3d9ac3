import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { chromiumLaunchOptions } from './chromium-launch.mjs';

/** Headless Debian's Chromium, kept off the network. In CI a missing browser fails the run: nothing here skips. */
export async function launchChromium(): Promise<Browser> {
  const { executablePath } = chromiumLaunchOptions;
  if (!existsSync(executablePath)) {
    throw new Error(`${executablePath} is missing: install Debian's chromium (.ci/run does)`);
  }
  return chromium.launch(chromiumLaunchOptions);
}
