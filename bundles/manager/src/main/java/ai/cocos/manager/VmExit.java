package ai.cocos.manager;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * How a VM (or agent process) ended.
 *
 * @param exitCode the exit code, when the backend knows it (a process the manager started itself);
 *     empty for a VM re-attached after a manager restart
 * @param lastOutput the last lines the agent printed, oldest first (at most about 50)
 */
public record VmExit(OptionalInt exitCode, List<String> lastOutput) {
  /** Checks the values and copies the lines. */
  public VmExit {
    Objects.requireNonNull(exitCode, "exitCode");
    lastOutput = List.copyOf(Objects.requireNonNull(lastOutput, "lastOutput"));
  }

  /**
   * The exit as words.
   *
   * @return e.g. {@code exit code 3} or {@code exit code unknown}
   */
  public String describe() {
    return exitCode.isPresent() ? "exit code " + exitCode.getAsInt() : "exit code unknown";
  }
}
