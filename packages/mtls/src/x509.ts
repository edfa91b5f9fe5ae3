// @peculiar/x509 resolves its services through tsyringe, which needs a Reflect metadata polyfill loaded
// before it. ES modules evaluate their imports in order, so importing the polyfill first here is enough,
// as long as every module of this package reaches the library through this file.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
