package ai.cocos.runner.docker.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the {@code docker} runner (PID {@code ai.cocos.runner.docker}, fed from {@code
 * AGENT_DOCKER_*} variables by the agent assembly's {@code conf/ai.cocos.runner.docker.cfg}). The
 * defaults are safe: no network, every capability dropped, no new privileges, a bounded number of
 * processes, and the agent's own user so that results stay the agent's.
 */
@ObjectClassDefinition(
    name = "Cocos docker runner",
    description =
        "Runs algorithms of type 'docker' (an uploaded image archive) in a container engine"
            + " through the Docker Engine API.")
public @interface DockerRunnerConfig {

  /**
   * The engine's API socket (CocosAI uses the Docker client's DOCKER_HOST).
   *
   * @return a {@code unix://} URL
   */
  @AttributeDefinition(
      name = "Engine socket (AGENT_DOCKER_HOST)",
      description = "The container engine's Docker Engine API socket, unix:///path/to/socket.")
  String host() default "unix:///var/run/docker.sock";

  /**
   * The network the container joins; {@code none} gives it no network at all.
   *
   * @return an engine network name
   */
  @AttributeDefinition(
      name = "Network (AGENT_DOCKER_NETWORK)",
      description =
          "Network mode of the algorithm's container: 'none' (default, no network), or a network"
              + " the engine knows such as 'bridge'. Anything but 'none' lets the algorithm send"
              + " data out of the confidential VM.")
  String network() default "none";

  /**
   * The container's memory limit; swap is not allowed beyond it.
   *
   * @return mebibytes, 0 for no limit
   */
  @AttributeDefinition(
      name = "Memory limit MiB (AGENT_DOCKER_MEMORY_MB)",
      description = "Memory limit of the algorithm's container (no swap beyond it); 0 = no limit.",
      min = "0")
  long memoryMb() default 0;

  /**
   * The container's CPU limit.
   *
   * @return CPUs (fractions allowed), 0 for no limit
   */
  @AttributeDefinition(
      name = "CPU limit (AGENT_DOCKER_CPUS)",
      description = "How many CPUs the algorithm's container may use (e.g. 1.5); 0 = no limit.",
      min = "0")
  double cpus() default 0;

  /**
   * The most processes and threads the container may have.
   *
   * @return a count, 0 for the engine's default (no limit)
   */
  @AttributeDefinition(
      name = "Process limit (AGENT_DOCKER_PIDS_LIMIT)",
      description =
          "Most processes/threads in the algorithm's container (fork bombs); 0 = engine default.",
      min = "0")
  long pidsLimit() default 4096;

  /**
   * Who the container's processes run as.
   *
   * @return empty for the owner of the computation's results folder (the agent), {@code image} for
   *     the image's own USER, or {@code uid[:gid]}
   */
  @AttributeDefinition(
      name = "User (AGENT_DOCKER_USER)",
      description =
          "User of the algorithm's processes: empty (default) = the agent's uid:gid, so results"
              + " are the agent's to read and datasets readable; 'image' = the image's USER (the"
              + " results folder must then be writable by it); or uid[:gid].")
  String user() default "";

  /**
   * Whether the container's own root file system is read-only (it may still write to its results
   * folder).
   *
   * @return {@code true} for a read-only root file system
   */
  @AttributeDefinition(
      name = "Read-only root file system (AGENT_DOCKER_READ_ONLY_ROOTFS)",
      description =
          "Mount the image's file system read-only; the algorithm can then write only to"
              + " /cocos/results.")
  boolean readOnlyRootfs() default false;

  /**
   * Whether the engine's init process (tini for dockerd, catatonit for podman) runs as PID 1 in the
   * container, forwarding signals to the algorithm and reaping its orphans.
   *
   * @return {@code true} to run the engine's init
   */
  @AttributeDefinition(
      name = "Init process (AGENT_DOCKER_INIT)",
      description =
          "Run the engine's init as PID 1 (tini with dockerd, catatonit with podman): a stop's"
              + " SIGTERM then reaches the algorithm, a crash reports its signal, orphans are"
              + " reaped. Turn off only for engines without one.")
  boolean init() default true;

  /**
   * Time between SIGTERM and SIGKILL when a run is stopped or exceeds its limit.
   *
   * @return seconds, 0 to kill at once
   */
  @AttributeDefinition(
      name = "Kill grace seconds (AGENT_DOCKER_KILL_GRACE_SECONDS)",
      description = "Time between SIGTERM and SIGKILL when a run is stopped or times out.",
      min = "0",
      max = "60")
  int killGraceSeconds() default 2;

  /**
   * How long one ordinary engine call (inspect, create, start, remove) may take.
   *
   * @return seconds
   */
  @AttributeDefinition(
      name = "Engine call timeout seconds (AGENT_DOCKER_API_TIMEOUT_SECONDS)",
      description = "Limit of one engine call other than image load and wait.",
      min = "1",
      max = "600")
  int apiTimeoutSeconds() default 30;

  /**
   * The longest output line delivered in one piece.
   *
   * @return bytes
   */
  @AttributeDefinition(
      name = "Longest output line (bytes)",
      description = "Output lines longer than this are delivered in pieces of at most this size.",
      min = "1024",
      max = "16777216")
  int maxLineBytes() default 65536;
}
