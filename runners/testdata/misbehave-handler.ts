/**
 * Test handler for the process runner's failure tests: `/crash` exits the instance process,
 * `/hang` never returns (a busy loop, as a runaway handler would), anything else answers 200.
 */
import type { EdgeRequest, EdgeResponse } from '../../workloads/lib/handler.js';

/** See the file comment. */
export function handle(req: EdgeRequest): EdgeResponse {
  if (req.path.startsWith('/crash')) process.exit(3);
  if (req.path.startsWith('/hang')) for (;;);
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: new TextEncoder().encode('fine\n') };
}
