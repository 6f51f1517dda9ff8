/**
 * Endpoint patterns of ACLs: `METHOD /path`, METHOD one of GET POST PUT PATCH DELETE or `*`.
 * In the path, `*` matches one segment, `{name}` matches one segment, and a trailing `/**` matches
 * any rest (also none). A pattern is parsed once into a matcher; no regular expression is ever
 * built from user input.
 */

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type Method = (typeof METHODS)[number];

type Segment = { kind: 'literal'; value: string } | { kind: 'one' };

export interface EndpointPattern {
  /** The pattern as written, normalized (method upper-cased). */
  source: string;
  method: Method | '*';
  segments: Segment[];
  /** A trailing `/**`. */
  rest: boolean;
}

const SEGMENT = /^[A-Za-z0-9._~!$&'()+,;=:@%-]+$/;
const PARAM = /^\{[A-Za-z_][A-Za-z0-9_]*\}$/;
const MAX_PATTERN = 512;
const MAX_SEGMENTS = 32;

/** Parses a pattern, or says why it is not one. */
export function parsePattern(input: string): EndpointPattern | { error: string } {
  if (input.length > MAX_PATTERN) return { error: 'is too long' };
  const match = /^(\S+) (\/\S*)$/.exec(input.trim());
  if (!match) return { error: 'must be "METHOD /path"' };
  const method = match[1]!.toUpperCase();
  if (method !== '*' && !(METHODS as readonly string[]).includes(method))
    return { error: `has an unknown method ${match[1]}` };
  let parts = match[2]!.split('/').slice(1);
  if (parts.length && parts[parts.length - 1] === '') parts = parts.slice(0, -1); // a trailing slash
  let rest = false;
  if (parts[parts.length - 1] === '**') {
    rest = true;
    parts = parts.slice(0, -1);
  }
  if (parts.length > MAX_SEGMENTS) return { error: 'has too many segments' };
  const segments: Segment[] = [];
  for (const part of parts) {
    if (part === '') return { error: 'has an empty segment (//)' };
    if (part === '**') return { error: 'may use ** only at the end' };
    if (part === '.' || part === '..') return { error: 'may not contain . or .. segments' };
    if (part === '*' || PARAM.test(part)) segments.push({ kind: 'one' });
    else if (SEGMENT.test(part) && !part.includes('*') && !part.includes('{')) {
      const decoded = decodeSegment(part);
      if (decoded === null) return { error: `has a bad percent-encoding in ${part}` };
      segments.push({ kind: 'literal', value: decoded });
    } else return { error: `has a segment it cannot match: ${part}` };
  }
  return {
    source: `${method} /${[...parts, ...(rest ? ['**'] : [])].join('/')}`,
    method: method as Method | '*',
    segments,
    rest,
  };
}

const decodeSegment = (segment: string): string | null => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
};

/**
 * A request path as segments, or null when it can never match: query and fragment dropped,
 * a trailing slash ignored, each segment percent-decoded (so an encoded `/` stays inside its
 * segment), and any empty (`//`), `.` or `..` segment refused rather than normalized away.
 */
export function requestSegments(path: string): string[] | null {
  const bare = path.split(/[?#]/, 1)[0]!;
  if (!bare.startsWith('/')) return null;
  // A backslash, a control character or a raw non-ASCII byte is read differently by different URL
  // parsers (one may turn `\` into `/`); such a path never matches.
  if (/[\\\x00-\x1f\x7f-\uffff]/.test(bare)) return null;
  let parts = bare.split('/').slice(1);
  if (parts.length && parts[parts.length - 1] === '') parts = parts.slice(0, -1);
  const segments: string[] = [];
  for (const part of parts) {
    const decoded = decodeSegment(part);
    if (decoded === null || decoded === '' || decoded === '.' || decoded === '..' || /[\\\x00-\x1f\x7f]/.test(decoded))
      return null;
    segments.push(decoded);
  }
  return segments;
}

export function matches(pattern: EndpointPattern, method: string, segments: string[]): boolean {
  // HEAD is served by the GET handler, so it is allowed where GET is.
  const upper = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  // `*` is any of the five methods an ACL can name, never OPTIONS, HEAD or anything else.
  if (pattern.method === '*' ? !(METHODS as readonly string[]).includes(upper) : pattern.method !== upper) return false;
  if (pattern.rest ? segments.length < pattern.segments.length : segments.length !== pattern.segments.length)
    return false;
  return pattern.segments.every((segment, i) => segment.kind === 'one' || segment.value === segments[i]);
}

/** Whether any of the patterns allows the request. */
export function allows(patterns: EndpointPattern[], method: string, path: string): boolean {
  const segments = requestSegments(path);
  return segments !== null && allowsSegments(patterns, method, segments);
}

/** The same, for a path already read into segments (`requestSegments`). */
export const allowsSegments = (patterns: EndpointPattern[], method: string, segments: string[]): boolean =>
  patterns.some((pattern) => matches(pattern, method, segments));
