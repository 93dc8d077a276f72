// Values from src/protocol/api.ts, injected by scripts/build-web.ts (esbuild `define`): importing them directly
// would drag zod's schema construction (~60 kB) into every page for a couple of numbers.
declare const __CHAT_MAX_LENGTH__: number;

export const CHAT_MAX_LENGTH: number = __CHAT_MAX_LENGTH__;
