#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so DAG files and the library share one loader,
// and `import "kitelab"` in any DAG file resolves to this copy of the library.
import { register } from "tsx/esm/api";

register();
const { registerKitelabResolver } = await import("../src/loader/register.ts");
registerKitelabResolver();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv);
