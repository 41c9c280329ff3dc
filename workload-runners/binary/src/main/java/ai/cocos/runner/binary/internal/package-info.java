/**
 * The {@code bin} workload runner: runs an uploaded executable as a child process.
 *
 * <p>{@link ai.cocos.runner.binary.internal.BinaryRunner} is the Declarative Services component;
 * {@link ai.cocos.runner.binary.internal.ProcessWorkload} supervises one run, {@link
 * ai.cocos.runner.binary.internal.LinePump} turns a byte stream into output lines and {@link
 * ai.cocos.runner.binary.internal.ProcessTree} ends a process with all its descendants. Nothing
 * here is exported: the bundle only provides a {@link ai.cocos.api.runner.WorkloadRunner} service.
 */
package ai.cocos.runner.binary.internal;
