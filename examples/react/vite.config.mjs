// Vite for the React example: this folder is the root, JSX with React's automatic runtime; the cluster
// and IdP to sign in with arrive as VITE_CDF_CONFIG (serve.mjs sets it for the emulator).
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  server: { host: '127.0.0.1', port: Number(process.env.PORT ?? 5173), strictPort: true },
  oxc: { jsx: { runtime: 'automatic' } },
  logLevel: 'warn',
});
