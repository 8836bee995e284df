// The one error envelope of the bank's and the shop's HTTP APIs:
//   { error: { kind, code, message, description? } }
// Each server maps its own error classes (BankError, ShopError, TerminalError, PoolError) to a
// status and a kind; a protocol outcome is 422 with its registry code and description; fastify's
// own 4xx (a body too large, bad JSON) keep their status; anything else is a 500 that says only
// "internal error" to the client and goes to the log in full.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errorDescriptions, ProtocolError } from '../../protocol/errors.ts';

export interface ErrorReply {
  status: number;
  kind: string;
  code: string | number;
  message: string;
}

/** A server's own errors: a reply for the errors it knows, undefined for the rest. */
export type ErrorMapper = (error: Error) => ErrorReply | undefined;

type HttpError = Error & { statusCode?: number; code?: unknown };

export function installErrorEnvelope(app: FastifyInstance, mappers: readonly ErrorMapper[]): void {
  app.setErrorHandler((error: HttpError, _request, reply: FastifyReply) => {
    for (const map of mappers) {
      const mapped = map(error);
      if (mapped) {
        const { status, ...body } = mapped;
        return reply.code(status).send({ error: body });
      }
    }
    if (error instanceof ProtocolError)
      return reply.code(422).send({
        error: {
          kind: 'protocol',
          code: error.code,
          description: errorDescriptions[error.code],
          message: error.message,
        },
      });
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return reply
        .code(error.statusCode)
        .send({ error: { kind: 'http', code: String(error.code ?? error.statusCode), message: error.message } });
    }
    app.log.error(error);
    return reply.code(500).send({ error: { kind: 'internal', code: 'internal', message: 'internal error' } });
  });
}
