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

type HttpError = Error & { statusCode?: number; code?: unknown; validation?: unknown };

/** A JSON body the route's schema refused: the server's own bad_request, as its hand checks gave. */
export const validationErrors =
  (kind: string): ErrorMapper =>
  (error: HttpError) =>
    error.validation ? { status: 400, kind, code: 'bad_request', message: error.message } : undefined;

export function installErrorEnvelope(app: FastifyInstance, mappers: readonly ErrorMapper[]): void {
  app.setErrorHandler((error: HttpError, request, reply: FastifyReply) => {
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
    request.log.error({ err: error }, 'internal error');
    return reply.code(500).send({ error: { kind: 'internal', code: 'internal', message: 'internal error' } });
  });
}
