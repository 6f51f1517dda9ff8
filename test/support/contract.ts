import type { IncomingMessage, ServerResponse } from 'node:http';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { HEADERS } from '../../src/http/doc-terms.js';

/*
 * The OpenAPI document held to every answer the test suite receives: each response a test server
 * sends is checked, as it is sent, against the documented operation and status — the status must
 * be listed, a documented header must be there, a header of `HEADERS` that is there must be
 * documented, and a JSON body must match its schema (objects carry no field they do not name).
 * So a new status, header or field that the document does not have fails the test that met it.
 */

type Json = Record<string, any>;
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const CHECKED_HEADERS = Object.keys(HEADERS);
/** What a request that reached no route may be answered with: no such path, wrong method, OPTIONS, a bad escape. */
const UNROUTED = new Set([204, 400, 404, 405]);

const mediaTypeOf = (header: unknown) =>
  typeof header === 'string' ? header.split(';')[0]!.trim().toLowerCase() : undefined;

/** The checks of one document, compiled lazily; shared by every server that serves the same document. */
export class Contract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly document: Json) {
    addFormats(this.ajv);
    this.ajv.addSchema(document, 'openapi.json');
  }

  private validator(pointer: string) {
    let validate = this.compiled.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi.json#${pointer}` });
      this.compiled.set(pointer, validate);
    }
    return validate;
  }

  /** What is wrong with one answer; empty when it is as documented. */
  check(answer: {
    method: string;
    pattern: string | undefined;
    path: string;
    status: number;
    headers: Record<string, unknown>;
    body: Buffer;
  }): string[] {
    const { method, pattern, status, headers, body } = answer;
    const where = `${method} ${answer.path} → ${status}`;
    const type = mediaTypeOf(headers['content-type']);
    if (pattern === undefined) {
      if (!UNROUTED.has(status)) return [`${where}: reached no route, yet is not 204/400/404/405`];
      if (type === 'application/json' && method !== 'HEAD')
        return this.validate('/components/schemas/Error', body, where);
      return [];
    }
    const path = pattern.replace(/:(\w+)/g, '{$1}');
    const documentedMethod = method === 'HEAD' ? 'get' : method.toLowerCase();
    const operation = this.document.paths[path]?.[documentedMethod] as Json | undefined;
    if (!operation) return [`${where}: the operation ${documentedMethod} ${path} is not in the document`];
    let pointer = `/paths/${escape(path)}/${documentedMethod}/responses/${status}`;
    let response = operation.responses[String(status)] as Json | undefined;
    if (!response) return [`${where}: status ${status} is not documented for ${documentedMethod} ${path}`];
    if (response.$ref) {
      pointer = (response.$ref as string).slice(1);
      response = this.resolve(pointer);
    }
    const problems: string[] = [];
    const documented = (response.headers ?? {}) as Json;
    for (const name of CHECKED_HEADERS) {
      const present = headers[name.toLowerCase()] !== undefined;
      if (present && !documented[name]) problems.push(`${where}: header ${name} is not documented`);
      if (!present && documented[name]?.required) problems.push(`${where}: the documented header ${name} is missing`);
    }
    if (method === 'HEAD' || status === 204 || status === 304) return problems;
    const content = response.content as Json | undefined;
    if (!content) {
      if (type === 'application/json' && body.length > 0)
        problems.push(`${where}: answers a JSON body it does not document`);
      return problems;
    }
    if (!type || !(type in content)) {
      problems.push(`${where}: answers ${type ?? 'no content type'}, documented ${Object.keys(content).join(', ')}`);
      return problems;
    }
    if (type === 'application/json' && content[type].schema)
      problems.push(...this.validate(`${pointer}/content/${escape(type)}/schema`, body, where));
    return problems;
  }

  private validate(pointer: string, body: Buffer, where: string): string[] {
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return [`${where}: says JSON but the body is not`];
    }
    const validate = this.validator(pointer);
    if (validate(value)) return [];
    const errors = (validate.errors ?? [])
      .map((error) => `${error.instancePath || '/'} ${error.message}${paramsOf(error.params)}`)
      .join('; ');
    return [`${where}: the body does not match its schema: ${errors}\n  body: ${body.toString('utf8').slice(0, 600)}`];
  }

  private resolve(pointer: string): Json {
    return pointer
      .split('/')
      .slice(1)
      .reduce<Json>((node, part) => node[part.replaceAll('~1', '/').replaceAll('~0', '~')], this.document);
  }
}

const paramsOf = (params: Record<string, unknown>) => {
  const named = params.additionalProperty ?? params.missingProperty ?? params.allowedValues;
  return named === undefined ? '' : ` (${JSON.stringify(named)})`;
};

/** A JSON pointer segment. */
const escape = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

const contracts = new Map<string, Contract>();

/** The contract of a document, compiled once per distinct document in this process. */
const contractOf = (document: Json): Contract => {
  const text = JSON.stringify(document);
  let contract = contracts.get(text);
  if (!contract) {
    contract = new Contract(document);
    contracts.set(text, contract);
  }
  return contract;
};

type Handler = (req: IncomingMessage, res: ServerResponse, next?: unknown) => void;

/**
 * Wraps an express app's `handle` so every answer is checked as it ends; what is wrong goes to
 * `report` (the test server keeps it, and `call()` and `close()` throw it).
 */
export function checkAnswers(
  app: { handle: Handler },
  documentOf: () => Json,
  report: (problems: string[]) => void,
): void {
  const handle = app.handle.bind(app);
  let contract: Contract | undefined;
  app.handle = (req, res, next) => {
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown, encoding: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      chunks.push(
        typeof chunk === 'string'
          ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
          : Buffer.from(chunk as Uint8Array),
      );
    };
    const write = res.write;
    const end = res.end;
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      keep(chunk, rest[0]);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof res.write;
    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      keep(chunk, rest[0]);
      contract ??= contractOf(documentOf());
      const routed = req as IncomingMessage & { routePattern?: string };
      const problems = contract.check({
        method: req.method ?? 'GET',
        pattern: routed.routePattern,
        path: (req.url ?? '').split('?')[0]!.slice(0, 120),
        status: res.statusCode,
        headers: res.getHeaders() as Record<string, unknown>,
        body: Buffer.concat(chunks),
      });
      if (problems.length) report(problems);
      return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as typeof res.end;
    handle(req, res, next);
  };
}
