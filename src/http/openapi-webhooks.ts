/** The OpenAPI 3.1 `webhooks` section: what the service sends to webhook endpoints, by event type. */
type Json = Record<string, unknown>;

const operationIdOf = (type: string) =>
  `webhook${type
    .split(/[._]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')}`;

export const webhooksSection = (outgoing: Record<string, { description: string; schema: Json }>) =>
  Object.fromEntries(
    Object.entries(outgoing).map(([type, event]) => [
      type,
      {
        post: {
          operationId: operationIdOf(type),
          summary: event.description,
          description:
            'Sent to every enabled endpoint subscribed to this type, signed per Standard Webhooks (`format: standard`) or as a Security Event Token (`format: set`).',
          tags: ['Webhooks'],
          security: [],
          requestBody: { required: true, content: { 'application/json': { schema: event.schema } } },
          responses: {
            '200': { description: 'Any 2xx: delivered. Anything else, or no answer in 10 s, is retried.' },
            '400': { description: 'Refused by the receiver: retried like any other failure.' },
          },
        },
      },
    ]),
  );
