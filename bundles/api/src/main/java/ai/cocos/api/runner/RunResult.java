package ai.cocos.api.runner;

import java.util.Objects;

/**
 * How a workload ended.
 *
 * @param outcome the kind of ending
 * @param exitCode the process exit code, or {@code -1} where there is none (trap, stop, timeout)
 * @param reason a sentence for the computation's events, naming why it failed; empty on success
 */
public record RunResult(Outcome outcome, int exitCode, String reason) {
  /** The kind of ending. */
  public enum Outcome {
    /** Exited normally with status 0. */
    SUCCEEDED,
    /** Exited non-zero, crashed, trapped or could not run. */
    FAILED,
    /** Exceeded its wall-clock or fuel limit. */
    TIMED_OUT,
    /** Ended by {@link Workload#stop()}. */
    STOPPED
  }

  /** Validates the fields. */
  public RunResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(reason, "reason");
  }

  /**
   * Whether the run succeeded.
   *
   * @return {@code true} only for {@link Outcome#SUCCEEDED}
   */
  public boolean succeeded() {
    return outcome == Outcome.SUCCEEDED;
  }
}
