import { errorCodes, type ErrorCode } from "../../protocol/errors.js";

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
  ) {
    super(message ?? errorCodes[code].message);
    this.status = errorCodes[code].status;
  }

  /**
   * An expected outcome on a hot path (sold_out in a flash sale): built without a stack trace, which is most of the
   * cost of an Error and says nothing useful for a client error.
   */
  static expected(code: ErrorCode, message?: string, details?: unknown): AppError {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new AppError(code, message, details);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}
