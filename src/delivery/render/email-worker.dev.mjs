// The pool's worker when the service runs from its TypeScript sources (tsx, vitest, the benches):
// a worker thread starts without any loader, so register tsx's (with the project's tsconfig, for
// the templates' JSX) before loading email-worker.ts. The bundle (npm run build) does not use this
// file: it has dist/src/email-worker.js.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../../../tsconfig.json", import.meta.url)) });
const { default: renderInWorker } = await import("./email-worker.ts");
export default renderInWorker;
