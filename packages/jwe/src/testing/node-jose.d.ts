// Just the corner of node-jose (no published types) that the interoperability tests use.
declare module 'node-jose' {
  interface NodeJoseKey {
    readonly kid: string;
    toJSON(includePrivate?: boolean): Record<string, unknown>;
  }
  interface NodeJoseKeyStore {
    add(
      key: Record<string, unknown> | string,
      form?: string,
      extras?: Record<string, unknown>,
    ): Promise<NodeJoseKey>;
    generate(kty: string, size: string, props?: Record<string, unknown>): Promise<NodeJoseKey>;
  }
  interface NodeJoseEncrypter {
    update(input: Buffer): NodeJoseEncrypter;
    final(): Promise<string>;
  }
  interface NodeJoseDecryptResult {
    readonly header: Record<string, unknown>;
    readonly plaintext: Buffer;
  }
  const nodeJose: {
    JWK: {
      createKeyStore(): NodeJoseKeyStore;
      asKey(key: Record<string, unknown> | string, form?: string): Promise<NodeJoseKey>;
    };
    JWE: {
      createEncrypt(
        options: { format: 'compact'; contentAlg?: string; fields?: Record<string, unknown> },
        key: NodeJoseKey,
      ): NodeJoseEncrypter;
      createDecrypt(keys: NodeJoseKeyStore | NodeJoseKey): {
        decrypt(input: string): Promise<NodeJoseDecryptResult>;
      };
    };
  };
  export default nodeJose;
}
