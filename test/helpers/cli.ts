import { main } from '../../src/cli/main.js';
import { createFileTokenStore } from '../../src/stores/file-token-store.js';

/** Runs `cdf-auth` in this process with a token cache in `home`, and collects what it printed. */
export async function runCli(home: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const code = await main(args, {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    env: { ...env },
    store: createFileTokenStore(home),
  });
  return { code, out, err };
}
