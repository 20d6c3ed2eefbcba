/**
 * The slice of the WebAssembly JS API this runner uses. The project compiles with lib ES2022
 * and the installed @types/node does not declare WebAssembly; declared here, for runners/wasm
 * only, rather than widening the project's lib.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: BufferSource);
  }
  class Instance {
    constructor(module: Module, importObject?: Imports);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
  class RuntimeError extends Error {}
  type BufferSource = ArrayBufferView | ArrayBuffer;
  type Imports = Record<string, Record<string, unknown>>;
  function compile(bytes: BufferSource): Promise<Module>;
  function validate(bytes: BufferSource): boolean;
}
