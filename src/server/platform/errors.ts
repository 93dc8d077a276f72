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
}
