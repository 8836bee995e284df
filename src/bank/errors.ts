// Bank service errors that are not protocol outcomes: bad requests, unknown parties, overload.
// Protocol outcomes stay ProtocolError with their registry code (src/protocol/errors.ts).
export type BankErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'overloaded'
  | 'not_ready';

export class BankError extends Error {
  override readonly name = 'BankError';
  constructor(
    readonly code: BankErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string): BankError => new BankError('bad_request', message);
