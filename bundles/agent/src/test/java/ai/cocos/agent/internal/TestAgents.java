package ai.cocos.agent.internal;

import ai.cocos.agent.Agent;
import ai.cocos.api.runner.WorkloadRunner;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Real agents for the tests of other packages (the gRPC adapter, the CVMS client): the agent's
 * runtime with test settings and a runner that really starts the algorithm as a process.
 */
public final class TestAgents {
  private TestAgents() {}

  /**
   * A real runner of type {@code bin}: starts the algorithm with {@link ProcessBuilder}.
   *
   * @return a new runner
   */
  public static WorkloadRunner processRunner() {
    return new ProcessRunner();
  }

  /**
   * Starts an agent.
   *
   * @param workDir its work folder
   * @param runner the runner for every type
   * @param maxUploadBytes the largest upload
   * @return the agent
   */
  public static Agent start(Path workDir, WorkloadRunner runner, long maxUploadBytes) {
    TestSupport.Settings s = new TestSupport.Settings(workDir);
    s.maxUploadBytes = maxUploadBytes;
    s.runTimeout = Duration.ofSeconds(60);
    return new AgentRuntime(s.build(), type -> runner, Clock.systemUTC(), DiskSpace.FILE_STORE);
  }

  /**
   * Stops an agent made by {@link #start}: its computation is stopped and wiped.
   *
   * @param agent the agent
   */
  public static void stop(Agent agent) {
    ((AgentRuntime) agent).deactivate();
  }
}
