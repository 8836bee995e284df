#!/usr/bin/env node
// The `smartcheck` command: registers tsx's loader, then runs the TypeScript CLI (src/cli/).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
