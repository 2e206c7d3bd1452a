#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so DAG files and the library share one loader.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv);
