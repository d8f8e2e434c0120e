/** A path parameter: any path without NUL or newline (it reaches scripts only as an env var). */
import { z } from 'zod';

export const filePath = z.string().min(1).max(4096).regex(/^[^\0\n]+$/, 'must be a path on one line');
