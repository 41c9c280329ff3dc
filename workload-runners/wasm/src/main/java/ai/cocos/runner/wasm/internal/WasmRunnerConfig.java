package ai.cocos.runner.wasm.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the {@code wasm} runner (ConfigAdmin PID {@code ai.cocos.runner.wasm}, fed from
 * {@code AGENT_WASM_*} variables by the agent assembly). The defaults are safe: a bounded memory, a
 * bounded line length, a short grace after a stop.
 */
@ObjectClassDefinition(
    name = "Cocos Wasm runner",
    description =
        "Runs algorithms of type 'wasm' (a WASI preview 1 module) inside the agent's JVM with"
            + " Chicory, compiled to JVM bytecode.")
public @interface WasmRunnerConfig {

  /**
   * The most linear memory one module may use. A module whose initial memory is larger fails before
   * it runs; beyond it, {@code memory.grow} fails (malloc returns NULL). The agent's JVM heap must
   * be able to hold it: the runner's host check says so otherwise.
   *
   * @return the limit in MiB, from 1 to 4096 (the wasm32 address space)
   */
  @AttributeDefinition(
      name = "Memory limit (MiB)",
      description =
          "The most linear memory one Wasm module may use (AGENT_WASM_MAX_MEMORY_MB). The JVM heap"
              + " (-Xmx) must be larger.",
      min = "1",
      max = "4096")
  int maxMemoryMb() default 256;

  /**
   * The longest output line delivered in one piece; longer lines are split so that output without
   * newlines cannot exhaust memory.
   *
   * @return the limit in bytes, at least 1024
   */
  @AttributeDefinition(
      name = "Longest output line (bytes)",
      description = "Output lines longer than this are delivered in pieces of at most this size.",
      min = "1024",
      max = "16777216")
  int maxLineBytes() default 65536;

  /**
   * How long a stopped or timed-out module may take to notice; its result is reported after this
   * even if it has not (its thread then ends at its next loop iteration or call).
   *
   * @return the grace in milliseconds
   */
  @AttributeDefinition(
      name = "Stop grace (ms)",
      description =
          "How long a stopped or timed-out module has to end before its result is reported"
              + " anyway.",
      min = "0",
      max = "60000")
  long stopGraceMillis() default 2000;

  /**
   * The call stack of the thread a module runs on. Each Wasm call is a JVM call, so deep recursion
   * needs a deep stack; exhausting it fails the run as a trap.
   *
   * @return the stack size in MiB
   */
  @AttributeDefinition(
      name = "Call stack (MiB)",
      description = "Stack size of the thread running the module; bounds the Wasm call depth.",
      min = "1",
      max = "1024")
  int stackMb() default 16;
}
