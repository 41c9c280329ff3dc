package ai.cocos.api.runner;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Runs one algorithm of one type. Implemented by workload-runner plugins.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Registered as an OSGi service with {@link #TYPE_PROPERTY} equal to {@link #type()}; the
 *       plugin registry refuses a runner whose property and method disagree.
 *   <li>{@link #start} returns as soon as the workload has started (or failed to start); it never
 *       blocks for the duration of the run. It may be called from any thread, and a runner may run
 *       several workloads at once unless {@link #type()}'s documentation says otherwise.
 *   <li>No shell ever interprets user input: the algorithm path and arguments are passed to the
 *       operating system (or engine) as an argument vector.
 *   <li>Output lines reach the {@link OutputSink} as they are produced, not at the end.
 *   <li>A non-zero exit, a crash, a trap or a timeout completes the {@link Workload} with a failed
 *       {@link RunResult} carrying the reason; {@link Workload#stop()} ends the workload and
 *       everything it started within seconds.
 *   <li>If what the runner needs from the host is missing, {@link #checkHost()} says so; the
 *       registry reports it when the runner arrives instead of failing at run time.
 * </ul>
 */
@ConsumerType
public interface WorkloadRunner {
  /** Service property naming the algorithm type a runner serves. */
  String TYPE_PROPERTY = "cocos.runner.type";

  /**
   * The algorithm type this runner serves, as written in a manifest's {@code algorithm.type}.
   *
   * @return a short lower-case name such as {@code bin} or {@code wasm}
   */
  String type();

  /**
   * Checks that the host offers what this runner needs (an interpreter, an engine socket, ...).
   *
   * @throws RunnerUnavailableException naming what is missing and how to provide it
   */
  void checkHost() throws RunnerUnavailableException;

  /**
   * Starts one workload.
   *
   * @param spec what to run and where
   * @param output receives each line of standard output and standard error as it is produced
   * @return a handle to wait for the result or stop the workload
   * @throws RunnerException if the workload could not be started; nothing is left running then
   */
  Workload start(RunSpec spec, OutputSink output) throws RunnerException;
}
