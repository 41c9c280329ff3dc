package ai.cocos.api.runner;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What to run: one algorithm with its arguments, over a read-only datasets folder, writing into a
 * results folder.
 *
 * @param computationId the computation this run belongs to (for logs and resource names)
 * @param algorithm the uploaded algorithm file (executable, script, module or image archive)
 * @param requirements an optional dependency description uploaded with the algorithm (for example a
 *     Python requirements file)
 * @param args the algorithm's arguments, passed as a vector, never through a shell
 * @param workDir the working folder; {@code datasets/} and {@code results/} usually live below it
 * @param datasetsDir the folder holding the datasets, which the workload must treat as read-only
 * @param resultsDir the folder the workload writes its results into
 * @param timeout the wall-clock limit, after which the run fails as timed out
 * @param environment extra environment variables for the workload (never secrets of the agent)
 */
public record RunSpec(
    String computationId,
    Path algorithm,
    Optional<Path> requirements,
    List<String> args,
    Path workDir,
    Path datasetsDir,
    Path resultsDir,
    Duration timeout,
    Map<String, String> environment) {

  /** Validates and defensively copies the collections. */
  public RunSpec {
    Objects.requireNonNull(computationId, "computationId");
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(requirements, "requirements");
    args = List.copyOf(Objects.requireNonNull(args, "args"));
    Objects.requireNonNull(workDir, "workDir");
    Objects.requireNonNull(datasetsDir, "datasetsDir");
    Objects.requireNonNull(resultsDir, "resultsDir");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, was " + timeout);
    }
    environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
  }
}
