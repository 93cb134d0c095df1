// Large reusable buffers for downloads, allocated so that their memory starts on a page boundary:
// the kernel can then write them to disk with O_DIRECT, straight from our memory instead of through
// a page-cache copy. Node's Buffer allocator promises no alignment; a WebAssembly memory is mapped
// on pages of its own, so its bytes are what is handed out. Where WebAssembly is unavailable
// (node --jitless), ordinary buffers are used and `aligned` says so.

/** What O_DIRECT needs of addresses, offsets and lengths on every common disk (4Kn included). */
export const DIRECT_IO_ALIGNMENT = 4096;
const WASM_PAGE = 64 * 1024;
const DEFAULT_BUFFER_SIZE = 2 * 1024 * 1024;

/** The part of the WebAssembly API used here (the project's type libraries leave it out). */
interface WasmMemoryConstructor {
  new (descriptor: { initial: number; maximum: number }): { readonly buffer: ArrayBuffer };
}

function wasmMemory(): WasmMemoryConstructor | undefined {
  const wasm = (globalThis as { WebAssembly?: { Memory?: WasmMemoryConstructor } }).WebAssembly;
  return typeof wasm?.Memory === 'function' ? wasm.Memory : undefined;
}

export class BufferPool {
  readonly bufferSize: number;
  readonly aligned: boolean;
  private readonly free: Buffer[] = [];

  private readonly keep: number;

  /**
   * `keep` bounds the buffers held for reuse (more may be out at once; extras are dropped on
   * release). `align: false` gives ordinary buffers, as where WebAssembly is missing.
   */
  constructor(options: { bufferSize?: number; keep?: number; align?: boolean } = {}) {
    this.bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
    if (this.bufferSize <= 0 || this.bufferSize % WASM_PAGE !== 0) throw new RangeError(`buffer size must be a multiple of ${WASM_PAGE}`);
    this.keep = options.keep ?? 16;
    this.aligned = (options.align ?? true) && wasmMemory() !== undefined;
  }

  acquire(): Buffer {
    return this.free.pop() ?? this.allocate();
  }

  release(buffer: Buffer): void {
    if (this.free.length < this.keep && buffer.length === this.bufferSize) this.free.push(buffer);
  }

  private allocate(): Buffer {
    const Memory = this.aligned ? wasmMemory() : undefined;
    if (!Memory) return Buffer.allocUnsafeSlow(this.bufferSize);
    const pages = this.bufferSize / WASM_PAGE;
    return Buffer.from(new Memory({ initial: pages, maximum: pages }).buffer);
  }
}
