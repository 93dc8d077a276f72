// The module boundaries of docs/architecture.md, checked in CI (`npm run depcheck`, called by .ci/run).
// A "module" is a folder under src/server other than the shared layers (platform, db, http); its index.ts is its
// only door. Tests may reach inside the module they test, so *.test.ts files are not held to the door rule.
const SHARED = "platform|db|http";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "module-through-index",
      severity: "error",
      comment: "Another module is reached through its index.ts only (its public surface).",
      from: { path: `^src/server/(?!(?:${SHARED})/)([^/]+)/`, pathNot: "\\.test\\.ts$" },
      to: { path: `^src/server/(?!(?:${SHARED})/)([^/]+)/`, pathNot: ["^src/server/$1/", "^src/server/[^/]+/index\\.ts$"] },
    },
    {
      name: "composition-root-through-index",
      severity: "error",
      comment: "app.ts and main.ts build the modules from their doors too.",
      from: { path: "^src/server/(app|main)\\.ts$" },
      to: { path: `^src/server/(?!(?:${SHARED})/)[^/]+/`, pathNot: "^src/server/[^/]+/index\\.ts$" },
    },
    {
      name: "protocol-is-the-bottom",
      severity: "error",
      comment: "src/protocol is shared by server and web and imports neither.",
      from: { path: "^src/protocol/" },
      to: { path: "^src/(server|web)/" },
    },
    {
      name: "http-imports-no-module",
      severity: "error",
      comment: "http/ is the app factory, the edge rules and validation: modules plug into it, not the reverse.",
      from: { path: "^src/server/http/", pathNot: "\\.test\\.ts$" },
      to: { path: "^src/server/(?!http/|platform/|db/)" },
    },
    {
      name: "web-does-not-import-server",
      severity: "error",
      comment: "The browser bundle shares src/protocol with the server, nothing else (a web test may use a server stand-in).",
      from: { path: "^src/web/", pathNot: "\\.test\\.ts$" },
      to: { path: "^src/server/" },
    },
    {
      name: "platform-imports-no-module",
      severity: "error",
      comment: "platform/ is the shared kernel: clocks, ids, errors, bus, limits, guards. It knows no feature module.",
      from: { path: "^src/server/platform/" },
      to: { path: "^src/server/(?!platform/)" },
    },
    {
      name: "db-imports-only-schemas",
      severity: "error",
      comment: "db/ runs migrations and opens the database; it reads the modules' schema and migration files only.",
      from: { path: "^src/server/db/", pathNot: "\\.test\\.ts$" },
      to: { path: "^src/server/(?!db/|platform/)", pathNot: "^src/server/[^/]+/(schema|migrations)(\\.ts$|/)" },
    },
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycles between files make load order matter.",
      from: { path: "^src/" },
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js"] },
  },
};
