/**
 * The mails every admin gets about the service itself (not about their own account): for now, a
 * webhook endpoint the service turned off because its deliveries kept failing.
 */
import type { Content } from './render.js';

export type AdminNoticeTemplate =
  /** The delivery worker turned an endpoint off (`WebhookEndpointDisabled`, reason `failing`). */
  { kind: 'webhook_endpoint_disabled'; endpointId: string; url: string };

/** Why an admin gets these, in place of the footer's "your account" line: they are about the service. */
const ADMIN_NOTICE_FOOTER = 'You get this notice because you are an administrator of this service.';

export function adminNoticeContent(template: AdminNoticeTemplate, service: string): Content {
  // The calls as paths of the API (the footer names its host), not as URLs: a mail reader would
  // make a URL a link, and opening it is a GET that does none of this.
  const endpoint = `/api/v1/admin/webhooks/${encodeURIComponent(template.endpointId)}`;
  return {
    subject: `${service}: a webhook endpoint was turned off`,
    requested: false,
    footer: ADMIN_NOTICE_FOOTER,
    blocks: [
      {
        type: 'p',
        // The text part shows values without their labels: this says what the two values are.
        text: `Deliveries to a webhook endpoint of ${service} kept failing, so the service turned it off. Its id and its URL:`,
      },
      { type: 'value', label: 'Endpoint id', value: template.endpointId },
      { type: 'value', label: 'URL', value: template.url },
      {
        type: 'p',
        text: 'It gets no events until an administrator turns it back on. Once the receiver answers again, send PATCH to this path of the API, with an admin token and the JSON body {"enabled": true}:',
      },
      { type: 'value', label: 'Turn it back on', value: `PATCH ${endpoint}` },
      {
        type: 'p',
        text: 'Turning it on does not send what it missed: the deliveries that failed, and the events of the time it was off. To have those sent, send POST to this path, with {"from_time": "<when it began failing>"} (or {"from_position": "<the last event it has>"}):',
      },
      { type: 'value', label: 'Replay missed events', value: `POST ${endpoint}/replay` },
    ],
  };
}
