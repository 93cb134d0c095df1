// Random hex for unique temporary names. node:crypto is loaded when first asked for rather than
// when the store's modules are: loading it costs several milliseconds of every start-up, and
// commands that only read the store (images, inspect, completion) never make a name.

export function randomHex(bytes: number): string {
  return process.getBuiltinModule('node:crypto').randomBytes(bytes).toString('hex');
}
