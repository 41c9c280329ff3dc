/**
 * What several workload runners share, so that no runner copies another's code.
 *
 * <ul>
 *   <li>Output: {@link ai.cocos.runner.support.LineSplitter} turns bytes into {@link
 *       ai.cocos.api.runner.OutputSink} lines; {@link ai.cocos.runner.support.LineOutputStream}
 *       offers it as an {@link java.io.OutputStream} (in-JVM workloads), {@link
 *       ai.cocos.runner.support.LinePump} feeds it from an {@link java.io.InputStream} (process
 *       pipes).
 *   <li>Processes: {@link ai.cocos.runner.support.ProcessWorkload} supervises a started process as
 *       a {@link ai.cocos.api.runner.Workload} (pumps, time limit, stop, exit status described);
 *       {@link ai.cocos.runner.support.ProcessTree} ends a process with all its descendants; {@link
 *       ai.cocos.runner.support.ChildProcesses} builds a clean environment and argument vector.
 *   <li>Runner components: {@link ai.cocos.runner.support.RunningWorkloads} tracks the workloads of
 *       one runner, refuses new ones once it shuts down and stops the rest.
 * </ul>
 */
@Version("1.0.0")
package ai.cocos.runner.support;

import org.osgi.annotation.versioning.Version;
