/**
 * The {@code python} workload runner: runs an uploaded script in a fresh virtual environment per
 * computation.
 *
 * <p>{@link ai.cocos.runner.python.internal.PythonRunner} is the Declarative Services component;
 * {@link ai.cocos.runner.python.internal.PythonWorkload} runs the steps (venv, pip, algorithm),
 * {@link ai.cocos.runner.python.internal.Requirements} refuses requirements files that would pick
 * their own package sources and {@link ai.cocos.runner.python.internal.PipFailure} names the
 * requirement pip could not resolve. Nothing here is exported: the bundle only provides a {@link
 * ai.cocos.api.runner.WorkloadRunner} service.
 */
package ai.cocos.runner.python.internal;
