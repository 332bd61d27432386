/**
 * The OTLP bridge decodes protobuf and serves gRPC: it needs `@grpc/grpc-js` and `protobufjs`,
 * which the exporter does not. They are optional peer dependencies (package.json), so that an
 * exporter-only install stays small (issue 26: with them it was 38 MB of node_modules, 21 MB without).
 * The bridge's modules are therefore loaded only when a bridge starts, and a missing package
 * becomes one line that says what to install, not a resolution error from a bundled chunk.
 */
export const BRIDGE_PACKAGES = ['@grpc/grpc-js', 'protobufjs'] as const;

export const BRIDGE_INSTALL_HINT = `the OTLP bridge needs ${BRIDGE_PACKAGES.join(' and ')} (optional peer dependencies of otel-langsmith): npm install ${BRIDGE_PACKAGES.join(' ')}`;

/** A package the bridge needs is not installed. */
export class BridgeDependencyError extends Error {
  override name = 'BridgeDependencyError';

  constructor(readonly missing: string) {
    super(`otel-langsmith: ${missing} is not installed; ${BRIDGE_INSTALL_HINT}`);
  }
}

/** Loads a module of the bridge; a missing bridge package becomes a BridgeDependencyError. */
export async function loadBridgeModule<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const missing = missingBridgePackage(error);
    if (missing) throw new BridgeDependencyError(missing);
    throw error;
  }
}

/** Which bridge package a module-resolution error is about, if any (ESM and CommonJS wordings). */
function missingBridgePackage(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  const message = error instanceof Error ? error.message : String(error);
  return BRIDGE_PACKAGES.find((name) => message.includes(`'${name}'`) || message.includes(`"${name}"`) || message.includes(`${name}/`));
}
