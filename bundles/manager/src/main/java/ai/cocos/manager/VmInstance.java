package ai.cocos.manager;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One running agent (a VM, or a host process), as a {@link VmBackend} started or re-attached it.
 * Implementations are thread-safe.
 */
@ConsumerType
public interface VmInstance {
  /**
   * What runs, for messages and logs.
   *
   * @return e.g. {@code agent process 4711}
   */
  String describe();

  /**
   * What the backend needs to {@link VmBackend#reattach re-attach} after a manager restart,
   * persisted with the VM's record. Must not hold secrets.
   *
   * @return e.g. {@code {pid=4711, started=1767225600000}}
   */
  Map<String, String> state();

  /**
   * Whether the agent still runs.
   *
   * @return {@code false} once it has ended
   */
  boolean isAlive();

  /**
   * Completes once, when the agent ends for whatever reason (its own exit, {@link #stop}, a crash).
   * Never completes exceptionally.
   *
   * @return the exit
   */
  CompletionStage<VmExit> exit();

  /**
   * The last lines the agent printed (standard output and error), oldest first.
   *
   * @return at most about 50 lines, possibly none
   */
  List<String> lastOutput();

  /**
   * Stops the agent: asks it to end (SIGTERM, or an ACPI power-down), waits up to {@code grace},
   * then ends it and everything it started forcibly (SIGKILL). Returns once it has ended; calling
   * it again, or after the agent ended, returns at once.
   *
   * @param grace how long the agent may take to end by itself
   * @throws InterruptedException if interrupted while waiting (the agent is then killed)
   */
  void stop(Duration grace) throws InterruptedException;
}
