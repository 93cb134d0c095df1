// Certificates for tests, made with openssl: a throw-away CA, and a server certificate it signs for
// 127.0.0.1 and localhost (what a TLS registry on loopback presents), or a self-signed signing
// certificate (what a token service signs its JWTs with).

import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface ServerCertificates {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** `ips`: addresses the server certificate is for besides 127.0.0.1 (a non-loopback address of this machine). */
export async function makeServerCertificates(dir: string, ips: readonly string[] = []): Promise<ServerCertificates> {
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const certFile = join(dir, 'server.crt');
  const ext = join(dir, 'server.ext');
  await exec('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caFile, '-days', '3', '-subj', '/CN=Stevedore test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await exec('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', '/CN=127.0.0.1']);
  await writeFile(ext, `subjectAltName=IP:127.0.0.1,${ips.map((ip) => `IP:${ip},`).join('')}DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  await exec('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certFile, '-days', '3', '-extfile', ext]);
  return { caFile, certFile, keyFile };
}

/** A self-signed certificate and its RSA key, for signing tokens. */
export async function makeSigningCertificate(dir: string): Promise<{ certFile: string; keyFile: string }> {
  const keyFile = join(dir, 'signing.key');
  const certFile = join(dir, 'signing.crt');
  await exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '3', '-subj', '/CN=Stevedore test token signer']);
  return { certFile, keyFile };
}
