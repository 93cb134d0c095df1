// undici's internal modules have no type declarations of their own; loadUndici.ts gives each the
// type of the export it is.
declare module 'undici/lib/*' {
  const value: unknown;
  export = value;
}
