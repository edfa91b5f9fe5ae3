export { createMtlsAgent, createMtlsFetch, type MtlsAgentOptions } from './agent.js';
export {
  type AuthorizationResult,
  type AuthorizedClient,
  type ClientCertAuthorizer,
  type ClientCertPolicy,
  type ClientCertRefusal,
  type ClientCertRule,
  createClientCertAuthorizer,
  type D1CommonNameRuleOptions,
  d1CommonNameRule,
} from './authorizer.js';
export {
  createD1CommonNameFormat,
  D1_ENVIRONMENTS,
  type D1CommonName,
  type D1CommonNameFormat,
  type D1Environment,
  DEFAULT_D1_COMMON_NAME_TEMPLATE,
  formatD1CommonName,
  isD1Environment,
  isD1IssuerId,
  parseD1CommonName,
} from './d1-common-name.js';
export { MtlsError, type MtlsErrorCode } from './errors.js';
export {
  type ClientIdentity,
  EKU_CLIENT_AUTH,
  EKU_SERVER_AUTH,
  identityFromCertificate,
  type NameAttribute,
  peerIdentity,
} from './identity.js';
export { D1_KEY_TYPES, type D1KeyType, d1KeyTypeOf, describeKey, parseD1KeyType } from './key-profile.js';
export {
  type CheckedTlsMaterial,
  checkTlsMaterial,
  loadTlsMaterial,
  type TlsMaterial,
  type TlsMaterialCheckOptions,
  type TlsMaterialFiles,
} from './material.js';
export { type ClientCertAuthOptions, clientCertAuth, getClientIdentity } from './middleware.js';
export {
  type CertificateAuthority,
  type CreateCaOptions,
  createCertificateAuthority,
  DEFAULT_SERVER_NAMES,
  type IssuedCertificate,
  type IssueOptions,
  issueCertificate,
  loadCertificateAuthority,
  type Validity,
} from './pki/certificates.js';
export { createD1Csr, type D1Csr, type D1CsrOptions } from './pki/csr.js';
export { createDevPki, DEV_ISSUER_ID, type DevPki, type DevPkiOptions } from './pki/dev-pki.js';
export { type OutputFile, writeOutputFiles } from './pki/files.js';
export { type GeneratedKeyPair, generateKeyPair } from './pki/keys.js';
export type { SubjectFields } from './pki/subject.js';
export { type RefusalEvent, refusalBody } from './refusal.js';
export { attachTlsReload, createTlsReloader, type TlsReloader, type TlsReloadOptions } from './reload.js';
export { createMtlsServer, type MtlsServer, type MtlsServerConfig } from './server.js';
export {
  createMtlsServerOptions,
  D1_TLS_CIPHERS,
  secureContextOptions,
  type TlsProtocolOptions,
} from './server-options.js';
