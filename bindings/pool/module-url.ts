// Where a worker's module is, in a checkout (TypeScript, run by vitest or tsx) and in the built
// package (dist/, compiled JavaScript): the same name beside the caller, with the caller's own
// extension. Built as a string at run time, never a literal `new URL('./x.ts', …)`, so that
// bundlers do not copy a source file as an asset (browsers start their workers with `web` instead).

/** `./<stem>.ts` beside `callerUrl` when the caller is TypeScript, else `./<stem>.js`. */
export function siblingModule(stem: string, callerUrl: string): URL {
  return new URL(`./${stem}${callerUrl.endsWith('.ts') ? '.ts' : '.js'}`, callerUrl);
}
