export type { Fault } from './faults.js';
export { createTestEnvironment, type TestEnvironment } from './harness.js';
export {
  createD1TestServer,
  type D1TestServer,
  type D1TestServerOptions,
  type RecordedRequest,
} from './server.js';
export { CardSimulator, type SimulatedCard, type SimulatedOrder } from './simulator.js';
export {
  type ProvisionedAssertionKey,
  TokenAuthority,
  type TokenAuthorityOptions,
} from './token-endpoint.js';
