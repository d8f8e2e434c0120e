#!/usr/bin/env node
// The `kindlab` command: runs the compiled CLI (npm run build makes dist/).
import { main } from '../dist/server/main.js';

process.exitCode = await main(process.argv.slice(2));
