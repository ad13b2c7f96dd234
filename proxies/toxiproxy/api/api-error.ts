/**
 * Upstream's typed sentinels: an error that knows its HTTP status. Anything else that escapes a
 * handler answers 500 with its message, as upstream does for e.g. a listen error.
 */
export class ApiError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }

  /** `bad request body: <decoder message>` and friends (upstream's joinError). */
  join(detail: string): ApiError {
    return new ApiError(`${this.message}: ${detail}`, this.status);
  }
}

export const ErrBadRequestBody = new ApiError("bad request body", 400);
export const ErrMissingField = new ApiError("missing required field", 400);
export const ErrProxyNotFound = new ApiError("proxy not found", 404);
export const ErrProxyAlreadyExists = new ApiError("proxy already exists", 409);
export const ErrInvalidStream = new ApiError("stream was invalid, can be either upstream or downstream", 400);
export const ErrInvalidToxicType = new ApiError("invalid toxic type", 400);
export const ErrToxicAlreadyExists = new ApiError("toxic already exists", 409);
export const ErrToxicNotFound = new ApiError("toxic not found", 404);

/** The taps extension, asked of a server started without taps. */
export const ErrTapsOff = new ApiError("taps are off: start the server with taps (--taps)", 409);
/** `since` that is not a time: `bad request: since must be ...`. */
export const ErrBadSince = new ApiError("bad request", 400);
