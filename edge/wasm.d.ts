/** A `.wasm` file imported by the Worker: wrangler ships it precompiled as a module. */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
