#!/usr/bin/env node
// The `stacklab` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
process.env.STACKLAB_CLI_ENTRY = '1';
await import('../src/engine/cli/index.ts');
