#!/usr/bin/env node
// The mlp-studio command: runs the TypeScript CLI from the sources through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/cli.ts');
process.exitCode = await main(process.argv);
