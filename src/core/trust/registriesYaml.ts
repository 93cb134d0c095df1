// One registries.d file read as YAML. Apart from registriesD.ts so that the YAML parser (a
// hundred modules) is loaded only when a registries.d folder has files in it.

import { parse as parseYaml } from 'yaml';
import { invalid, mergeRegistriesDocument, type RegistriesConfig } from './registriesD';

/** Parses one file's text and adds its scopes; a scope defined in two files is an error, as in c/image. */
export function mergeRegistriesFile(config: RegistriesConfig, text: string, path: string, definedIn = new Map<string, string>()): void {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw invalid(path, `it is not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  mergeRegistriesDocument(config, doc, path, definedIn);
}
