/** Debian's Chromium, headless, with the flags that keep it off the network (see chromium-launch.mjs). */
export declare const chromiumLaunchOptions: { readonly executablePath: string; readonly args: string[] };
