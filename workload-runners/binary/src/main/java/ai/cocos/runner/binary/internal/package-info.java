/**
 * The {@code bin} workload runner: runs an uploaded executable as a child process.
 *
 * <p>{@link ai.cocos.runner.binary.internal.BinaryRunner} is the Declarative Services component and
 * {@link ai.cocos.runner.binary.internal.ExecutableFormat} refuses files the kernel would hand to a
 * shell; supervision (output lines, time limit, stop of the whole process tree) comes from {@code
 * ai.cocos.runner.support}. Nothing here is exported: the bundle only provides a {@link
 * ai.cocos.api.runner.WorkloadRunner} service.
 */
package ai.cocos.runner.binary.internal;
