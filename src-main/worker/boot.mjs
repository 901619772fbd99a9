// Starts the TypeScript worker entry in a child process when the studio runs from its
// sources under plain Node (CLI, web host, tests): registers tsx, then loads entry.ts,
// whose file URL is the first argument.
import { register } from 'tsx/esm/api';

register();
await import(process.argv[2]);
