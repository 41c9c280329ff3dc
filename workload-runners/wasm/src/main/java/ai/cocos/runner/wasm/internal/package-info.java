/**
 * The {@code wasm} workload runner: runs a WASI preview 1 module inside the JVM with Chicory.
 *
 * <p>{@link ai.cocos.runner.wasm.internal.WasmRunner} is the Declarative Services component; {@link
 * ai.cocos.runner.wasm.internal.WasmWorkload} runs one module on its own thread; {@link
 * ai.cocos.runner.wasm.internal.GuestFileSystem} is all the module can see of the host's files.
 * Nothing here is exported: the bundle only provides a {@link ai.cocos.api.runner.WorkloadRunner}
 * service.
 */
package ai.cocos.runner.wasm.internal;
