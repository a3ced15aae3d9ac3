#!/usr/bin/env -S node --
import { redactText } from '../protocol/redact.js';
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`cdf-auth: internal error: ${redactText(String(error))}\n`);
    process.exitCode = 1;
  },
);
