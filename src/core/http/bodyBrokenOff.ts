// The error of a response whose body had started into the caller's memory (socketGet's receiver,
// a kept-alive request's sink) when the transfer failed (`cause`): the caller holds part of the
// body and decides what follows (a download resumes with Range). One class for both paths, so the
// registry transport turns either into a TransferInterrupted the same way.

export class BodyBrokenOff extends Error {
  constructor(cause: unknown) {
    super(`the transfer broke off: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'BodyBrokenOff';
  }
}
